"""Real audio for the sandbox's Suno tasks: tunes as MP3 (PyAV, libmp3lame), WAV, stems,
MIDI notes, and a music video (the track muxed under make_mp4's picture).

A tune is four parts — a melody (the "vocals"), chords (piano), a bass line and drums —
built from the prompt's hash and a variant number, so the two tracks of one task differ
in key and tempo and a listener can tell them apart. The parts are the stems; their sum
is the track. Everything is synthesised with numpy, a few seconds at a time: no file is
read and nothing is fetched.
"""

from __future__ import annotations

import hashlib
import io
import math
import wave
from fractions import Fraction

import av
import numpy as np

RATE = 22050
MAX_SECONDS = 480
PARTS = ("vocals", "piano", "bass", "drums")
_SCALE = (0, 2, 4, 5, 7, 9, 11, 12)


def _seed(prompt: str, variant: int) -> bytes:
    return hashlib.sha256(f"{variant}:{prompt}".encode()).digest()


def plan(prompt: str, seconds: float, variant: int = 0) -> dict:
    """The notes of each part: (midi pitch, start s, end s, velocity 1..127)."""
    seed = _seed(prompt, variant)
    seconds = max(1.0, min(float(seconds), MAX_SECONDS))
    tempo = 80 + seed[0] % 70 + variant * 17  # BPM
    beat = 60.0 / tempo
    root = 48 + seed[1] % 12
    parts: dict[str, list[tuple[int, float, float, int]]] = {name: [] for name in PARTS}
    steps = int(seconds / beat)
    for step in range(steps):
        start = step * beat
        degree = _SCALE[seed[(step % 24) + 4] % len(_SCALE)]
        parts["vocals"].append((root + 12 + degree, start, start + beat * 0.9, 100))
        if step % 4 == 0:
            chord_root = root + _SCALE[seed[(step // 4) % 16 + 2] % 5]
            for offset in (0, 4, 7):
                parts["piano"].append((chord_root + offset, start, start + beat * 3.8, 70))
            parts["bass"].append((chord_root - 12, start, start + beat * 1.9, 90))
            parts["bass"].append((chord_root - 12, start + beat * 2, start + beat * 3.9, 90))
        parts["drums"].append((36 if step % 2 == 0 else 38, start, start + 0.1, 110))
    return {"tempo": tempo, "seconds": seconds, "parts": parts}


def _hz(pitch: int) -> float:
    return 440.0 * 2 ** ((pitch - 69) / 12)


def render_part(tune: dict, part: str) -> np.ndarray:
    """One part as float32 mono samples in -1..1."""
    total = int(tune["seconds"] * RATE)
    out = np.zeros(total, dtype=np.float32)
    rng = np.random.default_rng(len(part))
    for pitch, start, end, velocity in tune["parts"][part]:
        first, last = int(start * RATE), min(int(end * RATE), total)
        if last <= first:
            continue
        t = np.arange(last - first, dtype=np.float32) / RATE
        gain = velocity / 127 * 0.22
        if part == "drums":
            wave_ = rng.uniform(-1, 1, last - first).astype(np.float32) * np.exp(-t * 40)
            if pitch == 36:  # kick: a falling sine
                wave_ = np.sin(2 * math.pi * (60 + 80 * np.exp(-t * 30)) * t) * np.exp(-t * 20)
        elif part == "vocals":
            wave_ = np.sin(2 * math.pi * _hz(pitch) * t) + 0.3 * np.sin(
                2 * math.pi * _hz(pitch) * 2 * t
            )
            wave_ *= np.minimum(1, t * 30) * np.exp(-t * 1.5)
        else:
            wave_ = np.sign(np.sin(2 * math.pi * _hz(pitch) * t)) * 0.4
            wave_ *= np.exp(-t * (3 if part == "piano" else 1.5))
        out[first:last] += (gain * wave_).astype(np.float32)
    return np.clip(out, -1, 1)


def render_mix(tune: dict, parts=PARTS) -> np.ndarray:
    mix = sum(render_part(tune, part) for part in parts)
    return np.clip(mix, -1, 1).astype(np.float32)


def encode_mp3(samples: np.ndarray, title: str = "") -> bytes:
    """Mono float samples as an MP3 (libmp3lame)."""
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp3") as container:
        if title:
            container.metadata["title"] = title[:100]
        stream = container.add_stream("libmp3lame", rate=RATE)
        stream.layout = "mono"
        stream.bit_rate = 64000
        _encode_samples(container, stream, samples)
    return out.getvalue()


def _encode_samples(container, stream, samples: np.ndarray) -> None:
    chunk = 1152
    for start in range(0, len(samples), chunk * 16):
        block = samples[start : start + chunk * 16]
        frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = RATE
        frame.pts = start
        frame.time_base = Fraction(1, RATE)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def encode_wav(samples: np.ndarray) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes((samples * 32767).astype("<i2").tobytes())
    return out.getvalue()


def midi_data(tune: dict) -> dict:
    """kie's midiData: instruments with notes; start/end alternate strings and numbers,
    as kie's own example does (kie-api.md 8.5)."""
    instruments = []
    for part in PARTS:
        notes = []
        for index, (pitch, start, end, velocity) in enumerate(tune["parts"][part][:2000]):
            as_text = index % 2 == 1
            notes.append(
                {
                    "pitch": pitch,
                    "start": f"{start:.3f}" if as_text else round(start, 3),
                    "end": f"{end:.3f}" if as_text else round(end, 3),
                    "velocity": round(velocity / 127, 2),
                }
            )
        instruments.append({"name": part.capitalize(), "notes": notes})
    return {"state": "complete", "instruments": instruments}


def mux_track(video: bytes, samples: np.ndarray) -> bytes:
    """The video's picture (copied, not re-encoded) with the samples as its AAC sound."""
    out = io.BytesIO()
    with av.open(io.BytesIO(video)) as source, av.open(out, mode="w", format="mp4") as target:
        in_video = source.streams.video[0]
        out_video = target.add_stream_from_template(in_video)
        audio = target.add_stream("aac", rate=RATE)
        audio.layout = "mono"
        for packet in source.demux(in_video):
            if packet.dts is None:
                continue
            packet.stream = out_video
            target.mux(packet)
        _encode_samples(target, audio, samples)
    return out.getvalue()
