"""`manage.py kie` for music: a Suno song and its follow-ups, the synchronous calls, and
`kie soundtrack` (the same JSON as `kie generate`)."""

import json
from io import StringIO

import av
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from generator.models import Asset, State
from generator.sandbox.video import make_mp4
from tests.factories import make_task


def kie(*args) -> str:
    out = StringIO()
    call_command("kie", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def instant_sandbox(sandbox):
    sandbox.config.duration_seconds = 0
    return sandbox


@pytest.mark.django_db(transaction=True)
def test_a_song_then_its_wav_and_its_timed_lyrics_from_the_command_line(staff):
    made = json.loads(
        kie("generate", "suno", "--prompt", "a jingle", "--set", "version=V4_5", "--wait", "--json")
    )
    assert made["state"] == "SUCCEEDED" and len(made["assets"]) == 2
    first = made["assets"][0]
    assert first["content_type"] == "audio/mpeg" and first["duration"] > 1 and first["title"]
    track = Asset.objects.get(task_id=made["id"], index=0)
    wav = json.loads(kie("generate", "suno-wav", "--from", str(track.pk), "--wait", "--json"))
    assert wav["state"] == "SUCCEEDED" and wav["assets"][0]["content_type"] == "audio/wav"
    words = json.loads(kie("timed-lyrics", str(track.pk), "--json"))
    assert words and {"word", "start", "end"} <= set(words[0])
    assert "catchy" in kie("boost-style", "lofi hip hop")


@pytest.mark.django_db(transaction=True)
def test_kie_soundtrack_makes_a_video_that_plays_with_sound(staff):
    holder = make_task(staff, state=State.SUCCEEDED)
    video = holder.assets.create(
        index=0, kind="video", content_type="video/mp4", bytes=1, sha256="a" * 64, source_url=""
    )
    video.file.save("v.mp4", ContentFile(make_mp4("office", 160, 96, 3)))
    song = json.loads(kie("generate", "suno", "--prompt", "bright jingle", "--wait", "--json"))
    track = Asset.objects.get(task_id=song["id"], index=0)
    out = kie(
        "soundtrack",
        "--video",
        str(video.pk),
        "--audio",
        str(track.pk),
        "--volume",
        "0.9",
        "--wait",
        "--json",
    )
    made = json.loads(out)
    assert made["state"] == "SUCCEEDED" and made["credits_charged"] == 0
    assert made["model"] == "soundtrack" and set(made) == set(song)
    with av.open(made["assets"][0]["path"]) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]
        assert float(container.duration) / 1e6 == pytest.approx(3, abs=0.2)


@pytest.mark.django_db
def test_kie_soundtrack_refuses_a_missing_track(staff):
    with pytest.raises(CommandError, match="pick a track"):
        kie("soundtrack", "--video", "999", "--audio", "998")


@pytest.mark.django_db(transaction=True)
def test_upload_and_cover_sends_the_probed_track_through_kies_upload_api(staff, tmp_path, sandbox):
    from generator.sandbox import audio

    path = tmp_path / "brand.mp3"
    path.write_bytes(audio.encode_mp3(audio.render_mix(audio.plan("brand", 3))))
    made = json.loads(
        kie(
            "generate",
            "suno",
            "--operation",
            "upload-cover",
            "--audio",
            str(path),
            "--prompt",
            "make it jazz",
            "--wait",
            "--json",
        )
    )
    assert made["state"] == "SUCCEEDED" and len(made["assets"]) == 2
    body = sandbox.task(made["upstream_task_id"])["body"]
    assert body["uploadUrl"].startswith("http://127.0.0.1:8001/files/")


@pytest.mark.django_db
def test_an_upload_that_is_not_sound_is_refused_before_anything_is_sent(staff, tmp_path):
    path = tmp_path / "fake.mp3"
    path.write_bytes(b"not sound at all" * 100)
    with pytest.raises(CommandError, match="fake.mp3"):
        kie(
            "generate", "suno", "--operation", "upload-cover", "--audio", str(path), "--prompt", "x"
        )
