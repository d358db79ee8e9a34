"""Telling a sound file from its bytes (PyAV), frame by frame so memory stays bounded.
Its waveform is drawn by generator.media.audio, like every stored track's."""

from __future__ import annotations

from dataclasses import dataclass

import av
from django.utils.translation import gettext as _

from generator.media import MediaError

MAX_SECONDS = 20 * 60  # longer than any Suno track: refused as not a track of ours
# PyAV's container names -> what we store and serve.
AUDIO_TYPES = {
    "mp3": ("audio/mpeg", "mp3"),
    "wav": ("audio/wav", "wav"),
    "mov,mp4,m4a,3gp,3g2,mj2": ("audio/mp4", "m4a"),
    "ogg": ("audio/ogg", "ogg"),
    "flac": ("audio/flac", "flac"),
}
_AV_ERRORS = (av.error.FFmpegError, ValueError, IndexError, OSError, EOFError)


@dataclass(frozen=True)
class AudioInfo:
    content_type: str
    extension: str
    duration: float
    codec: str


def probe_audio(stream, max_seconds: float = MAX_SECONDS) -> AudioInfo:
    """Identify a sound file by decoding it (never by its name or declared type); its
    duration is what the decoded samples last, so a lying header does not count."""
    stream.seek(0)
    try:
        with av.open(stream, mode="r") as container:
            if not container.streams.audio:
                raise MediaError(_("the file holds no sound"))
            if container.streams.video and container.format.name.startswith("mov"):
                raise MediaError(_("a video is not a track"))
            audio = container.streams.audio[0]
            codec = (audio.codec_context.name or "").removesuffix("float")  # mp3float: mp3
            formats = container.format.name
            samples = 0
            rate = audio.codec_context.sample_rate or 1
            for frame in container.decode(audio):
                samples += frame.samples
                rate = frame.sample_rate or rate
                if samples / rate > max_seconds:
                    raise MediaError(_("the track is longer than we accept"), permanent=True)
    except MediaError:
        raise
    except _AV_ERRORS as exc:
        raise MediaError(
            _("not a readable MP3, WAV or M4A file") + f" ({type(exc).__name__})"
        ) from None
    finally:
        stream.seek(0)
    if samples == 0:
        raise MediaError(_("the file holds no sound"))
    content_type, extension = AUDIO_TYPES.get(formats, ("audio/mpeg", "mp3"))
    return AudioInfo(content_type, extension, round(samples / rate, 3), codec)
