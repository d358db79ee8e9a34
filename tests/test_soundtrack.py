"""Music under a video, made here with PyAV: both streams, the video's length, no credits."""

import io
from decimal import Decimal

import av
import numpy as np
import pytest
from django.core.files.base import ContentFile

from generator import generations, soundtrack
from generator.models import State
from generator.sandbox import audio
from generator.sandbox.video import make_mp4
from tests.factories import make_task
from tests.helpers import run_jobs


def video_bytes(seconds=4, sound=False):
    return make_mp4("office", 160, 96, seconds, audio=sound)


def track_bytes(seconds=2.0):
    return audio.encode_mp3(audio.render_mix(audio.plan("jingle", seconds)))


def streams_of(data: bytes):
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        sound = container.streams.audio[0]
        return (
            float(video.duration * video.time_base),
            float(sound.duration * sound.time_base) if sound.duration else None,
            sound.codec_context.name,
            sum(1 for _ in container.decode(sound)),
        )


def test_a_short_track_is_looped_to_the_video_length():
    out = io.BytesIO()
    made = soundtrack.mux(io.BytesIO(video_bytes(4)), io.BytesIO(track_bytes(1.5)), out, 1.0)
    video_seconds, audio_seconds, codec, frames = streams_of(out.getvalue())
    assert made["duration"] == pytest.approx(4, abs=0.2)
    assert codec == "aac" and frames > 0
    assert audio_seconds == pytest.approx(video_seconds, abs=0.2)


def test_a_long_track_is_trimmed_and_fades_out():
    out = io.BytesIO()
    soundtrack.mux(io.BytesIO(video_bytes(3)), io.BytesIO(track_bytes(8)), out, 1.0)
    with av.open(io.BytesIO(out.getvalue())) as container:
        sound = container.streams.audio[0]
        samples = np.concatenate([f.to_ndarray()[0] for f in container.decode(sound)])
        seconds = len(samples) / sound.codec_context.sample_rate
    assert seconds == pytest.approx(3, abs=0.2)
    tail = np.abs(samples[-2000:]).max()
    middle = np.abs(samples[len(samples) // 3 : len(samples) // 2]).max()
    assert tail < middle / 5  # faded out


def test_the_picture_is_copied_not_reencoded():
    source = video_bytes(2)
    out = io.BytesIO()
    soundtrack.mux(io.BytesIO(source), io.BytesIO(track_bytes(1)), out, 0.5)
    with av.open(io.BytesIO(source)) as a, av.open(io.BytesIO(out.getvalue())) as b:
        before = [bytes(p) for p in a.demux(a.streams.video[0]) if p.size]
        after = [bytes(p) for p in b.demux(b.streams.video[0]) if p.size]
    assert before == after


@pytest.mark.django_db(transaction=True)
def test_a_soundtrack_task_makes_a_new_video_and_costs_nothing(staff, settings):
    video_task = make_task(staff, state=State.SUCCEEDED)
    video = video_task.assets.create(
        index=0, kind="video", content_type="video/mp4", bytes=1, sha256="a" * 64, source_url=""
    )
    video.file.save("v.mp4", ContentFile(video_bytes(3, sound=True)))
    track = video_task.assets.create(
        index=1,
        kind="audio",
        content_type="audio/mpeg",
        bytes=1,
        sha256="b" * 64,
        source_url="",
        title="Jingle",
    )
    track.file.save("t.mp3", ContentFile(track_bytes(2)))
    task = generations.start_generation(
        staff,
        "soundtrack",
        "soundtrack",
        {"audio_asset": track.pk, "volume": 0.7},
        source_asset=video,
    )
    assert task.credits_estimated == Decimal(0)
    run_jobs()
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED, task.failure_message
    made = task.assets.get()
    with made.file.open("rb") as stored:
        video_seconds, audio_seconds, codec, _ = streams_of(stored.read())
    assert made.has_audio and codec == "aac" and made.thumbnail
    assert video_seconds == pytest.approx(3, abs=0.2) == pytest.approx(made.duration, abs=0.2)
    assert made.details["audio_asset"] == track.pk and task.source_asset == video
    assert task.credits_charged == Decimal(0) and not task.ledger_entries.exclude(amount=0).exists()
    assert task.charge == "not_charged"


@pytest.mark.django_db
def test_a_soundtrack_needs_a_track_and_a_video(staff):
    video_task = make_task(staff, state=State.SUCCEEDED)
    picture = video_task.assets.create(
        index=0, kind="image", content_type="image/png", bytes=1, sha256="a" * 64, source_url=""
    )
    with pytest.raises(generations.catalog.CatalogError) as caught:
        generations.start_generation(
            staff, "soundtrack", "soundtrack", {"audio_asset": picture.pk}, source_asset=picture
        )
    assert set(caught.value.errors) == {"source_asset"}


@pytest.mark.django_db(transaction=True)
def test_a_soundtrack_whose_worker_died_is_made_again_by_the_sweep(staff):
    from django.utils import timezone

    from generator import jobs

    video_task = make_task(staff, state=State.SUCCEEDED)
    video = video_task.assets.create(
        index=0, kind="video", content_type="video/mp4", bytes=1, sha256="a" * 64, source_url=""
    )
    video.file.save("v.mp4", ContentFile(video_bytes(2)))
    track = video_task.assets.create(
        index=1, kind="audio", content_type="audio/mpeg", bytes=1, sha256="b" * 64, source_url=""
    )
    track.file.save("t.mp3", ContentFile(track_bytes(1)))
    task = generations.start_generation(
        staff, "soundtrack", "soundtrack", {"audio_asset": track.pk}, source_asset=video
    )
    task.transition(State.SUBMITTED)
    task.transition(State.RUNNING)  # ...and its worker died here: nothing made
    task.__class__.objects.filter(pk=task.pk).update(next_poll_at=timezone.now())
    assert jobs.poll_due_tasks() == 1
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED and task.assets.count() == 1
