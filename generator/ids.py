"""Database ids taken from a request (query string, form field, hidden input).

Anything that is not a whole number a bigint primary key can hold is no id at all: it is
dropped before it reaches a query, where an out-of-range number would raise
OverflowError (a 500) instead of finding nothing.
"""

from __future__ import annotations

LARGEST_ID = 2**63 - 1
_MOST_DIGITS = len(str(LARGEST_ID))


def database_id(value) -> int | None:
    """The id `value` names (a string or an int), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdecimal():
        digits = value.strip()
        if len(digits) > _MOST_DIGITS:
            return None
        number = int(digits)
    else:
        return None
    return number if 0 < number <= LARGEST_ID else None
