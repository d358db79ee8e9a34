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
    decoded once, then shrunk by whole factors a band of rows at a time, so no second
    full-size copy is ever made (the former convert-then-shrink held two or three: 442 MB
    for 49 MP); only the small copy is converted and resampled.
    """
    image.draft("RGB", size)
    has_alpha = image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info
    target = "RGBA" if has_alpha else "RGB"
    work_mode = image.mode if image.mode in ("RGB", "RGBA", "L", "LA") else target
    factor = max(1, min(image.width // (size[0] * 2), image.height // (size[1] * 2)))
    if factor > 1 or work_mode != image.mode:
        image = _reduce_in_bands(image, factor, work_mode)
    image.thumbnail(size)
    return image if image.mode == target else image.convert(target)


def _reduce_in_bands(image: Image.Image, factor: int, mode: str) -> Image.Image:
    """image.reduce(factor) in `mode`, made band by band: Pillow's own reduce of an RGBA
    image first converts all of it (a full-size copy), and so does a convert."""
    width, height = image.size
    reduced = Image.new(mode, (-(-width // factor), -(-height // factor)))
    rows = factor * max(1, 256 // factor)
    for top in range(0, height, rows):
        band = image.crop((0, top, width, min(height, top + rows)))
        if band.mode != mode:
            band = band.convert(mode)
        reduced.paste(band.reduce(factor) if factor > 1 else band, (0, top // factor))
    return reduced


def spooled_file():
    """A temporary file for a download: in memory while small, on disk when large."""
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)


def as_django_file(stream, name: str) -> File:
    stream.seek(0)
    return File(stream, name=PurePosixPath(name).name)
