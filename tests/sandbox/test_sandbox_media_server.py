"""The picture renderer, the threaded wsgiref server and its command-line options."""

from __future__ import annotations

import base64
import json
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit
from wsgiref.simple_server import make_server

import httpx
import pytest
from django.core.management import call_command

import generator.sandbox
from generator.sandbox import SandboxApp, SandboxConfig, server
from generator.sandbox.media import render_image
from generator.sandbox.server import _QuietHandler, _ThreadingServer, dechunking


@pytest.mark.parametrize(("fmt", "pil"), [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")])
def test_render_formats_and_speed(h, fmt, pil):
    started = time.perf_counter()
    data = render_image("a castle " * 200, 1536, 1024, fmt, "4o Image")
    elapsed = time.perf_counter() - started
    image = h.open_image(data)
    assert (image.format, image.size) == (pil, (1536, 1024))
    assert elapsed < 0.5  # the target is < 150 ms; leave room for slow CI machines


def test_render_is_seeded_by_the_prompt(h):
    one = render_image("sunset", 256, 256, "png", "t")
    assert one == render_image("sunset", 256, 256, "png", "t")
    assert one != render_image("sunrise", 256, 256, "png", "t")


def test_render_on_a_base_image(h):
    base = h.image_bytes((500, 100), (0, 0, 255))
    image = h.open_image(render_image("edit", 300, 300, "png", "t", base=base)).convert("RGB")
    assert image.size == (300, 300)
    r, g, b = image.getpixel((150, 20))
    assert b > 200 and r < 40 and g < 40
    # unreadable bytes fall back to the gradient instead of failing
    assert h.open_image(render_image("edit", 64, 64, "png", "t", base=b"junk")).size == (64, 64)


def test_render_rejects_unknown_formats():
    with pytest.raises(ValueError):
        render_image("p", 10, 10, "gif", "t")


@contextmanager
def _serving(app):
    httpd = make_server(  # as serve() does
        "127.0.0.1", 0, dechunking(app), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_threaded_server_serves_real_sockets(capsys):
    with (
        _serving(SandboxApp(SandboxConfig(api_key="k"))) as base,
        httpx.Client(base_url=base, headers={"Authorization": "Bearer k"}) as client,
    ):
        response = client.get("/api/v1/chat/credit")
        assert response.json() == {"code": 200, "msg": "success", "data": 1000}
        assert client.get("/api/v1/jobs/recordInfo").status_code == 400
    assert "GET /api/v1/chat/credit -> 200" in capsys.readouterr().err


def test_chunked_upload_over_a_real_socket_is_decoded(h):
    png = h.image_bytes((70, 50))
    with (
        _serving(SandboxApp(SandboxConfig(api_key="k"))) as base,
        httpx.Client(base_url=base, headers={"Authorization": "Bearer k"}) as client,
    ):
        body = json.dumps(
            {"base64Data": base64.b64encode(png).decode(), "uploadPath": "chunked"}
        ).encode()
        response = client.post(
            "/api/file-base64-upload",
            content=(body[i : i + 100] for i in range(0, len(body), 100)),
            headers={"Content-Type": "application/json"},
        )
        assert response.request.headers["Transfer-Encoding"] == "chunked"
        data = h.ok(response)
        assert data["fileSize"] == len(png)
        assert client.get(urlsplit(data["downloadUrl"]).path).content == png


def _captured_config(monkeypatch, module) -> list:
    configs = []
    monkeypatch.setattr(module, "serve", lambda host, port, config: configs.append(config))
    return configs


def test_server_main_hides_new_market_tasks_for_a_second_by_default(monkeypatch):
    configs = _captured_config(monkeypatch, server)
    server.main([])
    server.main(["--visibility-delay", "0"])
    assert [c.visibility_delay_seconds for c in configs] == [1.0, 0.0]


@pytest.mark.django_db
def test_kie_sandbox_command_hides_new_market_tasks_for_a_second_by_default(monkeypatch):
    configs = _captured_config(monkeypatch, generator.sandbox)
    call_command("kie", "sandbox")
    call_command("kie", "sandbox", "--visibility-delay", "2.5")
    assert [c.visibility_delay_seconds for c in configs] == [1.0, 2.5]
