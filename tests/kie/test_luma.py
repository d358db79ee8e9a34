"""Luma modify (kie-api.md 7): retired at kie.ai; its 2025 contract behind a switch."""

import pytest

from generator.kie import InputError, UpstreamState
from tests.kie.helpers import make_client, recording, sandbox_client


def status_of(**fields):
    data = {
        "taskId": "774d9a7dd608a0e49293903095e45a4c",
        "paramJson": '{"prompt":"x","videoUrl":"https://e.com/a.mp4","waterMark":""}',
        "completeTime": 1698765432000,
        "response": {"taskId": "774d", "originUrls": [], "resultUrls": ["https://t/l/a.mp4"]},
        "successFlag": 1,
        "createTime": 1698765400000,
        "errorCode": None,
        "errorMessage": "",
    }
    data.update(fields)
    handler, seen = recording({"code": 200, "msg": "success", "data": data})
    status = make_client(handler).luma.get_status("774d")
    assert seen[0].url.path == "/api/v1/modify/record-info"
    return status


@pytest.mark.parametrize(
    ("flag", "state"),
    [
        (0, UpstreamState.RUNNING),
        (1, UpstreamState.SUCCEEDED),
        (2, UpstreamState.FAILED),
        (3, UpstreamState.FAILED),
        (4, UpstreamState.SUCCEEDED),  # only the callback failed: the video is there
    ],
)
def test_each_documented_flag(flag, state):
    assert status_of(successFlag=flag).state is state


def test_a_retired_luma_answers_as_an_unknown_model():
    client, _ = sandbox_client()
    with pytest.raises(InputError, match="does not exist or is not published"):
        client.luma.create(None, {"prompt": "x", "videoUrl": "https://e.com/a.mp4"})


def test_with_retired_models_on_the_sandbox_serves_the_2025_contract():
    client, _ = sandbox_client(retired_models=True, duration_seconds=0)
    task_id = client.luma.create(None, {"prompt": "x", "videoUrl": "https://e.com/a.mp4"})
    status = client.luma.get_status(task_id)
    assert status.state is UpstreamState.SUCCEEDED
    assert status.result_urls[0].endswith(".mp4")
