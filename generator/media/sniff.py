"""What a file is, from its first bytes: never from a header, a URL or a file name.

The magic bytes say which family a file claims to be; the probe that follows (Pillow for
images, PyAV for video and audio) proves it can be read.
"""

from __future__ import annotations

from dataclasses import dataclass

HEAD_BYTES = 64


@dataclass(frozen=True)
class Claim:
    kind: str  # "image", "video", "audio" (catalog.Kind values)
    content_type: str
    extension: str


def claimed_type(head: bytes) -> Claim | None:
    """The media family the first bytes of a file announce, or None when unknown.

    MP4, WebM and Ogg hold video or sound: the probe decides which (`Claim.kind` is a
    first guess from the container's brand).
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Claim("image", "image/png", "png")
    if head.startswith(b"\xff\xd8\xff"):
        return Claim("image", "image/jpeg", "jpg")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Claim("image", "image/webp", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Claim("audio", "audio/wav", "wav")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return Claim("audio", "audio/mp4", "m4a")
        if brand == b"qt  ":
            return Claim("video", "video/quicktime", "mov")
        return Claim("video", "video/mp4", "mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Claim("video", "video/webm", "webm")
    if head.startswith(b"OggS"):
        return Claim("audio", "audio/ogg", "ogg")
    if head.startswith(b"fLaC"):
        return Claim("audio", "audio/flac", "flac")
    if head.startswith(b"MThd"):
        return Claim("audio", "audio/midi", "mid")
    if head.startswith(b"ID3"):
        return Claim("audio", "audio/mpeg", "mp3")
    if len(head) >= 2 and head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:  # ADTS: sync word, layer bits 00
            return Claim("audio", "audio/aac", "aac")
        if head[1] & 0xE0 == 0xE0 and head[1] & 0x06:  # MPEG audio frame, layer I-III
            return Claim("audio", "audio/mpeg", "mp3")
    return None


def read_head(stream) -> bytes:
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    return head
