"""Envelopes, auth, routing, credits, failures, rate limit, maintenance and download links."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest

from generator.sandbox import gpt4o_image
from generator.sandbox.server import dechunking

CREATES = [
    ("/api/v1/gpt4o-image/generate", {"prompt": "p", "size": "1:1"}),
    ("/api/v1/flux/kontext/generate", {"prompt": "p"}),
    ("/api/v1/jobs/createTask", {"model": "ideogram/v3-text-to-image", "input": {"prompt": "p"}}),
]
ENDPOINTS = [
    ("POST", "/api/v1/gpt4o-image/generate"),
    ("GET", "/api/v1/gpt4o-image/record-info?taskId=x"),
    ("POST", "/api/v1/gpt4o-image/download-url"),
    ("POST", "/api/v1/flux/kontext/generate"),
    ("GET", "/api/v1/flux/kontext/record-info?taskId=x"),
    ("POST", "/api/v1/jobs/createTask"),
    ("GET", "/api/v1/jobs/recordInfo?taskId=x"),
    ("GET", "/api/v1/chat/credit"),
    ("POST", "/api/v1/common/download-url"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("key", [None, "wrong"])
def test_auth_is_required_everywhere(app, h, method, path, key):
    with h.client_for(app, key=key) as client:
        failure = h.error(client.request(method, path, json={}), 401)
    assert failure["msg"] == "You do not have access permissions"


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(app, h, scheme):
    with h.client_for(app, key=None) as client:
        headers = {"Authorization": f"{scheme} {h.KEY}"}
        assert h.ok(client.get("/api/v1/chat/credit", headers=headers)) == 1000


@pytest.mark.parametrize("value", ["Basic {key}", "Bearer{key}", "{key}", "Bearer  wrong"])
def test_other_authorization_forms_are_refused(app, h, value):
    with h.client_for(app, key=None) as client:
        headers = {"Authorization": value.format(key=h.KEY)}
        h.error(client.get("/api/v1/chat/credit", headers=headers), 401)


def test_errors_in_http_200_send_every_error_envelope_with_http_200(make_app, h):
    app = make_app(errors_in_http_200=True)
    with h.client_for(app) as client:
        assert h.error(client.get("/api/v1/nope"), 404, http_status=200)["msg"] == "Not Found"
        h.error(client.get("/api/v1/gpt4o-image/generate"), 405, http_status=200)
        record = client.get("/api/v1/jobs/recordInfo", params={"taskId": "x"})
        h.error(record, 404, http_status=200)
        invalid = client.post("/api/v1/gpt4o-image/generate", json={"prompt": "p"})
        h.error(invalid, 422, http_status=200)
        app.set_balance(0)
        broke = client.post("/api/v1/flux/kontext/generate", json={"prompt": "p"})
        h.error(broke, 402, http_status=200)
        upload = h.error(client.post("/api/file-base64-upload", json={}), 400, http_status=200)
        assert upload["success"] is False
    with h.client_for(app, key="wrong") as client:
        h.error(client.get("/api/v1/chat/credit"), 401, http_status=200)


def _wsgi_post(app, path, body, headers=None):
    """Call the WSGI app directly with a raw body: (HTTP status, parsed envelope)."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "HTTP_AUTHORIZATION": "Bearer test-key",
        "HTTP_USER_AGENT": "sandbox-tests/1.0",
        "wsgi.input": io.BytesIO(body),
        **(headers or {}),
    }
    seen = []
    payload = b"".join(app(environ, lambda status, headers: seen.append(status)))
    return int(seen[0].split()[0]), json.loads(payload)


def _chunked(data: bytes, size: int = 7) -> bytes:
    """A body framed as Transfer-Encoding: chunked (server.py's dechunking reads it)."""
    parts = [
        b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size])
        for i in range(0, len(data), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


def test_chunked_request_body_is_decoded(app):
    body = json.dumps({"model": "ideogram/v3-text-to-image", "input": {"prompt": "a cat"}})
    status, envelope = _wsgi_post(
        dechunking(app),
        "/api/v1/jobs/createTask",
        _chunked(body.encode()),
        {"HTTP_TRANSFER_ENCODING": "chunked"},
    )
    assert (status, envelope["code"]) == (200, 200), envelope
    assert app.task(envelope["data"]["taskId"])["body"]["input"] == {"prompt": "a cat"}


def test_chunked_body_with_extensions_and_trailers_is_decoded(app):
    framed = (
        b'4;note=x\r\n{"pr\r\n12\r\nompt": "p", "size"\r\n8\r\n: "1:1"}\r\n'
        b"0\r\nX-Trailer: 1\r\n\r\n"
    )
    status, envelope = _wsgi_post(
        dechunking(app),
        "/api/v1/gpt4o-image/generate",
        framed,
        {"HTTP_TRANSFER_ENCODING": "chunked"},
    )
    assert (status, envelope["code"]) == (200, 200), envelope


def test_chunked_body_cut_short_is_a_format_error(app):
    status, envelope = _wsgi_post(
        dechunking(app),
        "/api/v1/gpt4o-image/generate",
        b"a\r\n{}\r\n",
        {"HTTP_TRANSFER_ENCODING": "chunked"},
    )
    assert (status, envelope["code"], envelope["msg"]) == (400, 400, "Malformed chunked body")


def test_chunked_body_over_the_size_limit_is_refused(make_app):
    app = make_app(max_upload_bytes=3)
    limit = app.max_body_bytes
    status, envelope = _wsgi_post(
        dechunking(app),
        "/api/file-base64-upload",
        _chunked(b" " * (limit + 1), size=64 * 1024),
        {"HTTP_TRANSFER_ENCODING": "chunked"},
    )
    assert (status, envelope["code"]) == (400, 400)
    assert "limit" in envelope["msg"]


def test_generator_body_through_httpx_wsgi_transport_is_read(client, h):
    body = json.dumps({"prompt": "p", "size": "1:1"}).encode()
    response = client.post(
        "/api/v1/gpt4o-image/generate",
        content=iter([body[:5], body[5:]]),
        headers={"Content-Type": "application/json"},
    )
    assert h.ok(response)["taskId"]


def test_routing_errors_are_enveloped(client, h):
    assert h.error(client.get("/api/v1/nope"), 404)["data"] is None
    failure = h.error(client.get("/api/v1/gpt4o-image/generate"), 405)
    assert failure["msg"] == "Method Not Allowed"
    response = client.post(
        "/api/v1/jobs/createTask",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert h.error(response, 400)["msg"] == "Format Error - parameter not valid JSON"
    h.error(client.post("/api/v1/flux/kontext/generate", json=["a", "list"]), 400)


def test_unknown_file_is_a_plain_404(client):
    response = client.get("/files/deadbeef.png")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")


def test_missing_task_ids(client, h):
    for path in ("/api/v1/gpt4o-image/record-info", "/api/v1/flux/kontext/record-info"):
        h.error(client.get(path), 400)
        assert h.error(client.get(path, params={"taskId": "f" * 32}), 404)["msg"] == (
            "Task not found"
        )


def test_credit_is_fractional_and_prices_come_from_the_catalog(client, app, h):
    assert h.ok(client.get("/api/v1/chat/credit")) == 1000
    h.ok(
        client.post(
            "/api/v1/gpt4o-image/generate", json={"prompt": "p", "size": "1:1", "nVariants": 4}
        )
    )
    assert app.balance == Decimal("976")  # 4 variants x 6
    h.ok(
        client.post(
            "/api/v1/flux/kontext/generate", json={"prompt": "p", "model": "flux-kontext-max"}
        )
    )
    assert app.balance == Decimal("966")
    h.ok(
        client.post(
            "/api/v1/jobs/createTask",
            json={
                "model": "ideogram/v3-text-to-image",
                "input": {"prompt": "p", "rendering_speed": "TURBO"},
            },
        )
    )
    assert app.balance == Decimal("962.5")
    # kie's balance is fractional (kie-api.md 1.6: 3043.03 -> 3037.03 in a live check)
    assert h.ok(client.get("/api/v1/chat/credit")) == 962.5


@pytest.mark.parametrize(("path", "body"), CREATES)
def test_insufficient_credits(client, app, h, path, body):
    app.set_balance("4.99")
    failure = h.error(client.post(path, json=body), 402)
    assert failure["msg"] == "Insufficient credits"
    assert app.balance == Decimal("4.99")
    app.set_balance(100)
    assert h.ok(client.post(path, json=body))["taskId"]


def _status(client, h, path, task_id):
    family = path.split("/")[3]
    record_path = {
        "gpt4o-image": "/api/v1/gpt4o-image/record-info",
        "flux": "/api/v1/flux/kontext/record-info",
        "jobs": "/api/v1/jobs/recordInfo",
    }[family]
    return h.ok(client.get(record_path, params={"taskId": task_id}))


def _with_prompt(body, word):
    body = json.loads(json.dumps(body))
    target = body.get("input", body)
    target["prompt"] = f"a cat {word}"
    return body


EXPECTED_FAILURES = {
    ("gpt4o-image", "policy"): ("successFlag", 2, 400),
    ("gpt4o-image", "fail"): ("successFlag", 2, 500),
    ("flux", "policy"): ("successFlag", 3, 400),
    ("flux", "fail"): ("successFlag", 3, 501),
    ("jobs", "policy"): ("state", "fail", "400"),
    ("jobs", "fail"): ("state", "fail", "501"),
}


@pytest.mark.parametrize("word", ["policy", "fail"])
@pytest.mark.parametrize(("path", "body"), CREATES)
def test_failures_are_reported_and_refunded(client, app, clock, h, path, body, word):
    task_id = h.ok(client.post(path, json=_with_prompt(body, f"[SANDBOX:{word.upper()}]")))[
        "taskId"
    ]
    assert app.balance < Decimal("1000")
    clock.advance(9.9)
    running = _status(client, h, path, task_id)
    assert running.get("successFlag", 0) == 0 and running.get("state", "generating") == "generating"
    assert app.balance < Decimal("1000")
    clock.advance(0.1)
    record = _status(client, h, path, task_id)
    key, value, code = EXPECTED_FAILURES[(path.split("/")[3], word)]
    assert record[key] == value
    if key == "state":
        assert record["failCode"] == code and record["failMsg"]
        assert record["resultJson"] == "" and record["costTime"] == 10_000
    else:
        assert record["errorCode"] == code and record["errorMessage"]
        assert record["response"] is None and record["completeTime"] is not None
    if path.startswith("/api/v1/gpt4o-image"):
        assert record["status"] == "GENERATE_FAILED"
    if word == "policy" and "gpt4o" in path:
        assert "content policies" in record["errorMessage"]
    assert app.balance == Decimal("1000")
    assert h.ok(client.get("/api/v1/chat/credit")) == 1000
    assert app.task(task_id)["refunded"] is True


@pytest.mark.parametrize(("path", "body"), CREATES)
def test_stuck_tasks_never_finish(client, app, clock, h, path, body):
    task_id = h.ok(client.post(path, json=_with_prompt(body, "[sandbox:stuck]")))["taskId"]
    clock.advance(3600)
    record = _status(client, h, path, task_id)
    assert record.get("successFlag", 0) == 0 and record.get("state", "generating") == "generating"
    if "progress" in record:
        assert record["progress"] == "0.99"
    assert app.balance < Decimal("1000")
    assert app.task(task_id)["state"] == "generating"


def test_rate_limit_rejects_without_charging(make_app, clock, h):
    app = make_app(create_rate_limit=3)
    body = {"prompt": "p", "size": "1:1"}
    with h.client_for(app) as client:
        for _ in range(3):
            h.ok(client.post("/api/v1/gpt4o-image/generate", json=body))
        clock.advance(9)
        failure = h.error(client.post("/api/v1/gpt4o-image/generate", json=body), 429)
        assert failure["msg"] == "Rate limit exceeded"
        assert app.balance == Decimal("982")
        clock.advance(1)
        h.ok(client.post("/api/v1/flux/kontext/generate", json={"prompt": "p"}))


def test_4o_record_info_allows_three_reads_per_second_per_task(client, clock, h):
    create = {"prompt": "p", "size": "1:1"}
    first = h.ok(client.post("/api/v1/gpt4o-image/generate", json=create))["taskId"]
    second = h.ok(client.post("/api/v1/gpt4o-image/generate", json=create))["taskId"]
    for _ in range(3):
        h.ok(client.get("/api/v1/gpt4o-image/record-info", params={"taskId": first}))
    h.error(client.get("/api/v1/gpt4o-image/record-info", params={"taskId": first}), 429)
    h.ok(client.get("/api/v1/gpt4o-image/record-info", params={"taskId": second}))
    clock.advance(1)
    h.ok(client.get("/api/v1/gpt4o-image/record-info", params={"taskId": first}))


def test_idle_4o_read_windows_are_dropped(client, app, clock, h, monkeypatch):
    monkeypatch.setattr(gpt4o_image, "_MAX_READ_WINDOWS", 3)
    create = {"prompt": "p", "size": "1:1"}
    task_ids = [
        h.ok(client.post("/api/v1/gpt4o-image/generate", json=create))["taskId"] for _ in range(5)
    ]
    for task_id in task_ids:
        h.ok(client.get("/api/v1/gpt4o-image/record-info", params={"taskId": task_id}))
    assert len(app.state.record_reads) == 5
    clock.advance(1.5)
    h.ok(client.get("/api/v1/gpt4o-image/record-info", params={"taskId": task_ids[0]}))
    assert set(app.state.record_reads) == {task_ids[0]}


def test_oldest_finished_tasks_are_forgotten_beyond_max_tasks(make_app, clock, h):
    app = make_app(max_tasks=3, create_rate_limit=100)
    create = {"prompt": "p"}
    with h.client_for(app) as client:
        finished = [
            h.ok(client.post("/api/v1/flux/kontext/generate", json=create))["taskId"]
            for _ in range(2)
        ]
        clock.advance(10)
        running = [
            h.ok(client.post("/api/v1/flux/kontext/generate", json=create))["taskId"]
            for _ in range(3)
        ]
        assert [app.task(t) for t in finished] == [None, None]
        assert all(app.task(t) for t in running)
        h.error(client.get("/api/v1/flux/kontext/record-info", params={"taskId": finished[0]}), 404)
        # Unfinished tasks are kept even past the cap.
        h.ok(client.post("/api/v1/flux/kontext/generate", json=create))
        assert all(app.task(t) for t in running)


def test_maintenance_answers_455_with_http_200(make_app, h):
    app = make_app(maintenance=True)
    with h.client_for(app) as client:
        for method, path in ENDPOINTS:
            h.error(client.request(method, path, json={}), 455, http_status=200)
        body = h.error(client.post("/api/file-base64-upload", json={}), 455, http_status=200)
        assert body["success"] is False


def test_4o_download_url(client, clock, h):
    task_id = h.ok(
        client.post("/api/v1/gpt4o-image/generate", json={"prompt": "p", "size": "1:1"})
    )["taskId"]
    other = h.ok(client.post("/api/v1/gpt4o-image/generate", json={"prompt": "q", "size": "1:1"}))[
        "taskId"
    ]
    h.error(
        client.post(
            "/api/v1/gpt4o-image/download-url",
            json={"taskId": task_id, "url": "https://x.test/a.png"},
        ),
        422,
    )
    clock.advance(10)
    [url] = _status(client, h, "/api/v1/gpt4o-image/", task_id)["response"]["resultUrls"]
    [other_url] = _status(client, h, "/api/v1/gpt4o-image/", other)["response"]["resultUrls"]
    link = h.ok(
        client.post("/api/v1/gpt4o-image/download-url", json={"taskId": task_id, "url": url})
    )
    assert link.startswith(url + "?") and "X-Amz-Expires=1200" in link
    assert h.fetch(client, link).content == h.fetch(client, url).content
    for bad in (
        {"taskId": task_id, "url": other_url},
        {"taskId": task_id},
        {"url": url},
        {"taskId": "0" * 32, "url": url},
    ):
        h.error(client.post("/api/v1/gpt4o-image/download-url", json=bad), 422)


def test_common_download_url(client, clock, h):
    task_id = h.ok(client.post("/api/v1/flux/kontext/generate", json={"prompt": "p"}))["taskId"]
    clock.advance(10)
    url = _status(client, h, "/api/v1/flux/", task_id)["response"]["resultImageUrl"]
    link = h.ok(client.post("/api/v1/common/download-url", json={"url": url}))
    assert isinstance(link, str) and link.split("?")[0] == url
    assert h.fetch(client, link).content == h.fetch(client, url).content
    uploaded = h.upload(client)
    assert h.ok(client.post("/api/v1/common/download-url", json={"url": uploaded}))
    failure = h.error(
        client.post("/api/v1/common/download-url", json={"url": "https://example.com/a.png"}), 422
    )
    assert failure["msg"] == "Only URLs generated by kie.ai are supported"
    h.error(client.post("/api/v1/common/download-url", json={}), 422)


def test_results_are_rendered_once_and_on_file_request(client, app, clock, h):
    task_id = h.ok(
        client.post("/api/v1/gpt4o-image/generate", json={"prompt": "p", "size": "1:1"})
    )["taskId"]
    [url] = app.task(task_id)["result_urls"]
    assert client.get(url).status_code == 404  # not finished yet
    clock.advance(10)
    first = h.fetch(client, url).content  # drawn on demand by the file route
    assert app.task(task_id)["rendered"] is True
    _status(client, h, "/api/v1/gpt4o-image/", task_id)
    assert h.fetch(client, url).content == first


def test_oldest_files_are_evicted(make_app, clock, h):
    app = make_app(max_files=2, create_rate_limit=100)
    with h.client_for(app) as client:
        urls = [h.upload(client, h.image_bytes(colour=(i * 40, 0, 0))) for i in range(3)]
        assert client.get(urls[0]).status_code == 404
        assert all(client.get(u).status_code == 200 for u in urls[1:])


def test_reset(client, app, h):
    task_id = h.ok(client.post("/api/v1/flux/kontext/generate", json={"prompt": "p"}))["taskId"]
    app.reset()
    assert app.task(task_id) is None and app.balance == Decimal("1000")
