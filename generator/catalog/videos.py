"""The video models of kie.ai's own APIs: Veo 3.1 (Quality, Fast, Lite) and Runway.

Each model's follow-ups (extend, get 1080p, get 4K) are operations with a `source_kind`:
they act on a finished video of ours, named by the task's `source_asset`. Their
`api_model` tells the family adapter which endpoint to call; for Veo's generate
operations it is "<kie model>|<generationType>" (kie-api.md 4.1), split by the adapter.

Prices are kie.ai's table of 2026-06-30 (kie-api.md 10.1); times are section 4.7's and
section 5's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from .types import CatalogModel, Family, Kind, Operation, Param, ParamType, Pricing

_PRICE_SOURCE = _("kie.ai's price table (2026-06-30)")
_GENERATED = ("text-to-video", "frames-to-video", "reference-to-video", "extend")


def _prompt(max_length: int, help) -> Param:
    return Param(
        "prompt",
        ParamType.TEXT,
        _("Prompt"),
        help=help,
        required=True,
        max_length=max_length,
        long_text=True,
    )


_VIDEO_PROMPT_HELP = _("Describe the scene, the camera movement and the sound. English works best.")

# --- Veo 3.1 ---------------------------------------------------------------------------

_VEO_RATIO_CHOICES = (
    ("16:9", _("Landscape 16:9")),
    ("9:16", _("Portrait 9:16")),
)


def _veo_ratio(with_auto: bool) -> Param:
    choices = _VEO_RATIO_CHOICES
    if with_auto:
        choices = (*choices, ("Auto", _("Auto (nearer of the two)")))
    return Param(
        "aspectRatio",
        ParamType.CHOICE,
        _("Aspect ratio"),
        help=_("16:9 suits link posts and YouTube; 9:16 suits stories and reels."),
        default="16:9",
        choices=choices,
    )


_VEO_RESOLUTION = Param(
    "resolution",
    ParamType.CHOICE,
    _("Resolution"),
    help=_("1080p and 4K cost more: the 720p price plus the upgrade's."),
    default="720p",
    choices=(("720p", "720p"), ("1080p", "1080p"), ("4k", "4K")),
)


def _veo_duration(only_eight: bool) -> Param:
    choices = ((8, _("8 seconds")),)
    if not only_eight:
        choices = ((4, _("4 seconds")), (6, _("6 seconds")), *choices)
    return Param(
        "duration",
        ParamType.CHOICE,
        _("Duration"),
        help=_("Reference-image videos are 8 seconds long.") if only_eight else "",
        default=8,
        choices=choices,
    )


_VEO_SEEDS = Param(
    "seeds",
    ParamType.INT,
    _("Seed"),
    help=_("Same seed and settings give a similar video (10000-99999)."),
    minimum=10000,
    maximum=99999,
    advanced=True,
)
_VEO_WATERMARK = Param(
    "watermark",
    ParamType.TEXT,
    _("Watermark text"),
    help=_("Drawn on the video; leave empty for none."),
    max_length=100,
    advanced=True,
)
_VEO_TRANSLATION = Param(
    "enableTranslation",
    ParamType.BOOL,
    _("Translate prompt to English"),
    help=_("On: kie.ai translates a prompt written in another language into English first."),
    default=True,
    advanced=True,
)


def _veo_images(label, help, most: int) -> Param:
    return Param(
        "imageUrls",
        ParamType.IMAGES,
        label,
        help=help,
        required=True,
        min_items=1,
        max_items=most,
    )


def _veo_model(
    key: str,
    label: str,
    api_model: str,
    extend_model: str,
    prices: tuple[str, str, str],
    extend_price: str,
    expected: int,
    description,
    reference: bool,
) -> CatalogModel:
    generate = (_prompt(5000, _VIDEO_PROMPT_HELP),)
    tail = (_VEO_RESOLUTION, _VEO_SEEDS, _VEO_WATERMARK, _VEO_TRANSLATION)
    operations = [
        Operation(
            "text-to-video",
            _("Text to video"),
            (*generate, _veo_ratio(True), _veo_duration(False), *tail),
            api_model=f"{api_model}|TEXT_2_VIDEO",
        ),
        Operation(
            "frames-to-video",
            _("Video from a first (and last) frame"),
            (
                *generate,
                _veo_images(
                    _("First and last frames"),
                    _("One image to animate, or two: the first and the last frame."),
                    2,
                ),
                _veo_ratio(True),
                _veo_duration(False),
                *tail,
            ),
            api_model=f"{api_model}|FIRST_AND_LAST_FRAMES_2_VIDEO",
        ),
    ]
    if reference:  # kie: REFERENCE_2_VIDEO only with veo3_fast or veo3_lite
        operations.append(
            Operation(
                "reference-to-video",
                _("Video from reference images"),
                (
                    *generate,
                    _veo_images(
                        _("Reference images"),
                        _("1 to 3 images of the product, person or style to keep."),
                        3,
                    ),
                    _veo_ratio(False),
                    _veo_duration(True),
                    *tail,
                ),
                api_model=f"{api_model}|REFERENCE_2_VIDEO",
            )
        )
    followup = {"source_kind": Kind.VIDEO, "source_models": (key,)}
    operations += [
        Operation(
            "extend",
            _("Extend this video"),
            (
                _prompt(5000, _("What happens next. English works best.")),
                _VEO_SEEDS,
                _VEO_WATERMARK,
            ),
            api_model=f"extend|{extend_model}",
            source_operations=_GENERATED,
            pricing=Pricing(unit=Decimal(extend_price), documented=True, source=_PRICE_SOURCE),
            expected_seconds=480,
            **followup,
        ),
        Operation(
            "1080p",
            _("Get the 1080p version"),
            (),
            api_model="1080p",
            source_operations=_GENERATED,
            pricing=Pricing(unit=Decimal("5"), documented=True, source=_PRICE_SOURCE),
            expected_seconds=120,
            min_poll_seconds=20,
            **followup,
        ),
        Operation(
            "4k",
            _("Get the 4K version"),
            (),
            api_model="4k",
            source_operations=_GENERATED,
            pricing=Pricing(unit=Decimal("120"), documented=True, source=_PRICE_SOURCE),
            expected_seconds=450,
            min_poll_seconds=30,
            **followup,
        ),
    ]
    return CatalogModel(
        key=key,
        label=label,
        kind=Kind.VIDEO,
        family=Family.VEO,
        description=description,
        operations=tuple(operations),
        pricing=Pricing(
            unit=Decimal(prices[0]),
            documented=True,
            source=_PRICE_SOURCE,
            by_param="resolution",
            by_value={
                "720p": Decimal(prices[0]),
                "1080p": Decimal(prices[1]),
                "4k": Decimal(prices[2]),
            },
        ),
        expected_seconds=expected,
        timeout_seconds=30 * 60,  # extends and 4K take "over ten minutes" (kie-api.md 4.7)
    )


VEO3_QUALITY = _veo_model(
    "veo3-quality",
    "Veo 3.1 Quality",
    "veo3",
    "quality",
    ("250", "255", "370"),
    "250",
    240,
    _("Google's best video model, with sound: the most lifelike motion and light."),
    reference=False,
)
VEO3_FAST = _veo_model(
    "veo3-fast",
    "Veo 3.1 Fast",
    "veo3_fast",
    "fast",
    ("60", "65", "180"),
    "60",
    150,
    _("Google's Veo 3.1 at a quarter of the price, with sound: good for most ads."),
    reference=True,
)
VEO3_LITE = _veo_model(
    "veo3-lite",
    "Veo 3.1 Lite",
    "veo3_lite",
    "lite",
    ("30", "35", "150"),
    "30",
    120,
    _("The cheapest Veo 3.1, with sound: drafts and quick tests."),
    reference=True,
)

# --- Runway ----------------------------------------------------------------------------

_RUNWAY_DURATION = Param(
    "duration",
    ParamType.CHOICE,
    _("Duration"),
    default=5,
    required=True,
    choices=((5, _("5 seconds")), (10, _("10 seconds"))),
)
_RUNWAY_QUALITY = Param(
    "quality",
    ParamType.CHOICE,
    _("Quality"),
    help=_("1080p is for 5-second videos only."),
    default="720p",
    required=True,
    choices=(("720p", "720p"), ("1080p", "1080p")),
)
_RUNWAY_RATIO = Param(
    "aspectRatio",
    ParamType.CHOICE,
    _("Aspect ratio"),
    default="16:9",
    required=True,
    choices=(
        ("16:9", _("Landscape 16:9")),
        ("4:3", _("Landscape 4:3")),
        ("1:1", _("Square 1:1")),
        ("3:4", _("Portrait 3:4")),
        ("9:16", _("Portrait 9:16")),
    ),
)
_RUNWAY_WATERMARK = Param(
    "waterMark",
    ParamType.TEXT,
    _("Watermark text"),
    help=_("Drawn bottom-right; leave empty for none."),
    max_length=100,
    advanced=True,
)
_RUNWAY_PROMPT = _prompt(
    1800, _("Describe the scene and the camera movement (no sound). English works best.")
)


def _no_1080p_at_10_seconds(values: Mapping[str, Any]) -> dict[str, str]:
    if values.get("quality") == "1080p" and values.get("duration") == 10:
        return {"quality": str(_("1080p is only made for 5-second videos: choose 720p or 5 s."))}
    return {}


RUNWAY = CatalogModel(
    key="runway",
    label="Runway Gen-4 Turbo",
    kind=Kind.VIDEO,
    family=Family.RUNWAY,
    description=_("Runway's fast video model: 5 or 10 seconds from a prompt or an image."),
    operations=(
        Operation(
            "text-to-video",
            _("Text to video"),
            (_RUNWAY_PROMPT, _RUNWAY_DURATION, _RUNWAY_QUALITY, _RUNWAY_RATIO, _RUNWAY_WATERMARK),
            check=_no_1080p_at_10_seconds,
        ),
        Operation(
            "image-to-video",
            _("Video from an image"),
            (
                _prompt(1800, _("Describe the motion. English works best.")),
                Param(
                    "imageUrl",
                    ParamType.IMAGES,
                    _("Image to animate"),
                    help=_("One image (PNG, JPEG or WebP); the video keeps its framing."),
                    required=True,
                    min_items=1,
                    max_items=1,
                ),
                _RUNWAY_DURATION,
                _RUNWAY_QUALITY,
                _RUNWAY_WATERMARK,
            ),
            check=_no_1080p_at_10_seconds,
        ),
        Operation(
            "extend",
            _("Extend this video"),
            (
                _prompt(1800, _("What happens next. English works best.")),
                _RUNWAY_QUALITY,
                _RUNWAY_WATERMARK,
            ),
            api_model="extend",
            source_kind=Kind.VIDEO,
            source_models=("runway",),
            source_operations=("text-to-video", "image-to-video", "extend"),
            pricing=Pricing(
                unit=Decimal("12"),
                documented=False,
                source=_("estimate: kie.ai lists no extend price; a 5-second video's"),
                by_param="quality",
                by_value={"720p": Decimal("12"), "1080p": Decimal("30")},
            ),
            expected_seconds=90,
        ),
    ),
    pricing=Pricing(
        unit=Decimal("12"),
        documented=True,
        source=_PRICE_SOURCE,
        by_param="duration,quality",
        by_value={
            (5, "720p"): Decimal("12"),
            (10, "720p"): Decimal("30"),
            (5, "1080p"): Decimal("30"),
        },
    ),
    expected_seconds=60,
)

MODELS: tuple[CatalogModel, ...] = (VEO3_QUALITY, VEO3_FAST, VEO3_LITE, RUNWAY)
