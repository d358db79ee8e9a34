"""The Market's video models in the sandbox: Kling 2.1, 2.5 Turbo, 2.6 and 3.0
(kie-api.md 9.3). Each checks its `input` as kie documents it and answers what to make:
a real H.264 MP4 (sandbox/video.py) at the asked aspect ratio, resolution and duration,
with a soundtrack where the model makes one (`sound`).

Sora 2 is not here on purpose: kie.ai removed it, so its ids answer as any unknown
model does (market.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api import ApiError, is_number, optional_string

if TYPE_CHECKING:
    from .app import SandboxApp

# Frame sizes by resolution and aspect ratio.
_SIZES = {
    "720p": {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (720, 720)},
    "1080p": {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)},
    "4K": {"16:9": (3840, 2160), "9:16": (2160, 3840), "1:1": (2160, 2160)},
}
_KLING_30_MODES = {"std": "720p", "pro": "1080p", "4K": "4K"}


def _prompt(data: dict[str, Any], limit: int, required: bool = True) -> str:
    prompt = data.get("prompt")
    if prompt is None and not required:
        return ""
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(422, "input.prompt is required")
    if len(prompt) > limit:
        raise ApiError(422, f"input.prompt must be at most {limit} characters")
    return prompt


def _duration(data: dict[str, Any], allowed: tuple[int, ...], default: int) -> int:
    """kie documents a string ("5"); a whole number is taken too (kie-api.md 11.15)."""
    value = data.get("duration")
    if value is None:
        return default
    text = (
        str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    )
    if not text.isdigit() or int(text) not in allowed:
        shown = ", ".join(f'"{s}"' for s in allowed)
        raise ApiError(422, f"input.duration must be one of {shown}")
    return int(text)


def _aspect_ratio(data: dict[str, Any], default: str = "16:9") -> str:
    value = data.get("aspect_ratio")
    if value is None:
        return default
    if value not in ("16:9", "9:16", "1:1"):
        raise ApiError(422, "input.aspect_ratio must be one of 16:9, 9:16, 1:1")
    return value


def _sound(data: dict[str, Any]) -> bool:
    value = data.get("sound", False)
    if not isinstance(value, bool):
        raise ApiError(422, "input.sound must be a boolean")
    return value


def _cfg_scale(data: dict[str, Any]) -> None:
    value = data.get("cfg_scale")
    if value is not None and (not is_number(value) or not 0 <= value <= 1):
        raise ApiError(422, "input.cfg_scale must be a number from 0 to 1")


def _image(data: dict[str, Any], name: str, required: bool) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip().startswith(("http://", "https://")):
        raise ApiError(422, f"input.{name} must be an image URL")
    return value


def _images(data: dict[str, Any], name: str, required: bool, most: int) -> list[str]:
    value = data.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not value or len(value) > most:
        raise ApiError(422, f"input.{name} must be a list of 1 to {most} image URLs")
    for item in value:
        if not isinstance(item, str) or not item.startswith(("http://", "https://")):
            raise ApiError(422, f"input.{name} must be a list of image URLs")
    return value


def _video(title, prompt, size, seconds, sound, image_url, app: SandboxApp) -> dict[str, Any]:
    return {
        "prompt": prompt,
        "title": title,
        "sizes": [size],
        "fmt": "mp4",
        "base_name": app.state.base_for(image_url) if image_url else None,
        "seconds": float(seconds),
        "audio": sound,
    }


def _oriented(app: SandboxApp, image_url: str | None, resolution: str, ratio: str):
    """An image-to-video keeps its picture's orientation when the picture is ours."""
    if image_url:
        size = app.state.image_size(image_url)
        if size:
            width, height = size
            ratio = "16:9" if width > height * 1.2 else "9:16" if height > width * 1.2 else "1:1"
    return _SIZES[resolution][ratio]


def kling_21_25(app: SandboxApp, model: str, data: dict[str, Any]) -> dict[str, Any]:
    """Kling 2.1 standard / pro / master and 2.5 turbo pro, text or image to video."""
    turbo = model.startswith("kling/v2-5")
    prompt = _prompt(data, 2500 if turbo else 5000)
    text_only = model.endswith("text-to-video") or model.endswith("text-to-video-pro")
    optional_string(
        data, "negative_prompt", "input.negative_prompt", 2500 if text_only and turbo else 500
    )
    _cfg_scale(data)
    seconds = _duration(data, (5, 10), 5)
    resolution = "720p" if model == "kling/v2-1-standard" else "1080p"
    image_url = None
    if text_only:
        size = _SIZES[resolution][_aspect_ratio(data)]
    else:
        image_url = _image(data, "image_url", required=True)
        if model in ("kling/v2-1-pro", "kling/v2-5-turbo-image-to-video-pro"):
            _image(data, "tail_image_url", required=False)
        size = _oriented(app, image_url, resolution, "16:9")
    return _video("Kling", prompt, size, seconds, False, image_url, app)


def kling_26(app: SandboxApp, model: str, data: dict[str, Any]) -> dict[str, Any]:
    """Kling 2.6: 5 or 10 s, `sound` adds a soundtrack; text-to-video is square by default."""
    prompt = _prompt(data, 1000)
    seconds = _duration(data, (5, 10), 5)
    sound = _sound(data)
    if model.endswith("image-to-video"):
        image_url = _images(data, "image_urls", required=True, most=1)[0]
        size = _oriented(app, image_url, "1080p", "16:9")
        return _video("Kling 2.6", prompt, size, seconds, sound, image_url, app)
    size = _SIZES["1080p"][_aspect_ratio(data, default="1:1")]
    return _video("Kling 2.6", prompt, size, seconds, sound, None, app)


def kling_30(app: SandboxApp, model: str, data: dict[str, Any]) -> dict[str, Any]:
    """Kling 3.0: 3 to 15 s, std (720p) / pro (1080p) / 4K, optional first (and last)
    frame, optional sound."""
    multi_shots = data.get("multi_shots", False)
    if not isinstance(multi_shots, bool):
        raise ApiError(422, "input.multi_shots must be a boolean")
    prompt = _prompt(data, 2500, required=not multi_shots) or "multi-shot video"
    seconds = _duration(data, tuple(range(3, 16)), 5)
    mode = data.get("mode", "pro")
    if mode not in _KLING_30_MODES:
        raise ApiError(422, "input.mode must be one of std, pro, 4K")
    sound = _sound(data) or multi_shots
    images = _images(data, "image_urls", required=False, most=2)
    ratio = _aspect_ratio(data)
    image_url = images[0] if images else None
    size = _oriented(app, image_url, _KLING_30_MODES[mode], ratio)
    return _video("Kling 3.0", prompt, size, seconds, sound, image_url, app)


MODELS = {
    "kling/v2-1-standard": kling_21_25,
    "kling/v2-1-pro": kling_21_25,
    "kling/v2-1-master-image-to-video": kling_21_25,
    "kling/v2-1-master-text-to-video": kling_21_25,
    "kling/v2-5-turbo-image-to-video-pro": kling_21_25,
    "kling/v2-5-turbo-text-to-video-pro": kling_21_25,
    "kling-2.6/text-to-video": kling_26,
    "kling-2.6/image-to-video": kling_26,
    "kling-3.0/video": kling_30,
}
