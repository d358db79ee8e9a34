"""GET /approved/: the feed the posting pipeline reads, approved assets only, newest
approval first, a page at a time; `since` keeps only what was approved after a moment."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import field_validator

from generator import catalog, library
from generator.api.auth import require
from generator.api.objects import approved_object
from generator.api.schemas import ApprovedPage, ErrorOut, iso_time
from generator.ids import LARGEST_ID
from generator.roles import VIEW_STUDIO

router = Router(tags=["approved"])
KINDS = [kind.value for kind in catalog.Kind]


class ApprovedFilters(Schema):
    kind: str | None = NinjaField(None, description=f"One of {', '.join(KINDS)}.", max_length=20)
    model: str | None = NinjaField(None, max_length=60)
    since: datetime | None = NinjaField(
        None, description="Only assets approved after this moment (ISO 8601)."
    )
    cursor: str | None = NinjaField(None, max_length=200, description="From `next`.")
    limit: int = NinjaField(50, ge=1, le=200)

    _since = field_validator("since", mode="before")(iso_time)


@router.get(
    "/",
    response={200: ApprovedPage, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    url_name="approved",
    summary="Approved assets, newest approval first",
)
def approved(request, filters: Query[ApprovedFilters]):
    """Only approved assets. Follow `next` until it is null; keep the newest `approved_at`
    you saw and pass it as `since` next time to fetch only what is new."""
    require(request, VIEW_STUDIO)
    since = filters.since
    if since is not None and timezone.is_naive(since):
        since = timezone.make_aware(since)
    assets = library.approved(
        kind=(filters.kind or "").replace("\x00", ""),
        model=(filters.model or "").replace("\x00", ""),
        since=since,
    )
    if filters.cursor:
        at, last_id = _read_cursor(filters.cursor)
        assets = assets.filter(
            Q(review__decided_at__lt=at) | Q(review__decided_at=at, pk__lt=last_id)
        )
    page = list(assets[: filters.limit + 1])
    more, page = len(page) > filters.limit, page[: filters.limit]
    next_url = None
    if more:
        query = {k: v for k, v in request.GET.items() if k != "cursor"}
        query["cursor"] = _cursor(page[-1])
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
    return {
        "results": [approved_object(asset, request.build_absolute_uri) for asset in page],
        "next": next_url,
    }


def _cursor(asset) -> str:
    raw = f"{asset.review.decided_at.isoformat()}|{asset.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _sep, pk = raw.partition("|")
        at = parse_datetime(moment)
        last_id = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        at, last_id = None, 0
    if at is None or not 0 < last_id <= LARGEST_ID:
        raise HttpError(400, _("This cursor is not one the API gave; start again without it."))
    return at, last_id
