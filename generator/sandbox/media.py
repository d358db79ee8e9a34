"""Placeholder pictures for the kie.ai sandbox.

Every "generated" image is drawn locally with Pillow: a two- or three-colour gradient
whose colours come from a hash of the prompt (the same prompt always gives the same
colours), the model title, the wrapped prompt and the pixel size in a corner. With a
`base` image (the bytes of an input picture) the input becomes the background and the
text sits on a translucent band, which is how the sandbox fakes an edit.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import textwrap

from PIL import Image, ImageDraw, ImageFont, ImageOps

_FORMATS = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP"}
_MAX_PROMPT_CHARS = 280


def _palette(prompt: str) -> tuple[tuple[int, int, int], ...]:
    digest = hashlib.sha256(prompt.encode("utf-8")).digest()
    hue = digest[0] / 255
    spread = 0.12 + digest[1] / 255 * 0.3
    colours = []
    for index, (lightness, saturation) in enumerate(((0.32, 0.55), (0.55, 0.6), (0.72, 0.5))):
        h = (hue + spread * index) % 1.0
        r, g, b = colorsys.hls_to_rgb(h, lightness, saturation)
        colours.append((int(r * 255), int(g * 255), int(b * 255)))
    return tuple(colours)


def _gradient(width: int, height: int, prompt: str) -> Image.Image:
    dark, mid, light = _palette(prompt)
    angle = hashlib.md5(prompt.encode("utf-8")).digest()[0] / 255 * 360
    # Gradients are built at 256x256 and scaled up: drawing at full size costs far more.
    ramp = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BILINEAR)
    # The centre crop stays inside the rotated square, so no black corners show.
    ramp = ImageOps.autocontrast(ramp.crop((48, 48, 208, 208))).resize((256, 256))
    glow = ImageOps.invert(Image.radial_gradient("L")).point(lambda v: v // 2)
    size = (256, 256)
    small = Image.composite(Image.new("RGB", size, light), Image.new("RGB", size, dark), ramp)
    small = Image.composite(Image.new("RGB", size, mid), small, glow)
    return small.resize((width, height), Image.Resampling.BILINEAR)


# Pillow's built-in font has no accents ("é" drew as a box): a system font when there is
# one (Debian's fonts-dejavu-core, installed with chromium by the Makefile).
_FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_FILES:
        try:
            return ImageFont.truetype(path, max(8, size))
        except OSError:
            continue
    return ImageFont.load_default(size=max(8, size))


def _short(prompt: str) -> str:
    prompt = " ".join(prompt.split())
    if len(prompt) > _MAX_PROMPT_CHARS:
        prompt = prompt[: _MAX_PROMPT_CHARS - 1].rstrip() + "..."
    return prompt or "(no prompt)"


def render_image(
    prompt: str,
    width: int,
    height: int,
    fmt: str,
    title: str,
    base: bytes | None = None,
) -> bytes:
    """Draw a placeholder picture and return it encoded as `fmt` (png, jpeg or webp)."""
    pil_format = _FORMATS.get(fmt.lower())
    if pil_format is None:
        raise ValueError(f"unsupported format {fmt!r}")
    background = None
    if base is not None:
        try:
            with Image.open(io.BytesIO(base)) as source:
                background = ImageOps.fit(source.convert("RGB"), (width, height))
        except (OSError, ValueError, Image.DecompressionBombError):
            background = None
    edited = background is not None
    canvas = (background or _gradient(width, height, prompt)).convert("RGBA")

    short_side = min(width, height)
    margin = max(12, short_side // 24)
    title_font = _font(short_side // 12)
    body_font = _font(short_side // 26)
    small_font = _font(short_side // 36)
    chars_per_line = max(12, int((width - 2 * margin) / (body_font.size * 0.52)))
    lines = textwrap.wrap(_short(prompt), chars_per_line)[:8]
    line_height = int(body_font.size * 1.3)
    block_height = int(title_font.size * 1.4) + line_height * len(lines)

    overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    top = height - margin - block_height if edited else (height - block_height) // 2
    band_alpha = 150 if edited else 70
    draw.rectangle(
        (0, top - margin // 2, width, top + block_height + margin // 2), fill=(0, 0, 0, band_alpha)
    )
    text_colour = (255, 255, 255, 240)
    draw.text((margin, top), title, font=title_font, fill=text_colour)
    y = top + int(title_font.size * 1.4)
    for line in lines:
        draw.text((margin, y), line, font=body_font, fill=(255, 255, 255, 225))
        y += line_height
    # Pillow's bundled font has no "×" glyph, so the size label uses a plain "x".
    label = f"{width} x {height}"
    draw.text((width - margin, margin), label, font=small_font, fill=text_colour, anchor="ra")
    draw.text((margin, margin), "kie.ai sandbox", font=small_font, fill=(255, 255, 255, 200))
    image = Image.alpha_composite(canvas, overlay)

    out = io.BytesIO()
    if pil_format == "PNG":
        # Fast zlib level: these are throwaway previews and speed matters more than size.
        image.convert("RGB").save(out, "PNG", compress_level=1)
    elif pil_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88)
    else:
        image.convert("RGB").save(out, "WEBP", quality=80, method=0)
    return out.getvalue()
