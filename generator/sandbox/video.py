"""Real H.264 MP4 files for the sandbox's video models, made with PyAV.

A video shows the prompt on the prompt's colours (sandbox/media.py), with a bar that
sweeps across and a clock of seconds, so a player, a poster, a seek and a duration can
all be checked by eye and by code. With `audio` it carries an AAC tone whose pitch comes
from the prompt. With `source` (the bytes of an earlier MP4) the new video starts with the
source's frames, which is how the sandbox fakes "extend"; `make_mp4(..., source=s,
seconds=None)` at another size is how it fakes an upscale (the same video, taller).

Frames are drawn small (the static layer once, a moving bar per frame) and encoded at a
low frame rate: a 4K sandbox video must not cost the test suite minutes.
"""

from __future__ import annotations

import hashlib
import io
import math
from fractions import Fraction

import av
import numpy as np
from PIL import Image, ImageDraw

from .media import _font, render_image

FPS = 8
AUDIO_RATE = 44100
MAX_SECONDS = 120


def _even(value: int) -> int:
    return max(2, int(value) // 2 * 2)


def _tone_hz(prompt: str) -> float:
    return 220.0 + hashlib.sha256(prompt.encode("utf-8")).digest()[2] / 255 * 440.0


def _source_frames(source: bytes, width: int, height: int):
    with av.open(io.BytesIO(source)) as container:
        for frame in container.decode(video=0):
            yield frame.to_image().resize((width, height))


def make_mp4(
    prompt: str,
    width: int,
    height: int,
    seconds: float | None,
    *,
    audio: bool = False,
    title: str = "",
    source: bytes | None = None,
) -> bytes:
    """An MP4 of `seconds` new seconds (after the source's frames, if any) at width×height."""
    width, height = _even(width), _even(height)
    seconds = max(0.0, min(float(seconds or 0), MAX_SECONDS))
    still = render_image(prompt, width, height, "png", title or "Sandbox video")
    background = Image.open(io.BytesIO(still)).convert("RGB")
    font = _font(max(12, height // 14))
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "30"}
        audio_stream = None
        if audio:
            audio_stream = container.add_stream("aac", rate=AUDIO_RATE)
            audio_stream.layout = "stereo"

        frames_written = 0
        if source:
            for image in _source_frames(source, width, height):
                _encode_image(container, stream, image, frames_written)
                frames_written += 1
        source_frames = frames_written
        new_frames = round(seconds * FPS)
        bar_width = max(4, width // 40)
        for index in range(new_frames):
            image = background.copy()
            draw = ImageDraw.Draw(image)
            x = int((index / max(1, new_frames - 1)) * (width - bar_width))
            draw.rectangle((x, height - height // 8, x + bar_width, height), fill=(255, 255, 255))
            clock = f"{(source_frames + index) / FPS:5.1f} s"
            draw.text(
                (width // 40, height - height // 8 - font.size - 4),
                clock,
                fill="white",
                font=font,
                stroke_width=2,
                stroke_fill="black",
            )
            _encode_image(container, stream, image, frames_written)
            frames_written += 1
        for packet in stream.encode():
            container.mux(packet)

        if audio_stream is not None:
            _write_tone(container, audio_stream, frames_written / FPS, _tone_hz(prompt))
    return out.getvalue()


def _encode_image(container, stream, image: Image.Image, index: int) -> None:
    frame = av.VideoFrame.from_image(image.convert("RGB"))
    frame.pts = index
    frame.time_base = Fraction(1, FPS)
    for packet in stream.encode(frame):
        container.mux(packet)


def _write_tone(container, stream, seconds: float, hz: float) -> None:
    total = int(seconds * AUDIO_RATE)
    chunk = 1024
    for start in range(0, total, chunk):
        count = min(chunk, total - start)
        t = (np.arange(start, start + count) / AUDIO_RATE).astype(np.float32)
        wave = (0.2 * np.sin(2 * math.pi * hz * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.vstack([wave, wave]), format="fltp", layout="stereo")
        frame.sample_rate = AUDIO_RATE
        frame.pts = start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def render_videos(task, base: bytes | None) -> list[bytes]:
    """A sandbox video task's files, one per `task.sizes`: `task.extra` holds the new
    `seconds`, whether it has `audio`, and which files `continue` the source video
    `base` (an extend's whole video) rather than start afresh; or `upscale`: the source
    video itself at each size."""
    if task.extra.get("upscale"):  # Veo's 1080p and 4K: the source, taller
        if base is None:
            raise ValueError("an upscale needs its source video")
        return [upscale(base, task.prompt, w, h, task.title) for w, h in task.sizes]
    seconds = task.extra.get("seconds", 5)
    audio = bool(task.extra.get("audio"))
    continues = task.extra.get("continue") or [False] * len(task.sizes)
    return [
        make_mp4(
            task.prompt,
            width,
            height,
            seconds,
            audio=audio,
            title=task.title,
            source=base if follows else None,
        )
        for (width, height), follows in zip(task.sizes, continues, strict=True)
    ]


def upscale(source: bytes, prompt: str, width: int, height: int, title: str = "") -> bytes:
    """The same video at another size (Veo's 1080p and 4K)."""
    audio = _has_audio(source)
    return make_mp4(prompt, width, height, None, audio=audio, title=title, source=source)


def _has_audio(data: bytes) -> bool:
    with av.open(io.BytesIO(data)) as container:
        return bool(container.streams.audio)
