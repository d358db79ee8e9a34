"""Runway adapter against kie-api.md section 5: generate, extend, and record-detail with
its own `state` words."""

import json

import pytest

from generator.kie import UpstreamState
from tests.kie.helpers import make_client, recording

VIDEO = "https://file.com/k/xxxxxxx.mp4"


def record(**fields):
    data = {
        "taskId": "ee603959-debb-48d1-98c4-a6d1c717eba6",
        "parentTaskId": "",
        "generateParam": {"prompt": "a boat", "imageUrl": "", "expandPrompt": True},
        "state": "success",
        "generateTime": "2023-08-15 14:30:45",
        "videoInfo": {
            "videoId": "485da89c-7fca-4340-8c04-101025b2ae71",
            "taskId": "ee603959-debb-48d1-98c4-a6d1c717eba6",
            "videoUrl": VIDEO,
            "imageUrl": "https://file.com/m/xxxxxxxx.png",
        },
        "failCode": None,
        "failMsg": "",
        "expireFlag": 0,
    }
    data.update(fields)
    return data


def status_of(data):
    handler, seen = recording({"code": 200, "msg": "success", "data": data})
    status = make_client(handler).runway.get_status("ee603959-debb-48d1-98c4-a6d1c717eba6")
    assert seen[0].url.path == "/api/v1/runway/record-detail"
    return status


def test_generate_posts_the_fields_with_an_explicit_empty_watermark():
    handler, seen = recording({"code": 200, "msg": "success", "data": {"taskId": "rw-1"}})
    fields = {"prompt": "a boat", "duration": 5, "quality": "720p", "aspectRatio": "16:9"}
    assert make_client(handler).runway.create(None, fields, "https://cb") == "rw-1"
    assert seen[0].url.path == "/api/v1/runway/generate"
    assert json.loads(seen[0].content) == {**fields, "waterMark": "", "callBackUrl": "https://cb"}


def test_extend_posts_task_prompt_and_quality():
    handler, seen = recording({"code": 200, "msg": "success", "data": {"taskId": "rw-2"}})
    fields = {"taskId": "rw-1", "index": 0, "prompt": "further", "quality": "1080p"}
    assert make_client(handler).runway.create("extend", fields) == "rw-2"
    assert seen[0].url.path == "/api/v1/runway/extend"
    assert json.loads(seen[0].content) == {
        "taskId": "rw-1",
        "prompt": "further",
        "quality": "1080p",
    }


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("wait", UpstreamState.PENDING),
        ("queueing", UpstreamState.PENDING),
        ("generating", UpstreamState.RUNNING),
        ("something-new", UpstreamState.RUNNING),
    ],
)
def test_unfinished_states(word, state):
    status = status_of(record(state=word, videoInfo=None))
    assert status.state is state and status.result_urls == ()


def test_success_takes_the_video_url():
    status = status_of(record())
    assert status.state is UpstreamState.SUCCEEDED and status.result_urls == (VIDEO,)


@pytest.mark.parametrize("word", ["fail", "failed"])
def test_fail_carries_fail_code_and_message(word):
    status = status_of(
        record(state=word, videoInfo=None, failCode=400, failMsg="Inappropriate content")
    )
    assert status.state is UpstreamState.FAILED
    assert status.error_code == "400" and status.error_message == "Inappropriate content"
