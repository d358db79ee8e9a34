"""Serve the kie.ai sandbox over HTTP with the standard library's wsgiref.

    python -m generator.sandbox --port 8001 [--key sandbox] [--duration 8] [--visibility-delay 1]

Each request is handled in its own thread; one short log line per request goes to
stderr. Ctrl-C stops the server cleanly.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import signal
import sys
import threading
from decimal import Decimal
from socketserver import ThreadingMixIn
from typing import BinaryIO
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import SandboxApp, SandboxConfig

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


class _QuietHandler(WSGIRequestHandler):
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


def serve(host: str, port: int, config: SandboxConfig | None = None) -> None:
    """Run the sandbox until interrupted (Ctrl-C or SIGTERM)."""
    config = config or SandboxConfig(public_url=f"http://{host}:{port}")
    app = SandboxApp(config)
    with make_server(
        host, port, dechunking(app), server_class=_ThreadingServer, handler_class=_QuietHandler
    ) as server:
        sys.stderr.write(
            f"kie.ai sandbox on http://{host}:{port} (key {config.api_key!r}, "
            f"{config.credits} credits, files at {config.public_url}/files/)\n"
        )
        _stop_on_signals()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            sys.stderr.write("kie.ai sandbox stopped\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the offline kie.ai sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--key", default="sandbox", help="the API key it accepts")
    parser.add_argument("--credits", default="1000")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per task")
    parser.add_argument(
        "--visibility-delay",
        type=float,
        default=1.0,
        help='seconds a new Market task answers "recordInfo is null", as on kie.ai',
    )
    parser.add_argument("--public-url", default=None, help="base URL of the file links")
    args = parser.parse_args(argv)
    config = SandboxConfig(
        api_key=args.key,
        credits=Decimal(args.credits),
        duration_seconds=args.duration,
        visibility_delay_seconds=args.visibility_delay,
        public_url=(args.public_url or f"http://{args.host}:{args.port}").rstrip("/"),
    )
    serve(args.host, args.port, config)


if __name__ == "__main__":
    main()
