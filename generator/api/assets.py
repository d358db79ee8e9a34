"""An asset's review through the API: read it, submit, withdraw, decide, comment; and its
file and provenance. Every move is `generator.review`'s, as on the pages."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Path, Router
from ninja.errors import HttpError

from generator import provenance, review
from generator.api.auth import require
from generator.api.objects import review_object
from generator.api.schemas import CommentIn, DecisionIn, ErrorOut, ReviewOut, SubmitIn
from generator.ids import LARGEST_ID
from generator.models import Asset
from generator.ranges import file_response
from generator.roles import VIEW_STUDIO

router = Router(tags=["review"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
ASSET_ID = Path(..., ge=1, le=LARGEST_ID)
_BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE = {"content": {"image/*": _BINARY, "video/*": _BINARY, "audio/*": _BINARY}}


def _asset(asset_id: int) -> Asset:
    return get_object_or_404(
        Asset.objects.select_related(
            "task__created_by", "review__submitted_by", "review__decided_by"
        ),
        pk=asset_id,
    )


def _moved(request, asset_id: int, move) -> dict:
    asset = _asset(asset_id)
    try:
        move(asset)
    except review.NotAllowed as exc:
        raise HttpError(403, str(exc)) from None
    except review.ReviewError as exc:
        raise HttpError(400, str(exc)) from None
    return review_object(_asset(asset_id), request.build_absolute_uri)


@router.get(
    "/{asset_id}/",
    response={200: ReviewOut, **ERRORS},
    url_name="asset_review",
    summary="An asset's review",
)
def detail(request, asset_id: int = ASSET_ID):
    require(request, VIEW_STUDIO)
    return review_object(_asset(asset_id), request.build_absolute_uri)


@router.post(
    "/{asset_id}/submit/",
    response={200: ReviewOut, **ERRORS},
    url_name="asset_submit",
    summary="Submit (or resubmit) for review",
)
def submit(request, body: SubmitIn, asset_id: int = ASSET_ID):
    """A draft goes to the approvers; one whose changes were requested comes back with a
    note saying what changed."""
    return _moved(request, asset_id, lambda asset: review.submit(asset, request.user, body.note))


@router.post(
    "/{asset_id}/withdraw/",
    response={200: ReviewOut, **ERRORS},
    url_name="asset_withdraw",
    summary="Withdraw a submission",
)
def withdraw(request, asset_id: int = ASSET_ID):
    return _moved(request, asset_id, lambda asset: review.withdraw(asset, request.user))


@router.post(
    "/{asset_id}/decision/",
    response={200: ReviewOut, **ERRORS},
    url_name="asset_decision",
    summary="Approve, request changes or reject",
)
def decision(request, body: DecisionIn, asset_id: int = ASSET_ID):
    """403 for your own work or without the approver role; 400 for a refusal without a
    reason or an asset that is not in review."""
    return _moved(
        request,
        asset_id,
        lambda asset: review.decide(asset, request.user, body.decision, body.reason),
    )


@router.post(
    "/{asset_id}/comments/",
    response={200: ReviewOut, **ERRORS},
    url_name="asset_comment",
    summary="Comment on an asset",
)
def comment(request, body: CommentIn, asset_id: int = ASSET_ID):
    return _moved(request, asset_id, lambda asset: review.comment(asset, request.user, body.text))


@router.get(
    "/{asset_id}/file/",
    response={**ERRORS},
    url_name="asset_file",
    summary="The file",
    openapi_extra={"responses": {200: {"description": "The file", **FILE}}},
)
def file(request, asset_id: int = ASSET_ID):
    require(request, VIEW_STUDIO)
    asset = _asset(asset_id)
    name = provenance.download_name(asset)
    # With Range: a 2 GB video fetched by the pipeline can resume where it broke off.
    response = file_response(request, asset.file, asset.content_type, True, name, asset.sha256)
    response["Digest"] = f"sha-256={asset.sha256}"  # hex, as the API's sha256 fields
    return response


@router.get(
    "/{asset_id}/provenance/",
    response={**ERRORS},
    url_name="asset_provenance",
    summary="Where the asset comes from (JSON)",
    openapi_extra={
        "responses": {
            200: {
                "description": "Model, prompt, parameters, inputs, kie.ai task, credits, "
                "who made, submitted and approved it, sha256.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def asset_provenance(request, asset_id: int = ASSET_ID):
    require(request, VIEW_STUDIO)
    return HttpResponse(provenance.as_json(_asset(asset_id)), content_type="application/json")
