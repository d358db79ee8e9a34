"""Kling in the sandbox's Market: real H.264 MP4s at the asked size, length and sound;
retired models (Sora 2) answer as kie does for a model it does not have."""

import io
import json
from decimal import Decimal

import av
import pytest

from generator.kie import InputError
from tests.kie.helpers import sandbox_client


def _made(client, model, **fields):
    task_id = client.market.create(model, {"prompt": "AutoScale phone on a desk", **fields})
    status = client.market.get_status(task_id)
    assert status.state == "succeeded", status
    return task_id, client._http.get(status.result_urls[0]).content


def _probe(video: bytes):
    with av.open(io.BytesIO(video)) as box:
        picture = box.streams.video[0]
        seconds = float(box.duration / av.time_base)
        return (
            picture.codec_context.name,
            picture.codec_context.width,
            picture.codec_context.height,
            seconds,
            len(box.streams.audio),
        )


@pytest.mark.parametrize(
    ("model", "fields", "expected"),
    [
        (
            "kling-2.6/text-to-video",
            {"aspect_ratio": "16:9", "duration": "5", "sound": True},
            ("h264", 1920, 1080, 5, 1),
        ),
        (
            "kling-3.0/video",
            {"aspect_ratio": "9:16", "duration": "3", "mode": "std", "sound": False},
            ("h264", 720, 1280, 3, 0),
        ),
        (
            "kling/v2-1-master-text-to-video",
            {"aspect_ratio": "1:1", "duration": "5"},
            ("h264", 1080, 1080, 5, 0),
        ),
    ],
)
def test_kling_makes_a_decodable_mp4_of_the_asked_size_length_and_sound(model, fields, expected):
    client, _ = sandbox_client(duration_seconds=0)
    _, video = _made(client, model, **fields)
    codec, width, height, seconds, audio_streams = _probe(video)
    assert (codec, width, height, audio_streams) == expected[:3] + (expected[4],)
    assert seconds == pytest.approx(expected[3], abs=0.5)


def test_kling_charges_the_catalog_price_and_reports_it():
    client, app = sandbox_client(duration_seconds=0)
    task_id = client.market.create(
        "kling-3.0/video", {"prompt": "x", "duration": "5", "mode": "pro", "sound": True}
    )
    assert app.state.tasks[task_id].price == Decimal("135")  # 27 credits a second, 5 s
    assert client.market.get_status(task_id).credits_consumed == Decimal("135")


def test_image_to_video_keeps_the_orientation_of_our_own_image():
    client, _ = sandbox_client(duration_seconds=0)
    picture = client.market.create(
        "ideogram/v3-text-to-image", {"prompt": "tall", "image_size": "portrait_16_9"}
    )
    image_url = client.market.get_status(picture).result_urls[0]
    _, video = _made(client, "kling-2.6/image-to-video", image_urls=[image_url], duration="5")
    _, width, height, _, _ = _probe(video)
    assert height > width


@pytest.mark.parametrize(
    ("model", "fields", "word"),
    [
        ("kling-2.6/text-to-video", {"duration": "7"}, "duration"),
        ("kling-2.6/text-to-video", {"sound": "yes"}, "sound"),
        ("kling-3.0/video", {"mode": "8K"}, "mode"),
        ("kling/v2-1-standard", {}, "image_url"),
        ("kling-2.6/image-to-video", {"image_urls": []}, "image_urls"),
    ],
)
def test_kling_refuses_what_kie_documents_as_invalid(model, fields, word):
    client, _ = sandbox_client()
    with pytest.raises(InputError, match=word):
        client.market.create(model, {"prompt": "x", **fields})


@pytest.mark.parametrize(
    "model", ["sora-2-text-to-video", "sora-2-pro-storyboard", "sora-2-pro-image-to-video"]
)
def test_retired_sora_answers_as_an_unknown_model(model):
    client, app = sandbox_client()
    with pytest.raises(InputError, match="does not exist or is not published") as caught:
        client.market.create(model, {"prompt": "x"})
    assert caught.value.code == 422
    assert app.state.tasks == {}


def test_the_model_list_has_kling_and_not_sora():
    client, _ = sandbox_client()
    ids = client.discovery.model_ids()
    assert "kling-3.0/video" in ids and "ideogram/v3-reframe" in ids
    assert not [model for model in ids if model.startswith("sora")]


def test_the_model_list_filters_and_counts():
    client, app = sandbox_client()
    data = client.request("GET", "/api/v1/models", params={"taskType": "Text to Video"})
    assert data["total"] == len(data["models"]) > 0
    assert all(m["taskType"] == ["Text to Video"] for m in data["models"])
    app.state.last_discovery = float("-inf")
    nothing = client.request("GET", "/api/v1/models", params={"q": "no-such-model"})
    assert nothing == {"total": 0, "models": []}
    assert json.dumps(nothing)  # plain JSON


def test_create_answers_record_id_too():
    client, _ = sandbox_client()
    data = client.request(
        "POST",
        "/api/v1/jobs/createTask",
        json={"model": "kling-3.0/video", "input": {"prompt": "x"}},
    )
    assert data["recordId"] == data["taskId"]


def test_a_video_is_drawn_once_however_many_ask_while_it_is_drawn(monkeypatch):
    import threading

    from generator.sandbox import state

    client, app = sandbox_client(duration_seconds=0)
    task_id = client.market.create("kling-3.0/video", {"prompt": "x", "duration": "3"})
    started, release, calls = threading.Event(), threading.Event(), []
    real = state._render

    def slow_render(*args):
        calls.append(args)
        started.set()
        release.wait(5)
        return real(*args)

    monkeypatch.setattr(state, "_render", slow_render)
    task = app.state.tasks[task_id]
    first = threading.Thread(target=app.state.ensure_rendered, args=(task,))
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=app.state.ensure_rendered, args=(task,))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waits for the drawing under way
    release.set()
    first.join(10)
    second.join(10)
    assert len(calls) == 1 and task.rendered and app.state.drawing == {}
