"""Images: identify them by their bytes, and make thumbnails with bounded memory."""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files import File
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

THUMBNAIL_SIZE = (640, 640)
IMAGE_TYPES = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}
# A small file can claim a huge picture (a decompression bomb): nothing larger than this
# is decoded. Pillow only warns below twice its own limit, so we check the size ourselves.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_PILLOW_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
)


class MediaError(Exception):
    """A file that is not what it claims to be, or not something we accept.

    `permanent` is True when fetching the same file again cannot help (it is too large
    by its own account); a damaged or unreadable file may be a CDN's passing fault.
    """

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    extension: str
    width: int
    height: int


def inspect_image(stream) -> ImageInfo:
    """Identify an image by its bytes (never by a header or a file name)."""
    stream.seek(0)
    try:
        with Image.open(stream) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except Image.DecompressionBombError:
        raise MediaError(_("the image is larger than we accept"), permanent=True) from None
    except _PILLOW_ERRORS as exc:
        # The marketer's words, then Pillow's class name for admins (cut off in forms).
        reason = _("not a readable PNG, JPEG or WebP image")
        raise MediaError(f"{reason} ({type(exc).__name__})") from None
    finally:
        stream.seek(0)
    if width * height > MAX_PIXELS:
        raise MediaError(  # said before any decoding
            _("the image is %(width)d×%(height)d, larger than we accept")
            % {"width": width, "height": height},
            permanent=True,
        )
    if image_format not in IMAGE_TYPES:
        raise MediaError(
            _("%(format)s images are not accepted (PNG, JPEG or WebP only)")
            % {"format": image_format}
        )
    content_type, extension = IMAGE_TYPES[image_format]
    return ImageInfo(content_type, extension, width, height)


def image_thumbnail(stream) -> ContentFile:
    """A WebP thumbnail that fits THUMBNAIL_SIZE; decoding the whole image on the way
    finds the broken files that inspect_image's quick look lets through."""
    stream.seek(0)
    try:
        with Image.open(stream) as image:
            out = io.BytesIO()
            small_thumbnail(image, THUMBNAIL_SIZE).save(out, "WEBP", quality=80, method=4)
    except _PILLOW_ERRORS as exc:
        raise MediaError(f"{_('the image is damaged')} ({type(exc).__name__}: {exc})") from None
    finally:
        stream.seek(0)
    return ContentFile(out.getvalue())


def small_thumbnail(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`image` made to fit `size`, holding as few full-size pixels as Pillow allows.

    A JPEG is decoded already scaled down (draft: up to 1/8 per side). Other formats are
    decoded once in their own mode, shrunk, and only the small copy is converted: the
    former convert-then-shrink held two or three full-size copies (442 MB for 49 MP).
    """
    image.draft("RGB", (size[0] * 2, size[1] * 2))
    target = "RGBA" if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info else "RGB"
    if image.mode in ("1", "P", "PA"):
        # Pillow shrinks palette images with NEAREST only: take them near the size first
        # (one byte a pixel), then convert the small copy and shrink it properly.
        image.load()
        factor = max(1, min(image.width // (size[0] * 2), image.height // (size[1] * 2)))
        if factor > 1:
            image = image.resize(
                (max(1, image.width // factor), max(1, image.height // factor)),
                Image.Resampling.NEAREST,
            )
        image = image.convert(target)
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert(target)  # 16-bit, CMYK...: Pillow cannot shrink them as they are
    image.thumbnail(size, reducing_gap=2.0)
    return image if image.mode == target else image.convert(target)


def spooled_file():
    """A temporary file for a download: in memory while small, on disk when large."""
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)


def as_django_file(stream, name: str) -> File:
    stream.seek(0)
    return File(stream, name=PurePosixPath(name).name)
