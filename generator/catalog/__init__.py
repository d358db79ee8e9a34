"""Every kie.ai model the studio offers, as data.

The generate form, the CLI, validation, the price estimate and the sandbox all read
this module; adding a model is adding an entry. It imports nothing from Django but the
lazy translation marker: every label, help text, choice label and description is
wrapped in `gettext_lazy` (as `_`), so it is read in the page's language (the sandbox
only prices tasks and never renders one).

Parameter names are kie.ai's own field names, so a validated parameter dict is the
request body (the kie adapters only wrap it: Market models nest it under "input").

One module per kind of media or family of models (images.py; market_videos.py for
Kling and the retired Sora 2; restyle.py for video to video), the shapes in types.py
and the checks in validation.py; this module is the lookup everyone uses.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import images, market_videos, music, restyle, videos
from .types import (
    CatalogError,
    CatalogModel,
    Family,
    Kind,
    Operation,
    Param,
    ParamType,
    Pricing,
    Retirement,
)
from .validation import coerce, validate

__all__ = [
    "KIND_LABELS",
    "MODELS",
    "CatalogError",
    "CatalogModel",
    "Family",
    "Kind",
    "Operation",
    "Param",
    "ParamType",
    "Pricing",
    "Retirement",
    "by_kind",
    "coerce",
    "find_by_api_model",
    "get",
    "validate",
]

MODELS: tuple[CatalogModel, ...] = (
    *images.MODELS,
    *videos.MODELS,
    *market_videos.MODELS,
    *restyle.MODELS,
    *music.MODELS,
)
_BY_KEY = {model.key: model for model in MODELS}
KIND_LABELS = {
    Kind.IMAGE: gettext_lazy("Images"),
    Kind.VIDEO: gettext_lazy("Videos"),
    Kind.AUDIO: gettext_lazy("Music"),
}


def get(key: str) -> CatalogModel:
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(_BY_KEY)
        raise CatalogError(
            {"model": _("unknown model %(key)r (known: %(known)s)") % {"key": key, "known": known}}
        ) from None


def by_kind() -> dict[Kind, list[CatalogModel]]:
    grouped: dict[Kind, list[CatalogModel]] = {kind: [] for kind in Kind}
    for model in MODELS:
        grouped[model.kind].append(model)
    return grouped


def find_by_api_model(family: Family, api_model: str | None) -> CatalogModel | None:
    """The catalog entry behind a kie request (the sandbox prices tasks with it)."""
    for model in MODELS:
        if model.family is not family:
            continue
        if any(op.api_model == api_model for op in model.operations):
            return model
    return None
