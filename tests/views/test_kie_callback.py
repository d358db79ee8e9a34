"""kie.ai callbacks only bring the next poll forward; their content is never trusted."""

import base64
import hashlib
import hmac
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from generator.models import GenerationTask, State
from tests.factories import make_task
from tests.helpers import queued_jobs

LATER = timedelta(minutes=5)


def running(staff, upstream_id):
    return make_task(
        staff,
        state=State.RUNNING,
        upstream_task_id=upstream_id,
        next_poll_at=timezone.now() + LATER,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"code": 200, "msg": "success", "data": {"taskId": "abc", "info": {"result_urls": ["x"]}}},
        {"code": 200, "data": {"task_id": "abc", "video_url": "x"}},  # Runway, Suno
        {"code": 200, "data": None, "taskId": "abc"},  # Aleph
    ],
)
def test_callback_makes_the_task_due_now_whatever_the_family_shape(client, staff, body):
    task = running(staff, "abc")
    response = client.post("/kie/callback/", body, content_type="application/json")
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.next_poll_at <= timezone.now() + timedelta(seconds=1)
    assert task.state == State.RUNNING and task.result_urls == []  # nothing taken from the body
    assert ("generator.jobs.poll_sweep", ()) in queued_jobs()


@pytest.mark.django_db
def test_unknown_or_garbage_callbacks_change_nothing(client, staff):
    task = running(staff, "abc")
    assert (
        client.post("/kie/callback/", "not json", content_type="application/json").status_code
        == 400
    )
    assert (
        client.post(
            "/kie/callback/", {"data": {"taskId": "zzz"}}, content_type="application/json"
        ).status_code
        == 200
    )
    assert GenerationTask.objects.get(pk=task.pk).next_poll_at > timezone.now()


@pytest.mark.django_db
def test_a_flood_of_callbacks_polls_a_task_about_once_a_second(client, staff):
    task = running(staff, "abc")
    body = {"code": 200, "data": {"taskId": "abc"}}
    client.post("/kie/callback/", body, content_type="application/json")
    first = GenerationTask.objects.get(pk=task.pk).next_poll_at
    for _ in range(5):
        client.post("/kie/callback/", body, content_type="application/json")
    assert GenerationTask.objects.get(pk=task.pk).next_poll_at == first
    assert queued_jobs() == [("generator.jobs.poll_sweep", ())]  # one sweep, not six


def signed(task_id, key, stamp):
    digest = hmac.new(key.encode(), f"{task_id}.{stamp}".encode(), hashlib.sha256).digest()
    return {
        "HTTP_X_WEBHOOK_TIMESTAMP": str(stamp),
        "HTTP_X_WEBHOOK_SIGNATURE": base64.b64encode(digest).decode(),
    }


@pytest.mark.django_db
def test_with_a_signing_key_only_signed_recent_callbacks_count(client, staff, settings):
    settings.KIE_WEBHOOK_HMAC_KEY = "hmac-test-key"
    task = running(staff, "abc")
    body = {"code": 200, "data": {"taskId": "abc"}}
    now = int(time.time())

    def post(**headers):
        return client.post("/kie/callback/", body, content_type="application/json", **headers)

    assert post().status_code == 401
    assert post(**signed("abc", "another-key", now)).status_code == 401
    assert post(**signed("abc", "hmac-test-key", now - 3600)).status_code == 401  # replayed
    assert GenerationTask.objects.get(pk=task.pk).next_poll_at > timezone.now() + LATER / 2
    assert post(**signed("abc", "hmac-test-key", now)).status_code == 200
    assert GenerationTask.objects.get(pk=task.pk).next_poll_at <= timezone.now() + timedelta(
        seconds=1
    )


def post_raw(client, body: bytes | str, content_type="application/json"):
    return client.post("/kie/callback/", body, content_type=content_type)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "[" * 60_000,  # RecursionError in json.loads
        '{"data": ' * 65 + "{}" + "}" * 65,
        "[1, 2]",
        '"abc"',
        "42",
        "null",
        b"\xff\xfe\x00garbage",
        '{"data": {"taskId": NaN}}',
        '{"data": {"taskId": "ab\\ud800"}}',
        '{"data": {"taskId": "ab\\u0000c"}}',
    ],
    ids=lambda body: repr(body[:20]),
)
def test_garbage_gets_a_400_json_answer_and_changes_nothing(client, staff, body):
    task = running(staff, "abc")
    response = post_raw(client, body)
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["error"]
    assert GenerationTask.objects.get(pk=task.pk).next_poll_at > timezone.now()


@pytest.mark.django_db
def test_a_body_over_64_kb_gets_413(client, staff):
    running(staff, "abc")
    body = '{"data": {"taskId": "abc", "pad": "' + "x" * 70_000 + '"}}'
    response = post_raw(client, body)
    assert response.status_code == 413 and response.json()["ok"] is False
    assert queued_jobs() == []


@pytest.mark.django_db
def test_a_callback_nested_as_deep_as_allowed_still_counts(client, staff):
    running(staff, "abc")
    body = '{"data": {"taskId": "abc", "info": ' + "[" * 60 + "]" * 60 + "}}"
    assert post_raw(client, body).status_code == 200
    assert ("generator.jobs.poll_sweep", ()) in queued_jobs()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "stamp, signature",
    [("²", "x"), ("9" * 5000, "x"), ("9" * 400, "x"), ("now", "é"), ("now", "sig\u2028")],
    ids=["superscript", "too-many-digits", "beyond-a-float", "latin", "unicode"],
)
def test_odd_signature_headers_are_a_bad_signature(client, staff, settings, stamp, signature):
    settings.KIE_WEBHOOK_HMAC_KEY = "hmac-test-key"
    response = client.post(
        "/kie/callback/",
        {"data": {"taskId": "abc"}},
        content_type="application/json",
        HTTP_X_WEBHOOK_TIMESTAMP=str(int(time.time())) if stamp == "now" else stamp,
        HTTP_X_WEBHOOK_SIGNATURE=signature,
    )
    assert response.status_code == 401
