"""A task's page, and what can be done to it: re-run (once per press), cancel, check now."""

from __future__ import annotations

import re

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import (
    HttpResponseStopPolling,
)

from generator import catalog, credits, followups, generations, lineage, long_jobs
from generator.forms import new_submission_token
from generator.models import GenerationTask, State, TaskInput
from generator.roles import GENERATE, VIEW_STUDIO
from generator.views.access import requires
from generator.views.gallery import LIVE_INTERVAL

_TOKEN = re.compile(r"[0-9a-f]{32}")


@requires(VIEW_STUDIO)
@require_GET
@vary_on_headers("HX-Request")
def task_detail(request, pk: int):
    task = get_object_or_404(
        GenerationTask.objects.select_related("created_by", "prompt")
        .prefetch_related(
            "assets__review",
            "events",
            Prefetch("inputs", TaskInput.objects.select_related("source_asset__task")),
        )
        .select_related("source_asset__task"),
        pk=pk,
    )
    context = {
        "task": task,
        "rerun_token": new_submission_token(),
        "timings": _timings(task),
        "params": _param_rows(task),
        "interval": LIVE_INTERVAL,
        "may_approve": task.awaits_approval and credits.may_approve(request.user),
        "elapsed": long_jobs.elapsed(task),
        "lineage": lineage.of_task(task),
        "followups": _followups(task),
    }
    if request.htmx and request.htmx.target == "task-body":
        response = render(request, "generator/task.html#body", context)
        if task.is_final:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "generator/task.html", context)


def _followups(task: GenerationTask) -> dict[int, list[followups.Action]]:
    """Each finished video's follow-ups (extend, 1080p, 4K...), by asset id; the rest of
    what an asset can become is on its own page."""
    if task.state != State.SUCCEEDED:
        return {}
    return {  # a track's follow-ups are listed by its own markup (_track.html)
        asset.pk: [a for a in followups.actions_for(asset) if a.kind == followups.FOLLOWUP]
        for asset in task.assets.all()
        if asset.kind == "video"
    }


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
        if str(value) in labels:
            shown = labels[str(value)]
        elif isinstance(value, bool):
            shown = _("yes") if value else _("no")
        else:
            shown = localize(value)  # 0.8 is "0,8" in French
        rows.append((param.label, str(shown)))
    return rows


@requires(GENERATE)
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
    except credits.SpendingRefused as exc:  # the same settings would be refused again
        messages.error(request, str(exc))
        return redirect(task)
    except catalog.CatalogError as exc:
        messages.error(
            request, _("This task can no longer be re-run as it was: %(why)s") % {"why": exc}
        )
        return redirect(task.change_and_rerun_url)
    except generations.AlreadySent as exc:
        return redirect(exc.task)
    return redirect(new_task)


@requires(VIEW_STUDIO)
@require_POST
def task_check_now(request, pk: int):
    """Ask kie.ai about this task at once (free; at most once per few seconds per task)."""
    task = get_object_or_404(GenerationTask, pk=pk)
    if long_jobs.check_now(task):
        messages.info(request, _("Asking kie.ai now; this page updates by itself."))
    elif task.state in generations.POLLED_STATES:
        messages.info(request, _("kie.ai was asked a moment ago; the answer is on its way."))
    return redirect(task)


@requires(GENERATE)
@require_POST
def task_cancel(request, pk: int):
    task = get_object_or_404(GenerationTask, pk=pk)
    generations.cancel(task)
    return redirect(task)


# --- files ----------------------------------------------------------------------------
