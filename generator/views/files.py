"""Stored files, for staff only: assets, their thumbnails, posters and waveforms, and
reference files. Served with HTTP Range (a video player seeks with it), or handed to the
front server (MEDIA_ACCEL_REDIRECT) once the login and permission are checked."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from generator.models import Asset, TaskInput
from generator.ranges import file_response
from generator.roles import VIEW_STUDIO
from generator.views.access import requires


@requires(VIEW_STUDIO)
@require_GET
def asset_file(request, pk: int):
    asset = get_object_or_404(Asset, pk=pk)
    download = request.GET.get("download") == "1"
    name = f"autoscale-{asset.task_id}-{asset.index + 1}.{asset.extension}"
    return file_response(request, asset.file, asset.content_type, download, name, etag=asset.sha256)


@requires(VIEW_STUDIO)
@require_GET
def asset_thumbnail(request, pk: int):
    asset = get_object_or_404(Asset, pk=pk)
    if not asset.thumbnail:
        raise Http404("No thumbnail")
    return file_response(request, asset.thumbnail, "image/webp", False, None)


@requires(VIEW_STUDIO)
@require_GET
def asset_poster(request, pk: int):
    asset = get_object_or_404(Asset, pk=pk)
    if not asset.poster:
        raise Http404("No poster")
    return file_response(request, asset.poster, _picture_type(asset.poster.name), False, None)


@requires(VIEW_STUDIO)
@require_GET
def asset_waveform(request, pk: int):
    asset = get_object_or_404(Asset, pk=pk)
    if not asset.waveform:
        raise Http404("No waveform")
    return file_response(request, asset.waveform, "image/png", False, None)


@requires(VIEW_STUDIO)
@require_GET
def task_input_file(request, pk: int):
    task_input = get_object_or_404(TaskInput, pk=pk)
    return file_response(request, task_input.file, task_input.content_type, False, None)


def _picture_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "webp": "image/webp"}.get(extension, "image/jpeg")
