"""The sandbox's Suno: kie's shapes and stage order, real media (MP3 of the requested
length, stems, WAV, MIDI notes, MP4 with sound), the conflicts kie documents."""

import io
import wave

import av
import httpx
import pytest

from generator.sandbox import SandboxApp, SandboxConfig

URL = "http://127.0.0.1:8001"


class Clock:
    now = 1_750_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def env():
    clock = Clock()
    app = SandboxApp(SandboxConfig(api_key="k", clock=clock, duration_seconds=10))
    http = httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url=URL,
        headers={"Authorization": "Bearer k", "User-Agent": "test"},
    )
    return app, http, clock


def post(http, path, **body):
    body.setdefault("callBackUrl", "https://example.com/cb")
    return http.post(path, json=body).json()


def get(http, path, task_id):
    return http.get(path, params={"taskId": task_id}).json()["data"]


def song(http, **fields):
    fields.setdefault("prompt", "a jingle")
    fields.setdefault("customMode", False)
    fields.setdefault("instrumental", False)
    fields.setdefault("model", "V5")
    return post(http, "/api/v1/generate", **fields)["data"]["taskId"]


def duration_of(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        return sum(f.samples for f in container.decode(stream)) / stream.codec_context.sample_rate


def test_stages_come_in_order_and_the_stream_precedes_the_file(env):
    app, http, clock = env
    task_id = song(http)
    seen = []
    for _step in range(11):
        clock.now += 1
        data = get(http, "/api/v1/generate/record-info", task_id)
        if not seen or seen[-1][0] != data["status"]:
            seen.append((data["status"], data["response"]["sunoData"]))
    assert [s for s, _ in seen] == ["PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"]
    first = seen[2][1]
    assert (
        first[0]["streamAudioUrl"] and not first[0]["audioUrl"] and not first[1]["streamAudioUrl"]
    )
    final = seen[3][1]
    assert len(final) == 2 and all(item["audioUrl"] for item in final)


def test_two_real_mp3_tracks_of_the_requested_length_that_differ(env):
    app, http, clock = env
    task_id = song(
        http, customMode=True, model="V5_5", style="pop", title="T", prompt="la la", duration=12
    )
    clock.now += 11
    items = get(http, "/api/v1/generate/record-info", task_id)["response"]["sunoData"]
    files = [http.get(item["audioUrl"]).content for item in items]
    assert [round(duration_of(f)) for f in files] == [12, 12]
    assert files[0] != files[1]
    assert http.get(items[0]["imageUrl"]).headers["content-type"] == "image/jpeg"


def test_sounds_skip_straight_to_success(env):
    app, http, clock = env
    task_id = post(http, "/api/v1/generate/sounds", prompt="whoosh", model="V5", soundTempo=120)[
        "data"
    ]["taskId"]
    statuses = set()
    for _ in range(11):
        clock.now += 1
        statuses.add(get(http, "/api/v1/generate/record-info", task_id)["status"])
    assert statuses == {"PENDING", "SUCCESS"}


def test_version_limits_and_required_fields_are_enforced(env):
    app, http, clock = env
    too_long = post(
        http,
        "/api/v1/generate",
        prompt="x",
        customMode=True,
        instrumental=False,
        model="V4",
        style="s" * 201,
        title="t",
    )
    assert too_long["code"] == 422
    no_callback = http.post(
        "/api/v1/generate",
        json={"prompt": "x", "customMode": False, "instrumental": False, "model": "V5"},
    ).json()
    assert no_callback["code"] == 422


def finished_track(env):
    app, http, clock = env
    task_id = song(http)
    clock.now += 11
    item = get(http, "/api/v1/generate/record-info", task_id)["response"]["sunoData"][0]
    return task_id, item


def test_stems_are_real_mp3s_and_midi_notes_follow(env):
    app, http, clock = env
    task_id, item = finished_track(env)
    sep = post(
        http,
        "/api/v1/vocal-removal/generate",
        taskId=task_id,
        audioId=item["id"],
        type="split_stem",
    )
    clock.now += 11
    data = get(http, "/api/v1/vocal-removal/record-info", sep["data"]["taskId"])
    response = data["response"]
    assert data["successFlag"] == "SUCCESS" and response["instrumentalUrl"] is None
    for key in ("vocalUrl", "drumsUrl", "bassUrl", "pianoUrl"):
        assert duration_of(http.get(response[key]).content) == pytest.approx(20, abs=0.1)
    assert "audio_url" in response["originData"][0]  # snake inside camel
    midi = post(http, "/api/v1/midi/generate", taskId=sep["data"]["taskId"])
    clock.now += 11
    record = get(http, "/api/v1/midi/record-info", midi["data"]["taskId"])
    assert record["successFlag"] == 1
    names = [i["name"] for i in record["midiData"]["instruments"]]
    assert names == ["Vocals", "Piano", "Bass", "Drums"]
    notes = record["midiData"]["instruments"][0]["notes"]
    assert {type(n["start"]) for n in notes} == {str, float}


def test_wav_once_then_409_and_cover_once_then_400_with_its_task(env):
    app, http, clock = env
    task_id, item = finished_track(env)
    first = post(http, "/api/v1/wav/generate", taskId=task_id, audioId=item["id"])
    assert first["code"] == 200
    assert post(http, "/api/v1/wav/generate", taskId=task_id, audioId=item["id"])["code"] == 409
    clock.now += 11
    url = get(http, "/api/v1/wav/record-info", first["data"]["taskId"])["response"]["audioWavUrl"]
    with wave.open(io.BytesIO(http.get(url).content)) as reader:
        assert reader.getnframes() / reader.getframerate() == pytest.approx(20, abs=0.1)
    cover = post(http, "/api/v1/suno/cover/generate", taskId=task_id)
    again = post(http, "/api/v1/suno/cover/generate", taskId=task_id)
    assert again["code"] == 400 and again["data"]["taskId"] == cover["data"]["taskId"]


def test_music_video_has_picture_and_sound(env):
    app, http, clock = env
    task_id, item = finished_track(env)
    made = post(http, "/api/v1/mp4/generate", taskId=task_id, audioId=item["id"], author="A")
    clock.now += 11
    url = get(http, "/api/v1/mp4/record-info", made["data"]["taskId"])["response"]["videoUrl"]
    with av.open(io.BytesIO(http.get(url).content)) as container:
        assert sorted(s.type for s in container.streams) == ["audio", "video"]


def test_replace_section_window_and_sync_endpoints(env):
    app, http, clock = env
    task_id, item = finished_track(env)
    short = post(
        http,
        "/api/v1/generate/replace-section",
        taskId=task_id,
        audioId=item["id"],
        prompt="x",
        tags="pop",
        title="t",
        fullLyrics="x",
        infillStartS=1,
        infillEndS=5,
    )
    assert short["code"] == 422
    before = app.balance
    timed = http.post(
        "/api/v1/generate/get-timestamped-lyrics", json={"taskId": task_id, "audioId": item["id"]}
    ).json()
    assert (
        timed["code"] == 200
        and timed["data"]["alignedWords"][0]["startS"] < timed["data"]["alignedWords"][0]["endS"]
    )
    assert before - app.balance == pytest.approx(0.5)
    persona = http.post(
        "/api/v1/generate/generate-persona",
        json={"taskId": task_id, "audioId": item["id"], "name": "A", "description": "d"},
    ).json()
    assert persona["data"]["personaId"]
    again = http.post(
        "/api/v1/generate/generate-persona",
        json={"taskId": task_id, "audioId": item["id"], "name": "A", "description": "d"},
    ).json()
    assert again["code"] == 409


def test_the_complete_callback_is_snake_case(env):
    app, http, clock = env
    task_id = song(http)
    clock.now += 11
    with app.state.lock:
        body = app._callback_body(app.state.tasks[task_id])
    assert body["data"]["callbackType"] == "complete" and body["data"]["task_id"] == task_id
    assert "audio_url" in body["data"]["data"][0]


def test_callbacks_come_at_text_first_and_complete_each_once():
    clock = Clock()
    app = SandboxApp(SandboxConfig(api_key="k", clock=clock, duration_seconds=10, callbacks=True))
    http = httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url=URL,
        headers={"Authorization": "Bearer k", "User-Agent": "test"},
    )
    task_id = song(http, callBackUrl="http://127.0.0.1:9/kie/callback/")
    bodies = []

    def send(url, body):
        bodies.append(body)
        return 200

    for _ in range(12):
        clock.now += 1
        app.deliver_due_callbacks(send)
    kinds = [b["data"]["callbackType"] for b in bodies]
    assert kinds == ["text", "first", "complete"]
    assert all(b["data"]["task_id"] == task_id for b in bodies)
    assert bodies[0]["data"]["data"] == [] and bodies[1]["data"]["data"][0]["stream_audio_url"]


def test_an_extend_that_inherits_the_source_settings_needs_no_prompt(env):
    app, http, clock = env
    _, item = finished_track(env)
    created = post(
        http,
        "/api/v1/generate/extend",
        audioId=item["id"],
        defaultParamFlag=False,
        continueAt=5,
        model="V5",
    )
    assert created["code"] == 200, created
    clock.now += 11
    data = get(http, "/api/v1/generate/record-info", created["data"]["taskId"])
    assert data["status"] == "SUCCESS"
    assert data["response"]["sunoData"][0]["title"].startswith(item["title"])
