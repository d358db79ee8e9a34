"""kie.ai callbacks only bring the next poll forward; their content is never trusted."""

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
    assert task.next_poll_at <= timezone.now()
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
