"""Fixtures for the kie.ai sandbox tests: a fake clock, an in-process httpx client and
small helpers (the `h` fixture, so test modules never import this file by name).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from types import SimpleNamespace

import httpx
import pytest
from PIL import Image

from generator.sandbox import SandboxApp, SandboxConfig

BASE_URL = "http://127.0.0.1:8001"
KEY = "test-key"


class FakeClock:
    def __init__(self, start: float = 1_750_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_app(clock: FakeClock) -> Callable[..., SandboxApp]:
    def factory(**overrides) -> SandboxApp:
        options = {"api_key": KEY, "clock": clock, "duration_seconds": 10.0}
        options.update(overrides)
        return SandboxApp(SandboxConfig(**options))

    return factory


@pytest.fixture
def app(make_app) -> SandboxApp:
    return make_app(create_rate_limit=1000)


def client_for(app: SandboxApp, key: str | None = KEY) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url=BASE_URL, headers=headers)


@pytest.fixture
def client(app: SandboxApp) -> httpx.Client:
    with client_for(app) as c:
        yield c


def ok(response: httpx.Response):
    """The `data` of a successful envelope, after checking the envelope itself."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 200 and body["msg"] in ("success", "File uploaded successfully"), body
    return body["data"]


def error(response: httpx.Response, code: int, http_status: int | None = None) -> dict:
    """Check an error envelope and return it."""
    expected_http = http_status if http_status is not None else code
    assert response.status_code == expected_http, response.text
    body = response.json()
    assert set(body) >= {"code", "msg", "data"}, body
    assert body["code"] == code, body
    assert isinstance(body["msg"], str) and body["msg"] and body["msg"] != "success"
    return body


def image_bytes(size=(64, 48), colour=(200, 30, 30), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def fetch(client: httpx.Client, url: str) -> httpx.Response:
    """Download one of the sandbox's own links (no auth, like kie's CDN)."""
    assert url.startswith(BASE_URL + "/files/"), url
    return client.get(url, headers={"Authorization": ""})


def upload(client: httpx.Client, data: bytes | None = None, name: str = "input.png") -> str:
    response = client.post(
        "/api/file-stream-upload",
        files={"file": (name, data or image_bytes(), "image/png")},
        data={"uploadPath": "tests/inputs"},
    )
    return ok(response)["downloadUrl"]


@pytest.fixture
def h() -> SimpleNamespace:
    return SimpleNamespace(
        ok=ok,
        error=error,
        image_bytes=image_bytes,
        open_image=open_image,
        fetch=fetch,
        upload=upload,
        client_for=client_for,
        BASE_URL=BASE_URL,
        KEY=KEY,
    )
