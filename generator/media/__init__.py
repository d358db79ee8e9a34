"""What we do to files: check what kie.ai sent, store it, make thumbnails, posters and
waveforms (images.py with Pillow; video.py and audio.py with PyAV; sniff.py names a file
from its first bytes).

`examine(stream)` is the worker's one call for a stored result: it identifies the file
by its content, reads its facts and makes its pictures, with bounded memory at any size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from . import audio, video
from .images import (
    IMAGE_TYPES,
    MAX_PIXELS,
    THUMBNAIL_SIZE,
    ImageInfo,
    MediaError,
    as_django_file,
    image_thumbnail,
    inspect_image,
    small_thumbnail,
    spooled_file,
)
from .sniff import claimed_type, read_head

__all__ = [
    "IMAGE_TYPES",
    "MAX_PIXELS",
    "THUMBNAIL_SIZE",
    "ImageInfo",
    "MediaError",
    "Examined",
    "as_django_file",
    "examine",
    "image_thumbnail",
    "inspect_image",
    "max_bytes",
    "max_download_bytes",
    "small_thumbnail",
    "spooled_file",
]


# Containers that hold video or sound: without a picture, they are a track.
SOUND_ONLY_TYPES = {
    "video/mp4": ("audio/mp4", "m4a"),
    "video/webm": ("audio/webm", "webm"),
    "audio/ogg": ("audio/ogg", "ogg"),
}


@dataclass
class Examined:
    """A file's kind and facts, and the pictures made from it (None where not made)."""

    kind: str
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    codec: str = ""
    has_audio: bool | None = None
    thumbnail: ContentFile | None = None
    poster: ContentFile | None = None
    waveform: ContentFile | None = None
    details: dict = field(default_factory=dict)


def max_bytes(kind: str) -> int:
    """The largest file of this kind (image, video, audio) we keep: settings, from env."""
    return {
        "image": settings.KIE_MAX_IMAGE_BYTES,
        "video": settings.KIE_MAX_VIDEO_BYTES,
        "audio": settings.KIE_MAX_AUDIO_BYTES,
    }.get(kind, settings.KIE_MAX_IMAGE_BYTES)


def max_download_bytes(task_kind: str) -> int:
    """The cap while a task's result streams in, before its content is known: a music
    task also yields cover images and music videos, so it may reach the video cap; each
    file is then held to its own kind's cap by examine()."""
    if task_kind == "audio":
        return max(max_bytes("audio"), max_bytes("video"), max_bytes("image"))
    return max_bytes(task_kind)


def examine(stream, size: int) -> Examined:
    """Identify `stream` by its bytes, check it against its kind's cap, read its facts and
    make its thumbnail, poster or waveform. Raises MediaError."""
    claim = claimed_type(read_head(stream))
    if claim is None:
        raise MediaError(_("not an image, video or sound file we can read"))
    if claim.kind == "image":
        return _image(stream, size)
    if claim.content_type == "audio/midi":  # notes, not sound: nothing to decode here
        _check_size(size, "audio")
        return Examined("audio", claim.content_type, claim.extension)
    facts = None
    if claim.kind == "video" or claim.content_type == "audio/ogg":
        try:
            facts = video.probe(stream)
        except MediaError:
            if claim.content_type not in SOUND_ONLY_TYPES:
                raise  # a container that may hold sound only is read as sound below
    if facts is not None:
        _check_size(size, "video")
        frame = video.poster_frame(stream, facts["duration"])
        poster, thumbnail = video.poster_files(frame)
        return Examined(
            "video",
            "video/ogg" if claim.content_type == "audio/ogg" else claim.content_type,
            claim.extension,
            poster=poster,
            thumbnail=thumbnail,
            **facts,
        )
    _check_size(size, "audio")
    content_type, extension = SOUND_ONLY_TYPES.get(
        claim.content_type, (claim.content_type, claim.extension)
    )
    facts = audio.probe_and_waveform(stream)
    return Examined(
        "audio",
        content_type,
        extension,
        duration=facts["duration"],
        codec=facts["codec"],
        has_audio=True,
        waveform=facts["waveform"],
    )


def _image(stream, size: int) -> Examined:
    _check_size(size, "image")
    info = inspect_image(stream)
    thumbnail = image_thumbnail(stream)  # decodes every pixel: a broken file fails here
    return Examined(
        "image", info.content_type, info.extension, info.width, info.height, thumbnail=thumbnail
    )


def _check_size(size: int, kind: str) -> None:
    cap = max_bytes(kind)
    if size > cap:
        raise MediaError(
            _("the file is %(size)d bytes, over the %(cap)d-byte limit for this kind of file")
            % {"size": size, "cap": cap},
            permanent=True,
        )
