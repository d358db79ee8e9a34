"""JSON that comes from outside (a callback, an upstream answer), parsed with limits.

`json.loads` alone takes any size, recurses once per nesting level (a deep enough body
raises RecursionError), accepts NaN and Infinity, and returns strings no database can
store (a lone surrogate; NUL in PostgreSQL). `loads` refuses all of those with a
JSONRefused naming the reason. It imports nothing from Django, so the kie client can use
it too.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_BYTES = 64 * 1024
MAX_DEPTH = 64

# A string (escapes skipped; an unterminated one runs to the end, possessively, so
# that the scan stays linear) or a bracket. Brackets inside strings do not nest.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)


class JSONRefused(ValueError):
    """The text is not JSON we accept; the message says why, without quoting it."""


class JSONTooLarge(JSONRefused):
    pass


def loads(data: bytes | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    if len(data) > max_bytes:
        raise JSONTooLarge(f"larger than {max_bytes} bytes")
    if isinstance(data, bytes | bytearray):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise JSONRefused("not UTF-8") from None
    _check_depth(data, max_depth)
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:  # cannot happen below max_depth; kept as a last guard
        raise JSONRefused(f"nested deeper than {max_depth} levels") from None
    except ValueError as exc:
        if isinstance(exc, JSONRefused):
            raise
        raise JSONRefused("not JSON") from None
    _check_strings(value)
    return value


def _finite_float(text: str) -> float:
    """1e999 is valid JSON and reads as infinity: refuse it like the Infinity literal."""
    number = float(text)
    if not math.isfinite(number):
        raise JSONRefused("a number too large to be finite")
    return number


def _check_depth(text: str, max_depth: int) -> None:
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                raise JSONRefused(f"nested deeper than {max_depth} levels")
        elif token in ("]", "}"):
            depth -= 1


def _refuse_constant(name: str):
    raise JSONRefused(f"{name} is not a number JSON allows")


def _check_strings(value: Any) -> None:
    """Recursion is bounded here: the depth was checked before parsing."""
    if isinstance(value, str):
        if "\x00" in value:
            raise JSONRefused("a string holds a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise JSONRefused("a string holds an unpaired surrogate") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)
