"""What every kie endpoint of the sandbox shares: the request, the error answer, the
route a family module registers, and the checks of request fields.

A family module's handler is `handler(app, request)`: it returns the envelope's `data`
or raises ApiError; app.py wraps either in kie's envelope.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import SandboxApp
    from .faults import Answer


class ApiError(Exception):
    """An error answer: the envelope code (also the HTTP status when standard) and text."""

    def __init__(self, code: int, msg: str, data: Any = None, allow: str = ""):
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.data = data
        self.allow = allow  # the Allow header of a 405


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    environ: dict[str, Any] = field(repr=False)
    _body: bytes | None = None

    def body(self, limit: int) -> bytes:
        length_given = str(self.environ.get("CONTENT_LENGTH") or "").strip()
        chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        if self._body is None and chunked and not length_given:
            # The server de-chunked the body (WSGI servers must; server.py does it for
            # wsgiref): read it to its end.
            self._body = self.environ["wsgi.input"].read(limit + 1)
            if len(self._body) > limit:
                raise ApiError(400, "File size exceeds the upload limit")
        if self._body is None:
            try:
                length = int(self.environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise ApiError(400, "File size exceeds the upload limit")
            stream = self.environ["wsgi.input"]
            chunks, remaining = [], length
            while remaining > 0:
                chunk = stream.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
            self._body = b"".join(chunks)
        return self._body

    def json(self, limit: int) -> dict[str, Any]:
        """The body as a JSON object, or kie's 400 for anything else."""
        raw = self.body(limit)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, "Format Error - parameter not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Format Error - parameter not valid JSON")
        return body

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


Handler = Callable[["SandboxApp", Request], Any]


@dataclass(frozen=True)
class Route:
    """One endpoint: its method, its handler, and the request kind faults aim at
    (faults.CREATE, RECORD, LINK, CREDIT or UPLOAD)."""

    method: str
    handler: Handler
    kind: str


def respond(start_response: Callable, answer: Answer) -> list[bytes]:
    status, headers, body = answer
    start_response(status, headers)
    return [body]


def now_ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def require_choice(body: dict[str, Any], name: str, choices: Iterable[Any], label: str) -> None:
    choices = tuple(choices)
    if name in body and body[name] is not None and body[name] not in choices:
        options = ", ".join(str(c) for c in choices)
        raise ApiError(422, f"{label} must be one of {options}")


def optional_string(body: dict[str, Any], name: str, label: str, max_length: int = 0) -> None:
    value = body.get(name)
    if value is None:
        return
    if not isinstance(value, str):
        raise ApiError(422, f"{label} must be a string")
    if max_length and len(value) > max_length:
        raise ApiError(422, f"{label} must be at most {max_length} characters")
