"""Stored files, for staff only: assets, thumbnails and reference images."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from generator.models import Asset, TaskInput
from generator.roles import VIEW_STUDIO
from generator.views.access import requires
from generator.views.ranges import ranged_file_response


@requires(VIEW_STUDIO)
@require_GET
def asset_file(request, pk: int):
    asset = get_object_or_404(Asset, pk=pk)
    download = request.GET.get("download") == "1"
    name = f"autoscale-{asset.task_id}-{asset.index + 1}.{asset.extension}"
    if not download and asset.content_type.startswith(("audio/", "video/")):
        return ranged_file_response(request, asset.file, asset.content_type)  # players seek
    return _file_response(asset.file, asset.content_type, download, name)


@requires(VIEW_STUDIO)
@require_GET
def asset_thumbnail(request, pk: int):
    asset = get_object_or_404(Asset, pk=pk)
    if not asset.thumbnail:
        raise Http404("No thumbnail")
    return _file_response(asset.thumbnail, "image/webp", False, None)


@requires(VIEW_STUDIO)
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
