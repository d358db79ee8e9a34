"""An httpx transport to the in-process sandbox that fails the way a real socket does.

The sandbox signals a dropped or hung connection by raising (faults.py); over a real
socket server.py closes or holds the connection. In-process this transport turns those
signals into the exceptions httpx raises on a real socket, at once (a test never waits
for a timeout): RemoteProtocolError for a drop, ReadTimeout for a hang, and
ConnectError while the app's `refuse_connections` is set (the sandbox is "down").
"""

from __future__ import annotations

import httpx

from .faults import ConnectionDropped, ConnectionHung


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, app):
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if getattr(self.app, "refuse_connections", False):
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        read_timeout = (request.extensions.get("timeout") or {}).get("read")

        def app(environ, start_response):
            environ["sandbox.inprocess"] = True
            environ["sandbox.read_timeout"] = read_timeout
            return self.app(environ, start_response)

        try:
            return httpx.WSGITransport(app=app).handle_request(request)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        except ConnectionHung:
            raise httpx.ReadTimeout("timed out", request=request) from None
