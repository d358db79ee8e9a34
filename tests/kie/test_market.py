"""Market / jobs: createTask wraps inputs, recordInfo states, resultJson-in-a-string, progress."""

import json
from decimal import Decimal

import httpx
import pytest

from generator.kie import MalformedResponseError, NotFoundError, UpstreamState
from tests.kie.helpers import make_client, recording, sandbox_client

PARAM = (
    '{"model":"grok-imagine/text-to-image","callBackUrl":"https://your-domain.com/api/callback",'
    '"input":{"prompt":"...","aspect_ratio":"3:2"}}'
)


def record(**fields):
    """The documented recordInfo `data` (success example), with some fields replaced."""
    data = {
        "taskId": "task_12345678",
        "model": "grok-imagine/text-to-image",
        "state": "success",
        "param": PARAM,
        "resultJson": '{"resultUrls":["https://example.com/generated-content.jpg"]}',
        "failCode": "",
        "failMsg": "",
        "costTime": 15000,
        "completeTime": 1698765432000,
        "createTime": 1698765400000,
        "updateTime": 1698765432000,
    }
    data.update(fields)
    return data


def status_of(data):
    handler, seen = recording({"code": 200, "msg": "success", "data": data})

    result = make_client(handler).market.get_status("task_12345678")
    assert seen[0].url.path == "/api/v1/jobs/recordInfo"
    assert seen[0].url.params["taskId"] == "task_12345678"
    return result


@pytest.mark.parametrize("word", ["waiting", "queuing"])
def test_waiting_and_queuing_are_pending(word):
    status = status_of(record(state=word, resultJson=None, completeTime=None))
    assert status.state is UpstreamState.PENDING
    assert not status.finished


def test_generating_is_running():
    assert status_of(record(state="generating", resultJson=None)).state is UpstreamState.RUNNING


def test_unknown_state_word_is_running():
    status = status_of(record(state="rendering-v2", resultJson=None))
    assert status.state is UpstreamState.RUNNING
    assert not status.finished


def test_success_decodes_result_json_string_into_urls():
    status = status_of(record())
    assert status.state is UpstreamState.SUCCEEDED
    assert status.result_urls == ("https://example.com/generated-content.jpg",)
    assert status.progress == 1.0
    assert status.error_code == ""


def test_malformed_result_json_string_raises():
    with pytest.raises(MalformedResponseError):
        status_of(record(resultJson='{"resultUrls":["https://example.com/a.jpg"'))


@pytest.mark.parametrize("result_json", ["null", "[]", "", "  ", None, []])
def test_empty_result_json_means_no_result_yet(result_json):
    status = status_of(record(state="generating", resultJson=result_json))
    assert status.state is UpstreamState.RUNNING
    assert status.result_urls == ()


@pytest.mark.parametrize("result_json", ["42", '"https://example.com/a.jpg"', "[1]", "true"])
def test_result_json_holding_a_non_object_raises(result_json):
    with pytest.raises(MalformedResponseError):
        status_of(record(resultJson=result_json))


def test_fail_carries_fail_code_and_message():
    data = record(
        state="fail",
        resultJson="",
        failCode="400",
        failMsg="Only English prompts are supported",
    )
    status = status_of(data)
    assert status.state is UpstreamState.FAILED
    assert status.error_code == "400"
    assert status.error_message == "Only English prompts are supported"
    assert status.result_urls == ()


def test_sora_progress_0_to_100_becomes_0_to_1():
    data = record(model="sora-2-text-to-video", state="generating", resultJson=None, progress=45)
    assert status_of(data).progress == pytest.approx(0.45)


def test_no_progress_field_means_no_progress():
    assert status_of(record(state="generating", resultJson=None)).progress is None


def test_record_info_is_null_is_not_found():
    client = make_client(
        lambda request: httpx.Response(
            200, json={"code": 422, "msg": "recordInfo is null", "data": None}
        )
    )
    with pytest.raises(NotFoundError):
        client.market.get_status("task_too_new")


def test_new_task_is_not_found_during_the_visibility_delay_then_found(clock):
    client, _ = sandbox_client(visibility_delay_seconds=1.0, clock=clock)
    task_id = client.market.create("ideogram/v3-text-to-image", {"prompt": "a cat"})
    with pytest.raises(NotFoundError) as info:
        client.market.get_status(task_id)
    assert (info.value.code, info.value.http_status) == (422, 422)
    clock.advance(0.5)
    with pytest.raises(NotFoundError):
        client.market.get_status(task_id)
    clock.advance(0.5)
    status = client.market.get_status(task_id)
    assert status.task_id == task_id and not status.finished
    clock.advance(10)
    status = client.market.get_status(task_id)
    assert status.state is UpstreamState.SUCCEEDED and len(status.result_urls) == 1


def test_create_wraps_fields_under_input_with_model_on_top():
    handler, seen = recording({"code": 200, "msg": "success", "data": {"taskId": "task_12345678"}})

    fields = {"prompt": "a cat", "aspect_ratio": "landscape", "n_frames": "10"}
    task_id = make_client(handler).market.create(
        "sora-2-text-to-video", fields, callback_url="https://studio.example/cb"
    )
    assert task_id == "task_12345678"
    assert seen[0].url.path == "/api/v1/jobs/createTask"
    assert json.loads(seen[0].content) == {
        "model": "sora-2-text-to-video",
        "input": fields,
        "callBackUrl": "https://studio.example/cb",
    }


def test_create_without_model_is_refused_before_sending():
    client = make_client(lambda request: pytest.fail("nothing should be sent"))
    with pytest.raises(ValueError):
        client.market.create(None, {"prompt": "a cat"})


@pytest.mark.parametrize(
    ("given", "booked"),
    [(3.0, Decimal("3")), (6.5, Decimal("6.5")), ("22.5", Decimal("22.5")), (0, Decimal("0"))],
)
def test_credits_consumed_is_what_the_task_cost(given, booked):
    assert status_of(record(creditsConsumed=given)).credits_consumed == booked


@pytest.mark.parametrize("given", [None, "", "lots", True, -1, "NaN", "Infinity"])
def test_credits_consumed_missing_or_nonsense_is_unknown(given):
    assert status_of(record(creditsConsumed=given)).credits_consumed is None


def test_credits_consumed_is_read_from_the_sandbox():
    client, app = sandbox_client(duration_seconds=0)
    task_id = client.market.create(
        "ideogram/v3-text-to-image", {"prompt": "p", "rendering_speed": "TURBO"}
    )
    assert client.market.get_status(task_id).credits_consumed == Decimal("3.5")
