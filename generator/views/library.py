"""The approved library: approved assets with filters, one download, a ZIP of a selection,
and every asset's provenance as JSON."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from generator import catalog, library, provenance
from generator.ids import database_id
from generator.models import Asset
from generator.roles import VIEW_STUDIO
from generator.views.access import requires

LIBRARY_PAGE_SIZE = 24


@requires(VIEW_STUDIO)
@require_GET
@vary_on_headers("HX-Request")
def library_page(request):
    filters = {
        "kind": request.GET.get("kind", "").replace("\x00", ""),
        "model": request.GET.get("model", "").replace("\x00", ""),
        "search": request.GET.get("q", "").replace("\x00", "").strip()[:200],
    }
    since_day = _day(request.GET.get("since", ""))
    assets = library.approved(**filters, since=_start_of(since_day))
    page = Paginator(assets, LIBRARY_PAGE_SIZE).get_page(database_id(request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "assets": page.object_list,
        "filters": {**filters, "since": since_day.isoformat() if since_day else ""},
        "models": catalog.MODELS,
        "kinds": [(k.value, catalog.KIND_LABELS[k]) for k in catalog.Kind],
        "query_without_page": query.urlencode(),
        "most_in_one_zip": library.MOST_IN_ONE_ZIP,
    }
    if request.htmx and request.htmx.target == "library-results":
        return render(request, "generator/library.html#results", context)
    return render(request, "generator/library.html", context)


@requires(VIEW_STUDIO)
@require_GET
def library_zip(request):
    """The ticked approved assets as one ZIP, streamed; anything not approved is left out."""
    ids = [i for i in map(database_id, request.GET.getlist("asset")) if i]
    assets = list(library.approved().filter(pk__in=ids[: library.MOST_IN_ONE_ZIP]))
    if not assets:
        messages.error(request, _("Tick the approved assets to put in the ZIP."))
        return redirect("generator:library")
    response = StreamingHttpResponse(library.zip_stream(assets), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{library.zip_name()}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(VIEW_STUDIO)
@require_GET
def asset_provenance(request, pk: int):
    asset = get_object_or_404(
        Asset.objects.select_related("task__created_by", "review__decided_by"), pk=pk
    )
    response = HttpResponse(provenance.as_json(asset), content_type="application/json")
    if request.GET.get("download") == "1":
        name = f"{provenance.download_name(asset)}.provenance.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _day(value: str):
    try:
        return parse_date(value.strip()[:10]) if value else None
    except ValueError:  # a well-formed but impossible date, 2026-02-31
        return None


def _start_of(day):
    if day is None:
        return None
    # Approved on that day or later (`approved` keeps what is strictly after `since`).
    return timezone.make_aware(datetime.combine(day, time.min)) - timedelta(microseconds=1)
