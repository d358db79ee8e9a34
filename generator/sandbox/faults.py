"""The sandbox's fault table: which faults exist, where each applies, named profiles.

A fault fires on a request by probability (each matching request draws once from the
sandbox's seeded random generator) or by a prompt marker `[sandbox:<fault>]` anywhere in
a task's create body, which makes it hit the first `marker_hits` matching requests of
that task (its create, its record reads, its result files, its callbacks).
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

# Where a request goes, as the faults see it.
CREATE = "create"  # the three create endpoints
RECORD = "record"  # the three record-info endpoints
LINK = "link"  # the two download-url endpoints
CREDIT = "credit"  # GET /api/v1/chat/credit
DISCOVERY = "discovery"  # the model discovery API (a model's price)
UPLOAD = "upload"  # the three upload endpoints (kie's free file API)
FILE = "file"  # a task's result file under /files/
CALLBACK = "callback"  # a callback the sandbox sends

_API = frozenset({CREATE, RECORD, LINK, CREDIT, DISCOVERY, UPLOAD})

# fault name -> the request kinds it can hit.
FAULTS: dict[str, frozenset[str]] = {
    "cloudflare_1010": _API,
    "drop_before": _API,
    "timeout": _API,
    "rate_limit": _API,
    "rate_limit_retry_after": _API,
    "maintenance": _API,
    "proxy_500": _API,
    "proxy_502": _API,
    "proxy_503": _API,
    "envelope_500": _API,
    "slow": _API | {FILE},
    "drop": _API,
    "malformed_json": _API,
    "fail_after_accept": frozenset({CREATE}),
    "never_finish": frozenset({CREATE}),
    "result_404": frozenset({FILE}),
    "result_expired": frozenset({FILE}),
    "result_html_200": frozenset({FILE}),
    "callback_duplicate": frozenset({CALLBACK}),
    "callback_out_of_order": frozenset({CALLBACK}),
}

# Checked in this order before the request is processed (none of them processes it)...
BEFORE = (
    "cloudflare_1010",
    "drop_before",
    "timeout",
    "rate_limit",
    "rate_limit_retry_after",
    "maintenance",
    "proxy_500",
    "proxy_502",
    "proxy_503",
    "envelope_500",
)
# ...and these after it was processed (the create exists and is charged).
AFTER = ("drop", "malformed_json", "slow")
RESULT = ("result_404", "result_expired", "result_html_200")

# Faults a careful client survives: no lost answer it cannot recover from by reading
# again, no task that never ends.
_TRANSIENT = (
    "rate_limit",
    "rate_limit_retry_after",
    "maintenance",
    "proxy_500",
    "proxy_502",
    "proxy_503",
    "envelope_500",
    "slow",
    "drop",
    "malformed_json",
    "result_404",
    "result_expired",
    "result_html_200",
    "callback_duplicate",
    "callback_out_of_order",
)
# A 5xx or a silence in answer to a create leaves an outcome no client can know (the
# task may or may not exist): the studio keeps its credits reserved until evidence comes.
# The survivable profiles keep those faults off creates; a table (or a marker) can still
# aim them there. `name@kind` in a table limits a fault to one kind of request.
_UNKNOWABLE_ON_CREATE = ("proxy_500", "proxy_502", "proxy_503", "envelope_500")
_NOT_CREATE = (RECORD, LINK, CREDIT, UPLOAD)


def _survivable(rate: float) -> dict[str, float]:
    table = {name: rate for name in _TRANSIENT if name not in _UNKNOWABLE_ON_CREATE}
    for name in _UNKNOWABLE_ON_CREATE:
        table |= {f"{name}@{kind}": rate for kind in _NOT_CREATE}
    return table


PROFILES: dict[str, dict[str, float]] = {
    "none": {},
    "default": _survivable(0.04) | {"slow": 0.05, "drop": 0.03},
    "harsh": _survivable(0.12) | {"fail_after_accept": 0.05},
}

MARKER = re.compile(r"\[sandbox:([a-z0-9_]+)\]", re.IGNORECASE)


class ConnectionDropped(Exception):
    """Raised by the app: close the connection without an answer."""


class ConnectionHung(Exception):
    """Raised by the app: send nothing, hold the connection `seconds`, then close it."""

    def __init__(self, seconds: float):
        super().__init__(f"hung for {seconds} s")
        self.seconds = seconds


class FaultError(ValueError):
    """A fault table, profile or option that makes no sense (the message says why)."""


def markers_in(text: str) -> frozenset[str]:
    """The fault names marked in a create body's text (`[sandbox:drop]` -> "drop")."""
    return frozenset(name.lower() for name in MARKER.findall(text) if name.lower() in FAULTS)


def probability(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FaultError(f"fault {name}: the probability must be a number from 0 to 1")
    try:
        number = float(value)
    except ValueError:
        raise FaultError(f"fault {name}: the probability must be a number from 0 to 1") from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise FaultError(f"fault {name}: the probability must be a number from 0 to 1")
    return number


def fault_table(spec: Any) -> dict[str, float]:
    """A fault table from a profile name, a JSON object text, or a dict name -> probability."""
    if isinstance(spec, str):
        text = spec.strip()
        if text.startswith("{"):
            try:
                spec = json.loads(text)
            except ValueError:
                raise FaultError("the fault profile is not valid JSON") from None
        elif text in PROFILES:
            return dict(PROFILES[text])
        else:
            names = ", ".join(PROFILES)
            raise FaultError(f"unknown fault profile {text!r} (known: {names}, or a JSON object)")
    if not isinstance(spec, dict):
        raise FaultError("faults must be a profile name or an object of fault name -> probability")
    table = {}
    for name, value in spec.items():
        fault, _, kind = str(name).partition("@")
        if fault not in FAULTS:
            raise FaultError(f"unknown fault {name!r} (known: {', '.join(FAULTS)})")
        if kind and kind not in FAULTS[fault]:
            kinds = ", ".join(sorted(FAULTS[fault]))
            raise FaultError(f"fault {fault} cannot hit {kind!r} requests (only: {kinds})")
        number = probability(name, value)
        if number > 0:
            table[name] = number
    return table


def one_fault(text: str) -> tuple[str, float]:
    """`NAME=P` or `NAME@KIND=P` from the command line."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or name.partition("@")[0] not in FAULTS:
        raise FaultError(f"--fault takes NAME=P with NAME one of {', '.join(FAULTS)}")
    chance = probability(name, value.strip())
    fault_table({name: chance})  # refuses a KIND the fault never applies to
    return name, chance


# --- what each fault looks like on the wire -----------------------------------------

Answer = tuple[str, list[tuple[str, str]], bytes]  # WSGI status, headers, body

RATE_LIMIT_MSG = "Your call frequency is too high. Please try again later."
MAINTENANCE_MSG = "Service unavailable: system maintenance"
INTERNAL_MSG = "Internal Error, Please try again later"

_PROXY_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
}


def _answer(status: str, content_type: str, body: bytes, *extra: tuple[str, str]) -> Answer:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra]
    return status, headers, body


def firewall_1010() -> Answer:
    """Cloudflare's answer to a client signature it refuses (kie-api.md 1.1)."""
    return _answer("403 Forbidden", "text/plain; charset=UTF-8", b"error code: 1010")


def proxy_error(status: int) -> Answer:
    """The bare page a reverse proxy sends when the origin fails: no kie envelope."""
    reason = _PROXY_REASONS[status]
    body = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()
    return _answer(f"{status} {reason}", "text/html", body)


def result_not_found() -> Answer:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code>'
        b"<Message>The specified key does not exist.</Message></Error>"
    )
    return _answer("404 Not Found", "application/xml", body)


def result_expired(now: float) -> Answer:
    """R2/S3's answer to a presigned link past its X-Amz-Expires."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    expired = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60))
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
        "<Message>Request has expired</Message><X-Amz-Expires>1200</X-Amz-Expires>"
        f"<Expires>{expired}</Expires><ServerTime>{stamp}</ServerTime></Error>"
    ).encode()
    return _answer("403 Forbidden", "application/xml", body)


def result_html_200() -> Answer:
    """A CDN error page served with HTTP 200 where the file should be."""
    body = (
        b'<!DOCTYPE html>\n<html lang="en-US"><head><title>Origin DNS error | '
        b"tempfile.aiquickdraw.com | Cloudflare</title></head><body>"
        b'<div id="cf-error-details"><h1><span>Error</span><span>1016</span></h1>'
        b"<h2>Origin DNS error</h2><p>You've requested a page on a website that is on the "
        b"Cloudflare network. Cloudflare is currently unable to resolve your requested "
        b"domain.</p></div></body></html>\n"
    )
    return _answer("200 OK", "text/html; charset=UTF-8", body)
