"""Videos, read with PyAV in the worker: what they hold, and a poster frame.

Only one decoded frame is held at a time, scaled down by libswscale before it becomes a
picture, so a 4K video costs a few megabytes here whatever its length.
"""

from __future__ import annotations

import io

import av
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image

from .images import THUMBNAIL_SIZE, MediaError

POSTER_SIZE = (1280, 1280)
MAX_FRAME_PIXELS = 7680 * 4320  # 8K: a larger frame is refused before it is decoded
POSTER_AT_SECONDS = 1.0  # the first frame is often black or a fade-in
MAX_FRAMES_FOR_POSTER = 240


def probe(stream) -> dict:
    """Size, duration, codec and sound of a video; raises MediaError when unreadable."""
    stream.seek(0)
    try:
        with av.open(stream, mode="r") as container:
            pictures = [s for s in container.streams.video if not _is_cover_art(s)]
            if not pictures:
                raise MediaError(_("the file holds no picture"))
            video = pictures[0]
            width, height = video.codec_context.width, video.codec_context.height
            facts = {
                "width": width,
                "height": height,
                "duration": _duration(container, video),
                "codec": video.codec_context.name or "",
                "has_audio": bool(container.streams.audio),
            }
    except av.FFmpegError as exc:
        raise MediaError(f"{_('not a readable video')} ({type(exc).__name__})") from None
    finally:
        stream.seek(0)
    if not width or not height:
        raise MediaError(_("the video has no picture size"))
    if width * height > MAX_FRAME_PIXELS:
        raise MediaError(
            _("the video is %(width)d×%(height)d, larger than we accept")
            % {"width": width, "height": height},
            permanent=True,
        )
    return facts


def poster_frame(stream, duration: float | None) -> Image.Image:
    """A frame about POSTER_AT_SECONDS in (earlier for a short video), fitted to POSTER_SIZE."""
    stream.seek(0)
    at = min(POSTER_AT_SECONDS, (duration or 0) / 3)
    try:
        with av.open(stream, mode="r") as container:
            video = next(s for s in container.streams.video if not _is_cover_art(s))
            video.thread_type = "SLICE"  # frame threads would each hold 4K frames
            if at > 0 and video.time_base:
                try:
                    container.seek(int(at / video.time_base), stream=video)
                except av.FFmpegError:
                    container.seek(0)
            chosen = None
            for count, frame in enumerate(container.decode(video)):
                chosen = frame
                if count >= MAX_FRAMES_FOR_POSTER or _seconds(frame) >= at:
                    break
            if chosen is None:
                raise MediaError(_("the video has no frame we can read"))
            width, height = _fit(chosen.width, chosen.height, POSTER_SIZE)
            return chosen.to_image(width=width, height=height)
    except av.FFmpegError as exc:
        raise MediaError(f"{_('the video is damaged')} ({type(exc).__name__})") from None
    finally:
        stream.seek(0)


def poster_files(frame: Image.Image) -> tuple[ContentFile, ContentFile]:
    """The poster (JPEG) and the gallery's thumbnail (WebP) made from one frame."""
    poster = io.BytesIO()
    frame.convert("RGB").save(poster, "JPEG", quality=85, optimize=True)
    small = frame.copy()
    small.thumbnail(THUMBNAIL_SIZE)
    thumbnail = io.BytesIO()
    small.save(thumbnail, "WEBP", quality=80, method=4)
    return ContentFile(poster.getvalue()), ContentFile(thumbnail.getvalue())


def _is_cover_art(stream) -> bool:
    """An MP3's or M4A's embedded cover shows up as a one-picture video stream."""
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _duration(container, video) -> float | None:
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _seconds(frame) -> float:
    if frame.pts is None or frame.time_base is None:
        return 0.0
    return float(frame.pts * frame.time_base)


def _fit(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    scale = min(1.0, box[0] / width, box[1] / height)
    return max(2, round(width * scale) // 2 * 2), max(2, round(height * scale) // 2 * 2)
