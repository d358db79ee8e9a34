"""Kling through the Market adapter: the create body as kie documents it (duration a
string, sound a boolean, image_urls a list), and a finished video's record."""

import json

from generator import catalog, jobs
from generator.kie import UpstreamState
from tests.kie.helpers import make_client, recording


def test_a_kling_create_nests_the_catalogs_fields_under_input():
    _, params = catalog.validate(
        catalog.get("kling-2.6"),
        "image-to-video",
        {"prompt": "waves", "sound": "on", "image_urls": ["in.png"]},
    )
    params.pop("image_urls")  # the file's name; its kie URL comes from the upload
    operation = catalog.get("kling-2.6").operation("image-to-video")
    fields = {**params, **jobs.file_fields(operation, {"image_urls": ["https://k/in.png"]})}
    handler, seen = recording({"code": 200, "msg": "success", "data": {"taskId": "t1"}})
    make_client(handler).market.create(operation.api_model, fields)
    assert json.loads(seen[0].content) == {
        "model": "kling-2.6/image-to-video",
        "input": {
            "prompt": "waves",
            "duration": "5",
            "sound": True,
            "image_urls": ["https://k/in.png"],
        },
    }


def test_a_single_url_parameter_is_sent_as_one_url():
    operation = catalog.get("kling-2.1-pro").operation()
    fields = jobs.file_fields(
        operation, {"image_url": ["https://k/a.png"], "tail_image_url": ["https://k/b.png"]}
    )
    assert fields == {"image_url": "https://k/a.png", "tail_image_url": "https://k/b.png"}
    assert jobs.file_fields(operation, {"image_url": ["https://k/a.png"]}) == {
        "image_url": "https://k/a.png"
    }


def test_a_finished_kling_record_gives_its_video_and_cost():
    data = {
        "taskId": "e931",
        "model": "kling-3.0/video",
        "state": "success",
        "successFlag": 1,
        "costTime": 130,
        "creditsConsumed": 90.0,
        "createTime": 1788941299171,
        "completeTime": 1788941429171,
        "failCode": None,
        "failMsg": None,
        "resultJson": '{"resultUrls":["https://tempfile.aiquickdraw.com/v/kling.mp4"]}',
    }
    handler, _ = recording({"code": 200, "msg": "success", "data": data})
    status = make_client(handler).market.get_status("e931")
    assert status.state is UpstreamState.SUCCEEDED
    assert status.result_urls == ("https://tempfile.aiquickdraw.com/v/kling.mp4",)
    assert status.credits_consumed == 90


def test_status_of_unpacks_as_availability_and_reason(db):
    from generator import availability

    state, reason = availability.status_of(catalog.get("sora-2-pro"))
    assert state == "unavailable" and reason.startswith("Retired since 2026-09-24")
