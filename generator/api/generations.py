"""POST /generations/ (idempotent with Idempotency-Key) and GET /generations/{id}/."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Header, Path, Router, Status
from ninja.errors import HttpError

from generator import catalog, generations
from generator.api import callbacks
from generator.api.auth import require
from generator.api.objects import task_object
from generator.api.schemas import ErrorOut, GenerationIn, TaskOut
from generator.ids import LARGEST_ID
from generator.models import ApiCallback, Asset, GenerationTask
from generator.roles import GENERATE, VIEW_STUDIO

router = Router(tags=["generations"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
IDEMPOTENCY_KEY = Header(
    ...,
    alias="Idempotency-Key",
    min_length=1,
    max_length=255,
    pattern=r"^[\x21-\x7e]+$",
    description="Any unique string of visible ASCII (a UUID): the same key never makes a "
    "second task; sent again, it answers the task it made.",
)


@router.post(
    "/",
    response={201: TaskOut, 409: ErrorOut, **ERRORS},
    url_name="generations",
    summary="Start a generation",
)
def create(
    request, response: HttpResponse, body: GenerationIn, idempotency_key: str = IDEMPOTENCY_KEY
):
    """Validated like the generate page; 201 with the task (poll its `url`, or give a
    `callback_url`). The Idempotency-Key is the one-time token of a form: a retry after a
    lost answer returns the same task, never pays for a second one."""
    require(request, GENERATE)
    token = _submission_token(request.user, idempotency_key)
    earlier = _made_with(request.user, token)
    if earlier:
        if earlier.model_key != body.model or (
            body.operation and earlier.operation != body.operation
        ):
            raise HttpError(409, _("This Idempotency-Key was used for another request."))
        response.headers["Idempotent-Replayed"] = "true"
        return Status(201, task_object(earlier, request.build_absolute_uri))
    source = _asset(body.made_from) if body.made_from else None
    followed = _asset(body.source_asset, "source_asset") if body.source_asset else None
    callback_url = callbacks.check_url(body.callback_url) if body.callback_url else None
    images = _images_from(source, body)
    with transaction.atomic():
        task = generations.start_generation(
            request.user,
            body.model,
            body.operation,
            body.params,
            images,
            submission_token=token,
            made_from=source,
            source_asset=followed,
        )
        if callback_url and not hasattr(task, "api_callback"):
            ApiCallback.objects.create(task=task, url=callback_url)
    task = _tasks().get(pk=task.pk)
    return Status(201, task_object(task, request.build_absolute_uri))


@router.get(
    "/{task_id}/", response={200: TaskOut, **ERRORS}, url_name="generation", summary="A generation"
)
def detail(request, task_id: int = Path(..., ge=1, le=LARGEST_ID)):
    """The task as it is now: poll this (every few seconds is plenty), or use a callback."""
    require(request, VIEW_STUDIO)
    return task_object(get_object_or_404(_tasks(), pk=task_id), request.build_absolute_uri)


def _tasks():
    return GenerationTask.objects.select_related("lineage").prefetch_related("assets__review")


def _submission_token(user, key: str) -> str:
    """The API's Idempotency-Key as the one-time submission token of start_generation
    (scoped per user there); never equal to a form's token."""
    return "api-" + hashlib.sha256(f"{user.pk}:{key}".encode()).hexdigest()[:40]


def _made_with(user, token: str) -> GenerationTask | None:
    key = generations.submission_key(token)
    return _tasks().filter(created_by=user, submission_key=key).first()


def _asset(asset_id: int, field: str = "from") -> Asset:
    asset = Asset.objects.select_related("task").filter(pk=asset_id).first()
    if asset is None:
        raise HttpError(400, _("`%(field)s` names no asset.") % {"field": field})
    return asset


def _images_from(source: Asset | None, body: GenerationIn) -> list:
    """An operation that takes a file (an image to edit, a video to restyle) takes the
    `from` asset."""
    if source is None:
        return []
    try:
        operation = catalog.get(body.model).operation(body.operation)
    except catalog.CatalogError:
        return []  # start_generation names the unknown model or operation
    if not operation.file_params:
        return []
    return [generations.ImageInput(asset=source)]
