"""Pages: generate, gallery (with live updates), task detail, stored files."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import (
    HttpResponseClientRedirect,
    HttpResponseClientRefresh,
    HttpResponseStopPolling,
)

from generator import catalog, generations, safejson
from generator.forms import GenerationForm, new_submission_token
from generator.ids import database_id
from generator.models import ACTIVE_STATES, Asset, GenerationTask, Prompt, State, TaskInput

GALLERY_PAGE_SIZE = 24
LIVE_INTERVAL = "2s"
GALLERY_STATES = [("active", "In progress"), (State.SUCCEEDED, "Done"), ("failed", "Failed")]
CALLBACK_MAX_AGE_SECONDS = 600
CALLBACK_MAX_BYTES = safejson.MAX_BYTES
_TOKEN = re.compile(r"[0-9a-f]{32}")


def staff_required(view):
    """Logged-in staff only: anonymous users go to the login page, others get 403.

    An htmx request (a live poll, a form swap) moves the whole page instead, so a session
    that ended in another tab never puts the login form or the 403 page inside a card."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            if request.htmx:
                return HttpResponseClientRefresh()  # the reloaded page says "Not allowed"
            raise PermissionDenied("AutoScale Studio is for staff accounts.")
        return view(request, *args, **kwargs)

    @wraps(view)
    def htmx_aware(request, *args, **kwargs):
        if request.htmx and not request.user.is_authenticated:
            page = request.htmx.current_url_abs_path or reverse("generator:gallery")
            return HttpResponseClientRedirect(redirect_to_login(page).url)
        return wrapper(request, *args, **kwargs)

    return htmx_aware


# --- generate -------------------------------------------------------------------------


def _pick(request):
    source = request.POST if request.method == "POST" else request.GET
    try:
        model = catalog.get(source.get("model") or catalog.MODELS[0].key)
        operation = model.operation(source.get("operation") or None)
    except catalog.CatalogError:
        raise Http404("No such model or operation") from None
    return model, operation


@staff_required
@vary_on_headers("HX-Request")  # a fragment and a page share the URL: never cache one as the other
def generate(request):
    model, operation = _pick(request)
    if request.method == "POST":
        form = GenerationForm(model, operation, request.POST, request.FILES, user=request.user)
        task = _start(request, form) if form.is_valid() else form.add_catalog_errors()
        if task:
            url = reverse("generator:gallery") + f"?new={task.pk}"
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        input_asset = form.cleaned_data.get("input_asset")
        carried_inputs = form.cleaned_data.get("earlier_inputs") or []
        # A browser cannot be handed a file back: say which ones must be chosen again.
        forgotten_uploads = [f.name for key in request.FILES for f in request.FILES.getlist(key)]
        chosen = request.POST  # after a refused post the price follows what was chosen
    else:
        input_asset = _asset_from_query(request)
        carried_inputs = _carried_inputs(request, input_asset)
        chosen = _initial_values(request, model, operation, input_asset)
        form = GenerationForm(model, operation, initial=chosen, user=request.user)
        forgotten_uploads = []
    context = {
        "form": form,
        "model": model,
        "operation": operation,
        "models_by_kind": _models_by_kind(operation),
        "input_asset": input_asset,
        "carried_inputs": carried_inputs,
        "ticked_inputs": _ticked(operation, input_asset, carried_inputs),
        "forgotten_uploads": forgotten_uploads,
        "estimate": generations.estimate_from_raw(model, operation, chosen),
    }
    if request.htmx and request.htmx.target == "generate-form":
        return render(request, "generator/generate.html#form", context)
    return render(request, "generator/generate.html", context)


def _initial_values(request, model, operation, input_asset) -> dict:
    """What a fresh form shows: an earlier task's settings ("edit this image", "change and
    re-run"), then what the marketer had typed before switching model or operation, then
    a saved prompt just picked."""
    initial = {"model": model.key, "operation": operation.key}
    if input_asset:
        initial["input_asset"] = input_asset.pk
    initial.update(_initial_from_task(request, model, operation))
    for param in operation.params:
        if param.type is not catalog.ParamType.IMAGES and param.name in request.GET:
            initial[param.name] = request.GET[param.name]
    saved_id = _int(request.GET.get("saved_prompt"))
    saved = Prompt.objects.filter(owner=request.user, pk=saved_id).first() if saved_id else None
    if saved:
        initial["saved_prompt"] = saved.pk
        if request.htmx and request.htmx.trigger == "saved-prompt-picker":
            initial["prompt"] = saved.text
    return initial


def _int(value) -> int | None:
    """A database id from a query string, or None for anything else."""
    return database_id(value)


def _start(request, form: GenerationForm) -> GenerationTask | None:
    model, operation = form.catalog_model, form.catalog_operation
    raw = form.catalog_values()
    saved = form.cleaned_data.get("saved_prompt")
    if saved and not raw.get("prompt"):
        raw["prompt"] = saved.text
    if saved and saved.brand_context and raw.get("prompt"):
        raw["prompt"] = f"{raw['prompt']}\n\n{saved.brand_context.strip()}"
    images = form.images(request.FILES.getlist(form.image_param.name)) if form.image_param else []
    try:
        task = generations.start_generation(
            request.user,
            model.key,
            operation.key,
            raw,
            images,
            saved_prompt=saved,
            submission_token=form.cleaned_data.get("submission_token", ""),
        )
    except catalog.CatalogError as exc:
        form.apply_catalog_errors(exc.errors)
        return None
    name = form.cleaned_data.get("save_as")
    text = form.cleaned_data.get("prompt") or (saved.text if saved else "")
    if name and text:  # the prompt as typed (or the saved one it stood in for)
        Prompt.objects.update_or_create(owner=request.user, name=name, defaults={"text": text})
    return task


def _carried_inputs(request, input_asset) -> list[TaskInput]:
    """An earlier task's reference images ("change and re-run"), or those still ticked
    when the marketer switches operation or saved prompt. Editing a task's result
    ("use as input of an edit") starts from that result alone."""
    ids = [i for i in map(_int, request.GET.getlist("earlier_inputs")) if i]
    task_id = _int(request.GET.get("from_task"))
    if ids:
        inputs = TaskInput.objects.filter(pk__in=ids)
    elif task_id and not input_asset:
        inputs = TaskInput.objects.filter(task_id=task_id)
    else:
        return []
    return list(inputs.filter(content_type__startswith="image/").order_by("task_id", "position"))


def _ticked(operation, input_asset, carried_inputs) -> set[int]:
    """The carried images ticked at first: as many as the operation takes."""
    image_param = operation.image_param
    room = image_param.max_items if image_param and image_param.max_items else None
    if room is not None and input_asset:
        room -= 1
    return {task_input.pk for task_input in carried_inputs[:room]}


def _asset_from_query(request) -> Asset | None:
    asset_id = _int(request.GET.get("input_asset"))
    if not asset_id:
        return None
    return Asset.objects.filter(pk=asset_id, content_type__startswith="image/").first()


def _initial_from_task(request, model, operation) -> dict:
    """Prefill from an earlier task: its prompt, and its settings where they apply."""
    task_id = _int(request.GET.get("from_task"))
    task = GenerationTask.objects.filter(pk=task_id).first() if task_id else None
    if not task:
        return {}
    values = {"prompt": task.prompt_text}
    if task.model_key == model.key:
        same_operation = task.operation == operation.key
        for param in operation.params:
            # Editing a result: "keep the original" fields (no default) start empty.
            if param.name in task.params and (same_operation or param.default is not None):
                values[param.name] = task.params[param.name]
    return values


def _models_by_kind(operation) -> list[tuple[str, list[tuple[catalog.CatalogModel, str]]]]:
    """The model picker: each model with the link to its form, at the current operation
    where that model has it too."""
    groups = []
    for kind, models in catalog.by_kind().items():
        if not models:
            continue
        links = []
        for model in models:
            query = f"?model={model.key}"
            keys = [op.key for op in model.operations]
            if operation.key in keys[1:]:
                query += f"&operation={operation.key}"
            links.append((model, query))
        groups.append((catalog.KIND_LABELS[kind], links))
    return groups


@staff_required
@require_GET
def estimate(request):
    model, operation = _pick(request)
    context = {
        "estimate": generations.estimate_from_raw(model, operation, request.GET),
        "model": model,
    }
    return render(request, "generator/generate.html#estimate", context)


# --- gallery --------------------------------------------------------------------------


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def gallery(request):
    filters = {  # PostgreSQL refuses NUL in a query parameter: none gets that far
        "kind": request.GET.get("kind", "").replace("\x00", ""),
        "model": request.GET.get("model", "").replace("\x00", ""),
        "state": request.GET.get("state", ""),
        "search": request.GET.get("q", "").replace("\x00", "").strip()[:200],
    }
    if filters["state"] not in {value for value, _ in GALLERY_STATES}:
        filters["state"] = ""  # an unknown state shows everything, as its select says
    tasks = GenerationTask.objects.for_gallery().filtered(**filters)
    page = Paginator(tasks, GALLERY_PAGE_SIZE).get_page(_int(request.GET.get("page")))
    context = {
        "page": page,
        "tasks": page.object_list,
        "filters": filters,
        "models": catalog.MODELS,
        "kinds": [(k.value, catalog.KIND_LABELS[k]) for k in catalog.Kind],
        "states": GALLERY_STATES,
        "live": _live_context(page.object_list),
        "new_task": request.GET.get("new", ""),
        "query_without_page": _query_without_page(request),
    }
    if request.htmx and request.htmx.target == "gallery-results":
        return render(request, "generator/gallery.html#results", context)
    return render(request, "generator/gallery.html", context)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("new", None)
    return query.urlencode()


def _live_context(tasks) -> dict:
    pending = [task for task in tasks if task.state in ACTIVE_STATES]
    return {"cards": ",".join(f"{t.pk}:{t.version}" for t in pending), "interval": LIVE_INTERVAL}


def _parse_cards(value: str) -> dict[int, str]:
    cards = {}
    for item in value.split(",")[: GALLERY_PAGE_SIZE * 2]:
        pk, _, version = item.partition(":")
        if task_id := _int(pk):
            cards[task_id] = version
    return cards


@staff_required
@require_GET
def gallery_live(request):
    """One request per interval per open gallery: only the cards that changed, out of band."""
    watched = _parse_cards(request.GET.get("cards", ""))
    tasks = list(GenerationTask.objects.for_gallery().filter(pk__in=watched))
    changed = [task for task in tasks if task.version != watched.get(task.pk)]
    live = _live_context(tasks)
    if not changed:
        return HttpResponse(status=204)  # htmx keeps polling and swaps nothing
    context = {"changed": changed, "live": live}
    response = render(request, "generator/gallery.html#live-response", context)
    if not live["cards"]:
        response.status_code = HttpResponseStopPolling.status_code
    return response


# --- task -----------------------------------------------------------------------------


@staff_required
@require_GET
@vary_on_headers("HX-Request")
def task_detail(request, pk: int):
    task = get_object_or_404(
        GenerationTask.objects.select_related("created_by", "prompt").prefetch_related(
            "assets", "events", "inputs__source_asset"
        ),
        pk=pk,
    )
    context = {
        "task": task,
        "rerun_token": new_submission_token(),
        "timings": _timings(task),
        "params": _param_rows(task),
        "interval": LIVE_INTERVAL,
    }
    if request.htmx and request.htmx.target == "task-body":
        response = render(request, "generator/task.html#body", context)
        if task.is_final:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "generator/task.html", context)


def _timings(task: GenerationTask) -> list[tuple[str, float]]:
    """Seconds spent in each state, from the event trail."""
    events = list(task.events.all())
    rows = []
    for current, following in zip(events, events[1:], strict=False):
        rows.append((current.get_to_state_display(), (following.at - current.at).total_seconds()))
    return rows


def _param_rows(task: GenerationTask) -> list[tuple[str, str]]:
    try:
        operation = task.catalog_model.operation(task.operation)
    except catalog.CatalogError:
        return [(k, str(v)) for k, v in task.params.items()]
    rows = []
    for param in operation.params:
        if param.name == "prompt" or param.type is catalog.ParamType.IMAGES:
            continue
        value = task.params.get(param.name)
        if value is None:
            continue
        labels = {str(v): label for v, label in param.choices}
        shown = labels.get(
            str(value), "yes" if value is True else "no" if value is False else value
        )
        rows.append((param.label, str(shown)))
    return rows


@staff_required
@require_POST
def task_rerun(request, pk: int):
    """Re-run once per press: the page's one-time token makes a double click (or a
    resent form) return the task it already made."""
    task = get_object_or_404(GenerationTask, pk=pk)
    token = request.POST.get("submission_token", "")
    if not _TOKEN.fullmatch(token):
        messages.error(request, _("That button was out of date; nothing was sent. Try again."))
        return redirect(task)
    try:
        new_task = generations.rerun(task, request.user, submission_token=token)
    except catalog.CatalogError as exc:
        return HttpResponse(f"This task can no longer be re-run: {exc}", status=409)
    return redirect(new_task)


@staff_required
@require_POST
def task_cancel(request, pk: int):
    task = get_object_or_404(GenerationTask, pk=pk)
    generations.cancel(task)
    return redirect(task)


# --- files ----------------------------------------------------------------------------


@staff_required
@require_GET
def asset_file(request, pk: int):
    asset = get_object_or_404(Asset, pk=pk)
    download = request.GET.get("download") == "1"
    name = f"autoscale-{asset.task_id}-{asset.index + 1}.{asset.extension}"
    return _file_response(asset.file, asset.content_type, download, name)


@staff_required
@require_GET
def asset_thumbnail(request, pk: int):
    asset = get_object_or_404(Asset, pk=pk)
    if not asset.thumbnail:
        raise Http404("No thumbnail")
    return _file_response(asset.thumbnail, "image/webp", False, None)


@staff_required
@require_GET
def task_input_file(request, pk: int):
    task_input = get_object_or_404(TaskInput, pk=pk)
    return _file_response(task_input.file, task_input.content_type, False, None)


def _file_response(field_file, content_type, as_attachment, filename):
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing") from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=as_attachment, filename=filename
    )
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@csrf_exempt
@require_POST
def kie_callback(request):
    """kie.ai's callback moves the task's next poll forward and, through the signed `ref`
    we put in every callback URL, re-attaches a task whose create answer was lost. The body
    is never trusted beyond the task id: the status is re-read from record-info.
    Duplicates are harmless."""
    try:
        # Read no further than the limit: a body past it is refused unread.
        body = safejson.loads(request.read(CALLBACK_MAX_BYTES + 1) or b"{}")
    except safejson.JSONTooLarge as exc:
        return JsonResponse({"ok": False, "error": f"body {exc}"}, status=413)
    except safejson.JSONRefused as exc:
        return JsonResponse({"ok": False, "error": f"body {exc}"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"ok": False, "error": "body is not a JSON object"}, status=400)
    upstream_id = _callback_task_id(body)
    if settings.KIE_WEBHOOK_HMAC_KEY and not _signed_by_kie(request, upstream_id):
        return JsonResponse({"ok": False, "error": "bad signature"}, status=401)
    if upstream_id:
        generations.callback_arrived(upstream_id, request.GET.get("ref", "")[:200])
    return JsonResponse({"ok": True})


def _signed_by_kie(request, upstream_id: str) -> bool:
    """kie-api.md 1.9: base64(HMAC-SHA256(taskId + "." + timestamp)), a recent timestamp."""
    stamp = request.headers.get("X-Webhook-Timestamp", "")
    signature = request.headers.get("X-Webhook-Signature", "")
    # Seconds since 1970 in ASCII digits (isdigit alone also takes "²"), short enough
    # to be a time at all.
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return False
    if not (signature and upstream_id):
        return False
    if abs(time.time() - int(stamp)) > CALLBACK_MAX_AGE_SECONDS:
        return False  # an old, replayed delivery
    expected = hmac.new(
        settings.KIE_WEBHOOK_HMAC_KEY.encode(), f"{upstream_id}.{stamp}".encode(), hashlib.sha256
    ).digest()
    given = signature.strip().encode("utf-8", "replace")  # compare_digest takes ASCII str only
    return hmac.compare_digest(base64.b64encode(expected), given)


def _callback_task_id(body) -> str:
    """Families put the id in different places (kie-api.md 1.9)."""
    if not isinstance(body, dict):
        return ""
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    for value in (data.get("taskId"), data.get("task_id"), body.get("taskId"), body.get("task_id")):
        if isinstance(value, str) and 0 < len(value) <= 120:
            return value
    return ""


@require_GET
def home(request):
    return redirect("generator:gallery")
