"""Outgoing callbacks: only to allowed hosts (and this machine in the sandbox world),
signed, retried with backoff by a job, never following redirects, with a short timeout.
A real HTTP server on 127.0.0.1 receives them."""

import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from generator.api import callbacks
from generator.models import ApiCallback, CallbackHost, GenerationTask, State
from tests.helpers import run_jobs, settle

SECRET = "callback-test-secret"


class Receiver:
    """A little web server on 127.0.0.1 that records what it is sent."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[int] = []  # status per request; 200 once they run out
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.received.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                time.sleep(receiver.delay)
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/studio"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings, db):
    settings.API_CALLBACK_SECRET = SECRET
    settings.API_CALLBACK_LOOPBACK_ONLY = True
    CallbackHost.objects.create(host="127.0.0.1", note="tests")
    receiver = Receiver()
    yield receiver
    receiver.close()


FLUX = {"model": "flux-kontext-pro", "params": {"prompt": "Reception desk", "aspectRatio": "1:1"}}


def create(client, **extra):
    return client.post(
        "/api/v1/generations/",
        {**FLUX, **extra},
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


@pytest.mark.django_db(transaction=True)
def test_a_finished_generation_is_called_back_signed(receiver, sandbox, clock, marketer_api):
    task = create(marketer_api, callback_url=receiver.url).json()
    settle(clock)
    run_jobs()
    (delivery,) = receiver.received
    assert delivery["path"] == "/hooks/studio"
    body = json.loads(delivery["body"])
    assert body["event"] == "generation.finished"
    assert body["task"]["id"] == task["id"] and body["task"]["state"] == "SUCCEEDED"
    assert body["task"]["assets"][0]["url"].startswith("http://127.0.0.1:8000/api/v1/assets/")
    stamp, signature = (
        part.split("=", 1)[1] for part in delivery["headers"]["X-AutoScale-Signature"].split(",")
    )
    expected = hmac.new(SECRET.encode(), stamp.encode() + b"." + delivery["body"], hashlib.sha256)
    assert hmac.compare_digest(signature, expected.hexdigest())
    assert abs(int(stamp) - time.time()) < 60
    assert delivery["headers"]["X-AutoScale-Delivery"] == body["delivery"]
    callback = ApiCallback.objects.get()
    assert callback.delivered_at and callback.attempts == 1 and callback.next_attempt_at is None


def _finish(task_id: int, state=State.FAILED) -> ApiCallback:
    GenerationTask.objects.get(pk=task_id).transition(state, message="test")
    return ApiCallback.objects.get(task_id=task_id)


@pytest.mark.django_db(transaction=True)
def test_a_failed_delivery_is_retried_with_backoff_then_given_up(receiver, marketer_api):
    receiver.answers = [500] * callbacks.MAX_ATTEMPTS
    task = create(marketer_api, callback_url=receiver.url).json()
    _finish(task["id"])
    run_jobs()
    callback = ApiCallback.objects.get()
    assert callback.attempts == 1 and callback.last_error == "answered 500"
    wait = callback.next_attempt_at - timezone.now()
    assert timedelta(seconds=25) < wait <= callbacks.BACKOFF[0]
    assert callbacks.deliver_due() == 0  # not yet due
    waits = []
    for _ in range(callbacks.MAX_ATTEMPTS - 1):
        ApiCallback.objects.update(next_attempt_at=timezone.now())
        assert callbacks.deliver_due() == 1
        callback.refresh_from_db()
        if callback.next_attempt_at:
            waits.append(callback.next_attempt_at - timezone.now())
    assert waits == sorted(waits)  # the backoff grows
    assert callback.attempts == callbacks.MAX_ATTEMPTS and callback.next_attempt_at is None
    assert "gave up" in callback.last_error and callback.delivered_at is None
    assert len(receiver.received) == callbacks.MAX_ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_a_retry_that_succeeds_is_delivered(receiver, marketer_api):
    receiver.answers = [503]
    task = create(marketer_api, callback_url=receiver.url).json()
    _finish(task["id"])
    run_jobs()
    ApiCallback.objects.update(next_attempt_at=timezone.now())
    callbacks.deliver_due()
    callback = ApiCallback.objects.get()
    assert callback.delivered_at and callback.attempts == 2
    assert len(receiver.received) == 2


@pytest.mark.django_db(transaction=True)
def test_redirects_are_never_followed(receiver, marketer_api):
    receiver.answers = [302]
    task = create(marketer_api, callback_url=receiver.url).json()
    _finish(task["id"])
    run_jobs()
    assert [r["path"] for r in receiver.received] == ["/hooks/studio"]  # not /elsewhere
    assert "redirects are not followed" in ApiCallback.objects.get().last_error


@pytest.mark.django_db(transaction=True)
def test_a_slow_receiver_times_out(receiver, marketer_api, monkeypatch):
    monkeypatch.setattr(callbacks, "TIMEOUT_SECONDS", 0.2)
    receiver.delay = 1.0
    task = create(marketer_api, callback_url=receiver.url).json()
    _finish(task["id"])
    run_jobs()
    assert ApiCallback.objects.get().last_error == "no answer (ReadTimeout)"


@pytest.mark.django_db(transaction=True)
def test_a_host_taken_off_the_allow_list_is_not_called(receiver, marketer_api):
    task = create(marketer_api, callback_url=receiver.url).json()
    CallbackHost.objects.all().delete()
    _finish(task["id"])
    run_jobs()
    assert receiver.received == []
    assert "allow-list" in ApiCallback.objects.get().last_error


@pytest.mark.django_db(transaction=True)
def test_each_final_state_is_delivered_once(receiver, marketer_api):
    task = create(marketer_api, callback_url=receiver.url).json()
    GenerationTask.objects.filter(pk=task["id"]).update(state=State.DOWNLOADING)
    GenerationTask.objects.get(pk=task["id"]).transition(
        State.FAILED, failure_kind="download", message="lost file"
    )
    run_jobs()
    task_row = GenerationTask.objects.get(pk=task["id"])
    task_row.save()  # saving a finished task again sends nothing new
    run_jobs()
    assert [json.loads(r["body"])["task"]["state"] for r in receiver.received] == ["FAILED"]
    task_row.transition(State.DOWNLOADING, message="retried by an admin")
    task_row.transition(State.SUCCEEDED)
    run_jobs()
    states = [json.loads(r["body"])["task"]["state"] for r in receiver.received]
    assert states == ["FAILED", "SUCCEEDED"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "only go to this machine"),
        ("ftp://127.0.0.1/x", "http or https"),
        ("http://user:pw@127.0.0.1/x", "user name or password"),
        ("http://127.0.0.1:99999999/x", "not a valid URL"),
        ("http://127.0.0.2/x", "allow-list"),
        ("not a url", "http or https"),
    ],
)
def test_callback_urls_that_are_refused(receiver, marketer_api, url, message):
    response = create(marketer_api, callback_url=url)
    assert response.status_code == 400 and message in response.json()["detail"]
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_an_allowed_host_outside_the_sandbox(settings, marketer_api):
    settings.API_CALLBACK_SECRET = SECRET
    settings.API_CALLBACK_LOOPBACK_ONLY = False
    CallbackHost.objects.create(host=".autoscale.example")
    assert create(marketer_api, callback_url="https://hooks.autoscale.example/s").status_code == 201
    assert create(marketer_api, callback_url="https://autoscale.example/s").status_code == 201
    refused = create(marketer_api, callback_url="https://evil-autoscale.example/s")
    assert refused.status_code == 400


@pytest.mark.django_db
def test_without_a_signing_secret_callbacks_are_refused(settings, marketer_api):
    settings.API_CALLBACK_SECRET = ""
    CallbackHost.objects.create(host="127.0.0.1")
    response = create(marketer_api, callback_url="http://127.0.0.1:9/x")
    assert response.status_code == 400 and "Callbacks are off" in response.json()["detail"]
