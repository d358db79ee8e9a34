"""Serve the kie.ai sandbox over HTTP with the standard library's wsgiref.

    python -m generator.sandbox --port 8001 [--key sandbox] [--duration 8] [--visibility-delay 1]
        [--faults PROFILE|JSON] [--fault NAME=P ...] [--seed N] [--slow-seconds S]

Each request is handled in its own thread; one short log line per request goes to
stderr. Ctrl-C stops the server cleanly. A `drop` fault really closes the socket with
no answer; a `timeout` holds it `hang_seconds`, then closes it. Callbacks go out from a
daemon thread.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import signal
import sys
import threading
import time
from decimal import Decimal
from socketserver import ThreadingMixIn
from typing import BinaryIO
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

from . import faults
from .app import SandboxApp, SandboxConfig
from .callbacks import start_delivery_thread
from .faults import ConnectionDropped, ConnectionHung

_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


class _BadBody(Exception):
    pass


def read_chunked(stream: BinaryIO, limit: int) -> bytes:
    """The body of a Transfer-Encoding: chunked request, without its framing."""
    body = bytearray()
    while True:
        size_text = stream.readline(1024).split(b";", 1)[0].strip()  # ";ext" is ignored
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise _BadBody("Malformed chunked body")
        size = int(size_text, 16)
        if size == 0:
            while stream.readline(1024) not in (b"", b"\r\n", b"\n"):
                pass  # trailer fields, unused
            return bytes(body)
        if len(body) + size > limit:
            raise _BadBody("File size exceeds the upload limit")
        chunk = stream.read(size)
        if len(chunk) != size or stream.readline(1024).strip():
            raise _BadBody("Malformed chunked body")
        body += chunk


def dechunking(app: SandboxApp):
    """WSGI servers must hand applications a de-chunked body; wsgiref does not, so this
    does it in front of the sandbox (any other WSGI server needs nothing)."""

    def wrapped(environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not str(environ.get("CONTENT_LENGTH") or "").strip():
            try:
                body = read_chunked(environ["wsgi.input"], app.max_body_bytes)
            except _BadBody as exc:
                payload = json.dumps({"code": 400, "msg": str(exc), "data": None}).encode()
                start_response(
                    "400 Bad Request",
                    [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
                )
                return [payload]
            environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
            environ.pop("HTTP_TRANSFER_ENCODING")
        return app(environ, start_response)

    return wrapped


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a hung client must not keep Ctrl-C from exiting
    allow_reuse_address = True


class _FaultyServerHandler(ServerHandler):
    """Turns the app's drop/hang signals into a closed socket with no answer."""

    def handle_error(self) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionDropped | ConnectionHung) or self.headers_sent:
            super().handle_error()
            return
        handler = self.request_handler
        if isinstance(error, ConnectionHung):
            sys.stderr.write(f"sandbox {handler.command} {handler.path} -> hung\n")
            time.sleep(error.seconds)
        else:
            sys.stderr.write(f"sandbox {handler.command} {handler.path} -> dropped\n")
        handler.close_connection = True
        # Nothing is written: socketserver closes the connection when handle() returns.


class _QuietHandler(WSGIRequestHandler):
    def handle(self) -> None:
        """WSGIRequestHandler.handle with a ServerHandler that can drop the connection."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _FaultyServerHandler(
            self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=False
        )
        handler.request_handler = self
        handler.run(self.server.get_app())

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        sys.stderr.write(f"sandbox {self.command} {self.path} -> {code}\n")

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write("sandbox " + (format % args) + "\n")


def _stop_on_signals() -> None:
    """Make Ctrl-C and SIGTERM (process managers like honcho) end serve_forever.

    A process started in the background by a non-interactive shell inherits SIGINT as
    ignored, so the default handler is put back explicitly.
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def make_sandbox_server(host: str, port: int, app: SandboxApp) -> WSGIServer:
    """A threading wsgiref server for `app` (port 0: any free port; see server_port)."""
    return make_server(
        host, port, dechunking(app), server_class=_ThreadingServer, handler_class=_QuietHandler
    )


def serve(host: str, port: int, config: SandboxConfig | None = None) -> None:
    """Run the sandbox until interrupted (Ctrl-C or SIGTERM)."""
    config = config or SandboxConfig(public_url=f"http://{host}:{port}", callbacks=True)
    app = SandboxApp(config)
    with make_sandbox_server(host, port, app) as server:
        faulty = ", ".join(f"{name}={p:g}" for name, p in sorted(config.faults.items()))
        sys.stderr.write(
            f"kie.ai sandbox on http://{host}:{port} (key {config.api_key!r}, "
            f"{config.credits} credits, files at {config.public_url}/files/, "
            f"faults: {faulty or 'none'})\n"
        )
        stop_callbacks = start_delivery_thread(app) if config.callbacks else None
        _stop_on_signals()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            sys.stderr.write("kie.ai sandbox stopped\n")
        finally:
            if stop_callbacks is not None:
                stop_callbacks.set()


def number(low: float = 0.0, high: float = 1e9):
    """An argparse type: a finite number from `low` to `high` (NaN, inf, -5 refused)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r}: give a number from {low:g} to {high:g}")
        return value

    return parse


def port(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1 to 65535)")
    return int(text)


def add_fault_arguments(parser: argparse.ArgumentParser) -> None:
    """--faults, --fault, --seed, --slow-seconds: shared with `manage.py kie sandbox`."""
    parser.add_argument(
        "--faults",
        default="none",
        metavar="PROFILE",
        help="fault profile: none, default, harsh, or a JSON object of fault name -> probability",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME=P",
        help="set one fault's probability (repeatable; applied after --faults)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for repeatable fault draws")
    parser.add_argument(
        "--slow-seconds", type=number(0, 3600), default=2.0, help="how late a `slow` answer comes"
    )


def fault_options(profile: str, singles: list[str]) -> dict[str, float]:
    """The fault table from --faults and --fault (raises faults.FaultError, with why)."""
    table = faults.fault_table(profile)
    for text in singles:
        name, chance = faults.one_fault(text)
        if chance > 0:
            table[name] = chance
        else:
            table.pop(name, None)
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the offline kie.ai sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port, default=8001)
    parser.add_argument("--key", default="sandbox", help="the API key it accepts")
    parser.add_argument("--credits", type=number(0, 1e12), default=1000)
    parser.add_argument("--duration", type=number(0, 86400), default=8.0, help="seconds per task")
    parser.add_argument(
        "--visibility-delay",
        type=float,
        default=1.0,
        help='seconds a new Market task answers "recordInfo is null", as on kie.ai',
    )
    parser.add_argument("--public-url", default=None, help="base URL of the file links")
    add_fault_arguments(parser)
    args = parser.parse_args(argv)
    try:
        table = fault_options(args.faults, args.fault)
    except faults.FaultError as exc:
        parser.error(str(exc))
    config = SandboxConfig(
        api_key=args.key,
        credits=Decimal(args.credits),
        duration_seconds=args.duration,
        visibility_delay_seconds=args.visibility_delay,
        public_url=(args.public_url or f"http://{args.host}:{args.port}").rstrip("/"),
        faults=table,
        seed=args.seed,
        slow_seconds=args.slow_seconds,
        callbacks=True,
    )
    serve(args.host, args.port, config)


if __name__ == "__main__":
    main()
