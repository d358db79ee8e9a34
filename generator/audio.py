"""What we do to sound files: probe them (PyAV) and draw their waveform (numpy, Pillow).

Both read the file frame by frame: memory stays bounded whatever the track's length
(one peak per decoded frame is kept, a few thousand numbers for a long song).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from generator.media import MediaError

MAX_SECONDS = 20 * 60  # longer than any Suno track: refused as not a track of ours
WAVEFORM_SIZE = (800, 120)
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


def peaks(stream) -> np.ndarray:
    """The loudest sample of each decoded frame, 0..1."""
    stream.seek(0)
    found = []
    try:
        with av.open(stream, mode="r") as container:
            for frame in container.decode(container.streams.audio[0]):
                data = frame.to_ndarray()
                if data.dtype.kind == "i":
                    data = data / float(np.iinfo(data.dtype).max)
                found.append(float(np.max(np.abs(data))) if data.size else 0.0)
    except _AV_ERRORS as exc:
        raise MediaError(_("the track is damaged") + f" ({type(exc).__name__})") from None
    finally:
        stream.seek(0)
    return np.clip(np.asarray(found, dtype=np.float32), 0, 1)


def make_waveform(stream, size: tuple[int, int] = WAVEFORM_SIZE) -> bytes:
    """A PNG of the track's loudness over time: one bar per column."""
    width, height = size
    levels = peaks(stream)
    if levels.size == 0:
        levels = np.zeros(1, dtype=np.float32)
    columns = np.array_split(levels, min(width // 3, max(1, levels.size)))
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    step = width / len(columns)
    middle = height / 2
    for index, column in enumerate(columns):
        level = float(column.max()) if column.size else 0.0
        half = max(1.0, level * (height / 2 - 2))
        x = index * step
        draw.rectangle(
            (x, middle - half, x + max(1.0, step - 1), middle + half), fill=(37, 99, 235, 255)
        )
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
