"""The approved library: approved assets only, newest approval first, and a ZIP of a
selection streamed file by file (memory stays bounded whatever its size), each file with
its provenance beside it. The library page and the API's feed both read it from here."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from generator import provenance
from generator.models import Asset, ReviewState

MOST_IN_ONE_ZIP = 200
CHUNK = 64 * 1024


def approved(*, kind: str = "", model: str = "", search: str = "", since=None) -> QuerySet:
    """Approved assets, newest approval first; `since` keeps those approved after it."""
    assets = (
        Asset.objects.filter(review__state=ReviewState.APPROVED)
        .select_related("task__created_by", "review__decided_by", "review__submitted_by")
        .order_by("-review__decided_at", "-id")
    )
    if kind:
        assets = assets.filter(kind=kind)
    if model:
        assets = assets.filter(task__model_key=model)
    if search:
        assets = assets.filter(task__prompt_text__icontains=search)
    if since is not None:
        assets = assets.filter(review__decided_at__gt=since)
    return assets


class _Pipe(io.RawIOBase):
    """Where the ZIP writer writes; what it wrote is taken out after every block."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def zip_stream(assets: Iterable[Asset]) -> Iterator[bytes]:
    """The ZIP of these assets, block by block: each file (stored as it is: images are
    compressed already) and its `.provenance.json`. A file missing from storage is
    replaced by a note saying so, never by a broken archive."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for asset in assets:
            name = provenance.download_name(asset)
            moment = _zip_time(asset.review.decided_at if _has_review(asset) else None)
            try:
                source = asset.file.open("rb")
            except (FileNotFoundError, ValueError):
                archive.writestr(
                    zipfile.ZipInfo(f"{name}.MISSING.txt", moment),
                    f"Asset {asset.pk}: its stored file is missing ({asset.file.name}).\n",
                )
            else:
                with source, archive.open(_entry(name, moment), "w", force_zip64=True) as target:
                    for block in iter(lambda source=source: source.read(CHUNK), b""):
                        target.write(block)
                        yield pipe.take()
            yield pipe.take()
            archive.writestr(
                _entry(f"{name}.provenance.json", moment, deflate=True), provenance.as_json(asset)
            )
            yield pipe.take()
    yield pipe.take()


def zip_name(now: datetime | None = None) -> str:
    moment = timezone.localtime(now or timezone.now())
    return f"autoscale-approved-{moment:%Y%m%d-%H%M}.zip"


def _entry(name: str, moment, deflate: bool = False) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, moment)
    entry.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    entry.external_attr = 0o644 << 16
    return entry


def _has_review(asset: Asset) -> bool:
    return getattr(asset, "review", None) is not None


def _zip_time(moment) -> tuple:
    local = timezone.localtime(moment or timezone.now())
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)
