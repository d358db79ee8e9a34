"""Suno through the whole loop on the in-process sandbox: stages, two tracks, follow-ups."""

from decimal import Decimal

import av
import mido
import pytest

from generator import generations, jobs
from generator.models import GenerationTask, State
from tests.helpers import make_polls_due, run_jobs, settle


def song(user, **params):
    params.setdefault("prompt", "an upbeat jingle about answering every call")
    return generations.start_generation(user, "suno", "generate", params)


def poll_at(clock, seconds):
    clock.advance(seconds)
    make_polls_due()
    run_jobs()


@pytest.mark.django_db(transaction=True)
def test_a_song_walks_the_stages_and_becomes_two_tracks_with_their_words(sandbox, clock, staff):
    task = song(
        staff,
        customMode=True,
        style="synth pop",
        title="Every Call",
        prompt="[Verse]\nWe pick up every call\n[Chorus]\nAutoScale",
    )
    run_jobs()  # submit
    seen = []
    for _ in range(12):
        poll_at(clock, 1.0)
        task.refresh_from_db()
        seen.append(task.stage)
        if task.state == State.SUCCEEDED:
            break
    assert [s for i, s in enumerate(seen) if s and (i == 0 or seen[i - 1] != s)][:3] == [
        "pending",
        "text",
        "first",
    ]
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED and task.stage == "complete"
    tracks = list(task.assets.order_by("index"))
    assert len(tracks) == 2
    for track in tracks:
        assert track.content_type == "audio/mpeg" and track.upstream_id
        assert track.title.startswith("Every Call") and track.tags == "synth pop"
        assert "We pick up every call" in track.lyrics
        assert track.duration == pytest.approx(20, abs=0.2)
        assert track.waveform and track.poster and track.thumbnail
        assert track.codec == "mp3"  # the format, not PyAV's decoder name (mp3float)
        with track.file.open("rb") as stored, av.open(stored) as container:
            assert container.streams.audio[0].codec_context.name.startswith("mp3")
    assert tracks[0].sha256 != tracks[1].sha256  # two different tunes
    assert task.credits_charged == Decimal("12")


@pytest.mark.django_db(transaction=True)
def test_the_first_track_streams_while_the_second_is_coming(sandbox, clock, staff):
    from generator import music

    task = song(staff)
    run_jobs()
    poll_at(clock, 6.0)
    task.refresh_from_db()
    assert task.stage == "first" and task.state == State.RUNNING
    early = music.early_tracks(task)
    assert early[0]["stream_url"].startswith("http://") and early[1]["stream_url"] == ""


def finished_song(staff, clock):
    task = song(staff)
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED
    return task.assets.order_by("index").first()


def follow(staff, clock, model, operation, source, **params):
    task = generations.start_generation(staff, model, operation, params, source_asset=source)
    settle(clock)
    task.refresh_from_db()
    return task


@pytest.mark.django_db(transaction=True)
def test_stems_then_midi_from_a_track(sandbox, clock, staff):
    track = finished_song(staff, clock)
    stems = follow(staff, clock, "suno-stems", "separate", track, type="split_stem")
    assert stems.state == State.SUCCEEDED, stems.failure_message
    assert sorted(a.role for a in stems.assets.all()) == [
        "stem:bass",
        "stem:drums",
        "stem:piano",
        "stem:vocals",
    ]
    assert stems.credits_charged == Decimal("50")
    vocals = stems.assets.get(role="stem:vocals")
    midi = follow(staff, clock, "suno-midi", "midi", vocals)
    assert midi.state == State.SUCCEEDED, midi.failure_message
    asset = midi.assets.get()
    assert asset.content_type == "audio/midi" and asset.thumbnail
    with asset.file.open("rb") as stored:
        song_file = mido.MidiFile(file=stored)
    names = [t.name for t in song_file.tracks[1:]]
    assert names == ["Vocals", "Piano", "Bass", "Drums"]
    assert sum(1 for m in song_file.tracks[1] if m.type == "note_on") > 10


@pytest.mark.django_db(transaction=True)
def test_wav_twice_reuses_the_first_conversion(sandbox, clock, staff):
    track = finished_song(staff, clock)
    first = follow(staff, clock, "suno-wav", "wav", track)
    assert first.state == State.SUCCEEDED
    assert first.assets.get().content_type == "audio/wav"
    again = generations.start_generation(staff, "suno-wav", "wav", {}, source_asset=track)
    assert again.pk == first.pk


@pytest.mark.django_db(transaction=True)
def test_extend_a_track_from_a_chosen_second(sandbox, clock, staff):
    track = finished_song(staff, clock)
    task = follow(
        staff,
        clock,
        "suno",
        "extend",
        track,
        continueAt=12,
        defaultParamFlag=True,
        prompt="[Outro] call us",
        style="pop",
        title="More",
    )
    assert task.state == State.SUCCEEDED, task.failure_message
    body = sandbox.task(task.upstream_task_id)["body"]
    assert body["audioId"] == track.upstream_id and body["continueAt"] == 12
    assert "taskId" not in body
    assert task.assets.count() == 2 and task.source_asset == track


@pytest.mark.django_db(transaction=True)
def test_music_video_cover_and_lyrics(sandbox, clock, staff):
    track = finished_song(staff, clock)
    video = follow(staff, clock, "suno-video", "mp4", track, author="AutoScale")
    assert video.state == State.SUCCEEDED, (video.failure_message, video.last_error)
    clip = video.assets.get()
    assert clip.content_type == "video/mp4" and clip.has_audio and clip.thumbnail
    cover = follow(staff, clock, "suno-cover", "cover", track)
    assert cover.state == State.SUCCEEDED and cover.assets.count() == 2
    lyrics = generations.start_generation(staff, "suno-lyrics", "lyrics", {"prompt": "coffee"})
    settle(clock)
    lyrics.refresh_from_db()
    assert lyrics.state == State.SUCCEEDED, lyrics.failure_message
    assert "coffee" in lyrics.assets.get().lyrics


@pytest.mark.django_db(transaction=True)
def test_a_failed_song_is_refunded(sandbox, clock, staff):
    task = song(staff, prompt="a jingle [sandbox:fail]")
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.FAILED and task.charge == "refunded"


@pytest.mark.django_db(transaction=True)
def test_a_follow_up_needs_a_track(sandbox, clock, staff):
    with pytest.raises(generations.catalog.CatalogError) as caught:
        generations.start_generation(staff, "suno-wav", "wav", {})
    assert "source_asset" in caught.value.errors
    assert not GenerationTask.objects.exists()
    assert jobs  # the module under test is importable with the music code


@pytest.mark.django_db(transaction=True)
def test_a_suno_stage_callback_brings_the_poll_forward(sandbox, clock, staff, client):
    from datetime import timedelta

    from django.utils import timezone

    task = song(staff)
    run_jobs()
    task.refresh_from_db()
    later = timezone.now() + timedelta(minutes=5)
    GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=later)
    body = {
        "code": 200,
        "msg": "text generation complete.",
        "data": {"callbackType": "text", "task_id": task.upstream_task_id, "data": []},
    }
    assert client.post("/kie/callback/", body, content_type="application/json").status_code == 200
    task.refresh_from_db()
    assert task.next_poll_at < later


def test_a_tracks_expired_link_is_retried_not_final(monkeypatch):
    from generator.kie.downloads import DownloadError

    def gone(*args, **kwargs):
        raise DownloadError("the file is gone (HTTP 404)", permanent=True, gone=True)

    monkeypatch.setattr(jobs, "_fetch", gone)
    fetch = jobs._suno_fetcher(client=None, deadline=0, task_kind="audio")
    with pytest.raises(DownloadError) as caught:
        fetch("https://tempfile.aiquickdraw.com/s/a.mp3", None)
    assert caught.value.permanent is False  # a CDN's 404 may pass: the download retries
