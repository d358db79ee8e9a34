"""kie's Veo and Runway callbacks (kie-api.md 4.5, 4.6, 5.4) reach the callback view and
bring the right task's poll forward; nothing is taken from their bodies."""

from datetime import timedelta

import pytest
from django.utils import timezone

from generator.models import GenerationTask, State
from tests.factories import make_task

LATER = timedelta(minutes=5)


def running(staff, upstream_id, operation="text-to-video", model="veo3-fast"):
    task = make_task(
        staff,
        state=State.RUNNING,
        model=model,
        params={"prompt": "x"},
        upstream_task_id=upstream_id,
        next_poll_at=timezone.now() + LATER,
    )
    GenerationTask.objects.filter(pk=task.pk).update(operation=operation, kind="video")
    return task


def polled_soon(task) -> bool:
    task.refresh_from_db()
    return task.next_poll_at <= timezone.now() + timedelta(seconds=1)


@pytest.mark.django_db
def test_veo_generation_callback(client, staff):
    task = running(staff, "veo_task_abcdef123456")
    body = {
        "code": 200,
        "msg": "Veo3.1 video generated successfully.",
        "data": {
            "taskId": "veo_task_abcdef123456",
            "info": {"resultUrls": "[http://example.com/video1.mp4]", "resolution": "1080p"},
            "fallbackFlag": False,
        },
    }
    assert client.post("/kie/callback/", body, content_type="application/json").status_code == 200
    assert polled_soon(task) and task.result_urls == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"taskId": "veo_src", "info": {"resultUrls": ["x.mp4"], "imageUrls": ["x.jpg"]}},
        {"task_id": "veo_src", "result_urls": ["x.mp4"], "media_ids": ["m"]},
    ],
)
def test_a_4k_callback_naming_the_source_brings_the_upgrade_forward(client, staff, data):
    source = running(staff, "veo_src")
    GenerationTask.objects.filter(pk=source.pk).update(state=State.SUCCEEDED, next_poll_at=None)
    upgrade = running(staff, "veo_src#4k/0/1a2b3c4d", operation="4k")
    body = {"code": 200, "msg": "4K Video generated successfully.", "data": data}
    client.post("/kie/callback/", body, content_type="application/json")
    assert polled_soon(upgrade)


@pytest.mark.django_db
def test_runway_callback_with_snake_case_keys(client, staff):
    task = running(staff, "ee603959-debb-48d1-98c4-a6d1c717eba6", model="runway")
    body = {
        "code": 400,
        "msg": "Inappropriate content",
        "data": {
            "task_id": "ee603959-debb-48d1-98c4-a6d1c717eba6",
            "video_id": "",
            "video_url": "",
            "image_url": "",
        },
    }
    client.post("/kie/callback/", body, content_type="application/json")
    assert polled_soon(task) and task.state == State.RUNNING
