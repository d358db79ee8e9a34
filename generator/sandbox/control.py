"""The sandbox's own endpoints (not kie's): `POST /_sandbox/control` and `GET /_sandbox/stats`.

Both take `Authorization: Bearer <sandbox key>`. Control changes the running sandbox
(faults, seed, task duration, balance, credits that vanish, a reset) and answers the
new configuration; stats say what the sandbox did, so a check can prove "exactly one
upstream task per local task" and compare its balance movements with a ledger.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults

if TYPE_CHECKING:
    from .api import Request
    from .app import SandboxApp

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 8
_FIELDS = (
    "faults",
    "seed",
    "duration",
    "credits",
    "deduct_credits",
    "reset",
    "slow_seconds",
    "hang_seconds",
    "marker_hits",
    "callbacks",
)


def json_number(value: Decimal) -> int | float:
    """A balance as a JSON number: whole when it is, else fractional."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class Stats:
    """What the sandbox did since its last reset (updated with the app's lock held)."""

    initial_balance: Decimal
    tasks_created: int = 0
    by_model: Counter = field(default_factory=Counter)
    by_prompt: Counter = field(default_factory=Counter)
    charged: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    deducted: Decimal = Decimal(0)
    faults_injected: Counter = field(default_factory=Counter)
    callbacks_sent: int = 0
    callbacks_failed: int = 0
    callbacks_skipped: int = 0

    def created(self, model: str, prompt: str, price: Decimal) -> None:
        self.tasks_created += 1
        self.by_model[model] += 1
        self.by_prompt[prompt] += 1
        self.charged += price

    def fault(self, name: str) -> None:
        self.faults_injected[name] += 1

    def as_json(self, balance: Decimal) -> dict[str, Any]:
        return {
            "tasks_created": self.tasks_created,
            "by_model": dict(self.by_model),
            "by_prompt": dict(self.by_prompt),
            "balance": json_number(balance),
            "initial_balance": json_number(self.initial_balance),
            "charged": json_number(self.charged),
            "refunded": json_number(self.refunded),
            "deducted": json_number(self.deducted),
            "faults_injected": dict(self.faults_injected),
            "callbacks_sent": self.callbacks_sent,
            "callbacks_failed": self.callbacks_failed,
            "callbacks_skipped": self.callbacks_skipped,
        }


class ControlError(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _answer(status: int, body: dict[str, Any], *extra: tuple[str, str]) -> faults.Answer:
    reasons = {
        200: "OK",
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
    }
    payload = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    return f"{status} {reasons[status]}", [*headers, *extra], payload


def handle(app: SandboxApp, request: Request) -> faults.Answer:
    routes = {"/_sandbox/control": "POST", "/_sandbox/stats": "GET"}
    path = request.path.rstrip("/")
    if path not in routes:
        return _answer(404, {"error": "no such sandbox endpoint"})
    if request.method != routes[path]:
        return _answer(405, {"error": f"use {routes[path]}"}, ("Allow", routes[path]))
    scheme, _, key = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or key.strip() != app.config.api_key:
        return _answer(401, {"error": "Authorization: Bearer <sandbox key> required"})
    if path == "/_sandbox/stats":
        return _answer(200, app.stats_snapshot())
    try:
        changes = parse_changes(_read_body(request))
        return _answer(200, app.apply_control(changes))
    except ControlError as exc:
        return _answer(exc.status, {"error": str(exc)})


def _read_body(request: Request) -> dict[str, Any]:
    try:
        length = int(request.environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise ControlError(f"the body is over {MAX_BODY_BYTES} bytes")
    raw = request.environ["wsgi.input"].read(min(length, MAX_BODY_BYTES + 1)) if length else b""
    if len(raw) > MAX_BODY_BYTES:
        raise ControlError(f"the body is over {MAX_BODY_BYTES} bytes")
    if _depth(raw) > MAX_DEPTH:
        raise ControlError(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    try:
        body = json.loads(raw.decode("utf-8") or "{}", parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError):
        raise ControlError("the body is not a JSON object") from None
    if not isinstance(body, dict):
        raise ControlError("the body is not a JSON object")
    return body


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _depth(raw: bytes) -> int:
    """How deeply the JSON text nests arrays and objects (strings skipped), before parsing."""
    deepest = depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _number(name: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(f"{name} must be a number from {low:g} to {high:g}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ControlError(f"{name} must be a number from {low:g} to {high:g}")
    return value


def _credits(name: str, value: Any, positive: bool) -> Decimal:
    number = _number(name, value, 0, 1e12)
    if positive and number <= 0:
        raise ControlError(f"{name} must be more than 0")
    return Decimal(str(value))


def parse_changes(body: dict[str, Any]) -> dict[str, Any]:
    """The validated changes of a control body (nothing is applied if any field is bad)."""
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise ControlError(f"unknown field {unknown[0]!r} (known: {', '.join(_FIELDS)})")
    changes: dict[str, Any] = {}
    if "faults" in body:
        if not isinstance(body["faults"], str | dict):
            raise ControlError("faults must be a profile name or an object name -> probability")
        try:
            changes["faults"] = faults.fault_table(body["faults"])
        except faults.FaultError as exc:
            raise ControlError(str(exc)) from None
    if "seed" in body:
        seed = body["seed"]
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ControlError("seed must be an integer or null")
        changes["seed"] = seed
    if "duration" in body:
        changes["duration"] = _number("duration", body["duration"], 0, 86400)
    if "slow_seconds" in body:
        changes["slow_seconds"] = _number("slow_seconds", body["slow_seconds"], 0, 600)
    if "hang_seconds" in body:
        changes["hang_seconds"] = _number("hang_seconds", body["hang_seconds"], 0, 3600)
    if "marker_hits" in body:
        hits = body["marker_hits"]
        if isinstance(hits, bool) or not isinstance(hits, int) or not 1 <= hits <= 1_000_000:
            raise ControlError("marker_hits must be a whole number from 1 to 1000000")
        changes["marker_hits"] = hits
    for name in ("reset", "callbacks"):
        if name in body:
            if not isinstance(body[name], bool):
                raise ControlError(f"{name} must be true or false")
            changes[name] = body[name]
    if "credits" in body:
        changes["credits"] = _credits("credits", body["credits"], positive=False)
    if "deduct_credits" in body:
        changes["deduct_credits"] = _credits("deduct_credits", body["deduct_credits"], True)
    return changes
