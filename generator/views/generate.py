"""The generate page: a form built from the catalog, its live price, and the submission."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import (
    HttpResponseClientRedirect,
)

from generator import availability, catalog, credits, generations
from generator.forms import GenerationForm
from generator.ids import database_id
from generator.models import Asset, GenerationTask, Prompt, TaskInput
from generator.roles import GENERATE
from generator.views.access import requires


def _pick(request):
    source = request.POST if request.method == "POST" else request.GET
    try:
        model = catalog.get(source.get("model") or catalog.MODELS[0].key)
        operation = model.operation(source.get("operation") or None)
    except catalog.CatalogError:
        raise Http404("No such model or operation") from None
    return model, operation


@requires(GENERATE)
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
        source_asset = form.cleaned_data.get("source_asset")
        carried_inputs = form.cleaned_data.get("earlier_inputs") or []
        # A browser cannot be handed a file back: say which ones must be chosen again.
        forgotten_uploads = [f.name for key in request.FILES for f in request.FILES.getlist(key)]
        chosen = request.POST  # after a refused post the price follows what was chosen
    else:
        input_asset = _asset_from_query(request)
        source_asset = _source_from_query(request, operation)
        carried_inputs = _carried_inputs(request, input_asset)
        chosen = _initial_values(request, model, operation, input_asset)
        if source_asset:
            chosen["source_asset"] = source_asset.pk
        form = GenerationForm(model, operation, initial=chosen, user=request.user)
        forgotten_uploads = []
    price = generations.estimate_from_raw(model, operation, chosen)
    statuses = availability.statuses()
    context = {
        "form": form,
        "version_of": _version_of(request),
        "model": model,
        "operation": operation,
        "models_by_kind": _models_by_kind(operation, statuses),
        "model_status": statuses[model.key],
        "input_asset": input_asset,
        "source_asset": source_asset,
        "operations": _operations(model, source_asset),
        "carried_inputs": carried_inputs,
        "ticked_inputs": _ticked(operation, input_asset, carried_inputs),
        "forgotten_uploads": forgotten_uploads,
        "estimate": price,
        "advice": credits.advice(request.user, price.credits),
    }
    if request.htmx and request.htmx.target == "generate-form":
        return render(request, "generator/generate.html#form", context)
    return render(request, "generator/generate.html", context)


def _initial_values(request, model, operation, input_asset) -> dict:
    """What a fresh form shows: an earlier task's settings ("edit this image", "change and
    re-run"), then what the marketer had typed before switching model or operation, then
    a saved prompt just picked."""
    initial = {"model": model.key, "operation": operation.key}
    source_id = database_id(request.GET.get("source_asset"))
    if operation.is_followup and source_id and Asset.objects.filter(pk=source_id).exists():
        initial["source_asset"] = source_id
    if input_asset:
        initial["input_asset"] = input_asset.pk
    initial.update(_initial_from_task(request, model, operation))
    for param in operation.params:
        if param not in operation.file_params and param.name in request.GET:
            initial[param.name] = request.GET[param.name]
    saved_id = database_id(request.GET.get("saved_prompt"))
    saved = Prompt.objects.filter(owner=request.user, pk=saved_id).first() if saved_id else None
    if saved:
        initial["saved_prompt"] = saved.pk
        if request.htmx and request.htmx.trigger == "saved-prompt-picker":
            initial["prompt"] = saved.text
    return initial


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
            made_from=_version_of(request),
            source_asset=form.cleaned_data.get("source_asset"),
        )
    except catalog.CatalogError as exc:
        form.apply_catalog_errors(exc.errors)
        return None
    except generations.AlreadySent as exc:
        form.already_sent(exc.task)
        return None
    name = form.cleaned_data.get("save_as")
    text = form.cleaned_data.get("prompt") or (saved.text if saved else "")
    if name and text:  # the prompt as typed (or the saved one it stood in for)
        Prompt.objects.update_or_create(owner=request.user, name=name, defaults={"text": text})
    return task


def _version_of(request) -> Asset | None:
    """The asset this generation makes a new version of (lineage), when there is one."""
    source = request.POST if request.method == "POST" else request.GET
    asset_id = database_id(source.get("version_of"))
    return Asset.objects.select_related("review").filter(pk=asset_id).first() if asset_id else None


def _carried_inputs(request, input_asset) -> list[TaskInput]:
    """An earlier task's reference images ("change and re-run"), or those still ticked
    when the marketer switches operation or saved prompt. Editing a task's result
    ("use as input of an edit") starts from that result alone."""
    ids = [i for i in map(database_id, request.GET.getlist("earlier_inputs")) if i]
    task_id = database_id(request.GET.get("from_task"))
    if ids:
        inputs = TaskInput.objects.filter(pk__in=ids)
    elif task_id and not input_asset:
        inputs = TaskInput.objects.filter(task_id=task_id)
    else:
        return []
    media = Q(content_type__startswith="image/") | Q(content_type__startswith="video/")
    return list(inputs.filter(media).order_by("task_id", "param", "position"))


def _ticked(operation, input_asset, carried_inputs) -> set[int]:
    """The carried images ticked at first: as many as the operation takes."""
    params = operation.file_params
    first = params[0] if params else None
    room = first.max_items if first and first.max_items else None
    if room is not None and input_asset:
        room -= 1
    others = {param.name for param in params[1:]}
    mine = [i for i in carried_inputs if i.param not in others]
    return {i.pk for i in mine[:room]} | {i.pk for i in carried_inputs if i.param in others}


def _source_from_query(request, operation) -> Asset | None:
    """The video a follow-up acts on (?source_asset=ID, or that of the task changed and
    re-run); checked again at submission."""
    if not operation.is_followup:
        return None
    asset_id = database_id(request.GET.get("source_asset"))
    if not asset_id:
        task_id = database_id(request.GET.get("from_task"))
        earlier = GenerationTask.objects.filter(pk=task_id).first() if task_id else None
        asset_id = earlier.source_asset_id if earlier else None
    if not asset_id:
        return None
    return Asset.objects.select_related("task").filter(pk=asset_id).first()


def _operations(model, source_asset) -> list[catalog.Operation]:
    """The operation tabs: follow-ups only when the form came from a finished video."""
    return [op for op in model.operations if not op.is_followup or source_asset]


def _asset_from_query(request) -> Asset | None:
    asset_id = database_id(request.GET.get("input_asset"))
    if not asset_id:
        return None
    media = Q(content_type__startswith="image/") | Q(content_type__startswith="video/")
    return Asset.objects.filter(media, pk=asset_id).first()


def _initial_from_task(request, model, operation) -> dict:
    """Prefill from an earlier task: its prompt, and its settings where they apply."""
    task_id = database_id(request.GET.get("from_task"))
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


def _models_by_kind(operation, statuses) -> list[tuple[str, list[tuple]]]:
    """The model picker: each model with the link to its form, at the current operation
    where that model has it too, and its availability (greyed with why when it is not)."""
    groups = []
    for kind, models in catalog.by_kind().items():
        if not models:
            continue
        links = []
        for model in models:
            if all(op.is_followup for op in model.operations):
                continue  # started from a result's page, not from nothing
            query = f"?model={model.key}"
            keys = [op.key for op in model.operations]
            if operation.key in keys[1:] and not operation.is_followup:
                query += f"&operation={operation.key}"
            links.append((model, query, statuses[model.key]))
        groups.append((catalog.KIND_LABELS[kind], links))
    return groups


@requires(GENERATE)
@require_GET
def estimate(request):
    model, operation = _pick(request)
    price = generations.estimate_from_raw(model, operation, request.GET)
    context = {
        "estimate": price,
        "advice": credits.advice(request.user, price.credits),
        "model": model,
    }
    return render(request, "generator/generate.html#estimate", context)


# --- gallery --------------------------------------------------------------------------
