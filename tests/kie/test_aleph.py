"""Runway Aleph: its successFlag 0 means both "running" and "failed" (kie-api.md 6.2)."""

import io
import json

import av

from generator.kie import UpstreamState
from generator.sandbox.video import make_mp4
from tests.kie.helpers import make_client, recording, sandbox_client

VIDEO = "https://file.com/k/xxxxxxx.mp4"


def record(**fields):
    """The documented record-info `data` ([FEL-aleph]), success, with fields replaced."""
    data = {
        "taskId": "ee603959-debb-48d1-98c4-a6d1c717eba6",
        "paramJson": '{"prompt":"...","videoUrl":"https://example.com/in.mp4"}',
        "response": {
            "taskId": "ee603959-debb-48d1-98c4-a6d1c717eba6",
            "resultVideoUrl": VIDEO,
            "resultImageUrl": "https://file.com/m/xxxxxxxx.png",
        },
        "completeTime": "2025-08-01T10:00:00.000Z",
        "createTime": "2025-08-01T09:58:00.000Z",
        "successFlag": 1,
        "errorCode": 0,
        "errorMessage": "",
    }
    data.update(fields)
    return data


def status_of(data):
    handler, seen = recording({"code": 200, "msg": "success", "data": data})
    status = make_client(handler).aleph.get_status("ee603959")
    assert seen[0].url.path == "/api/v1/aleph/record-info"
    return status


def test_success_gives_the_result_video():
    status = status_of(record())
    assert status.state is UpstreamState.SUCCEEDED
    assert status.result_urls == (VIDEO,)
    assert status.error_code == "" and status.error_message == ""


def test_flag_0_without_an_error_is_still_running():
    status = status_of(record(successFlag=0, response=None, completeTime=None))
    assert status.state is UpstreamState.RUNNING
    assert status.result_urls == ()


def test_flag_0_with_an_error_code_is_a_failure():
    message = "Your prompt was caught by our AI moderator. Please adjust it and try again!"
    status = status_of(record(successFlag=0, response=None, errorCode=400, errorMessage=message))
    assert status.state is UpstreamState.FAILED
    assert (status.error_code, status.error_message) == ("400", message)


def test_flag_0_with_only_a_message_is_a_failure_too():
    status = status_of(record(successFlag=0, response=None, errorCode=None, errorMessage="boom"))
    assert status.state is UpstreamState.FAILED


def test_flag_1_without_a_video_yet_is_not_a_success():
    status = status_of(record(response={"taskId": "x"}))
    assert status.state is UpstreamState.RUNNING


def test_create_posts_the_documented_body_and_leaves_out_empty_fields():
    handler, seen = recording({"code": 200, "msg": "success", "data": {"taskId": "ee60"}})
    fields = {"prompt": "in brand blue", "videoUrl": "https://x/in.mp4", "aspectRatio": None}
    task_id = make_client(handler).aleph.create(None, fields, "https://us/cb")
    assert task_id == "ee60"
    assert seen[0].url.path == "/api/v1/aleph/generate"
    assert json.loads(seen[0].content) == {
        "prompt": "in brand blue",
        "videoUrl": "https://x/in.mp4",
        "callBackUrl": "https://us/cb",
    }


def test_the_sandbox_restyles_an_uploaded_video_into_a_real_mp4():
    client, app = sandbox_client(duration_seconds=0)
    source = make_mp4("source clip", 320, 240, 2)
    url = client.files.upload(io.BytesIO(source), "in.mp4", "video/mp4", "tests")
    task_id = client.aleph.create(None, {"prompt": "autumn colours", "videoUrl": url})
    status = client.aleph.get_status(task_id)
    assert status.state is UpstreamState.SUCCEEDED
    video = client._http.get(status.result_urls[0]).content
    with av.open(io.BytesIO(video)) as box:
        stream = box.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (1280, 720)
        assert float(stream.duration * stream.time_base) >= 1.5  # the source, restyled
    assert app.state.tasks[task_id].price == 110
    assert status.raw["response"]["resultImageUrl"].endswith(".jpg")


def test_the_sandbox_reports_a_failure_with_flag_0_and_an_error():
    client, _ = sandbox_client(duration_seconds=0)
    task_id = client.aleph.create(
        None, {"prompt": "x [sandbox:policy]", "videoUrl": "https://example.com/in.mp4"}
    )
    status = client.aleph.get_status(task_id)
    assert status.raw["successFlag"] == 0
    assert status.state is UpstreamState.FAILED and status.error_code == "400"


def test_the_sandbox_answers_the_docs_record_detail_path_too():
    client, _ = sandbox_client(duration_seconds=0)
    task_id = client.aleph.create(None, {"prompt": "x", "videoUrl": "https://e.com/a.mp4"})
    data = client.request("GET", "/api/v1/aleph/record-detail", params={"taskId": task_id})
    assert data["taskId"] == task_id and data["successFlag"] == 1
