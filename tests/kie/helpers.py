"""Kie clients for tests: one whose transport is a function (documented answers), and one
talking to the in-process sandbox. Neither touches the network.
"""

import httpx

from generator.kie import KieClient
from generator.sandbox import SandboxApp, SandboxConfig


def make_client(handler) -> KieClient:
    return KieClient(
        "test-key",
        base_url="https://api.kie.ai",
        upload_base_url="https://kieai.redpandaai.co",
        transport=httpx.MockTransport(handler),
    )


def recording(body: dict, status: int = 200):
    """A handler answering `body`, and the list of requests it saw."""
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(status, json=body)

    return handler, seen


def sandbox_client(**config) -> tuple[KieClient, SandboxApp]:
    """The real KieClient against a fresh in-process sandbox built with these options."""
    app = SandboxApp(SandboxConfig(api_key="test-key", **config))
    transport = httpx.WSGITransport(app=app)
    url = "http://127.0.0.1:8001"
    client = KieClient("test-key", base_url=url, upload_base_url=url, transport=transport)
    return client, app
