"""Veo 3.1 adapter against kie-api.md section 4: generate, extend, record-info, and the
1080p/4K upgrades with their "still processing" answers and the 4K 422 with a result."""

import json

import httpx
import pytest

from generator.kie import UpstreamState
from generator.kie.errors import InputError
from generator.kie.veo import parse_upgrade_id
from tests.kie.helpers import make_client, recording

VIDEO = "https://tempfile.aiquickdraw.com/v/video1.mp4"
FULL = "https://tempfile.aiquickdraw.com/v/full_result.mp4"


def record(**fields):
    data = {
        "taskId": "veo_task_abcdef123456",
        "paramJson": '{"prompt":"a cat","model":"veo3_fast","aspectRatio":"16:9"}',
        "completeTime": "2025-06-06 10:30:00",
        "response": {
            "taskId": "veo_task_abcdef123456",
            "resultUrls": [VIDEO],
            "originUrls": ["https://tempfile.aiquickdraw.com/v/original.mp4"],
            "fullResultUrls": [FULL],
            "resolution": "720p",
        },
        "successFlag": 1,
        "errorCode": None,
        "errorMessage": "",
        "createTime": "2025-06-06 10:25:00",
        "fallbackFlag": False,
    }
    data.update(fields)
    return data


def status_of(data):
    handler, seen = recording({"code": 200, "msg": "success", "data": data})
    status = make_client(handler).veo.get_status("veo_task_abcdef123456")
    assert seen[0].url.path == "/api/v1/veo/record-info"
    return status


def test_generate_sends_model_and_generation_type_from_the_catalog_api_model():
    handler, seen = recording({"code": 200, "msg": "success", "data": {"taskId": "veo_1"}})
    fields = {"prompt": "a cat", "aspectRatio": "9:16", "imageUrls": [], "seeds": None}
    task_id = make_client(handler).veo.create(
        "veo3_lite|REFERENCE_2_VIDEO", {**fields, "enableTranslation": False}, "https://cb"
    )
    body = json.loads(seen[0].content)
    assert task_id == "veo_1" and seen[0].url.path == "/api/v1/veo/generate"
    assert body == {
        "prompt": "a cat",
        "aspectRatio": "9:16",
        "enableTranslation": False,  # always explicit: the docs disagree on its default
        "model": "veo3_lite",
        "generationType": "REFERENCE_2_VIDEO",
        "callBackUrl": "https://cb",
    }


def test_extend_posts_the_source_task_id_and_the_extend_model_word():
    handler, seen = recording({"code": 200, "msg": "success", "data": {"taskId": "veo_ext"}})
    fields = {"taskId": "veo_src", "index": 0, "prompt": "then it jumps", "seeds": 12345}
    assert make_client(handler).veo.create("extend|quality", fields) == "veo_ext"
    assert seen[0].url.path == "/api/v1/veo/extend"
    assert json.loads(seen[0].content) == {
        "taskId": "veo_src",
        "prompt": "then it jumps",
        "model": "quality",
        "seeds": 12345,
    }


def test_flag_0_is_running_without_urls():
    status = status_of(record(successFlag=0, response=None, completeTime=None))
    assert status.state is UpstreamState.RUNNING and status.result_urls == ()


def test_flag_1_takes_result_urls_for_a_generation():
    status = status_of(record())
    assert status.state is UpstreamState.SUCCEEDED and status.result_urls == (VIDEO,)


def test_an_extend_task_takes_the_whole_video_from_full_result_urls():
    params = '{"taskId":"veo_src","prompt":"then","model":"fast"}'
    status = status_of(record(paramJson=params))
    assert status.result_urls == (FULL,)


def test_result_urls_as_a_json_string_are_read():
    response = {"resultUrls": json.dumps([VIDEO]), "fullResultUrls": []}
    assert status_of(record(response=response)).result_urls == (VIDEO,)


@pytest.mark.parametrize("flag", [2, 3])
def test_flags_2_and_3_are_failures_with_kie_code_and_message(flag):
    status = status_of(
        record(
            successFlag=flag,
            response=None,
            errorCode=400,
            errorMessage="Your prompt was flagged by Website as violating content policies.",
        )
    )
    assert status.state is UpstreamState.FAILED
    assert status.error_code == "400" and "flagged" in status.error_message


def test_record_info_408_is_a_failed_generation():
    handler, _ = recording({"code": 408, "msg": "no result for 10 minutes", "data": None})
    status = make_client(handler).veo.get_status("veo_task_abcdef123456")
    assert status.state is UpstreamState.FAILED and status.error_code == "408"


# --- 1080p -------------------------------------------------------------------------


def answers(*bodies):
    """A handler answering each (http status, body) in turn; and the requests seen."""
    seen = []
    queue = list(bodies)

    def handler(request):
        seen.append(request)
        status, body = queue.pop(0)
        return httpx.Response(status, json=body)

    return handler, seen


PROCESSING_1080P = {"code": 400, "msg": "1080P is processing. It should be ready in 1-2 minutes."}


def test_1080p_still_processing_then_ready():
    handler, seen = answers(
        (400, PROCESSING_1080P),
        (200, PROCESSING_1080P),  # the same answer inside HTTP 200
        (200, {"code": 200, "msg": "success", "data": {"resultUrl": VIDEO}}),
    )
    veo = make_client(handler).veo
    upgrade_id = veo.create("1080p", {"taskId": "veo_src", "index": 0})
    assert parse_upgrade_id(upgrade_id) == ("veo_src", "1080p", 0)
    assert seen[0].url.path == "/api/v1/veo/get-1080p-video"
    assert seen[0].url.params["taskId"] == "veo_src" and seen[0].url.params["index"] == "0"
    assert veo.get_status(upgrade_id).state is UpstreamState.RUNNING
    done = veo.get_status(upgrade_id)
    assert done.state is UpstreamState.SUCCEEDED and done.result_urls == (VIDEO,)


def test_1080p_refused_at_create_is_a_refusal_not_an_upgrade():
    handler, _ = answers((422, {"code": 422, "msg": "record status is not success"}))
    with pytest.raises(InputError):
        make_client(handler).veo.create("1080p", {"taskId": "veo_src", "index": 0})


def test_1080p_unknown_source_is_a_refusal_too():
    handler, _ = answers((422, {"code": 422, "msg": "record is null", "data": None}))
    with pytest.raises(InputError):
        make_client(handler).veo.create("1080p", {"taskId": "veo_src", "index": 0})


def test_two_upgrades_of_one_source_get_different_ids():
    handler, _ = answers((400, PROCESSING_1080P), (400, PROCESSING_1080P))
    veo = make_client(handler).veo
    first = veo.create("1080p", {"taskId": "veo_src", "index": 0})
    assert first != veo.create("1080p", {"taskId": "veo_src", "index": 0})


# --- 4K ----------------------------------------------------------------------------

ACCEPTED_4K = {"code": 200, "msg": "success", "data": {"taskId": "veo_src"}}
PROCESSING_4K = {
    "code": 422,
    "msg": "4k is processing. It should be ready in 5-10 minutes. Please check back shortly.",
    "data": {"taskId": "veo_src", "resultUrls": None, "imageUrls": None},
}
DONE_4K = {
    "code": 422,
    "msg": "The video has been generated successfully",
    "data": {
        "taskId": "veo_src",
        "resultUrls": ["https://tempfile.aiquickdraw.com/v/example_task_4k.mp4"],
        "imageUrls": ["https://tempfile.aiquickdraw.com/v/example_task_4k.jpg"],
    },
}


def test_4k_accepted_then_processing_then_a_422_with_the_result_is_success():
    handler, seen = answers((200, ACCEPTED_4K), (422, PROCESSING_4K), (422, DONE_4K))
    veo = make_client(handler).veo
    upgrade_id = veo.create("4k", {"taskId": "veo_src", "index": 0}, "https://cb")
    assert seen[0].method == "POST" and seen[0].url.path == "/api/v1/veo/get-4k-video"
    assert json.loads(seen[0].content) == {
        "taskId": "veo_src",
        "index": 0,
        "callBackUrl": "https://cb",
    }
    assert veo.get_status(upgrade_id).state is UpstreamState.RUNNING
    done = veo.get_status(upgrade_id)
    assert done.state is UpstreamState.SUCCEEDED
    assert done.result_urls == ("https://tempfile.aiquickdraw.com/v/example_task_4k.mp4",)


def test_4k_whose_first_call_already_answers_the_result_is_created():
    handler, _ = answers((422, DONE_4K), (422, DONE_4K))
    veo = make_client(handler).veo
    upgrade_id = veo.create("4k", {"taskId": "veo_src", "index": 0})
    assert veo.get_status(upgrade_id).state is UpstreamState.SUCCEEDED


def test_4k_processing_inside_http_200_is_still_running():
    handler, _ = answers((200, ACCEPTED_4K), (200, PROCESSING_4K))
    veo = make_client(handler).veo
    upgrade_id = veo.create("4k", {"taskId": "veo_src", "index": 0})
    assert veo.get_status(upgrade_id).state is UpstreamState.RUNNING


def test_4k_422_without_result_or_task_is_a_real_refusal():
    handler, _ = answers((422, {"code": 422, "msg": "record status is not success"}))
    with pytest.raises(InputError):
        make_client(handler).veo.create("4k", {"taskId": "veo_src", "index": 0})


def test_a_later_4k_refusal_fails_the_upgrade():
    handler, _ = answers(
        (200, ACCEPTED_4K), (422, {"code": 422, "msg": "The 4K version is unavailable"})
    )
    veo = make_client(handler).veo
    upgrade_id = veo.create("4k", {"taskId": "veo_src", "index": 0})
    status = veo.get_status(upgrade_id)
    assert status.state is UpstreamState.FAILED and status.error_code == "422"


def test_the_callbacks_bracketed_unquoted_url_list_is_read():
    from generator.kie.parsing import url_list

    assert url_list("[http://example.com/a.mp4, https://example.com/b.mp4]") == (
        "http://example.com/a.mp4",
        "https://example.com/b.mp4",
    )
    assert url_list("[not a url]") == ()
