"""Where an asset comes from, as a JSON document kept beside the file: model, prompt,
parameters, input images, kie.ai task, credits, who made, submitted and approved it, and
its sha256. Useful for the platforms' AI-content labels."""

from __future__ import annotations

import hashlib
import json

from django.utils import timezone

from generator import review
from generator.models import Asset, ReviewState

FORMAT = "autoscale-studio/provenance/1"


def provenance(asset: Asset) -> dict:
    task = asset.task
    approval = _approval(asset)
    lineage = getattr(task, "lineage", None)  # a missing one-to-one is an AttributeError
    return {
        "format": FORMAT,
        "ai_generated": True,
        "asset": {
            "id": asset.pk,
            "file_name": download_name(asset),
            "content_type": asset.content_type,
            "bytes": asset.bytes,
            "sha256": asset.sha256,
            "width": asset.width,
            "height": asset.height,
            "duration_seconds": asset.duration,
            "kind": asset.kind,
        },
        "generation": {
            "service": "kie.ai",
            "model": task.model_key,
            "model_label": task.model_label,
            "operation": task.operation,
            "prompt": task.prompt_text,
            "parameters": task.params,
            "kie_task_id": task.upstream_task_id or None,
            "studio_task_id": task.pk,
            "credits_estimated": float(task.credits_estimated),
            "credits_charged": None
            if task.credits_charged is None
            else float(task.credits_charged),
            "generated_by": _person(task.created_by),
            "generated_at": _time(task.created_at),
            "finished_at": _time(task.finished_at),
            "inputs": [_input(task_input) for task_input in task.inputs.all()],
            "new_version_of": lineage.made_from_id if lineage else None,
        },
        "review": {
            "state": review.state_of(asset),
            "submitted_by": _person(approval.submitted_by) if approval else None,
            "submitted_at": _time(approval.submitted_at) if approval else None,
            "approved_by": _person(approval.decided_by) if _approved(approval) else None,
            "approved_at": _time(approval.decided_at) if _approved(approval) else None,
            "history": [
                {
                    "action": event.action,
                    "from": event.from_state,
                    "to": event.to_state,
                    "by": _person(event.actor),
                    "at": _time(event.at),
                    "text": event.text,
                }
                for event in asset.review_events.select_related("actor")
            ],
        },
        "written_at": _time(timezone.now()),
    }


def as_json(asset: Asset) -> bytes:
    return json.dumps(provenance(asset), indent=2, ensure_ascii=False).encode()


def download_name(asset: Asset) -> str:
    extension = f".{asset.extension}" if asset.extension else ""
    return f"autoscale-asset-{asset.pk}{extension}"


def _approval(asset: Asset):
    return getattr(asset, "review", None)


def _approved(approval) -> bool:
    return bool(approval and approval.state == ReviewState.APPROVED)


def _input(task_input) -> dict:
    return {
        "parameter": task_input.param,
        "position": task_input.position,
        "content_type": task_input.content_type,
        "sha256": _sha256(task_input.file),
        "from_asset": task_input.source_asset_id,
    }


def _sha256(field_file) -> str | None:
    digest = hashlib.sha256()
    try:
        with field_file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except (FileNotFoundError, ValueError):
        return None
    return digest.hexdigest()


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"username": user.get_username(), "name": user.get_full_name() or None}


def _time(moment) -> str | None:
    return moment.isoformat() if moment else None
