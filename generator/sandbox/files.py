"""The sandbox's file host: `/files/<name>` (results and uploads, no key needed, like
kie's CDN) and the signed links kie hands out for them.

A task's result is drawn the first time anyone asks for it after the task finished;
the result faults (faults.RESULT, and `slow`) hit a task's files, never uploads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import faults
from .api import Request, respond
from .faults import FILE

if TYPE_CHECKING:
    from .app import SandboxApp

PREFIX = "/files/"
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


def serve(app: SandboxApp, request: Request, start_response: Callable) -> list[bytes]:
    name = request.path[len(PREFIX) :]
    if request.method not in ("GET", "HEAD"):
        start_response(
            "405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")]
        )
        return [b"Method Not Allowed"]
    stored = app.state.read_own(name) if _FILE_NAME.match(name) else None
    if stored is None:
        body = b"Not Found"
        start_response(
            "404 Not Found",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]
    with app.state.lock:
        task = app.state.tasks.get(app.state.file_task.get(name, ""))
    if task is not None:
        for fault in faults.RESULT:
            if app.state.fires(fault, FILE, task.markers, task.task_id):
                if fault == "result_404":
                    return respond(start_response, faults.result_not_found())
                if fault == "result_expired":
                    return respond(start_response, faults.result_expired(app.config.clock()))
                return respond(start_response, faults.result_html_200())
        if app.state.fires("slow", FILE, task.markers, task.task_id):
            app.slow(request.environ)
    start_response(
        "200 OK",
        [
            ("Content-Type", stored.mime),
            ("Content-Length", str(len(stored.data))),
            ("Cache-Control", "public, max-age=1209600"),
        ],
    )
    return [] if request.method == "HEAD" else _chunks(stored.data)


def _chunks(data: bytes, size: int = 64 * 1024):
    """The file in pieces, as a network would bring it (a 2 GB video is never one piece)."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def signed(app: SandboxApp, url: str, seconds: int) -> str:
    """A link to one of our files in the shape of kie's expiring (S3-style) links."""
    base = url.split("?", 1)[0]
    stamp = str(app.config.clock())
    sig = hashlib.sha256(f"{base}|{stamp}".encode()).hexdigest()[:32]
    return f"{base}?X-Amz-Expires={seconds}&sig={sig}"
