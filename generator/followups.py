"""What can be made from a finished asset: follow-ups (extend, 1080p, 4K...) and inputs.

A follow-up is a catalog operation with a `source_kind`: its task names the asset it
acts on (`GenerationTask.source_asset`), and kie.ai is addressed by that asset's
upstream task id and index. "Use as input" is any operation whose file parameter takes
the asset's kind (make a video from this image, restyle this video). Both lists are
read from the catalog, so a new model's follow-ups appear here without code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from generator import catalog
from generator.catalog import Kind, ParamType
from generator.models import Asset, GenerationTask, State

FOLLOWUP = "followup"
INPUT = "input"
# Which file parameter takes which kind of asset.
_PARAM_KIND = {
    ParamType.IMAGES: Kind.IMAGE,
    ParamType.VIDEOS: Kind.VIDEO,
    ParamType.AUDIO: Kind.AUDIO,
}
_WRONG_KIND = {
    Kind.IMAGE: gettext_lazy("That asset is not an image."),
    Kind.VIDEO: gettext_lazy("That asset is not a video."),
    Kind.AUDIO: gettext_lazy("That asset is not a track."),
}


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    kind: str  # FOLLOWUP or INPUT
    model_key: str = ""


def actions_for(asset: Asset) -> list[Action]:
    """Every follow-up this asset accepts, then every operation that takes it as input."""
    actions: list[Action] = []
    form = reverse("generator:generate")
    for model in catalog.MODELS:
        # A soundtrack is made here, from its own form on the video's page.
        if model.retired or model.family is catalog.Family.LOCAL:
            continue
        for operation in model.operations:
            if operation.is_followup:
                if source_problem(model, operation, asset) is None:
                    query = {
                        "model": model.key,
                        "operation": operation.key,
                        "source_asset": asset.pk,
                    }
                    actions.append(
                        Action(
                            _followup_label(model, operation),
                            f"{form}?{urlencode(query)}",
                            FOLLOWUP,
                            model.key,
                        )
                    )
                continue
            # Image edits of images have their own button ("Use as input of an edit").
            image_edit = asset.kind == Kind.IMAGE and model.kind == Kind.IMAGE
            if _takes_as_input(operation, asset.kind) and not image_edit:
                query = {"model": model.key, "operation": operation.key, "input_asset": asset.pk}
                actions.append(
                    Action(
                        _input_label(model, operation, asset),
                        f"{form}?{urlencode(query)}",
                        INPUT,
                        model.key,
                    )
                )
    return actions


def _takes_as_input(operation: catalog.Operation, kind: str) -> bool:
    return any(param_kind(p) == kind for p in operation.file_params)


def param_kind(param: catalog.Param) -> str | None:
    """The kind of asset (image, video, audio) a file parameter takes."""
    return _PARAM_KIND.get(param.type)


def _followup_label(model: catalog.CatalogModel, operation: catalog.Operation) -> str:
    return _("%(operation)s (%(model)s)") % {"operation": operation.label, "model": model.label}


def _input_label(model, operation, asset) -> str:
    if asset.kind == Kind.IMAGE and model.kind == Kind.VIDEO:
        what = _("Make a video from this image")
    elif asset.kind == Kind.VIDEO:
        what = _("Restyle this video")
    else:
        what = str(operation.label)
    return _("%(action)s (%(model)s: %(operation)s)") % {
        "action": what,
        "model": model.label,
        "operation": operation.label,
    }


def source_problem(
    model: catalog.CatalogModel, operation: catalog.Operation, asset: Asset | None
) -> str | None:
    """Why `asset` cannot be this follow-up's source, in words; None when it fits."""
    if asset is None:
        return _("%(operation)s needs the finished result it acts on.") % {
            "operation": operation.label
        }
    task = asset.task
    if asset.kind != operation.source_kind:
        return str(_WRONG_KIND[operation.source_kind])
    if operation.source_models and task.model_key not in operation.source_models:
        return _("%(operation)s acts only on results of %(models)s.") % {
            "operation": operation.label,
            "models": ", ".join(_model_label(key) for key in operation.source_models),
        }
    if operation.source_operations and task.operation not in operation.source_operations:
        return _("%(operation)s cannot act on this result (it is itself an upgrade).") % {
            "operation": operation.label
        }
    if task.state != State.SUCCEEDED:
        return _("The task that made it has not finished.")
    if not task.upstream_task_id and model.family is not catalog.Family.LOCAL:
        return _("kie.ai does not know the task that made it (no kie.ai task id).")
    return None


def _model_label(key: str) -> str:
    try:
        return catalog.get(key).label
    except catalog.CatalogError:
        return key


def upstream_fields(task: GenerationTask) -> dict[str, Any] | None:
    """What kie.ai needs to find a follow-up's source: its task id and the file's index.
    None when the source is gone (deleted since the task was made)."""
    asset = task.source_asset
    if asset is None or not asset.task.upstream_task_id:
        return None
    return {"taskId": asset.task.upstream_task_id, "index": asset.index}
