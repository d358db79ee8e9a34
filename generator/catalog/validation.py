"""Checking raw values (a form, the CLI, the API) against a model's parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .types import CatalogError, CatalogModel, Operation, Param, ParamType

FILE_TYPES = (ParamType.IMAGES, ParamType.VIDEOS, ParamType.AUDIO)
_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"0", "false", "no", "off", ""}


def coerce(param: Param, raw: Any) -> Any:
    """Turn a form/CLI string or a JSON value into the parameter's type, or raise ValueError.

    Messages continue the parameter's label ("Strength" + "must be at most 1"), in the
    active language (the CLI speaks English)."""
    if param.type is ParamType.TEXT:
        if not isinstance(raw, str):
            raise ValueError(_("must be text"))
        value = raw.strip()
        if "\x00" in value:  # PostgreSQL stores no NUL: refuse it here, by name
            raise ValueError(_("must not contain a NUL character"))
        if param.max_length and len(value) > param.max_length:
            raise ValueError(
                ngettext(
                    "is %(length)s character; the limit is %(limit)s",
                    "is %(length)s characters; the limit is %(limit)s",
                    len(value),
                )
                % {"length": number_format(len(value)), "limit": number_format(param.max_length)}
            )
        return value
    if param.type is ParamType.BOOL:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise ValueError(_("must be true or false"))
    if param.type in (ParamType.INT, ParamType.FLOAT):
        if isinstance(raw, bool):
            raise ValueError(_("must be a number"))
        try:
            number = int(str(raw).strip()) if param.type is ParamType.INT else float(raw)
        except (TypeError, ValueError):
            if param.type is ParamType.INT:
                raise ValueError(_("must be a whole number")) from None
            raise ValueError(_("must be a number")) from None
        except OverflowError:  # a whole number too big for a float
            number = math.inf
        if not math.isfinite(number):  # NaN passes every comparison, and no database stores it
            raise ValueError(_("must be a finite number"))
        if param.minimum is not None and number < param.minimum:
            raise ValueError(
                _("must be at least %(minimum)s") % {"minimum": _number(param.minimum)}
            )
        if param.maximum is not None and number > param.maximum:
            raise ValueError(_("must be at most %(maximum)s") % {"maximum": _number(param.maximum)})
        return number
    if param.type is ParamType.CHOICE:
        for value, _label in param.choices:
            if raw == value or str(raw).strip() == str(value):
                return value
        options = ", ".join(str(v) for v in param.choice_values())
        raise ValueError(_("must be one of %(options)s") % {"options": options})
    if param.type in FILE_TYPES:
        items = list(raw) if isinstance(raw, list | tuple) else [raw]
        items = [item for item in items if item]
        if param.max_items is not None and len(items) > param.max_items:
            if param.type is not ParamType.IMAGES:
                raise ValueError(
                    ngettext(
                        "can hold at most %(count)s file",
                        "can hold at most %(count)s files",
                        param.max_items,
                    )
                    % {"count": param.max_items}
                )
            if param.max_items == 1:
                raise ValueError(_("can hold only one image"))
            raise ValueError(
                ngettext(
                    "can hold at most %(count)s image",
                    "can hold at most %(count)s images",
                    param.max_items,
                )
                % {"count": param.max_items}
            )
        return items
    raise ValueError(_("has an unknown type %(type)s") % {"type": param.type})


def validate(
    model: CatalogModel, operation_key: str | None, raw: Mapping[str, Any]
) -> tuple[Operation, dict[str, Any]]:
    """Check raw input against an operation's parameters.

    Returns the operation and a dict holding every parameter (defaults filled in) with
    typed values; image parameters hold the given references unchanged. Raises
    CatalogError naming each bad field, and refuses unknown field names.
    """
    operation = model.operation(operation_key)
    errors: dict[str, str] = {}
    known = {p.name for p in operation.params}
    for name in raw:
        if name not in known:
            errors[name] = _("is not a parameter of %(model)s (%(operation)s)") % {
                "model": model.label,
                "operation": operation.label,
            }
    clean: dict[str, Any] = {}
    for param in operation.params:
        given = raw.get(param.name)
        empty = given is None or given == "" or given == [] or given == ()
        if empty and param.type is ParamType.BOOL and param.name in raw:
            empty = False  # an unticked checkbox is an answer
        if empty:
            if param.type in FILE_TYPES:
                if param.min_items:
                    errors[param.name] = _needs_files(param)
                else:
                    clean[param.name] = []
                continue
            if param.default is not None:
                clean[param.name] = param.default
            elif param.required:
                errors[param.name] = _("is required")
            continue
        try:
            value = coerce(param, given)
        except ValueError as exc:
            errors[param.name] = str(exc)
            continue
        if param.type in FILE_TYPES and len(value) < param.min_items:
            errors[param.name] = _needs_files(param)
            continue
        if param.required and value in ("", []):
            errors[param.name] = _("is required")
            continue
        clean[param.name] = value
    if errors:
        raise CatalogError(errors)
    if operation.check is not None:
        broken = dict(operation.check(clean))
        if broken:
            raise CatalogError(broken)
    return operation, clean


def _needs_files(param: Param) -> str:
    if param.type is ParamType.VIDEOS:
        return _("needs a video")
    if param.type is ParamType.AUDIO:
        return _("needs an audio file")
    return _needs_images(param.min_items)


def _needs_images(count: int) -> str:
    if count == 1:
        return _("needs an image")
    return ngettext("needs at least %(count)s image", "needs at least %(count)s images", count) % {
        "count": count
    }


def _number(value: float) -> str:
    """A limit as people write it, in the active language: 1, 0.01 (0,01 in French)."""
    return number_format(int(value) if float(value).is_integer() else value)
