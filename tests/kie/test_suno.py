"""The Suno adapter on kie's documented answers: every status and stage, the
snake/camel drift, each endpoint's own flag vocabulary, and the synchronous calls."""

import json

import httpx
import pytest

from generator.kie import UpstreamState
from generator.kie import suno as adapter
from generator.kie.errors import AlreadyExistsError, InputError
from tests.kie.helpers import make_client, recording

TRACK = {
    "id": "8551a662c",
    "audioUrl": "https://tempfile.aiquickdraw.com/a.mp3",
    "streamAudioUrl": "https://mfile.erweima.ai/stream-a",
    "imageUrl": "https://tempfile.aiquickdraw.com/a.jpeg",
    "prompt": "[Verse] hello",
    "modelName": "chirp-v3-5",
    "title": "Hello",
    "tags": "electrifying, rock",
    "createTime": "2025-01-01 00:00:00",
    "duration": 198.44,
}


def record(status, tracks=(), **extra):
    return {
        "taskId": "5c79be8e",
        "parentMusicId": "",
        "param": '{"prompt":"x","customMode":true}',
        "response": {"taskId": "5c79be8e", "sunoData": list(tracks)},
        "status": status,
        "type": "GENERATE",
        "errorCode": None,
        "errorMessage": None,
        **extra,
    }


@pytest.mark.parametrize(
    ("status", "state", "stage"),
    [
        ("PENDING", UpstreamState.PENDING, "pending"),
        ("TEXT_SUCCESS", UpstreamState.RUNNING, "text"),
        ("FIRST_SUCCESS", UpstreamState.RUNNING, "first"),
        ("SUCCESS", UpstreamState.SUCCEEDED, "complete"),
        ("CREATE_TASK_FAILED", UpstreamState.FAILED, ""),
        ("GENERATE_AUDIO_FAILED", UpstreamState.FAILED, ""),
        ("SENSITIVE_WORD_ERROR", UpstreamState.FAILED, ""),
        ("CALLBACK_EXCEPTION", UpstreamState.FAILED, ""),
        ("SOMETHING_NEW", UpstreamState.RUNNING, ""),
    ],
)
def test_every_documented_status_and_stage(status, state, stage):
    parsed = adapter.parse_music("t", record(status, [TRACK] if state.value == "succeeded" else []))
    assert (parsed.state, parsed.stage) == (state, stage)


def test_success_gives_every_track_audio_url_and_its_words():
    second = {**TRACK, "id": "b", "audioUrl": "https://tempfile.aiquickdraw.com/b.mp3"}
    parsed = adapter.parse_music("t", record("SUCCESS", [TRACK, second]))
    assert parsed.result_urls == (TRACK["audioUrl"], second["audioUrl"])
    first = adapter.tracks(parsed.raw)[0]
    assert (first.audio_id, first.title, first.tags, first.lyrics, first.duration) == (
        "8551a662c",
        "Hello",
        "electrifying, rock",
        "[Verse] hello",
        198.44,
    )


def test_first_success_has_a_stream_url_but_no_result_yet():
    early = {**TRACK, "audioUrl": ""}
    parsed = adapter.parse_music("t", record("FIRST_SUCCESS", [early]))
    assert parsed.result_urls == () and parsed.progress == 0.7
    assert adapter.tracks(parsed.raw)[0].stream_url == TRACK["streamAudioUrl"]


def test_a_callback_exception_with_tracks_is_a_success():
    parsed = adapter.parse_music("t", record("CALLBACK_EXCEPTION", [TRACK]))
    assert parsed.state is UpstreamState.SUCCEEDED


def test_failure_carries_kie_code_and_policy_words():
    failed = adapter.parse_music("t", record("SENSITIVE_WORD_ERROR", errorCode=400))
    assert failed.error_code == "400" and "sensitive" in failed.error_message
    other = adapter.parse_music(
        "t", record("GENERATE_AUDIO_FAILED", errorCode=501, errorMessage="boom")
    )
    assert (other.error_code, other.error_message) == ("501", "boom")


def test_callback_tracks_are_read_in_snake_case():
    callback = {
        "callbackType": "complete",
        "task_id": "2fac",
        "data": [
            {
                "id": "e231",
                "audio_url": "https://x.kie.ai/a.mp3",
                "stream_audio_url": "https://x.kie.ai/s",
                "image_url": "https://x.kie.ai/i.jpeg",
                "prompt": "la",
                "model_name": "chirp-v3-5",
                "title": "T",
                "tags": "pop",
                "duration": "12.5",
            }
        ],
    }
    track = adapter.tracks(callback)[0]
    assert (track.audio_id, track.audio_url, track.stream_url, track.duration) == (
        "e231",
        "https://x.kie.ai/a.mp3",
        "https://x.kie.ai/s",
        12.5,
    )


def test_hostile_track_fields_are_dropped():
    hostile = {"id": 5, "audioUrl": "javascript:alert(1)", "duration": "NaN", "title": ["x"]}
    track = adapter.tracks(record("SUCCESS", [hostile, "junk"]))[0]
    assert (track.audio_id, track.audio_url, track.duration, track.title) == ("", "", None, "")


def test_wav_mp4_and_stems_speak_a_string_success_flag():
    wav = adapter.parse_wav(
        "t", {"successFlag": "SUCCESS", "response": {"audioWavUrl": "https://a.kie.ai/w.wav"}}
    )
    assert wav.state is UpstreamState.SUCCEEDED and wav.result_urls == ("https://a.kie.ai/w.wav",)
    assert (
        adapter.parse_wav("t", {"successFlag": "GENERATE_WAV_FAILED"}).state is UpstreamState.FAILED
    )
    assert adapter.parse_mp4("t", {"successFlag": "PENDING"}).state is UpstreamState.PENDING
    stems = adapter.parse_stems(
        "t",
        {
            "successFlag": "SUCCESS",
            "response": {
                "originUrl": "https://a.kie.ai/o.mp3",
                "vocalUrl": "https://a.kie.ai/v.mp3",
                "instrumentalUrl": None,
                "drumsUrl": "https://a.kie.ai/d.mp3",
            },
        },
    )
    assert stems.result_urls == ("https://a.kie.ai/v.mp3", "https://a.kie.ai/d.mp3")
    assert adapter.stem_urls(stems.raw) == [
        ("vocals", "https://a.kie.ai/v.mp3"),
        ("drums", "https://a.kie.ai/d.mp3"),
    ]


def test_cover_flag_two_means_generating_not_failed():
    assert adapter.parse_cover("t", {"successFlag": 2}).state is UpstreamState.RUNNING
    assert adapter.parse_cover("t", {"successFlag": 3}).state is UpstreamState.FAILED
    done = adapter.parse_cover(
        "t", {"successFlag": 1, "response": {"images": ["https://a.kie.ai/1.png"]}}
    )
    assert done.result_urls == ("https://a.kie.ai/1.png",)


def test_midi_flag_and_notes_given_as_strings_or_numbers():
    data = {
        "successFlag": 1,
        "midiData": {
            "state": "complete",
            "instruments": [
                {
                    "name": "Drums",
                    "notes": [
                        {"pitch": 36, "start": "0.5", "end": 0.75, "velocity": 0.9},
                        {"pitch": 300, "start": 0, "end": 1, "velocity": 1},
                    ],
                },
            ],
        },
    }
    parsed = adapter.parse_midi("t", data)
    assert parsed.state is UpstreamState.SUCCEEDED and parsed.result_urls == (
        adapter.INLINE_RESULT,
    )
    notes = adapter.midi_instruments(parsed.raw)[0]["notes"]
    assert notes == [{"pitch": 36, "start": 0.5, "end": 0.75, "velocity": 114}]
    assert adapter.parse_midi("t", {"successFlag": 2}).state is UpstreamState.FAILED
    assert adapter.parse_midi("t", {"successFlag": 0}).state is UpstreamState.PENDING


def test_lyrics_record_with_pending_then_texts():
    assert adapter.parse_lyrics("t", {"status": "PENDING"}).state is UpstreamState.PENDING
    done = adapter.parse_lyrics(
        "t",
        {
            "status": "SUCCESS",
            "response": {
                "data": [
                    {"text": "[Verse] hi", "title": "Hi", "status": "complete", "errorMessage": ""},
                    {"text": "bad", "title": "x", "status": "failed"},
                ]
            },
        },
    )
    assert done.state is UpstreamState.SUCCEEDED
    assert adapter.lyrics_texts(done.raw) == [{"text": "[Verse] hi", "title": "Hi"}]


def test_create_sends_only_what_each_endpoint_takes_with_a_callback():
    handler, seen = recording({"code": 200, "msg": "success", "data": {"taskId": "abc"}})
    client = make_client(handler)
    source = {"taskId": "music-1", "audioId": "track-1", "audioUrl": "https://a.kie.ai/t.mp3"}
    client.family("suno", "extend").create("extend", {**source, "version": "V5", "vocalGender": ""})
    client.family("suno", "wav").create("wav", dict(source))
    client.family("suno", "add-vocals").create("add-vocals", {**source, "prompt": "la"})
    bodies = [(r.url.path, json.loads(r.content)) for r in seen]
    assert bodies[0] == (
        "/api/v1/generate/extend",
        {"audioId": "track-1", "model": "V5", "callBackUrl": adapter.DUMMY_CALLBACK},
    )
    assert bodies[1][0] == "/api/v1/wav/generate"
    assert {k: bodies[1][1][k] for k in ("taskId", "audioId")} == {
        "taskId": "music-1",
        "audioId": "track-1",
    }
    assert bodies[2][1]["uploadUrl"] == "https://a.kie.ai/t.mp3" and "audioId" not in bodies[2][1]


def test_polling_reads_each_endpoints_own_details_page():
    handler, seen = recording({"code": 200, "msg": "success", "data": {"successFlag": 0}})
    client = make_client(handler)
    client.family("suno", "midi").get_status("m1")
    client.family("suno", "vocal-removal").get_status("v1")
    assert [r.url.path for r in seen] == [
        "/api/v1/midi/record-info",
        "/api/v1/vocal-removal/record-info",
    ]


def test_a_second_wav_answers_409_already_exists():
    handler, _ = recording({"code": 409, "msg": "WAV record already exists", "data": None}, 409)
    with pytest.raises(AlreadyExistsError) as caught:
        make_client(handler).family("suno", "wav").create("wav", {"taskId": "a", "audioId": "b"})
    assert isinstance(caught.value, InputError) and caught.value.code == 409


def test_synchronous_endpoints_answer_at_once():
    def handler(request):
        path = request.url.path
        if path.endswith("get-timestamped-lyrics"):
            data = {
                "alignedWords": [
                    {"word": "Hel", "success": True, "startS": 1.2, "endS": "1.5", "palign": 0},
                    {"word": "bad", "startS": 5, "endS": 2},
                ],
                "waveformData": [0.1],
                "hootCer": 0.2,
                "isStreamed": False,
            }
        elif path == "/api/v1/style/generate":
            data = {
                "taskId": "s",
                "result": "pop, bright synths",
                "successFlag": "1",
                "creditsConsumed": 0.4,
                "creditsRemaining": 99,
            }
        else:
            data = {"personaId": "p-1", "name": "Ann", "description": "warm"}
        return httpx.Response(200, json={"code": 200, "msg": "success", "data": data})

    client = make_client(handler)
    assert client.suno.timestamped_lyrics("t", "a") == [{"word": "Hel", "start": 1.2, "end": 1.5}]
    assert client.suno.boost_style("pop") == "pop, bright synths"
    assert client.suno.generate_persona("t", "a", "Ann", "warm")["personaId"] == "p-1"
