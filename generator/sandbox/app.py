"""A faithful, offline simulator of the kie.ai HTTP API (a plain WSGI application).

It follows the shared kie-api.md contract: the same paths, request bodies, envelopes, status
vocabularies and error codes as kie.ai for the families the studio uses (4o Image,
Flux Kontext, Market/Ideogram V3), the credit and download-url endpoints, the upload
API (kie's second host, served here by the same app) and the file links.

State lives in memory behind one lock. Tasks progress with the configured clock:
a task is finished `duration_seconds` after its creation, and its pictures are drawn
(see media.py) the first time anyone looks at it after that. Credits are charged at
create with the catalog's estimate and refunded when a generation fails, as kie does.
The sandbox fetches nothing: the only URLs it "downloads" are its own `/files/<name>`
links, read from memory. The one connection it opens is a callback (callbacks.py), and
only to a loopback address.

Faults (faults.py) hit requests by probability or by a `[sandbox:<fault>]` marker; the
sandbox's own endpoints `/_sandbox/control` and `/_sandbox/stats` are in control.py.

Magic words in a prompt (case-insensitive) simulate trouble; the task fails or hangs
at the end of its duration, and failures are refunded:

- ``[sandbox:policy]`` — content-policy rejection: 4o successFlag 2 / GENERATE_FAILED /
  errorCode 400; Flux successFlag 3 / errorCode 400; Market state "fail", failCode "400".
- ``[sandbox:fail]`` — generation failure: 4o errorCode 500; Flux successFlag 3 /
  errorCode 501; Market failCode "501" "Generation failed".
- ``[sandbox:stuck]`` — never finishes: stays generating forever, never refunded.

Creates count against the rate limit once they pass validation (a rejected 429 is
neither counted nor charged). Input-image URLs that are the sandbox's own files are
drawn upon (a fake edit); any other URL is accepted and ignored, never fetched.

HTTP status: the body code is repeated as the HTTP status for 400, 401, 402, 404, 405,
422, 429 and 500; kie's own codes (455, 501, 505, 550) come with HTTP 200. With
`errors_in_http_200` every error comes with HTTP 200, the other form kie is known for.

Uploads take any file type, as kie's do; the same uploadPath + fileName overwrites
the earlier file and keeps its URL.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import json
import math
import re
import sys
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from generator.catalog import Family

from . import callbacks, control, faults
from .api import (
    ApiError,
    Request,
    compact,
    is_int,
    is_number,
    now_ms,
    optional_string,
    require_choice,
)
from .faults import CALLBACK, CREATE, FILE, ConnectionDropped, ConnectionHung
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

_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
_EXT = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "video/mp4": "mp4",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
}
_MIME_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_MAX_READ_WINDOWS = 1000  # 4o tasks with a read window before idle ones are dropped

_4O_SIZES = {"1:1": (1024, 1024), "3:2": (1536, 1024), "2:3": (1024, 1536)}
# Black Forest Labs' own Kontext output sizes: about one megapixel, multiples of 16.
_FLUX_SIZES = {
    "21:9": (1568, 672),
    "16:9": (1392, 752),
    "4:3": (1184, 880),
    "1:1": (1024, 1024),
    "3:4": (880, 1184),
    "9:16": (752, 1392),
}
_FLUX_MODELS = {"flux-kontext-pro": "Flux Kontext Pro", "flux-kontext-max": "Flux Kontext Max"}
_IDEOGRAM_SIZES = {
    "square": (512, 512),
    "square_hd": (1024, 1024),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
_IDEOGRAM_SPEEDS = ("TURBO", "BALANCED", "QUALITY")
_IDEOGRAM_STYLES = ("AUTO", "GENERAL", "REALISTIC", "DESIGN")
_MARKET_MODELS = ("ideogram/v3-text-to-image", "ideogram/v3-remix")

# Outcome per family when a magic word is present: (code, message).
_FAILURES = {
    "4o": {
        "policy": (400, "Your content was flagged by OpenAI as violating content policies"),
        "fail": (500, "Internal Error, Please try again later"),
    },
    "flux": {
        "policy": (400, "Your prompt was flagged by Website as violating content policies"),
        "fail": (501, "Generation failed"),
    },
    "market": {
        "policy": (400, "Your content was flagged as violating content policies"),
        "fail": (501, "Generation failed"),
    },
}

_UPLOAD_PATHS = ("/api/file-stream-upload", "/api/file-base64-upload", "/api/file-url-upload")
_KINDS = {
    "/api/v1/gpt4o-image/generate": faults.CREATE,
    "/api/v1/flux/kontext/generate": faults.CREATE,
    "/api/v1/jobs/createTask": faults.CREATE,
    "/api/v1/gpt4o-image/record-info": faults.RECORD,
    "/api/v1/flux/kontext/record-info": faults.RECORD,
    "/api/v1/jobs/recordInfo": faults.RECORD,
    "/api/v1/gpt4o-image/download-url": faults.LINK,
    "/api/v1/common/download-url": faults.LINK,
    "/api/v1/chat/credit": faults.CREDIT,
    **{path: faults.UPLOAD for path in _UPLOAD_PATHS},
}


def _refused_user_agent(user_agent: str | None) -> bool:
    """What kie's Cloudflare answers with 1010: no User-Agent, or Python urllib's."""
    agent = (user_agent or "").strip()
    return not agent or agent.lower().startswith("python-urllib")


def _send(start_response: Callable, answer: faults.Answer) -> list[bytes]:
    status, headers, body = answer
    start_response(status, headers)
    return [body]


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


def _sniff_image(data: bytes) -> str | None:
    """The MIME type of an image Pillow can read, or None for anything else."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
    except Exception:  # Pillow raises many types for foreign bytes; all mean "not an image"
        return None
    return _MIME.get(kind) or Image.MIME.get(kind)


def _sniff_media(data: bytes) -> str | None:
    """video/mp4, audio/mpeg or audio/wav from the first bytes, else None."""
    if data[4:8] == b"ftyp":  # MP4 and QuickTime
        return "video/mp4"
    if data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3"):
        return "audio/mpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    return None


def _upload_mime(data: bytes, declared: str | None) -> str:
    """What the bytes are, else what the client said they are, else octet-stream."""
    sniffed = _sniff_image(data) or _sniff_media(data)
    if sniffed:
        return sniffed
    declared = (declared or "").split(";", 1)[0].strip().lower()
    return declared if _MIME_TYPE.match(declared) else "application/octet-stream"


def _safe_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return name[:120]


class SandboxApp:
    """The WSGI application. One instance holds one simulated kie.ai account."""

    def __init__(self, config: SandboxConfig | None = None):
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        self._sender: callbacks.Send | None = None
        self.refuse_connections = False  # in-process: SandboxTransport then refuses to connect

    # Older tests look at these two by their names from before state.py.
    @property
    def _tasks(self) -> dict[str, Task]:
        return self.state.tasks

    @property
    def _record_reads(self) -> dict[str, deque[float]]:
        return self.state.record_reads

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
        if not due:
            return 0
        for task in due:
            self.state.ensure_rendered(task)
        with self.state.lock:
            batch = [(task, self._callback_body(task)) for task in due]
            if "callback_out_of_order" in self.config.faults or any(
                "callback_out_of_order" in task.markers for task in due
            ):
                self.state.rng.shuffle(batch)
        send = send or self._http_sender()
        delivered = 0
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
        """What kie POSTs to a finished task's callBackUrl, per family (lock held)."""
        success = self.state.state_of(task) == "success"
        urls = [self.state.file_url(name) for name in task.file_names]
        if task.family == "market":
            data = self._market_record(task)
            data["consumeCredits"] = control.json_number(
                Decimal(0) if task.refunded else task.price
            )
            data["remainedCredits"] = control.json_number(self.state.balance)
            if success:
                return {"code": 200, "msg": "Playground task completed successfully.", "data": data}
            return {"code": 501, "msg": "Playground task failed.", "data": data}
        if success:
            if task.family == "4o":
                info = {"result_urls": urls}
            else:
                info = {"originImageUrl": self._signed(urls[0], 600), "resultImageUrl": urls[0]}
            return {"code": 200, "msg": "success", "data": {"taskId": task.task_id, "info": info}}
        code, message = _FAILURES[task.family][task.outcome]
        info = None if task.family == "4o" else {"originImageUrl": "", "resultImageUrl": ""}
        return {"code": code, "msg": message, "data": {"taskId": task.task_id, "info": info}}

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
            return _send(start_response, control.handle(self, request))
        if path.startswith("/files/"):
            return self._serve_file(request, start_response)
        if self.config.firewall and _refused_user_agent(headers.get("user-agent")):
            return _send(start_response, faults.firewall_1010())
        upload = path in _UPLOAD_PATHS
        kind = _KINDS.get(path.rstrip("/"))
        markers, subject = self._fault_subject(request, kind)
        if kind:
            for name in faults.BEFORE:
                if self.state.fires(name, kind, markers, subject):
                    return _send(start_response, self._fault_answer(name, request, upload))
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
                self._slow(environ)
        return _send(start_response, answer)

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

    def _slow(self, environ: dict[str, Any]) -> None:
        """Answer `slow_seconds` late. In-process, a wait the client would not sit through
        ends as its read timeout (the request was processed)."""
        seconds = max(0.0, self.config.slow_seconds)
        limit = environ.get("sandbox.read_timeout")
        if environ.get("sandbox.inprocess") and limit is not None and seconds >= limit:
            raise ConnectionHung(0.0)
        self.config.sleep(seconds)

    _ROUTES: dict[str, tuple[str, str]] = {
        "/api/v1/gpt4o-image/generate": ("POST", "_create_4o"),
        "/api/v1/gpt4o-image/record-info": ("GET", "_record_4o"),
        "/api/v1/gpt4o-image/download-url": ("POST", "_download_url_4o"),
        "/api/v1/flux/kontext/generate": ("POST", "_create_flux"),
        "/api/v1/flux/kontext/record-info": ("GET", "_record_flux"),
        "/api/v1/jobs/createTask": ("POST", "_create_market"),
        "/api/v1/jobs/recordInfo": ("GET", "_record_market"),
        "/api/v1/chat/credit": ("GET", "_credit"),
        "/api/v1/common/download-url": ("POST", "_download_url_common"),
        "/api/file-stream-upload": ("POST", "_upload_stream"),
        "/api/file-base64-upload": ("POST", "_upload_base64"),
        "/api/file-url-upload": ("POST", "_upload_url"),
    }

    def _dispatch(self, request: Request) -> Any:
        route = self._ROUTES.get(request.path.rstrip("/") or "/")
        if route is None:
            raise ApiError(404, "Not Found")
        method, handler = route
        if request.method != method:
            raise ApiError(405, "Method Not Allowed", allow=method)
        if self.config.maintenance:
            raise ApiError(455, "Service unavailable: system maintenance")
        scheme, _, key = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or key.strip() != self.config.api_key:
            raise ApiError(401, "You do not have access permissions")
        return getattr(self, handler)(request)

    @property
    def max_body_bytes(self) -> int:
        # base64 inflates by 4/3; leave room for the JSON or multipart around it.
        return self.config.max_upload_bytes * 4 // 3 + 1024 * 1024

    # --- files -----------------------------------------------------------------------

    def _serve_file(self, request: Request, start_response: Callable) -> list[bytes]:
        name = request.path[len("/files/") :]
        if request.method not in ("GET", "HEAD"):
            start_response(
                "405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")]
            )
            return [b"Method Not Allowed"]
        stored = self.state.read_own(name) if _FILE_NAME.match(name) else None
        if stored is None:
            body = b"Not Found"
            start_response(
                "404 Not Found",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        with self.state.lock:
            task = self.state.tasks.get(self.state.file_task.get(name, ""))
        if task is not None:
            for fault in faults.RESULT:
                if self.state.fires(fault, FILE, task.markers, task.task_id):
                    if fault == "result_404":
                        return _send(start_response, faults.result_not_found())
                    if fault == "result_expired":
                        return _send(start_response, faults.result_expired(self.config.clock()))
                    return _send(start_response, faults.result_html_200())
            if self.state.fires("slow", FILE, task.markers, task.task_id):
                self._slow(request.environ)
        start_response(
            "200 OK",
            [
                ("Content-Type", stored.mime),
                ("Content-Length", str(len(stored.data))),
                ("Cache-Control", "public, max-age=1209600"),
            ],
        )
        return [] if request.method == "HEAD" else [stored.data]

    def _signed(self, url: str, seconds: int) -> str:
        base = url.split("?", 1)[0]
        stamp = str(self.config.clock())
        sig = hashlib.sha256(f"{base}|{stamp}".encode()).hexdigest()[:32]
        return f"{base}?X-Amz-Expires={seconds}&sig={sig}"

    def _create_4o(self, request: Request) -> dict[str, str]:
        body = request.json(self.max_body_bytes)
        size = body.get("size")
        if size in (None, ""):
            raise ApiError(422, "size is required")
        require_choice(body, "size", _4O_SIZES, "size")
        optional_string(body, "prompt", "prompt")
        files = body.get("filesUrl")
        if files is not None:
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                raise ApiError(422, "filesUrl must be a list of URL strings")
            if len(files) > 5:
                raise ApiError(422, "filesUrl takes at most 5 images")
        optional_string(body, "fileUrl", "fileUrl")
        optional_string(body, "maskUrl", "maskUrl")
        optional_string(body, "callBackUrl", "callBackUrl")
        sources = list(files or []) + ([body["fileUrl"]] if body.get("fileUrl") else [])
        prompt = body.get("prompt") or ""
        if not prompt.strip() and not sources:
            raise ApiError(422, "prompt or filesUrl is required")
        variants = body.get("nVariants", 1)
        if variants is None:
            variants = 1
        if isinstance(variants, str) and variants.strip().isdigit():
            variants = int(variants)
        if not is_int(variants) or variants not in (1, 2, 4):
            raise ApiError(422, "nVariants must be one of 1, 2, 4")
        base = next((n for n in map(self.state.base_for, sources) if n), None)
        return self.state.create_task(
            family="4o",
            model="gpt4o-image",
            body=body,
            price_family=Family.GPT4O_IMAGE,
            api_model=None,
            price_params=body,
            prompt=prompt,
            title="4o Image",
            sizes=[_4O_SIZES[size]] * variants,
            fmt="png",
            base_name=base,
        )

    def _create_flux(self, request: Request) -> dict[str, str]:
        body = request.json(self.max_body_bytes)
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ApiError(422, "prompt is required")
        model = body.get("model") or "flux-kontext-pro"
        if model not in _FLUX_MODELS:
            raise ApiError(422, "model must be one of flux-kontext-pro, flux-kontext-max")
        require_choice(body, "aspectRatio", _FLUX_SIZES, "aspectRatio")
        require_choice(body, "outputFormat", ("jpeg", "png"), "outputFormat")
        for name in ("inputImage", "callBackUrl", "watermark"):
            optional_string(body, name, name)
        editing = bool(body.get("inputImage"))
        tolerance = body.get("safetyTolerance")
        if tolerance is not None:
            top = 2 if editing else 6
            if not is_int(tolerance) or not 0 <= tolerance <= top:
                raise ApiError(422, f"safetyTolerance must be an integer from 0 to {top}")
        base = self.state.base_for(body.get("inputImage")) if editing else None
        ratio = body.get("aspectRatio")
        if ratio:
            size = _FLUX_SIZES[ratio]
        elif not editing:
            size = _FLUX_SIZES["16:9"]
        else:
            size = self._kept_ratio_size(base)
        return self.state.create_task(
            family="flux",
            model=model,
            body=body,
            price_family=Family.FLUX_KONTEXT,
            api_model=model,
            price_params=body,
            prompt=prompt,
            title=_FLUX_MODELS[model],
            sizes=[size],
            fmt=body.get("outputFormat") or "jpeg",
            base_name=base,
        )

    def _kept_ratio_size(self, base: str | None) -> tuple[int, int]:
        """About one megapixel at the ratio of our own input image (1:1 otherwise)."""
        stored = self.state.read_own(base) if base else None
        ratio = 1.0
        if stored is not None:
            try:
                with Image.open(io.BytesIO(stored.data)) as image:
                    ratio = image.width / image.height
            except OSError:
                ratio = 1.0
        ratio = min(4.0, max(0.25, ratio))
        width = math.sqrt(1024 * 1024 * ratio)
        height = width / ratio
        return max(16, round(width / 16) * 16), max(16, round(height / 16) * 16)

    def _create_market(self, request: Request) -> dict[str, str]:
        body = request.json(self.max_body_bytes)
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise ApiError(422, "model is required")
        if model not in _MARKET_MODELS:
            raise ApiError(422, "The page does not exist or is not published")
        optional_string(body, "callBackUrl", "callBackUrl")
        data = body.get("input")
        if not isinstance(data, dict):
            raise ApiError(422, "input is required")
        prompt = data.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ApiError(422, "input.prompt is required")
        if len(prompt) > 5000:
            raise ApiError(422, "input.prompt must be at most 5000 characters")
        require_choice(data, "rendering_speed", _IDEOGRAM_SPEEDS, "input.rendering_speed")
        require_choice(data, "style", _IDEOGRAM_STYLES, "input.style")
        require_choice(data, "image_size", _IDEOGRAM_SIZES, "input.image_size")
        optional_string(data, "negative_prompt", "input.negative_prompt", 5000)
        if data.get("expand_prompt") is not None and not isinstance(data["expand_prompt"], bool):
            raise ApiError(422, "input.expand_prompt must be a boolean")
        if data.get("seed") is not None and not is_int(data["seed"]):
            raise ApiError(422, "input.seed must be an integer")
        count = 1
        base = None
        if model == "ideogram/v3-remix":
            image_url = data.get("image_url")
            if not isinstance(image_url, str) or not image_url.strip():
                raise ApiError(422, "input.image_url is required")
            strength = data.get("strength")
            if strength is not None and (not is_number(strength) or not 0.01 <= strength <= 1):
                raise ApiError(422, "input.strength must be a number from 0.01 to 1")
            num = data.get("num_images")
            if num is not None:
                if str(num) not in ("1", "2", "3", "4") or isinstance(num, bool | float):
                    raise ApiError(422, "input.num_images must be one of 1, 2, 3, 4")
                count = int(num)
            base = self.state.base_for(image_url)
        size = _IDEOGRAM_SIZES[data.get("image_size") or "square_hd"]
        return self.state.create_task(
            family="market",
            model=model,
            body=body,
            price_family=Family.MARKET,
            api_model=model,
            price_params=data,
            prompt=prompt,
            title="Ideogram V3",
            sizes=[size] * count,
            fmt="png",
            base_name=base,
        )

    # --- reading tasks ---------------------------------------------------------------

    def _count_record_read(self, task: Task) -> None:
        """kie's 4o details page allows 3 record-info queries per second per task."""
        with self.state.lock:
            now = self.config.clock()
            if len(self.state.record_reads) > _MAX_READ_WINDOWS:
                self.state.record_reads = {
                    task_id: reads
                    for task_id, reads in self.state.record_reads.items()
                    if reads and reads[-1] > now - 1.0
                }
            window = self.state.record_reads.setdefault(task.task_id, deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self.config.record_reads_per_second:
                raise ApiError(
                    429, "Too many requests for this task; query it at most 3 times a second"
                )
            window.append(now)

    def _record_4o(self, request: Request) -> dict[str, Any]:
        task = self.state.requested_task(request, "4o")
        self._count_record_read(task)
        self.state.ensure_rendered(task)
        with self.state.lock:
            self.state.settle_refunds()
            state = self.state.state_of(task)
            urls = [self.state.file_url(n) for n in task.file_names]
            done = state in ("success", "fail")
            flag, status, code, message, response = 0, "GENERATING", None, "", None
            if state == "success":
                flag, status = 1, "SUCCESS"
                response = {"resultUrls": urls, "result_urls": list(urls)}
            elif state == "fail":
                flag, status = 2, "GENERATE_FAILED"
                code, message = _FAILURES["4o"][task.outcome]
            progress = 1.0 if state == "success" else min(self.state.fraction(task), 0.99)
            return {
                "taskId": task.task_id,
                "paramJson": compact(task.body),
                "completeTime": now_ms(self.state.finished_at(task)) if done else None,
                "response": response,
                "successFlag": flag,
                "status": status,
                "errorCode": code,
                "errorMessage": message,
                "createTime": now_ms(task.created_at),
                "progress": f"{progress:.2f}",
            }

    def _record_flux(self, request: Request) -> dict[str, Any]:
        task = self.state.requested_task(request, "flux")
        self.state.ensure_rendered(task)
        with self.state.lock:
            self.state.settle_refunds()
            state = self.state.state_of(task)
            flag, code, message, response = 0, None, "", None
            if state == "success":
                url = self.state.file_url(task.file_names[0])
                flag = 1
                # kie's originImageUrl is the upstream link that lives 10 minutes.
                response = {"originImageUrl": self._signed(url, 600), "resultImageUrl": url}
            elif state == "fail":
                flag = 3
                code, message = _FAILURES["flux"][task.outcome]
            done = state in ("success", "fail")
            return {
                "taskId": task.task_id,
                "paramJson": compact(task.body),
                "completeTime": now_ms(self.state.finished_at(task)) if done else None,
                "response": response,
                "successFlag": flag,
                "errorCode": code,
                "errorMessage": message,
                "createTime": now_ms(task.created_at),
            }

    def _record_market(self, request: Request) -> dict[str, Any]:
        task = self.state.requested_task(request, "market")
        with self.state.lock:
            visible_at = task.created_at + self.config.visibility_delay_seconds
            if self.config.clock() < visible_at:
                raise ApiError(422, "recordInfo is null")
        self.state.ensure_rendered(task)
        with self.state.lock:
            self.state.settle_refunds()
            return self._market_record(task)

    def _market_record(self, task: Task) -> dict[str, Any]:
        """A Market task's recordInfo `data` (lock held)."""
        state = self.state.state_of(task)
        created = task.created_at
        duration = max(0.0, self.config.duration_seconds)
        done = state in ("success", "fail")
        if done:
            updated = self.state.finished_at(task)
        elif state == "waiting":
            updated = created
        elif state == "queuing":
            updated = created + 0.10 * duration
        else:
            updated = created + 0.25 * duration
        result, fail_code, fail_msg = "", "", ""
        if state == "success":
            result = compact({"resultUrls": [self.state.file_url(n) for n in task.file_names]})
        elif state == "fail":
            number, fail_msg = _FAILURES["market"][task.outcome]
            fail_code = str(number)
        return {
            "taskId": task.task_id,
            "model": task.model,
            "state": state,
            "param": compact(task.body),
            "resultJson": result,
            "failCode": fail_code,
            "failMsg": fail_msg,
            "costTime": now_ms(duration) if done else None,
            "completeTime": now_ms(self.state.finished_at(task)) if done else None,
            "createTime": now_ms(created),
            "updateTime": now_ms(updated),
        }

    # --- account and links -----------------------------------------------------------

    def _credit(self, request: Request) -> int:
        return int(self.balance.to_integral_value(rounding=ROUND_FLOOR))

    def _download_url_4o(self, request: Request) -> str:
        body = request.json(self.max_body_bytes)
        task_id, url = body.get("taskId"), body.get("url")
        if not isinstance(task_id, str) or not task_id:
            raise ApiError(422, "taskId is required")
        if not isinstance(url, str) or not url:
            raise ApiError(422, "url is required")
        with self.state.lock:
            task = self.state.tasks.get(task_id)
        if task is None or task.family != "4o":
            raise ApiError(422, "record is null")
        self.state.ensure_rendered(task)
        with self.state.lock:
            if self.state.state_of(task) != "success":
                raise ApiError(422, "record status is not success")
            name = self.state.own_name(url)
        if name is None or name not in task.file_names:
            raise ApiError(422, "url is not a result of this task")
        return self._signed(self.state.file_url(name), 1200)

    def _download_url_common(self, request: Request) -> str:
        body = request.json(self.max_body_bytes)
        url = body.get("url")
        if not isinstance(url, str) or not url:
            raise ApiError(422, "url is required")
        with self.state.lock:
            name = self.state.own_name(url)
        if name is None or self.state.read_own(name) is None:
            raise ApiError(422, "Only URLs generated by kie.ai are supported")
        return self._signed(self.state.file_url(name), 1200)

    # --- uploads ---------------------------------------------------------------------

    def _save_upload(
        self,
        data: bytes,
        upload_path: Any,
        file_name: Any,
        original: str | None,
        declared_type: str | None = None,
    ) -> dict[str, Any]:
        if not isinstance(upload_path, str) or not upload_path.strip("/ "):
            raise ApiError(400, "uploadPath is required")
        if file_name is not None and not isinstance(file_name, str):
            raise ApiError(400, "fileName must be a string")
        if len(data) > self.config.max_upload_bytes:
            limit_mb = self.config.max_upload_bytes / (1024 * 1024)
            raise ApiError(400, f"File size exceeds the {limit_mb:g}MB limit")
        if not data:
            raise ApiError(400, "file is required")
        mime = _upload_mime(data, declared_type)
        upload_path = upload_path.strip("/ ")
        named = _safe_name(file_name or "")
        if named:
            # kie: the same uploadPath + fileName overwrites the earlier file (same URL).
            file_id = hashlib.sha256(f"{upload_path}\n{file_name}".encode()).hexdigest()[:32]
        else:
            file_id = uuid.uuid4().hex
        shown = named or _safe_name(original or "")
        if not shown:
            shown = f"{file_id[:12]}.{_EXT.get(mime, 'bin')}"
        name = f"{file_id[:16]}-{shown}"
        url = self.state.file_url(name)
        with self.state.lock:
            self.state.store(name, data, mime)
        return {
            "fileId": file_id,
            "fileName": shown,
            "originalName": original or shown,
            "fileSize": len(data),
            "mimeType": mime,
            "uploadPath": upload_path,
            "filePath": f"{upload_path}/{shown}",
            "fileUrl": url,
            "downloadUrl": url,
        }

    def _upload_stream(self, request: Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        header = Message()
        header["Content-Type"] = content_type
        boundary = header.get_param("boundary")
        if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
            raise ApiError(400, "Content-Type must be multipart/form-data")
        fields, files = _parse_multipart(request.body(self.max_body_bytes), boundary)
        if "file" not in files:
            raise ApiError(400, "file is required")
        original, declared_type, data = files["file"]
        return self._save_upload(
            data, fields.get("uploadPath"), fields.get("fileName") or None, original, declared_type
        )

    def _upload_base64(self, request: Request) -> dict[str, Any]:
        body = request.json(self.max_body_bytes)
        raw = body.get("base64Data")
        if not isinstance(raw, str) or not raw.strip():
            raise ApiError(400, "base64Data is required")
        if raw.startswith("data:"):
            raw = raw.partition(",")[2]
        try:
            data = base64.b64decode("".join(raw.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "base64Data is not valid base64") from None
        return self._save_upload(data, body.get("uploadPath"), body.get("fileName"), None)

    def _upload_url(self, request: Request) -> dict[str, Any]:
        body = request.json(self.max_body_bytes)
        url = body.get("fileUrl")
        if not isinstance(url, str) or not url.strip():
            raise ApiError(400, "fileUrl is required")
        if not isinstance(body.get("uploadPath"), str) or not body["uploadPath"].strip("/ "):
            raise ApiError(400, "uploadPath is required")
        with self.state.lock:
            name = self.state.own_name(url)
        stored = self.state.read_own(name) if name else None
        if stored is None:
            # Never fetched: the sandbox makes no outgoing requests.
            raise ApiError(400, "Failed to download file from URL")
        original = _safe_name(urlsplit(url).path) or None
        return self._save_upload(
            stored.data, body.get("uploadPath"), body.get("fileName"), original
        )


def _parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, tuple]]:
    """Split a multipart/form-data body into text fields and (filename, type, bytes) files.

    Parts are cut at CRLF + "--boundary", which cannot occur inside a part by the
    format's rule; each part's headers are read with the email package.
    """
    fields: dict[str, str] = {}
    files: dict[str, tuple[str | None, str | None, bytes]] = {}
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    chunks = (b"\r\n" + body).split(delimiter)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise ApiError(400, "Malformed multipart body")
        message = Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                message[key.strip()] = value.strip()
        name = message.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = message.get_filename()
        if filename is not None:
            files[name] = (filename, message.get("content-type"), content)
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files
