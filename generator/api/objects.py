"""What the API answers, as plain dicts: a task (the fields of `kie generate --json`), an
asset's review, an approved asset. The callbacks send the same task object.

`absolute` turns a path into a full URL (the request's host, or STUDIO_URL in a callback).
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from generator import generations, review
from generator.models import Asset, GenerationTask

Absolute = Callable[[str], str]


def task_object(task: GenerationTask, absolute: Absolute) -> dict:
    lineage = getattr(task, "lineage", None)
    return {
        "id": task.pk,
        "model": task.model_key,
        "operation": task.operation,
        "state": task.state,
        "progress": task.progress,
        "error": task.failure_message or None,
        "failure_kind": task.failure_kind or None,
        "credits": None if task.credits_charged is None else float(task.credits_charged),
        "credits_estimated": float(task.credits_estimated),
        "charge": generations.charge_status(task),
        "upstream_task_id": task.upstream_task_id or None,
        "created_at": task.created_at,
        "made_from": lineage.made_from_id if lineage else None,
        "source_asset": task.source_asset_id,
        "url": absolute(reverse("api:generation", args=[task.pk])),
        "assets": [_asset_in_task(asset, absolute) for asset in task.assets.all()],
    }


def _asset_in_task(asset: Asset, absolute: Absolute) -> dict:
    return {
        "id": asset.pk,
        "url": absolute(reverse("api:asset_file", args=[asset.pk])),
        "content_type": asset.content_type,
        "bytes": asset.bytes,
        "sha256": asset.sha256,
        "width": asset.width,
        "height": asset.height,
        "review_state": review.state_of(asset),
        "review_url": absolute(reverse("api:asset_review", args=[asset.pk])),
    }


def review_object(asset: Asset, absolute: Absolute) -> dict:
    approval = getattr(asset, "review", None)
    return {
        "id": asset.pk,
        "review_state": review.state_of(asset),
        "submitted_by": _name(approval.submitted_by) if approval else None,
        "submitted_at": approval.submitted_at if approval else None,
        "note": approval.note if approval else "",
        "decided_by": _name(approval.decided_by) if approval else None,
        "decided_at": approval.decided_at if approval else None,
        "reason": approval.reason if approval else "",
        "url": absolute(reverse("api:asset_file", args=[asset.pk])),
        "provenance_url": absolute(reverse("api:asset_provenance", args=[asset.pk])),
        "history": [
            {
                "kind": "comment" if entry.is_comment else "event",
                "action": None if entry.is_comment else entry.event.action,
                "from_state": None if entry.is_comment else entry.event.from_state,
                "to_state": None if entry.is_comment else entry.event.to_state,
                "by": _name(entry.person),
                "at": entry.at,
                "text": entry.text,
            }
            for entry in review.history(asset)
        ],
    }


def approved_object(asset: Asset, absolute: Absolute) -> dict:
    return {
        "id": asset.pk,
        "url": absolute(reverse("api:asset_file", args=[asset.pk])),
        "content_type": asset.content_type,
        "kind": asset.kind,
        "bytes": asset.bytes,
        "sha256": asset.sha256,
        "width": asset.width,
        "height": asset.height,
        "model": asset.task.model_key,
        "prompt": asset.task.prompt_text,
        "task_id": asset.task_id,
        "submitted_by": _name(asset.review.submitted_by),
        "approved_by": _name(asset.review.decided_by),
        "approved_at": asset.review.decided_at,
        "provenance_url": absolute(reverse("api:asset_provenance", args=[asset.pk])),
    }


def _name(user) -> str | None:
    return user.get_username() if user else None
