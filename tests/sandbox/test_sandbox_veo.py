"""The sandbox's Veo 3.1: kie's paths, bodies, codes and prices, and real MP4s of the
asked size and duration (read back with PyAV)."""

import io
from decimal import Decimal

import av
import httpx
import pytest

from generator.kie import UpstreamState
from generator.kie.errors import InputError
from generator.sandbox import veo as sandbox_veo
from tests.helpers import FakeClock
from tests.kie.helpers import sandbox_client

GENERATE = "veo3_fast|TEXT_2_VIDEO"


@pytest.fixture
def kie():
    clock = FakeClock()
    client, app = sandbox_client(clock=clock, duration_seconds=1)
    client.clock = clock
    return client, app


def probe(app, url: str) -> tuple[int, int, float, bool]:
    data = app.state.read_own(url.rsplit("/", 1)[1]).data
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        seconds = frames / float(video.average_rate)
        return video.width, video.height, seconds, bool(container.streams.audio)


def finished(client, task_id: str, seconds: float = 10):
    client.clock.advance(seconds)
    status = client.veo.get_status(task_id)
    assert status.state is UpstreamState.SUCCEEDED
    return status


def test_generate_makes_an_mp4_with_sound_of_the_asked_ratio_and_duration(kie):
    client, app = kie
    task_id = client.veo.create(
        GENERATE, {"prompt": "a red car", "aspectRatio": "9:16", "duration": 4}
    )
    assert client.veo.get_status(task_id).state is UpstreamState.RUNNING
    status = finished(client, task_id)
    assert probe(app, status.result_urls[0]) == (720, 1280, 4.0, True)
    assert app.balance == Decimal("940")  # Veo 3.1 Fast 720p: 60 credits


def test_both_aspect_ratio_spellings_are_accepted(kie):
    client, app = kie
    body = {"prompt": "x", "aspect_ratio": "9:16", "duration": 4, "model": "veo3_lite"}
    response = client.request("POST", "/api/v1/veo/generate", json=body)
    assert app.task(response["taskId"])["body"]["aspect_ratio"] == "9:16"
    assert app.balance == Decimal("970")  # Lite: 30


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            {
                "model": "veo3",
                "generationType": "REFERENCE_2_VIDEO",
                "imageUrls": ["https://a/b.png"],
            },
            "veo3_fast",
        ),
        (
            {
                "generationType": "REFERENCE_2_VIDEO",
                "imageUrls": ["https://a/b.png"],
                "duration": 6,
            },
            "8 seconds",
        ),
        (
            {
                "generationType": "REFERENCE_2_VIDEO",
                "imageUrls": ["https://a/b.png"],
                "aspectRatio": "Auto",
            },
            "16:9",
        ),
        ({"generationType": "FIRST_AND_LAST_FRAMES_2_VIDEO", "imageUrls": []}, "1 or 2"),
        ({"duration": 5}, "duration"),
        ({"resolution": "2k"}, "resolution"),
        ({"seeds": 99}, "seeds"),
    ],
)
def test_the_contract_constraints_are_refused_with_422(kie, body, problem):
    client, app = kie
    with pytest.raises(InputError) as refused:
        client.request("POST", "/api/v1/veo/generate", json={"prompt": "x", **body})
    assert refused.value.code == 422 and problem in refused.value.message
    assert app.balance == Decimal("1000")


def test_direct_1080p_costs_the_720p_price_plus_the_upgrade(kie):
    client, app = kie
    client.veo.create(GENERATE, {"prompt": "x", "resolution": "1080p", "duration": 4})
    assert app.balance == Decimal("935")


def test_extend_is_a_new_task_whose_full_result_is_the_longer_video(kie):
    client, app = kie
    source = client.veo.create(GENERATE, {"prompt": "a red car", "duration": 4})
    finished(client, source)
    extend_id = client.veo.create("extend|fast", {"taskId": source, "prompt": "it flies away"})
    assert extend_id != source
    status = finished(client, extend_id)
    record = status.raw["response"]
    new_clip, whole = record["resultUrls"][0], record["fullResultUrls"][0]
    assert status.result_urls == (whole,)  # the adapter takes the whole video
    assert probe(app, new_clip)[2] == sandbox_veo._EXTEND_SECONDS
    assert probe(app, whole) == (1280, 720, 4.0 + sandbox_veo._EXTEND_SECONDS, True)
    assert app.balance == Decimal("880")  # 60 + 60


def test_extend_of_an_unknown_or_unfinished_task_is_refused(kie):
    client, app = kie
    with pytest.raises(InputError):
        client.veo.create("extend|fast", {"taskId": "nope", "prompt": "x"})
    source = client.veo.create(GENERATE, {"prompt": "x", "duration": 4})
    with pytest.raises(InputError):
        client.veo.create("extend|fast", {"taskId": source, "prompt": "x"})


def test_1080p_is_processing_then_the_same_video_1080_high_and_charged_once(kie):
    client, app = kie
    source = client.veo.create(GENERATE, {"prompt": "a red car", "duration": 4})
    finished(client, source)
    upgrade = client.veo.create("1080p", {"taskId": source, "index": 0})
    assert client.veo.get_status(upgrade).state is UpstreamState.RUNNING
    client.clock.advance(5)
    status = client.veo.get_status(upgrade)
    assert status.state is UpstreamState.SUCCEEDED
    assert probe(app, status.result_urls[0]) == (1920, 1080, 4.0, True)
    assert client.veo.get_status(upgrade).result_urls == status.result_urls
    assert app.balance == Decimal("935")  # 60 + 5, whatever the number of asks
    with pytest.raises(InputError) as refused:  # kie: no extend after 1080p
        client.veo.create("extend|fast", {"taskId": source, "prompt": "x"})
    assert "1080P" in refused.value.message


def test_4k_accepted_processing_then_422_with_a_real_4k_result(kie):
    client, app = kie
    source = client.veo.create(GENERATE, {"prompt": "a red car", "duration": 4})
    finished(client, source)
    first = client.request("POST", "/api/v1/veo/get-4k-video", json={"taskId": source, "index": 0})
    assert first == {"taskId": source, "resultUrls": None, "imageUrls": None}
    with pytest.raises(InputError) as processing:
        client.request("POST", "/api/v1/veo/get-4k-video", json={"taskId": source})
    assert processing.value.code == 422 and processing.value.data["resultUrls"] is None
    client.clock.advance(5)
    with pytest.raises(InputError) as done:
        client.request("POST", "/api/v1/veo/get-4k-video", json={"taskId": source})
    assert done.value.code == 422
    url = done.value.data["resultUrls"][0]
    assert probe(app, url) == (3840, 2160, 4.0, True)
    assert app.balance == Decimal("820")  # 60 + 120, once


def test_record_info_of_a_failed_generation_says_flag_3_and_refunds(kie):
    client, app = kie
    task_id = client.veo.create(GENERATE, {"prompt": "x [sandbox:fail]", "duration": 4})
    client.clock.advance(10)
    status = client.veo.get_status(task_id)
    assert status.state is UpstreamState.FAILED and status.raw["successFlag"] == 3
    assert status.error_code == "501"
    assert app.balance == Decimal("1000")


def test_callback_bodies_follow_the_documented_shape(kie):
    client, app = kie
    ok = client.veo.create(GENERATE, {"prompt": "x", "duration": 4})
    bad = client.veo.create(GENERATE, {"prompt": "x [sandbox:policy]", "duration": 4})
    client.clock.advance(10)
    with app.state.lock:
        success = sandbox_veo.callback_body(app, app.state.tasks[ok])
        failure = sandbox_veo.callback_body(app, app.state.tasks[bad])
    assert success["code"] == 200 and success["data"]["taskId"] == ok
    assert success["data"]["info"]["resultUrls"] == [app.task(ok)["result_urls"][0]]
    assert failure["code"] == 400 and "info" not in failure["data"]


def test_faults_apply_to_veo_endpoints(kie):
    client, app = kie
    app.config.faults = {"maintenance": 1.0}
    with pytest.raises(Exception) as refused:
        client.veo.create(GENERATE, {"prompt": "x", "duration": 4})
    assert getattr(refused.value, "code", None) == 455


def test_record_info_speaks_the_documented_envelope_over_http(kie):
    _client, app = kie
    transport = httpx.WSGITransport(app=app)
    with httpx.Client(transport=transport, base_url="http://127.0.0.1:8001") as http:
        answer = http.get(
            "/api/v1/veo/record-info",
            params={"taskId": "missing"},
            headers={"Authorization": "Bearer test-key", "User-Agent": "t"},
        )
    assert answer.json()["code"] == 404


def test_a_4k_upgrade_calls_back_naming_its_source_when_ready(kie):
    client, app = kie
    app.config.callbacks = True
    source = client.veo.create(GENERATE, {"prompt": "a red car", "duration": 4})
    finished(client, source)
    client.request(
        "POST",
        "/api/v1/veo/get-4k-video",
        json={"taskId": source, "index": 0, "callBackUrl": "http://127.0.0.1:9/cb"},
    )
    sent = []
    assert app.deliver_due_callbacks(lambda url, body: sent.append(body) or 200) == 0
    client.clock.advance(5)
    assert app.deliver_due_callbacks(lambda url, body: sent.append(body) or 200) == 1
    body = sent[0]
    assert body["code"] == 200 and body["data"]["taskId"] == source
    assert body["data"]["info"]["resultUrls"][0].endswith(".mp4")
    shown = client.request("GET", "/api/v1/veo/record-info", params={"taskId": f"{source}-4k-0"})
    assert shown["successFlag"] == 1 and shown["response"]["mediaIds"]
