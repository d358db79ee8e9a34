"""Sound, read with PyAV in the worker: its duration, and a waveform picture.

The waveform keeps one peak per decoded frame, merging neighbours when there are too
many, so memory stays bounded however long the track.
"""

from __future__ import annotations

import io
from array import array

import av
import numpy as np
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from .images import MediaError

WAVEFORM_SIZE = (800, 120)
WAVEFORM_COLOR = (37, 99, 235, 255)
MAX_PEAKS = 8192


def probe_and_waveform(stream) -> dict:
    """Duration, codec and a waveform PNG (ContentFile) of a track; MediaError if unreadable."""
    stream.seek(0)
    peaks = array("f")
    group, pending, pending_peak = 1, 0, 0.0
    samples, rate = 0, 0
    try:
        with av.open(stream, mode="r") as container:
            if not container.streams.audio:
                raise MediaError(_("the file holds no sound"))
            sound = container.streams.audio[0]
            codec = (sound.codec_context.name or "").removesuffix("float")  # mp3float: mp3
            declared = _declared_duration(container, sound)
            for frame in container.decode(sound):
                rate = frame.sample_rate or rate
                samples += frame.samples
                pending_peak = max(pending_peak, _peak(frame.to_ndarray()))
                pending += 1
                if pending < group:
                    continue
                peaks.append(pending_peak)
                pending, pending_peak = 0, 0.0
                if len(peaks) >= MAX_PEAKS:  # halve: each kept peak now covers twice the frames
                    peaks = array(
                        "f", (max(a, b) for a, b in zip(peaks[::2], peaks[1::2], strict=True))
                    )
                    group *= 2
    except av.FFmpegError as exc:
        raise MediaError(f"{_('not a readable sound file')} ({type(exc).__name__})") from None
    finally:
        stream.seek(0)
    if pending:
        peaks.append(pending_peak)
    if not samples or not rate:
        raise MediaError(_("the sound file holds no sound"))
    return {
        "duration": declared or samples / rate,
        "codec": codec,
        "waveform": ContentFile(draw_waveform(peaks)),
    }


def draw_waveform(peaks, size: tuple[int, int] = WAVEFORM_SIZE) -> bytes:
    """A transparent PNG of vertical bars, one per column group, mirrored around the middle."""
    width, height = size
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    values = np.asarray(peaks, dtype=np.float32)
    bars = width // 4
    if values.size:
        edges = np.linspace(0, values.size, bars + 1).astype(int)
        loudest = float(values.max()) or 1.0
        middle = height / 2
        for bar in range(bars):
            chunk = values[edges[bar] : max(edges[bar + 1], edges[bar] + 1)]
            level = float(chunk.max()) / loudest if chunk.size else 0.0
            half = max(1.0, level * (middle - 2))
            x = bar * 4
            draw.rectangle((x, middle - half, x + 2, middle + half), fill=WAVEFORM_COLOR)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _peak(samples: np.ndarray) -> float:
    if not samples.size:
        return 0.0
    if np.issubdtype(samples.dtype, np.floating):
        return float(np.abs(samples).max())
    if samples.dtype == np.uint8:
        return float(np.abs(samples.astype(np.int16) - 128).max()) / 128
    return float(np.abs(samples.astype(np.float32)).max()) / float(np.iinfo(samples.dtype).max)


def _declared_duration(container, sound) -> float | None:
    if sound.duration and sound.time_base:
        return float(sound.duration * sound.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None
