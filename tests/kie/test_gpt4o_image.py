"""4o Image: generate, record-info (both result spellings, all flags), download-url."""

import json

import httpx
import pytest

from generator.kie import MalformedResponseError, UpstreamState
from tests.kie.helpers import make_client, recording

RECORD_INFO = "/api/v1/gpt4o-image/record-info"
PARAM_JSON = '{"prompt":"...","size":"1:1","isEnhance":false}'


def record(**fields):
    """The documented record-info `data` (success example), with some fields replaced."""
    data = {
        "taskId": "task12345",
        "paramJson": PARAM_JSON,
        "completeTime": 1672574400000,
        "response": {"resultUrls": ["https://example.com/result/image1.png"]},
        "successFlag": 1,
        "status": "SUCCESS",
        "errorCode": None,
        "errorMessage": "",
        "createTime": 1672561200000,
        "progress": "1.00",
    }
    data.update(fields)
    return data


def status_of(data):
    handler, seen = recording({"code": 200, "msg": "success", "data": data})

    result = make_client(handler).gpt4o_image.get_status("task12345")
    assert seen[0].url.path == RECORD_INFO
    assert seen[0].url.params["taskId"] == "task12345"
    return result


def test_running_record_reports_progress():
    data = record(
        successFlag=0, status="GENERATING", response=None, progress="0.48", completeTime=None
    )
    status = status_of(data)
    assert status.state is UpstreamState.RUNNING
    assert status.progress == pytest.approx(0.48)
    assert status.result_urls == ()
    assert not status.finished


def test_success_with_result_urls_camel_case():
    status = status_of(record())
    assert status.state is UpstreamState.SUCCEEDED
    assert status.result_urls == ("https://example.com/result/image1.png",)
    assert status.progress == 1.0
    assert status.error_code == ""
    assert status.finished


def test_success_with_result_urls_snake_case():
    data = record(response={"result_urls": ["https://example.com/result/image1.png"]})
    assert status_of(data).result_urls == ("https://example.com/result/image1.png",)


def test_generate_failed_carries_error_code_and_message():
    message = "Your content was flagged by OpenAI as violating content policies"
    data = record(
        successFlag=2,
        status="GENERATE_FAILED",
        response=None,
        errorCode=400,
        errorMessage=message,
        progress="0.00",
    )
    status = status_of(data)
    assert status.state is UpstreamState.FAILED
    assert status.error_code == "400"
    assert status.error_message == message
    assert status.result_urls == ()


@pytest.mark.parametrize("flag", [2, None])
def test_create_task_failed_is_failed(flag):
    data = record(successFlag=flag, status="CREATE_TASK_FAILED", response=None, errorCode=500)
    assert status_of(data).state is UpstreamState.FAILED


@pytest.mark.parametrize(
    ("flag", "status_word"),
    [(7, "GENERATING"), (0, "PROCESSING"), (7, "SOMETHING_NEW"), (None, None)],
)
def test_unknown_flag_or_status_is_still_running(flag, status_word):
    data = record(successFlag=flag, status=status_word, response=None, progress="0.10")
    status = status_of(data)
    assert status.state is UpstreamState.RUNNING
    assert not status.finished


def test_param_json_as_string_is_accepted():
    status = status_of(record(paramJson=PARAM_JSON))
    assert status.raw["paramJson"] == PARAM_JSON


def test_success_flag_as_string_is_read():
    assert status_of(record(successFlag="1", status=None)).state is UpstreamState.SUCCEEDED


def test_create_sends_fields_and_callback_and_returns_task_id():
    handler, seen = recording({"code": 200, "msg": "success", "data": {"taskId": "task12345"}})

    fields = {"prompt": "a red fox", "size": "1:1", "nVariants": 2, "isEnhance": False}
    task_id = make_client(handler).gpt4o_image.create(
        None, fields, callback_url="https://studio.example/kie/callback"
    )
    assert task_id == "task12345"
    request = seen[0]
    assert request.method == "POST"
    assert request.url.path == "/api/v1/gpt4o-image/generate"
    assert json.loads(request.content) == {
        **fields,
        "callBackUrl": "https://studio.example/kie/callback",
    }


def test_create_without_callback_sends_no_callback_field():
    seen = []

    def handler(request):
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"code": 200, "msg": "success", "data": {"taskId": "t1"}})

    make_client(handler).gpt4o_image.create(None, {"prompt": "x", "size": "1:1"})
    assert "callBackUrl" not in seen[0]


@pytest.mark.parametrize("data", [{}, None, {"taskId": ""}, {"taskId": 12}])
def test_create_answer_without_task_id_is_malformed(data):
    client = make_client(
        lambda request: httpx.Response(200, json={"code": 200, "msg": "success", "data": data})
    )
    with pytest.raises(MalformedResponseError):
        client.gpt4o_image.create(None, {"prompt": "x", "size": "1:1"})


def test_download_url_sends_task_and_url_and_returns_the_string():
    seen = []
    signed = "https://r2.example/image1.png?X-Amz-Expires=1200"

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"code": 200, "msg": "success", "data": signed})

    url = "https://tempfile.aiquickdraw.com/v/xxxxxxx.png"
    assert make_client(handler).gpt4o_image.download_url("task12345", url) == signed
    assert seen[0].url.path == "/api/v1/gpt4o-image/download-url"
    assert json.loads(seen[0].content) == {"taskId": "task12345", "url": url}


def test_download_url_without_a_string_is_malformed():
    client = make_client(
        lambda request: httpx.Response(200, json={"code": 200, "msg": "success", "data": None})
    )
    with pytest.raises(MalformedResponseError):
        client.gpt4o_image.download_url("task12345", "https://tempfile.aiquickdraw.com/v/x.png")
