"""The sandbox's Runway: generate, extend and record-detail with Runway's own words,
UUID task ids, prices by duration and quality, and silent H.264 MP4s."""

import io
import uuid
from decimal import Decimal

import av
import pytest

from generator.kie import UpstreamState
from generator.kie.errors import InputError
from generator.sandbox import runway as sandbox_runway
from tests.helpers import FakeClock
from tests.kie.helpers import sandbox_client


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
        return (
            video.width,
            video.height,
            frames / float(video.average_rate),
            bool(container.streams.audio),
        )


def test_generate_walks_runway_states_and_makes_a_silent_video(kie):
    client, app = kie
    fields = {"prompt": "a boat", "duration": 5, "quality": "720p", "aspectRatio": "1:1"}
    task_id = client.runway.create(None, fields)
    uuid.UUID(task_id)  # Runway's ids are UUIDs
    assert client.runway.get_status(task_id).raw["state"] == "wait"
    client.clock.advance(0.3)
    assert client.runway.get_status(task_id).raw["state"] == "queueing"
    client.clock.advance(0.5)
    assert client.runway.get_status(task_id).raw["state"] == "generating"
    client.clock.advance(2)
    status = client.runway.get_status(task_id)
    assert status.state is UpstreamState.SUCCEEDED
    assert probe(app, status.result_urls[0]) == (720, 720, 5.0, False)
    assert app.balance == Decimal("988")


@pytest.mark.parametrize(("duration", "quality", "price"), [(10, "720p", "30"), (5, "1080p", "30")])
def test_prices_by_duration_and_quality(kie, duration, quality, price):
    client, app = kie
    fields = {"prompt": "x", "duration": duration, "quality": quality, "aspectRatio": "16:9"}
    client.runway.create(None, fields)
    assert app.balance == Decimal("1000") - Decimal(price)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"duration": 10, "quality": "1080p", "aspectRatio": "16:9"}, "1080p"),
        ({"duration": 7, "quality": "720p", "aspectRatio": "16:9"}, "duration"),
        ({"duration": 5, "aspectRatio": "16:9"}, "quality"),
        ({"duration": 5, "quality": "720p"}, "aspectRatio"),
    ],
)
def test_invalid_requests_are_refused(kie, fields, problem):
    client, app = kie
    with pytest.raises(InputError) as refused:
        client.runway.create(None, {"prompt": "x", **fields})
    assert problem in refused.value.message and app.balance == Decimal("1000")


def test_extend_makes_the_whole_longer_video_and_names_its_parent(kie):
    client, app = kie
    fields = {"prompt": "a boat", "duration": 5, "quality": "720p", "aspectRatio": "16:9"}
    source = client.runway.create(None, fields)
    client.clock.advance(3)
    extended = client.runway.create(
        "extend", {"taskId": source, "prompt": "further", "quality": "720p"}
    )
    client.clock.advance(3)
    status = client.runway.get_status(extended)
    assert status.raw["parentTaskId"] == source
    assert probe(app, status.result_urls[0]) == (1280, 720, 10.0, False)


def test_failures_say_fail_with_a_fail_code_and_are_refunded(kie):
    client, app = kie
    fields = {
        "prompt": "x [sandbox:policy]",
        "duration": 5,
        "quality": "720p",
        "aspectRatio": "16:9",
    }
    task_id = client.runway.create(None, fields)
    client.clock.advance(3)
    status = client.runway.get_status(task_id)
    assert status.raw["state"] == "fail" and status.state is UpstreamState.FAILED
    assert status.error_code == "400" and app.balance == Decimal("1000")
    with app.state.lock:
        body = sandbox_runway.callback_body(app, app.state.tasks[task_id])
    assert body["data"] == {"task_id": task_id, "video_id": "", "video_url": "", "image_url": ""}


def test_an_extension_keeps_the_aspect_ratio_at_the_quality_it_asks_for(kie):
    client, app = kie
    fields = {"prompt": "a boat", "duration": 5, "quality": "720p", "aspectRatio": "9:16"}
    source = client.runway.create(None, fields)
    client.clock.advance(3)
    extended = client.runway.create(
        "extend", {"taskId": source, "prompt": "further", "quality": "1080p"}
    )
    client.clock.advance(3)
    status = client.runway.get_status(extended)
    assert probe(app, status.result_urls[0]) == (1080, 1920, 10.0, False)
