"""Real sound files made with PyAV, for the media tests (videos come from the sandbox's
make_mp4)."""

from __future__ import annotations

import io
import struct

import av
import numpy as np

RATE = 44100


def tone(seconds: float, loudness=lambda t: 0.5, hz: float = 440.0) -> np.ndarray:
    times = np.arange(int(seconds * RATE)) / RATE
    return (np.sin(2 * np.pi * hz * times) * loudness(times)).astype(np.float32)


def sound_bytes(samples: np.ndarray, container: str = "mp3", codec: str = "mp3") -> bytes:
    """`samples` (mono floats) encoded as `codec` in a `container` file."""
    out = io.BytesIO()
    with av.open(out, "w", format=container) as file:
        stream = file.add_stream(codec, rate=RATE)
        stream.layout = "mono"
        size = stream.codec_context.frame_size or 1024
        for start in range(0, len(samples), size):
            chunk = samples[start : start + size]
            if len(chunk) < size:
                chunk = np.pad(chunk, (0, size - len(chunk)))
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                file.mux(packet)
        for packet in stream.encode(None):
            file.mux(packet)
    return out.getvalue()


def mp3(seconds: float = 2.0, **kwargs) -> bytes:
    return sound_bytes(tone(seconds, **kwargs), "mp3", "mp3")


def m4a(seconds: float = 2.0) -> bytes:
    return sound_bytes(tone(seconds), "mp4", "aac")


def padded(mp4: bytes, extra_bytes: int) -> bytes:
    """The same MP4 with a `free` box of `extra_bytes` at its end: as large as we like,
    still a valid file."""
    return mp4 + struct.pack(">I", extra_bytes + 8) + b"free" + bytes(extra_bytes)


def store_media_asset(task, data: bytes, index: int = 0):
    """An asset made from `data` the way the download job makes it (facts and pictures)."""
    import hashlib

    from django.core.files.base import ContentFile

    from generator.media import examine
    from generator.models import Asset

    found = examine(io.BytesIO(data), len(data))
    asset = Asset(
        task=task,
        index=index,
        kind=found.kind,
        content_type=found.content_type,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=found.width,
        height=found.height,
        duration=found.duration,
        codec=found.codec,
        has_audio=found.has_audio,
        source_url="http://127.0.0.1:8001/files/x",
    )
    asset.file.save(f"m{task.pk}-{index}.{found.extension}", ContentFile(data), save=False)
    for stored, content, extension in (
        (asset.thumbnail, found.thumbnail, "webp"),
        (asset.poster, found.poster, "jpg"),
        (asset.waveform, found.waveform, "png"),
    ):
        if content is not None:
            stored.save(f"m{task.pk}-{index}.{extension}", content, save=False)
    asset.save()
    return asset
