"""A faithful, offline simulator of the kie.ai HTTP API (a plain WSGI application).

It follows the shared kie-api.md contract: the same paths, request bodies, envelopes, status
vocabularies and error codes as kie.ai for the families the studio uses (4o Image,
Flux Kontext, Market/Ideogram V3), the credit and download-url endpoints, the upload
API (kie's second host, served here by the same app) and the file links.

This module is the plumbing: the WSGI entry, the routing table assembled from the
family modules' ROUTES (gpt4o_image.py, flux_kontext.py, market.py, account.py,
uploads.py; files.py serves `/files/`), the key check, kie's envelope, the fault hooks
and the public helpers tests and tooling use. What the families share (tasks, files,
balance, the lazy timeline) is state.py.

The sandbox fetches nothing: the only URLs it "downloads" are its own `/files/<name>`
links, read from memory. The one connection it opens is a callback (callbacks.py), and
only to a loopback address.

Faults (faults.py) hit requests by probability or by a `[sandbox:<fault>]` marker; the
sandbox's own endpoints `/_sandbox/control` and `/_sandbox/stats` are in control.py.

HTTP status: the body code is repeated as the HTTP status for 400, 401, 402, 404, 405,
422, 429 and 500; kie's own codes (455, 501, 505, 550) come with HTTP 200. With
`errors_in_http_200` every error comes with HTTP 200, the other form kie is known for.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

from . import (
    account,
    aleph,
    callbacks,
    control,
    discovery,
    faults,
    files,
    flux_kontext,
    gpt4o_image,
    luma,
    market,
    runway,
    suno,
    uploads,
    veo,
)
from .api import ApiError, Request, Route, respond
from .faults import CALLBACK, CREATE, ConnectionDropped, ConnectionHung
from .state import SandboxState, Task

_HTTP_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
_MIRRORED_CODES = frozenset(_HTTP_REASONS) - {200}

# One module per API family, each with its ROUTES; a module that makes tasks also has
# FAMILY (its tasks' `family`) and callback_body. A new family is one more entry here.
_FAMILY_MODULES: tuple[ModuleType, ...] = (
    gpt4o_image,
    flux_kontext,
    market,
    veo,
    runway,
    aleph,
    luma,
    suno,
    account,
    discovery,
    uploads,
)


def route_table(modules: Iterable[ModuleType]) -> dict[str, Route]:
    """Every module's ROUTES in one table; a path claimed twice is a mistake."""
    table: dict[str, Route] = {}
    for module in modules:
        for path, route in module.ROUTES.items():
            if path in table:
                raise ValueError(f"{path} is routed twice (again in {module.__name__})")
            table[path] = route
    return table


_ROUTES = route_table(_FAMILY_MODULES)
# Endpoints whose path holds a value with slashes (a Market model id): matched by prefix.
_ROUTE_PREFIXES = {
    prefix: route
    for module in _FAMILY_MODULES
    for prefix, route in getattr(module, "ROUTE_PREFIXES", {}).items()
}


def _route(path: str) -> Route | None:
    path = path.rstrip("/") or "/"
    route = _ROUTES.get(path)
    if route is None:
        route = next((r for p, r in _ROUTE_PREFIXES.items() if path.startswith(p)), None)
    return route


_UPLOAD_PATHS = frozenset(path for path, route in _ROUTES.items() if route.kind == faults.UPLOAD)
_CALLBACK_BODIES = {
    module.FAMILY: module.callback_body for module in _FAMILY_MODULES if hasattr(module, "FAMILY")
}


def _refused_user_agent(user_agent: str | None) -> bool:
    """What kie's Cloudflare answers with 1010: no User-Agent, or Python urllib's."""
    agent = (user_agent or "").strip()
    return not agent or agent.lower().startswith("python-urllib")


@dataclass
class SandboxConfig:
    api_key: str = "sandbox"
    credits: Decimal = Decimal("1000")
    duration_seconds: float = 8.0  # from create to success (or failure)
    visibility_delay_seconds: float = 0.0  # Market recordInfo says "recordInfo is null" meanwhile
    public_url: str = "http://127.0.0.1:8001"  # base of the file links, no trailing slash
    clock: Callable[[], float] = time.time
    max_files: int = 500  # oldest files are forgotten beyond this
    create_rate_limit: int = 20  # creates per 10 s per key
    record_reads_per_second: int = 3  # 4o record-info queries per second per task (documented)
    maintenance: bool = False  # every API call answers code 455
    errors_in_http_200: bool = False  # error envelopes come with HTTP 200 (kie-api.md 11.4)
    max_upload_bytes: int = 50 * 1024 * 1024
    max_tasks: int = 20000  # oldest finished tasks are forgotten beyond this
    # Faults (faults.py): name -> probability per matching request, plus their options.
    faults: dict[str, float] = field(default_factory=dict)
    seed: int | None = None  # seeds the fault draws (and callback shuffles) for a repeatable run
    slow_seconds: float = 2.0  # how late a `slow` answer comes
    hang_seconds: float = 65.0  # a served `timeout` holds the connection this long, then closes
    marker_hits: int = 1  # a [sandbox:<fault>] marker hits its task's first N matching requests
    firewall: bool = True  # Cloudflare's 403 "error code: 1010" for no or a Python-urllib UA
    sleep: Callable[[float], None] = time.sleep  # in-process `slow` waits with this
    # Callbacks to callBackUrl (loopback addresses only): on when served, off in-process.
    callbacks: bool = False
    callback_timeout_seconds: float = 5.0
    callback_retries: int = 3  # retries after a failed delivery, like kie's, with backoff
    callback_backoff_seconds: float = 1.0  # doubled after each failure
    out_of_order_delay_seconds: float = 3.0  # callback_out_of_order holds a callback up to this
    # Models kie.ai retired (Luma) serve their last documented contract instead of
    # answering as an unknown model.
    retired_models: bool = False


class SandboxApp:
    """The WSGI application. One instance holds one simulated kie.ai account."""

    def __init__(self, config: SandboxConfig | None = None):
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        self._sender: callbacks.Send | None = None
        self.refuse_connections = False  # in-process: SandboxTransport then refuses to connect

    # --- public helpers for tests and tooling --------------------------------------

    @property
    def balance(self) -> Decimal:
        with self.state.lock:
            self.state.settle_refunds()
            return self.state.balance

    def set_balance(self, value: Decimal | int | str) -> None:
        """Set the balance; the initial balance moves by as much, so that
        initial_balance - balance = charged - refunded + deducted still holds."""
        with self.state.lock:
            self.state.settle_refunds()
            value = Decimal(str(value))
            self.state.stats.initial_balance += value - self.state.balance
            self.state.balance = value

    def task(self, task_id: str) -> dict[str, Any] | None:
        """A snapshot of a task (for tests), or None when the id is unknown.

        `state` uses the Market vocabulary (waiting, queuing, generating, success, fail)
        for every family; `result_urls` are known from creation, served once finished.
        """
        with self.state.lock:
            task = self.state.tasks.get(task_id)
            if task is None:
                return None
            self.state.settle_refunds()
            return {
                "task_id": task.task_id,
                "family": task.family,
                "model": task.model,
                "body": json.loads(json.dumps(task.body)),
                "price": task.price,
                "outcome": task.outcome,
                "state": self.state.state_of(task),
                "created_at": task.created_at,
                "result_urls": [self.state.file_url(name) for name in task.file_names],
                "rendered": task.rendered,
                "refunded": task.refunded,
            }

    def put_file(self, data: bytes, mime: str, name: str | None = None) -> str:
        """Serve arbitrary bytes from the sandbox's file host (tests: broken results)."""
        name = name or f"{uuid.uuid4().hex}.bin"
        with self.state.lock:
            self.state.store(name, data, mime)
        return self.state.file_url(name)

    def reset(self) -> None:
        """Forget every task and file and restore the configured balance."""
        with self.state.lock:
            self.state.reset()

    def deduct_credits(self, amount: Decimal | int | str) -> None:
        """Remove credits with no task (the "credits that vanish unexplained" case)."""
        amount = Decimal(str(amount))
        with self.state.lock:
            self.state.settle_refunds()
            if amount > self.state.balance:
                raise ValueError("deduct_credits is more than the balance")
            self.state.balance -= amount
            self.state.stats.deducted += amount

    def stats_snapshot(self) -> dict[str, Any]:
        """GET /_sandbox/stats: what was created and charged, faults and callbacks."""
        with self.state.lock:
            self.state.settle_refunds()
            return self.state.stats.as_json(self.state.balance)

    def config_snapshot(self) -> dict[str, Any]:
        with self.state.lock:
            self.state.settle_refunds()
            config = self.config
            return {
                "faults": dict(config.faults),
                "seed": config.seed,
                "duration": config.duration_seconds,
                "slow_seconds": config.slow_seconds,
                "hang_seconds": config.hang_seconds,
                "marker_hits": config.marker_hits,
                "callbacks": config.callbacks,
                "balance": control.json_number(self.state.balance),
            }

    def apply_control(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply validated control changes (control.parse_changes) and answer the config."""
        if changes.get("reset"):
            self.reset()
        if "deduct_credits" in changes:
            after_credits = changes.get("credits", self.balance)
            if changes["deduct_credits"] > after_credits:
                raise control.ControlError("deduct_credits is more than the balance")
        config = self.config
        with self.state.lock:
            if "faults" in changes:
                config.faults = changes["faults"]
            if "seed" in changes:
                config.seed = changes["seed"]
                self.state.rng.seed(config.seed)
            for name, attribute in (
                ("duration", "duration_seconds"),
                ("slow_seconds", "slow_seconds"),
                ("hang_seconds", "hang_seconds"),
                ("marker_hits", "marker_hits"),
                ("callbacks", "callbacks"),
            ):
                if name in changes:
                    setattr(config, attribute, changes[name])
        if "credits" in changes:
            self.set_balance(changes["credits"])
        if "deduct_credits" in changes:
            self.deduct_credits(changes["deduct_credits"])
        return self.config_snapshot()

    # --- callbacks -------------------------------------------------------------------

    def deliver_due_callbacks(self, send: callbacks.Send | None = None) -> int:
        """Send the callbacks of tasks finished by now; returns how many were delivered.

        The served sandbox's thread calls this every 0.2 s; a test calls it with its own
        `send(url, json_body)` (its result: a status code or a response with one). Only
        loopback URLs are contacted; a failed delivery is retried `callback_retries`
        times with a doubling backoff, then dropped, as kie does.
        """
        if not self.config.callbacks:
            return 0
        with self.state.lock:
            now = self.config.clock()
            self.state.settle_refunds()
            due = [
                task
                for task in self.state.callbacks_due.values()
                if task.callback_due <= now and self.state.state_of(task) in ("success", "fail")
            ]
            # Suno also calls back at its stages (text, first track) before the end.
            staged = suno.stage_callbacks(self, list(self.state.callbacks_due.values()))
        send = send or self._http_sender()
        early = 0
        for task, body in staged:
            if callbacks.is_loopback(task.callback_url):
                early += self._send_callback(send, task.callback_url, body)
        if not due:
            return early
        for task in due:
            self.state.ensure_rendered(task)
        with self.state.lock:
            batch = [(task, self._callback_body(task)) for task in due]
            if "callback_out_of_order" in self.config.faults or any(
                "callback_out_of_order" in task.markers for task in due
            ):
                self.state.rng.shuffle(batch)
        delivered = early
        for task, body in batch:
            if not callbacks.is_loopback(task.callback_url):
                with self.state.lock:
                    self.state.stats.callbacks_skipped += 1
                    self.state.callbacks_due.pop(task.task_id, None)
                continue
            sent = self._send_callback(send, task.callback_url, body)
            with self.state.lock:
                if sent:
                    self.state.callbacks_due.pop(task.task_id, None)
                else:
                    task.callback_attempts += 1
                    if task.callback_attempts > self.config.callback_retries:
                        self.state.callbacks_due.pop(task.task_id, None)
                    else:
                        backoff = self.config.callback_backoff_seconds
                        pause = backoff * 2 ** (task.callback_attempts - 1)
                        task.callback_due = self.config.clock() + pause
            if not sent:
                continue
            delivered += 1
            if self.state.fires("callback_duplicate", CALLBACK, task.markers, task.task_id):
                delivered += self._send_callback(send, task.callback_url, body)
        return delivered

    def _send_callback(self, send: callbacks.Send, url: str, body: dict[str, Any]) -> bool:
        try:
            sent = callbacks.delivered(send(url, body))
        except Exception:  # a refused connection, a timeout, a broken receiver
            sent = False
        with self.state.lock:
            if sent:
                self.state.stats.callbacks_sent += 1
            else:
                self.state.stats.callbacks_failed += 1
        return sent

    def _http_sender(self) -> callbacks.Send:
        if self._sender is None:
            self._sender = callbacks.HttpSender(self.config.callback_timeout_seconds)
        return self._sender

    def _callback_body(self, task: Task) -> dict[str, Any]:
        """What kie POSTs to a finished task's callBackUrl, in its family's shape (lock held)."""
        return _CALLBACK_BODIES[task.family](self, task)

    # --- WSGI ------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = (environ.get("REQUEST_METHOD") or "GET").upper()
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = Request(
            method, path, parse_qs(environ.get("QUERY_STRING") or ""), headers, environ
        )
        if path.startswith("/_sandbox/"):
            return respond(start_response, control.handle(self, request))
        if path.startswith(files.PREFIX):
            return files.serve(self, request, start_response)
        if self.config.firewall and _refused_user_agent(headers.get("user-agent")):
            return respond(start_response, faults.firewall_1010())
        upload = path in _UPLOAD_PATHS
        route = _route(path)
        kind = route.kind if route else None
        markers, subject = self._fault_subject(request, kind)
        if kind:
            for name in faults.BEFORE:
                if self.state.fires(name, kind, markers, subject):
                    return respond(start_response, self._fault_answer(name, request, upload))
        answer = self._answer(request, upload)
        if kind:
            if self.state.fires("drop", kind, markers, subject):
                raise ConnectionDropped
            if self.state.fires("malformed_json", kind, markers, subject):
                status, head, body = answer
                body = body[: max(1, len(body) // 2)]
                head = [(k, str(len(body)) if k == "Content-Length" else v) for k, v in head]
                answer = status, head, body
            if self.state.fires("slow", kind, markers, subject):
                self.slow(environ)
        return respond(start_response, answer)

    def _answer(self, request: Request, upload: bool) -> faults.Answer:
        """Process the request: kie's answer to it."""
        try:
            data = self._dispatch(request)
        except ApiError as error:
            return self._envelope(error.code, error.msg, error.data, upload, error.allow)
        except Exception:  # a bug here must still answer like kie: code 500 in an envelope
            traceback.print_exc(file=sys.stderr)
            return self._envelope(500, faults.INTERNAL_MSG, None, upload)
        if upload:
            return self._envelope(200, "File uploaded successfully", data, True)
        return self._envelope(200, "success", data, False)

    def _envelope(
        self,
        code: int,
        msg: str,
        data: Any,
        upload: bool,
        allow: str = "",
        http_status: int | None = None,
    ) -> faults.Answer:
        envelope: dict[str, Any] = {"code": code, "msg": msg, "data": data}
        if upload:
            envelope = {"success": code == 200, **envelope}
        payload = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        mirrored = code in _MIRRORED_CODES and not self.config.errors_in_http_200
        status = http_status or (code if mirrored else 200)
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(payload))),
        ]
        if allow:
            headers.append(("Allow", allow))
        return f"{status} {_HTTP_REASONS[status]}", headers, payload

    # --- faults ------------------------------------------------------------------------

    def _fault_subject(self, request: Request, kind: str | None) -> tuple[frozenset[str], str]:
        """The markers that apply to this request, and what their hits are counted on."""
        if kind == CREATE:
            try:
                raw = request.body(self.max_body_bytes)
            except ApiError:
                return frozenset(), ""
            text = raw.decode("utf-8", "replace")
            return faults.markers_in(text), "create:" + hashlib.sha256(raw).hexdigest()
        if kind == faults.RECORD:
            task_id = request.param("taskId") or ""
            with self.state.lock:
                task = self.state.tasks.get(task_id)
            if task is not None:
                return task.markers, task.task_id
        return frozenset(), ""

    def _fault_answer(self, name: str, request: Request, upload: bool) -> faults.Answer:
        if name == "cloudflare_1010":
            return faults.firewall_1010()
        if name in ("drop_before", "timeout"):
            with contextlib.suppress(ApiError):
                request.body(self.max_body_bytes)  # read, so closing is a clean FIN
            if name == "timeout":
                raise ConnectionHung(self.config.hang_seconds)
            raise ConnectionDropped
        if name == "rate_limit":
            return self._envelope(429, faults.RATE_LIMIT_MSG, None, upload, http_status=200)
        if name == "rate_limit_retry_after":
            status, headers, body = self._envelope(
                429, faults.RATE_LIMIT_MSG, None, upload, http_status=429
            )
            return status, [*headers, ("Retry-After", "2")], body
        if name == "maintenance":
            return self._envelope(455, faults.MAINTENANCE_MSG, None, upload)
        if name.startswith("proxy_"):
            return faults.proxy_error(int(name[len("proxy_") :]))
        return self._envelope(500, faults.INTERNAL_MSG, None, upload, http_status=200)

    def slow(self, environ: dict[str, Any]) -> None:
        """Answer `slow_seconds` late. In-process, a wait the client would not sit through
        ends as its read timeout (the request was processed)."""
        seconds = max(0.0, self.config.slow_seconds)
        limit = environ.get("sandbox.read_timeout")
        if environ.get("sandbox.inprocess") and limit is not None and seconds >= limit:
            raise ConnectionHung(0.0)
        self.config.sleep(seconds)

    def _dispatch(self, request: Request) -> Any:
        route = _route(request.path)
        if route is None:
            raise ApiError(404, "Not Found")
        if request.method != route.method:
            raise ApiError(405, "Method Not Allowed", allow=route.method)
        if self.config.maintenance:
            raise ApiError(455, "Service unavailable: system maintenance")
        scheme, _, key = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or key.strip() != self.config.api_key:
            raise ApiError(401, "You do not have access permissions")
        return route.handler(self, request)

    @property
    def max_body_bytes(self) -> int:
        # base64 inflates by 4/3; leave room for the JSON or multipart around it.
        return self.config.max_upload_bytes * 4 // 3 + 1024 * 1024
