"""Callbacks from the sandbox: the body per family, loopback only, the callBackUrl kept
exactly, retries with backoff, duplicates, out-of-order delivery, the served thread."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import django.test
import httpx
import pytest

from generator.sandbox import SandboxApp, SandboxConfig, SandboxTransport
from generator.sandbox.callbacks import is_loopback
from generator.sandbox.server import make_sandbox_server

URL = "http://127.0.0.1:8001"
KEY = "test-key"
HOOK = "http://127.0.0.1:18555/kie/callback/"


@pytest.fixture
def app(clock):
    return SandboxApp(
        SandboxConfig(
            api_key=KEY, clock=clock, duration_seconds=10.0, public_url=URL, callbacks=True
        )
    )


class Receiver:
    """A `send` that records what it got and answers `statuses` in turn (then 200)."""

    def __init__(self, *statuses: int):
        self.statuses = list(statuses)
        self.calls: list[tuple[str, dict]] = []

    def __call__(self, url, body):
        self.calls.append((url, body))
        return self.statuses.pop(0) if self.statuses else 200

    @property
    def task_ids(self) -> list[str]:
        return [body["data"]["taskId"] for _, body in self.calls]


def post(app, path, body) -> str:
    headers = {"Authorization": f"Bearer {KEY}", "User-Agent": "tests/1.0"}
    with httpx.Client(transport=SandboxTransport(app), base_url=URL, headers=headers) as http:
        answer = http.post(path, json=body).json()
    assert answer["code"] == 200, answer
    return answer["data"]["taskId"]


def four_o(app, prompt="a kite", hook=HOOK) -> str:
    return post(
        app, "/api/v1/gpt4o-image/generate", {"size": "1:1", "prompt": prompt, "callBackUrl": hook}
    )


def test_4o_success_body(app, clock):
    task_id = four_o(app)
    receiver = Receiver()
    assert app.deliver_due_callbacks(receiver) == 0  # not finished yet
    clock.advance(10)
    assert app.deliver_due_callbacks(receiver) == 1
    ((url, body),) = receiver.calls
    assert url == HOOK
    assert body == {
        "code": 200,
        "msg": "success",
        "data": {"taskId": task_id, "info": {"result_urls": app.task(task_id)["result_urls"]}},
    }
    assert app.deliver_due_callbacks(receiver) == 0  # delivered once
    assert app.stats_snapshot()["callbacks_sent"] == 1


def test_4o_policy_failure_body(app, clock):
    task_id = four_o(app, "a kite [sandbox:policy]")
    clock.advance(10)
    receiver = Receiver()
    app.deliver_due_callbacks(receiver)
    body = receiver.calls[0][1]
    assert body["code"] == 400 and "content policies" in body["msg"]
    assert body["data"] == {"taskId": task_id, "info": None}


def test_flux_success_body(app, clock):
    task_id = post(app, "/api/v1/flux/kontext/generate", {"prompt": "a kite", "callBackUrl": HOOK})
    clock.advance(10)
    receiver = Receiver()
    app.deliver_due_callbacks(receiver)
    body = receiver.calls[0][1]
    assert body["code"] == 200 and body["data"]["taskId"] == task_id
    info = body["data"]["info"]
    assert info["resultImageUrl"] == app.task(task_id)["result_urls"][0]
    assert info["originImageUrl"].startswith(info["resultImageUrl"] + "?")


def test_flux_failure_body(app, clock):
    post(app, "/api/v1/flux/kontext/generate", {"prompt": "[sandbox:fail]", "callBackUrl": HOOK})
    clock.advance(10)
    receiver = Receiver()
    app.deliver_due_callbacks(receiver)
    body = receiver.calls[0][1]
    assert body["code"] == 501
    assert body["data"]["info"] == {"originImageUrl": "", "resultImageUrl": ""}


def test_market_bodies_are_shaped_like_record_info(app, clock):
    model = "ideogram/v3-text-to-image"
    good = post(
        app,
        "/api/v1/jobs/createTask",
        {"model": model, "callBackUrl": HOOK, "input": {"prompt": "a kite"}},
    )
    bad = post(
        app,
        "/api/v1/jobs/createTask",
        {"model": model, "callBackUrl": HOOK, "input": {"prompt": "[sandbox:fail]"}},
    )
    clock.advance(10)
    receiver = Receiver()
    app.deliver_due_callbacks(receiver)
    bodies = {body["data"]["taskId"]: body for _, body in receiver.calls}
    success, failure = bodies[good], bodies[bad]
    assert success["code"] == 200 and success["msg"] == "Playground task completed successfully."
    data = success["data"]
    assert data["state"] == "success" and data["model"] == model
    assert json.loads(data["resultJson"]) == {"resultUrls": app.task(good)["result_urls"]}
    assert json.loads(data["param"])["callBackUrl"] == HOOK
    assert data["consumeCredits"] > 0 and data["remainedCredits"] == app.stats_snapshot()["balance"]
    assert failure["code"] == 501 and failure["msg"] == "Playground task failed."
    assert failure["data"]["state"] == "fail" and failure["data"]["failCode"] == "501"
    assert failure["data"]["consumeCredits"] == 0  # refunded


def test_the_callback_url_is_kept_exactly(app, clock):
    hook = "http://localhost:18555/kie/callback/?ref=42.Zm9v-YmFy%3D&next=%2Fa%20b"
    four_o(app, hook=hook)
    clock.advance(10)
    receiver = Receiver()
    app.deliver_due_callbacks(receiver)
    assert receiver.calls[0][0] == hook


@pytest.mark.parametrize(
    "hook",
    [
        "http://example.com/cb",
        "https://10.0.0.1/cb",
        "http://192.168.1.2:8000/cb",
        "http://127.0.0.1.example.com/cb",
        "ftp://127.0.0.1/cb",
        "http://127.0.0.1:99999/cb",
    ],
)
def test_only_loopback_urls_are_contacted(app, clock, hook):
    four_o(app, hook=hook)
    clock.advance(10)
    receiver = Receiver()
    assert app.deliver_due_callbacks(receiver) == 0
    assert receiver.calls == []
    assert app.stats_snapshot()["callbacks_skipped"] == 1
    assert app.deliver_due_callbacks(receiver) == 0  # and never tried again
    assert app.stats_snapshot()["callbacks_skipped"] == 1


@pytest.mark.parametrize(
    "hook",
    ["http://localhost/cb", "http://127.0.0.1:8000/cb", "http://127.8.9.10/", "http://[::1]:80/"],
)
def test_loopback_addresses(hook):
    assert is_loopback(hook)


def test_failed_deliveries_are_retried_three_times_with_backoff(app, clock):
    four_o(app)
    clock.advance(10)
    receiver = Receiver(500, 500, 500, 500, 500)
    assert app.deliver_due_callbacks(receiver) == 0
    for pause in (1, 2, 4):
        clock.advance(pause - 0.1)
        app.deliver_due_callbacks(receiver)
        calls = len(receiver.calls)
        clock.advance(0.1)
        app.deliver_due_callbacks(receiver)
        assert len(receiver.calls) == calls + 1  # not before its backoff, then at once
    clock.advance(60)
    app.deliver_due_callbacks(receiver)
    assert len(receiver.calls) == 4  # one try and three retries, then kie gives up
    stats = app.stats_snapshot()
    assert (stats["callbacks_sent"], stats["callbacks_failed"]) == (0, 4)


def test_a_retry_that_succeeds_is_delivered_once(app, clock):
    four_o(app)
    clock.advance(10)

    failures = [1]

    def flaky(url, body):
        if failures:
            failures.pop()
            raise httpx.ConnectError("refused")
        return httpx.Response(204)

    assert app.deliver_due_callbacks(flaky) == 0
    clock.advance(1)
    assert app.deliver_due_callbacks(flaky) == 1
    clock.advance(60)
    assert app.deliver_due_callbacks(flaky) == 0


def test_callbacks_off_sends_nothing(clock):
    app = SandboxApp(SandboxConfig(api_key=KEY, clock=clock, duration_seconds=1, public_url=URL))
    four_o(app)
    clock.advance(5)
    receiver = Receiver()
    assert app.deliver_due_callbacks(receiver) == 0 and receiver.calls == []


def test_a_task_that_never_finishes_never_calls_back(app, clock):
    four_o(app, "[sandbox:stuck]")
    four_o(app, "[sandbox:never_finish]")
    clock.advance(3600)
    receiver = Receiver()
    assert app.deliver_due_callbacks(receiver) == 0


def test_callback_duplicate_by_marker_and_by_probability(app, clock):
    marked = four_o(app, "kite [sandbox:callback_duplicate]")
    plain = four_o(app, "kite")
    clock.advance(10)
    receiver = Receiver()
    assert app.deliver_due_callbacks(receiver) == 3
    assert sorted(receiver.task_ids) == sorted([marked, marked, plain])
    app.config.faults = {"callback_duplicate": 1.0}
    again = four_o(app)
    clock.advance(10)
    receiver = Receiver()
    app.deliver_due_callbacks(receiver)
    assert receiver.task_ids == [again, again]
    assert app.stats_snapshot()["faults_injected"]["callback_duplicate"] == 2


def test_callback_out_of_order_holds_a_callback_back(app, clock):
    first = four_o(app, "first [sandbox:callback_out_of_order]")
    clock.advance(0.1)
    second = four_o(app, "second")
    receiver = Receiver()
    clock.advance(10.05)  # both finished
    app.deliver_due_callbacks(receiver)
    assert receiver.task_ids == [second]
    clock.advance(3)
    app.deliver_due_callbacks(receiver)
    assert receiver.task_ids == [second, first]


def test_callback_out_of_order_shuffles_a_batch(clock):
    app = SandboxApp(
        SandboxConfig(
            api_key=KEY,
            clock=clock,
            duration_seconds=10.0,
            public_url=URL,
            callbacks=True,
            seed=3,
            faults={"callback_out_of_order": 1.0},
            out_of_order_delay_seconds=0.5,
        )
    )
    created = []
    for n in range(8):
        created.append(four_o(app, f"task {n}"))
        clock.advance(0.01)
    clock.advance(20)
    receiver = Receiver()
    assert app.deliver_due_callbacks(receiver) == 8
    assert sorted(receiver.task_ids) == sorted(created) and receiver.task_ids != created


def test_served_sandbox_delivers_callbacks_from_its_thread():
    got = []
    arrived = threading.Event()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers["Content-Length"])
            got.append((self.path, json.loads(self.rfile.read(length))))
            self.send_response(200)
            self.end_headers()
            arrived.set()

        def log_message(self, *args):
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05}).start()
    app = SandboxApp(SandboxConfig(api_key=KEY, duration_seconds=0.2, callbacks=True))
    server = make_sandbox_server("127.0.0.1", 0, app)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    from generator.sandbox.callbacks import start_delivery_thread

    stop = start_delivery_thread(app, interval=0.05)
    try:
        hook = f"http://127.0.0.1:{receiver.server_port}/kie/callback/?ref=abc"
        url = f"http://127.0.0.1:{server.server_port}"
        app.config.public_url = url
        answer = httpx.post(
            url + "/api/v1/gpt4o-image/generate",
            json={"size": "1:1", "prompt": "kite", "callBackUrl": hook},
            headers={"Authorization": f"Bearer {KEY}"},
        ).json()
        assert arrived.wait(timeout=5)
        path, body = got[0]
        assert path == urlsplit(hook).path + "?ref=abc"
        assert body["data"]["taskId"] == answer["data"]["taskId"]
    finally:
        stop.set()
        for running in (server, receiver):
            running.shutdown()
            running.server_close()
    time.sleep(0.06)
    assert app.stats_snapshot()["callbacks_sent"] == 1


def test_a_callback_routed_to_the_studio(app, clock, db):
    """`send` is injectable: here Django's test client takes the studio's callback."""
    client = django.test.Client()
    hook = "http://127.0.0.1:8000/kie/callback/?ref=7"
    four_o(app, hook=hook)
    clock.advance(10)
    answers = []

    def to_django(url, body):
        parts = urlsplit(url)
        response = client.post(
            f"{parts.path}?{parts.query}", json.dumps(body), content_type="application/json"
        )
        answers.append(response.json())
        return response

    assert app.deliver_due_callbacks(to_django) == 1
    assert answers == [{"ok": True}]
