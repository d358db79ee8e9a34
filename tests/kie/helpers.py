"""A kie client whose transport is a function: documented answers, no network."""

import httpx

from generator.kie import KieClient


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
