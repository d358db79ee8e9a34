"""The Market's video models (kie-api.md 9.3): Kling 2.1, 2.5 Turbo, 2.6 and 3.0, and the
retired Sora 2 and Sora 2 Pro.

Every one is created through /api/v1/jobs/createTask with its own model id per
operation; the parameters are kie's `input` fields. Kling's `duration` is a string
("5"), as kie wants it. Prices: kie.ai's table of 2026-06-30 (kie-api.md 10.1).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .types import CatalogModel, Family, Kind, Operation, Param, ParamType, Pricing, Retirement

_PROMPT_HELP = _(
    "Describe the shot: subject, action, camera movement, setting, light. English works best."
)
_PRICE_TABLE = _("kie.ai's price table (2026-06-30)")
_KLING_SECONDS = 150  # kie: a Kling video takes 1 to 3 minutes


def _prompt(max_length: int, help=_PROMPT_HELP) -> Param:
    return Param(
        "prompt",
        ParamType.TEXT,
        _("Prompt"),
        help=help,
        required=True,
        max_length=max_length,
        long_text=True,
    )


def _image(name: str, label, help, required: bool = True, max_items: int = 1) -> Param:
    return Param(
        name,
        ParamType.IMAGES,
        label,
        help=help,
        required=required,
        min_items=1 if required else 0,
        max_items=max_items,
    )


_FIRST_FRAME = _("The picture the video starts from: one image (PNG or JPEG, up to 10 MB).")


def _first_frame(name: str = "image_url") -> Param:
    return _image(name, _("Starting image"), _FIRST_FRAME)


def _duration(seconds: tuple[int, ...], default: int = 5) -> Param:
    return Param(
        "duration",
        ParamType.CHOICE,
        _("Duration"),
        help=_("Longer videos cost more."),
        default=str(default),
        required=True,
        choices=tuple((str(s), f"{s} s") for s in seconds),
    )


def _aspect_ratio(default: str = "16:9") -> Param:
    return Param(
        "aspect_ratio",
        ParamType.CHOICE,
        _("Aspect ratio"),
        help=_("16:9 suits link posts and LinkedIn, 9:16 stories and reels, 1:1 feeds."),
        default=default,
        required=True,
        choices=(
            ("16:9", _("Landscape 16:9")),
            ("9:16", _("Portrait 9:16")),
            ("1:1", _("Square 1:1")),
        ),
    )


def _negative_prompt(max_length: int) -> Param:
    return Param(
        "negative_prompt",
        ParamType.TEXT,
        _("Avoid"),
        help=_("What must not appear."),
        max_length=max_length,
        advanced=True,
    )


_CFG_SCALE = Param(
    "cfg_scale",
    ParamType.FLOAT,
    _("Prompt adherence"),
    help=_("0 lets the model improvise; 1 follows the prompt closely."),
    default=0.5,
    minimum=0,
    maximum=1,
    advanced=True,
)
_SOUND = Param(
    "sound",
    ParamType.BOOL,
    _("With sound"),
    help=_("Adds a soundtrack made with the picture; it costs more."),
    default=False,
)


def _tail_frame() -> Param:
    return _image(
        "tail_image_url",
        _("Ending image"),
        _("Optional: the picture the video ends on."),
        required=False,
    )


def _by_duration(five: str, ten: str) -> Pricing:
    return Pricing(
        unit=Decimal(five),
        documented=True,
        source=_PRICE_TABLE,
        by_param="duration",
        by_value={"5": Decimal(five), "10": Decimal(ten)},
    )


def _kling(key: str, label: str, description, operations, pricing, seconds=_KLING_SECONDS):
    return CatalogModel(
        key=key,
        label=label,
        kind=Kind.VIDEO,
        family=Family.MARKET,
        description=description,
        operations=operations,
        pricing=pricing,
        expected_seconds=seconds,
        timeout_seconds=20 * 60,
    )


def _kling_21_image_op(api_model: str, tail: bool) -> Operation:
    params = [
        _prompt(5000),
        _first_frame(),
        _duration((5, 10)),
        _negative_prompt(500),
        _CFG_SCALE,
    ]
    if tail:
        params.insert(2, _tail_frame())
    return Operation("image-to-video", _("Image to video"), tuple(params), api_model=api_model)


KLING_21_STANDARD = _kling(
    "kling-2.1-standard",
    "Kling 2.1 Standard",
    _("Kling's affordable image-to-video: animates a picture in 720p."),
    (_kling_21_image_op("kling/v2-1-standard", tail=False),),
    _by_duration("25", "50"),
)
KLING_21_PRO = _kling(
    "kling-2.1-pro",
    "Kling 2.1 Pro",
    _("Kling 2.1 in 1080p, with an optional ending image."),
    (_kling_21_image_op("kling/v2-1-pro", tail=True),),
    _by_duration("50", "100"),
)
KLING_21_MASTER = _kling(
    "kling-2.1-master",
    "Kling 2.1 Master",
    _("Kling 2.1's best quality, from a prompt or from a picture."),
    (
        Operation(
            "text-to-video",
            _("Text to video"),
            (_prompt(5000), _aspect_ratio(), _duration((5, 10)), _negative_prompt(500), _CFG_SCALE),
            api_model="kling/v2-1-master-text-to-video",
        ),
        _kling_21_image_op("kling/v2-1-master-image-to-video", tail=False),
    ),
    _by_duration("160", "320"),
)
KLING_25_TURBO = _kling(
    "kling-2.5-turbo",
    "Kling 2.5 Turbo Pro",
    _("Faster Kling with smoother motion, from a prompt or a picture."),
    (
        Operation(
            "text-to-video",
            _("Text to video"),
            (
                _prompt(2500),
                _aspect_ratio(),
                _duration((5, 10)),
                _negative_prompt(2500),
                _CFG_SCALE,
            ),
            api_model="kling/v2-5-turbo-text-to-video-pro",
        ),
        Operation(
            "image-to-video",
            _("Image to video"),
            (
                _prompt(2500),
                _first_frame(),
                _tail_frame(),
                _duration((5, 10)),
                _negative_prompt(500),
                _CFG_SCALE,
            ),
            api_model="kling/v2-5-turbo-image-to-video-pro",
        ),
    ),
    _by_duration("42", "84"),
)
KLING_26 = _kling(
    "kling-2.6",
    "Kling 2.6",
    _("Kling 2.6: natural motion, with or without a soundtrack made with the picture."),
    (
        Operation(
            "text-to-video",
            _("Text to video"),
            (_prompt(1000), _aspect_ratio(default="1:1"), _duration((5, 10)), _SOUND),
            api_model="kling-2.6/text-to-video",
        ),
        Operation(
            "image-to-video",
            _("Image to video"),
            (_prompt(1000), _first_frame("image_urls"), _duration((5, 10)), _SOUND),
            api_model="kling-2.6/image-to-video",
        ),
    ),
    Pricing(
        unit=Decimal("55"),
        documented=True,
        source=_PRICE_TABLE,
        by_param="duration,sound",
        by_value={
            ("5", False): Decimal("55"),
            ("10", False): Decimal("110"),
            ("5", True): Decimal("110"),
            ("10", True): Decimal("220"),
        },
    ),
)
_KLING_30_MODE = Param(
    "mode",
    ParamType.CHOICE,
    _("Quality"),
    help=_("Priced per second: 720p is cheapest, 4K the dearest."),
    default="pro",
    required=True,
    choices=(("std", _("Standard 720p")), ("pro", _("Pro 1080p")), ("4K", _("4K"))),
)
KLING_30 = _kling(
    "kling-3.0",
    "Kling 3.0",
    _("Kling's newest: 3 to 15 seconds, up to 4K, with or without sound."),
    (
        Operation(
            "text-to-video",
            _("Text to video"),
            (
                _prompt(2500),
                _aspect_ratio(),
                _duration(tuple(range(3, 16))),
                _KLING_30_MODE,
                _SOUND,
            ),
            api_model="kling-3.0/video",
        ),
        Operation(
            "image-to-video",
            _("Image to video"),
            (
                _prompt(2500),
                _image(
                    "image_urls",
                    _("Starting image"),
                    _("The first frame; add a second image to give the last frame too."),
                    max_items=2,
                ),
                _aspect_ratio(),
                _duration(tuple(range(3, 16))),
                _KLING_30_MODE,
                _SOUND,
            ),
            api_model="kling-3.0/video",
        ),
    ),
    Pricing(
        unit=Decimal("18"),
        documented=True,
        source=_("kie.ai's price table (2026-06-30), per second"),
        by_param="mode,sound",
        by_value={
            ("std", False): Decimal("14"),
            ("pro", False): Decimal("18"),
            ("4K", False): Decimal("67"),
            ("std", True): Decimal("20"),
            ("pro", True): Decimal("27"),
            ("4K", True): Decimal("67"),
        },
        count_param="duration",
    ),
    seconds=180,
)

SORA_RETIRED = Retirement(
    since="2026-09-24",
    reason=_(
        "OpenAI shut its Sora API down on 24 September 2026 and kie.ai removed the Sora 2 models."
    ),
    source="kie-api.md §9.3; openai/openai-python PR #3610; "
    "felores/kie-ai-mcp-server CHANGELOG 3.2.1",
)
_SORA_ASPECT = Param(
    "aspect_ratio",
    ParamType.CHOICE,
    _("Orientation"),
    default="landscape",
    choices=(("landscape", _("Landscape")), ("portrait", _("Portrait"))),
)
_SORA_FRAMES = Param(
    "n_frames",
    ParamType.CHOICE,
    _("Duration"),
    default="10",
    choices=(("10", "10 s"), ("15", "15 s")),
)
_SORA_WATERMARK = Param(
    "remove_watermark",
    ParamType.BOOL,
    _("Remove the watermark"),
    default=True,
    advanced=True,
)
_SORA_SIZE = Param(
    "size",
    ParamType.CHOICE,
    _("Quality"),
    default="high",
    choices=(("standard", _("Standard")), ("high", _("High"))),
)


def _sora_ops(prefix: str, pro: bool) -> tuple[Operation, ...]:
    extra = (_SORA_SIZE,) if pro else ()
    return (
        Operation(
            "text-to-video",
            _("Text to video"),
            (_prompt(10000), _SORA_ASPECT, _SORA_FRAMES, *extra, _SORA_WATERMARK),
            api_model=f"{prefix}-text-to-video",
        ),
        Operation(
            "image-to-video",
            _("Image to video"),
            (
                _prompt(10000),
                _first_frame("image_urls"),
                _SORA_ASPECT,
                _SORA_FRAMES,
                *extra,
                _SORA_WATERMARK,
            ),
            api_model=f"{prefix}-image-to-video",
        ),
    )


SORA_2 = CatalogModel(
    key="sora-2",
    label="Sora 2",
    kind=Kind.VIDEO,
    family=Family.MARKET,
    description=_("OpenAI's video model with sound (retired)."),
    operations=_sora_ops("sora-2", pro=False),
    pricing=Pricing(
        unit=Decimal("30"),
        documented=False,
        source=_("historical price: no longer in kie.ai's price table"),
    ),
    expected_seconds=180,
    timeout_seconds=20 * 60,
    retired=SORA_RETIRED,
)
SORA_2_PRO = CatalogModel(
    key="sora-2-pro",
    label="Sora 2 Pro",
    kind=Kind.VIDEO,
    family=Family.MARKET,
    description=_("OpenAI's best video model, with storyboards (retired)."),
    operations=(
        *_sora_ops("sora-2-pro", pro=True),
        Operation(
            "storyboard",
            _("Storyboard"),
            (
                Param(
                    "n_frames",
                    ParamType.CHOICE,
                    _("Duration"),
                    default="15",
                    required=True,
                    choices=(("10", "10 s"), ("15", "15 s"), ("25", "25 s")),
                ),
                Param(
                    "shots",
                    ParamType.TEXT,
                    _("Shots"),
                    help=_("One scene per line; their lengths add up to the duration."),
                    required=True,
                    long_text=True,
                    max_length=10000,
                ),
                _image("image_urls", _("Starting image"), _FIRST_FRAME, required=False),
                _SORA_ASPECT,
            ),
            api_model="sora-2-pro-storyboard",
        ),
    ),
    pricing=Pricing(
        unit=Decimal("150"),
        documented=False,
        source=_("historical price: no longer in kie.ai's price table"),
        by_param="n_frames",
        by_value={"10": Decimal("150"), "15": Decimal("270"), "25": Decimal("270")},
    ),
    expected_seconds=300,
    timeout_seconds=25 * 60,
    retired=SORA_RETIRED,
)

MODELS: tuple[CatalogModel, ...] = (
    KLING_21_STANDARD,
    KLING_21_PRO,
    KLING_21_MASTER,
    KLING_25_TURBO,
    KLING_26,
    KLING_30,
    SORA_2,
    SORA_2_PRO,
)
