"""Files given to a task as input (reference images, videos to restyle): what they are,
told from their bytes, and whether the model can take them.

Nothing here trusts a file's name or the type its browser claimed: an image is what
Pillow can open, a video what PyAV can open and finds a video stream in. Each kind has
its own size cap (settings.INPUT_MAX_BYTES overrides); a model's own limits (Luma: at
most 10 s and 500 MB) are checked here too, before anything is uploaded or paid.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction

import av
from django.conf import settings
from django.utils.translation import gettext as _

from generator import catalog
from generator.catalog.restyle import LUMA_MAX_BYTES, LUMA_MAX_SECONDS
from generator.media import MediaError, inspect_image

MAX_IMAGE_BYTES = 10 * 1024 * 1024  # kie: reference images up to 10 MB
MAX_VIDEO_BYTES = 500 * 1024 * 1024
# Containers PyAV may name, and the content type we store and send for each.
VIDEO_TYPES = {
    "mov,mp4,m4a,3gp,3g2,mj2": ("video/mp4", "mp4"),
    "matroska,webm": ("video/webm", "webm"),
    "avi": ("video/x-msvideo", "avi"),
}
_QUICKTIME_BRANDS = (b"qt  ",)


@dataclass(frozen=True)
class VideoInfo:
    content_type: str
    extension: str
    width: int
    height: int
    duration: float  # seconds


def max_bytes(param_type: catalog.ParamType) -> int:
    caps = getattr(settings, "INPUT_MAX_BYTES", {}) or {}
    default = MAX_VIDEO_BYTES if param_type is catalog.ParamType.VIDEOS else MAX_IMAGE_BYTES
    return int(caps.get(str(param_type), default))


def inspect_video(stream) -> VideoInfo:
    """Identify a video by its bytes with PyAV: its container, picture size and length."""
    stream.seek(0)
    try:
        with _on_disk(stream) as path, av.open(path, mode="r", metadata_errors="ignore") as box:
            video = next((s for s in box.streams if s.type == "video"), None)
            if video is None:
                raise MediaError(_("the file has no video picture"))
            width = int(video.codec_context.width or 0)
            height = int(video.codec_context.height or 0)
            duration = _seconds(box, video)
            container = box.format.name
            # Decoding one frame finds the files that only look like videos.
            next(box.decode(video=0), None)
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError, StopIteration) as exc:
        reason = _("not a readable MP4, MOV, WebM or AVI video")
        raise MediaError(f"{reason} ({type(exc).__name__})") from None
    finally:
        stream.seek(0)
    if container not in VIDEO_TYPES or not width or not height:
        raise MediaError(_("not a readable MP4, MOV, WebM or AVI video"))
    content_type, extension = VIDEO_TYPES[container]
    if extension == "mp4" and _is_quicktime(stream):
        content_type, extension = "video/quicktime", "mov"
    return VideoInfo(content_type, extension, width, height, duration)


def check_video_for(model: catalog.CatalogModel, info: VideoInfo, size: int | None) -> None:
    """A model's own limits on its input video (Luma: 10 s, 500 MB), in a sentence."""
    if model.family is catalog.Family.LUMA:
        if info.duration > LUMA_MAX_SECONDS + 0.05:
            raise MediaError(
                _("the video lasts %(seconds).1f s; %(model)s takes at most %(limit)d s")
                % {"seconds": info.duration, "model": model.label, "limit": LUMA_MAX_SECONDS}
            )
        if size is not None and size > LUMA_MAX_BYTES:
            raise MediaError(
                _("the video is %(size)d MB; %(model)s takes at most %(limit)d MB")
                % {
                    "size": size // 1_048_576,
                    "model": model.label,
                    "limit": LUMA_MAX_BYTES // 1_048_576,
                }
            )


def check_image(stream) -> str:
    """The content type of an input image, told by Pillow."""
    return inspect_image(stream).content_type


def _seconds(box, video) -> float:
    if video.duration is not None and video.time_base is not None:
        return float(video.duration * Fraction(video.time_base))
    if box.duration is not None:
        return box.duration / av.time_base
    return 0.0


def _is_quicktime(stream) -> bool:
    stream.seek(0)
    head = stream.read(12)
    stream.seek(0)
    return head[4:8] == b"ftyp" and head[8:12] in _QUICKTIME_BRANDS


class _on_disk:
    """The stream as a file path PyAV can seek in: the file itself when it has one."""

    def __init__(self, stream):
        self.stream = stream
        self.temporary = None

    def __enter__(self) -> str:
        path = getattr(self.stream, "temporary_file_path", None)
        if callable(path):
            return path()
        self.temporary = tempfile.NamedTemporaryFile(suffix=".video", delete=False)
        self.stream.seek(0)
        while chunk := self.stream.read(1024 * 1024):
            self.temporary.write(chunk)
        self.temporary.close()
        return self.temporary.name

    def __exit__(self, *exc_info) -> None:
        self.stream.seek(0)
        if self.temporary is not None:
            os.unlink(self.temporary.name)
