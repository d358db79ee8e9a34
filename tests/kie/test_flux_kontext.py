"""Flux Kontext: generate (model in the body) and record-info (successFlag 0-3)."""

import json

import pytest

from generator.kie import UpstreamState
from tests.kie.helpers import make_client, recording

RESULT = "https://tempfile.aiquickdraw.com/f/result.jpg"
ORIGIN = "https://tempfile.aiquickdraw.com/f/origin.jpg"


def record(**fields):
    data = {
        "taskId": "task12345",
        "paramJson": '{"prompt":"a lighthouse","aspectRatio":"16:9","model":"flux-kontext-pro"}',
        "completeTime": 1672574400000,
        "response": {"originImageUrl": ORIGIN, "resultImageUrl": RESULT},
        "successFlag": 1,
        "errorCode": None,
        "errorMessage": "",
        "createTime": 1672561200000,
    }
    data.update(fields)
    return data


def status_of(data):
    handler, seen = recording({"code": 200, "msg": "success", "data": data})

    result = make_client(handler).flux_kontext.get_status("task12345")
    assert seen[0].url.path == "/api/v1/flux/kontext/record-info"
    assert seen[0].url.params["taskId"] == "task12345"
    return result


def test_flag_0_is_running():
    status = status_of(record(successFlag=0, response=None, completeTime=None))
    assert status.state is UpstreamState.RUNNING
    assert status.result_urls == ()


def test_flag_1_is_success_with_result_image_url_only():
    status = status_of(record())
    assert status.state is UpstreamState.SUCCEEDED
    assert status.result_urls == (RESULT,)
    assert ORIGIN not in status.result_urls


@pytest.mark.parametrize(
    "response", [{"originImageUrl": ORIGIN}, {"originImageUrl": ORIGIN, "resultImageUrl": ""}]
)
def test_success_without_result_image_url_offers_origin_as_short_lived(response):
    status = status_of(record(response=response))
    assert status.state is UpstreamState.SUCCEEDED
    assert status.result_urls == () and status.short_lived_urls == (ORIGIN,)


def test_running_task_never_uses_origin_image_url():
    status = status_of(record(successFlag=0, response={"originImageUrl": ORIGIN}))
    assert status.result_urls == () and status.short_lived_urls == ()


@pytest.mark.parametrize("flag", [2, 3])
def test_flags_2_and_3_are_failed(flag):
    data = record(
        successFlag=flag,
        response={"originImageUrl": "", "resultImageUrl": ""},
        errorCode=400,
        errorMessage="prompt flagged",
    )
    status = status_of(data)
    assert status.state is UpstreamState.FAILED
    assert status.error_code == "400"
    assert status.error_message == "prompt flagged"
    assert status.result_urls == ()


def test_unknown_flag_is_still_running():
    assert status_of(record(successFlag=9, response=None)).state is UpstreamState.RUNNING


def test_create_puts_model_and_callback_in_the_body():
    handler, seen = recording({"code": 200, "msg": "success", "data": {"taskId": "task12345"}})

    fields = {"prompt": "a lighthouse", "aspectRatio": "16:9", "outputFormat": "png"}
    task_id = make_client(handler).flux_kontext.create(
        "flux-kontext-max", fields, callback_url="https://studio.example/cb"
    )
    assert task_id == "task12345"
    assert seen[0].url.path == "/api/v1/flux/kontext/generate"
    assert json.loads(seen[0].content) == {
        **fields,
        "model": "flux-kontext-max",
        "callBackUrl": "https://studio.example/cb",
    }
