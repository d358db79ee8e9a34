"""Music under a video: a new video asset with a track as its soundtrack, made here.

The picture is copied packet by packet (no re-encode); the sound is encoded to AAC from
the track, trimmed to the video's length with a fade-out, or looped when shorter, and
mixed with the video's own sound by the chosen balance (music at `volume`, the video's
own sound at 1 - volume). Everything runs in the worker with PyAV, a block of samples at
a time, so memory stays bounded whatever the length. No kie.ai call, no credits: the
catalog's "soundtrack" model costs 0.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import timedelta

import av
import numpy as np
from django.core.files.base import File
from django.utils import timezone
from django.utils.translation import gettext as _

from generator import catalog
from generator.media import MediaError, spooled_file
from generator.models import Asset, FailureKind, GenerationTask, IllegalTransition, State

logger = logging.getLogger(__name__)
RATE = 44100
BLOCK = 4096
FADE_SECONDS = 2.0
LEASE = timedelta(seconds=90)  # a soundtrack not done by then is made again by the sweep
MODEL_KEY = "soundtrack"


def check_inputs(params: dict, video: Asset | None) -> dict[str, str]:
    """Why these inputs cannot make a soundtrack ({} when they can)."""
    errors = {}
    if video is None or not video.content_type.startswith("video/"):
        errors["source_asset"] = _("pick a video to put the music under")
    track = Asset.objects.filter(pk=params.get("audio_asset")).first()
    if (
        track is None
        or not track.content_type.startswith("audio/")
        or track.content_type == "audio/midi"
    ):
        errors["audio_asset"] = _("pick a track (an audio result)")
    return errors


class _Samples:
    """Float32 stereo blocks at RATE from a file's sound, looped or not, one block at a time."""

    def __init__(self, path_or_file, loop: bool):
        self.source = path_or_file
        self.loop = loop
        self.buffer = np.zeros((2, 0), dtype=np.float32)
        self.frames = self._frames()

    def _frames(self) -> Iterator[np.ndarray]:
        while True:
            produced = False
            self.source.seek(0)
            with av.open(self.source, mode="r") as container:
                if not container.streams.audio:
                    return
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
                for frame in container.decode(container.streams.audio[0]):
                    for out in resampler.resample(frame):
                        produced = True
                        yield out.to_ndarray().astype(np.float32)
                for out in resampler.resample(None):
                    yield out.to_ndarray().astype(np.float32)
            if not (self.loop and produced):
                return

    def take(self, count: int) -> np.ndarray:
        while self.buffer.shape[1] < count:
            block = next(self.frames, None)
            if block is None:
                missing = count - self.buffer.shape[1]
                self.buffer = np.hstack([self.buffer, np.zeros((2, missing), dtype=np.float32)])
                break
            self.buffer = np.hstack(
                [self.buffer, block[:2] if block.shape[0] >= 2 else np.vstack([block, block])]
            )
        out, self.buffer = self.buffer[:, :count], self.buffer[:, count:]
        return out


def mux(video_file, audio_file, out_file, volume: float = 0.8, progress=None) -> dict:
    """Write to `out_file` the video with the track as its sound; returns what it made."""
    volume = min(max(float(volume), 0.0), 1.0)
    video_file.seek(0)
    try:
        with av.open(video_file, mode="r") as source:
            if not source.streams.video:
                raise MediaError(_("the video has no picture"))
            in_video = source.streams.video[0]
            seconds = _duration(source, in_video)
            own_sound = bool(source.streams.audio) and volume < 1.0
            if seconds <= 0:
                raise MediaError(_("the video has no length"))
            with av.open(out_file, mode="w", format="mp4") as target:
                out_video = target.add_stream_from_template(in_video)
                out_audio = target.add_stream("aac", rate=RATE)
                out_audio.layout = "stereo"
                for packet in source.demux(in_video):
                    if packet.dts is None:
                        continue
                    packet.stream = out_video
                    target.mux(packet)
                music = _Samples(audio_file, loop=True)
                original = _Samples(video_file, loop=False) if own_sound else None
                total = int(seconds * RATE)
                fade = int(min(FADE_SECONDS, seconds / 4) * RATE)
                for start in range(0, total, BLOCK):
                    count = min(BLOCK, total - start)
                    block = music.take(count) * volume
                    positions = np.arange(start, start + count)
                    gain = np.clip((total - positions) / max(fade, 1), 0, 1).astype(np.float32)
                    block = block * gain
                    if original is not None:
                        block = block + original.take(count) * (1.0 - volume)
                    frame = av.AudioFrame.from_ndarray(
                        np.clip(block, -1, 1).astype(np.float32), format="fltp", layout="stereo"
                    )
                    frame.sample_rate = RATE
                    frame.pts = start
                    for packet in out_audio.encode(frame):
                        target.mux(packet)
                    if progress and start % (BLOCK * 64) == 0:
                        progress(start / total)
                for packet in out_audio.encode():
                    target.mux(packet)
                return {
                    "width": in_video.codec_context.width,
                    "height": in_video.codec_context.height,
                    "codec": in_video.codec_context.name,
                    "duration": round(seconds, 3),
                }
    except (av.error.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise MediaError(
            _("the video or the track could not be read") + f" ({type(exc).__name__})"
        ) from None


def _duration(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return float(container.duration or 0) / 1_000_000


def make(task: GenerationTask) -> None:
    """The job: the task was claimed by submit (or re-polled after a lost worker)."""
    now = timezone.now()
    try:
        if task.state == State.QUEUED:
            task.transition(
                State.SUBMITTED, message=_("made here, without kie.ai"), submitted_at=now
            )
        if task.state == State.SUBMITTED:
            task.transition(State.RUNNING, message=_("putting the track under the video"))
    except IllegalTransition:
        return
    GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=now + LEASE, progress=0.05)
    try:
        asset = _make_asset(task)
    except (MediaError, Asset.DoesNotExist) as exc:
        task.transition(
            State.FAILED,
            failure_kind=FailureKind.INPUT,
            message=_("The soundtrack could not be made: %(error)s. Nothing was charged.")
            % {"error": exc},
        )
        return
    task.transition(State.DOWNLOADING, progress=1.0, result_urls=[])
    task.transition(
        State.SUCCEEDED,
        message=_("video with its soundtrack saved (%(seconds)s s)")
        % {"seconds": f"{asset.duration:g}"},
    )


def _make_asset(task: GenerationTask) -> Asset:
    video = task.source_asset
    track = Asset.objects.get(pk=task.params.get("audio_asset"))
    if video is None:
        raise MediaError(_("the video is gone"))
    done = task.assets.filter(index=0).first()
    if done:  # made by a worker that died before marking it done
        return done

    def progress(fraction: float) -> None:
        GenerationTask.objects.filter(pk=task.pk).update(
            progress=0.05 + fraction * 0.9, next_poll_at=timezone.now() + LEASE
        )

    with (
        video.file.open("rb") as video_in,
        track.file.open("rb") as track_in,
        spooled_file() as out,
    ):
        made = mux(video_in, track_in, out, task.params.get("volume", 0.8), progress)
        out.seek(0)
        digest, size = hashlib.sha256(), 0
        for chunk in iter(lambda: out.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
        out.seek(0)
        asset = Asset(
            task=task,
            index=0,
            kind=catalog.Kind.VIDEO,
            content_type="video/mp4",
            bytes=size,
            sha256=digest.hexdigest(),
            width=made["width"],
            height=made["height"],
            duration=made["duration"],
            codec=made["codec"],
            has_audio=True,
            role="soundtrack",
            title=track.title,
            details={
                "video_asset": video.pk,
                "audio_asset": track.pk,
                "volume": task.params.get("volume"),
            },
            source_url="",
        )
        if video.thumbnail:
            asset.thumbnail.name = video.thumbnail.name  # the same picture: share the file
        else:
            from generator.music import video_thumbnail

            picture = video_thumbnail(out)
            if picture is not None:
                asset.thumbnail.save(f"task-{task.pk}-0.webp", picture, save=False)
        if video.poster:
            asset.poster.name = video.poster.name
        asset.file.save(
            f"task-{task.pk}-0.mp4", File(out, name=f"task-{task.pk}-0.mp4"), save=False
        )
        try:
            asset.save()
        except BaseException:
            asset.file.storage.delete(asset.file.name)
            raise
    return asset
