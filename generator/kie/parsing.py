"""Defensive readers for kie's loosely typed answers (kie-api.md section 11)."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from generator import safejson

from .errors import MalformedResponseError

# The largest answer (or JSON-in-a-string field) read from kie.ai; deeper than
# safejson's default nesting or larger is refused as malformed.
UPSTREAM_JSON_BYTES = 4 * 1024 * 1024


def as_dict(value: Any, what: str) -> dict[str, Any]:
    """A JSON object, or a JSON string holding one ("paramJson", "resultJson").

    Nothing yet (None, "", [], or a string holding null or []) reads as an empty object.
    """
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = safejson.loads(value, max_bytes=UPSTREAM_JSON_BYTES)
        except ValueError:
            raise MalformedResponseError(f"{what} is not valid JSON") from None
    if value is None or value == [] or value == "":
        return {}
    if not isinstance(value, dict):
        raise MalformedResponseError(f"{what} is not an object")
    return value


def url_list(value: Any) -> tuple[str, ...]:
    """A list of URLs given as a list, a JSON-encoded list, or a single string."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = safejson.loads(stripped, max_bytes=UPSTREAM_JSON_BYTES)
            except ValueError:
                # Veo's callbacks document "[http://a.mp4, http://b.mp4]": not JSON.
                inner = stripped[1:-1] if stripped.endswith("]") else ""
                value = [item.strip().strip("'\"") for item in inner.split(",")]
                value = [item for item in value if item.startswith(("http://", "https://"))]
        else:
            return (stripped,)
    if not isinstance(value, list | tuple):
        return ()
    return tuple(item.strip() for item in value if isinstance(item, str) and item.strip())


def first_present(mapping: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if mapping.get(key) not in (None, "", []):
            return mapping[key]
    return None


def as_progress(value: Any, scale: float = 1.0) -> float | None:
    """Progress as 0..1 from "0.48", 0.48 or (with scale=100) 48."""
    try:
        number = float(str(value).strip()) / scale
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):  # "NaN" passes min/max unclamped
        return None
    return min(max(number, 0.0), 1.0)


def as_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from an int, a float or a numeric string; 100.0 reads as 100."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return Decimal(int(number)) if number == number.to_integral_value() else number


def as_whole_number(value: Any) -> int | None:
    """An int from 200, "200", 200.0 or "200.0"; None for anything that is not whole."""
    number = as_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)
