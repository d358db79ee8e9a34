"""The gallery, and its live updates: one request per interval returns only the changed cards."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import (
    HttpResponseStopPolling,
)

from generator import catalog, lineage
from generator.ids import database_id
from generator.models import ACTIVE_STATES, GenerationTask, State
from generator.roles import VIEW_STUDIO
from generator.views.access import requires

GALLERY_PAGE_SIZE = 24
LIVE_INTERVAL = "2s"
GALLERY_STATES = [
    ("active", _("In progress")),
    (State.SUCCEEDED, _("Done")),
    ("failed", _("Failed")),
]


@requires(VIEW_STUDIO)
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
    tasks = GenerationTask.objects.for_gallery().prefetch_related("assets__review")
    tasks = lineage.with_version_counts(tasks.filtered(**filters))
    family_of = database_id(request.GET.get("family"))
    if family_of:  # a video with its extensions and upscales
        tasks = tasks.filter(pk__in=lineage.family_ids(family_of))
    page = Paginator(tasks, GALLERY_PAGE_SIZE).get_page(database_id(request.GET.get("page")))
    context = {
        "page": page,
        "tasks": page.object_list,
        "filters": filters,
        "models": catalog.MODELS,
        "kinds": [(k.value, catalog.KIND_LABELS[k]) for k in catalog.Kind],
        "states": GALLERY_STATES,
        "live": _live_context(page.object_list),
        "new_task": request.GET.get("new", ""),
        "family_of": family_of,
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
        if task_id := database_id(pk):
            cards[task_id] = version
    return cards


@requires(VIEW_STUDIO)
@require_GET
def gallery_live(request):
    """One request per interval per open gallery: only the cards that changed, out of band."""
    watched = _parse_cards(request.GET.get("cards", ""))
    tasks = GenerationTask.objects.for_gallery().prefetch_related("assets__review")
    tasks = list(lineage.with_version_counts(tasks.filter(pk__in=watched)))
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
