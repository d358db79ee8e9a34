"""The image models: 4o Image, Flux Kontext Pro and Max, Ideogram V3."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .types import CatalogModel, Family, Kind, Operation, Param, ParamType, Pricing

_PROMPT_HELP = _("Describe the picture: subject, setting, style, light. English works best.")


def _prompt(max_length: int, required: bool = True, help=_PROMPT_HELP) -> Param:
    return Param(
        "prompt",
        ParamType.TEXT,
        _("Prompt"),
        help=help,
        required=required,
        max_length=max_length,
        long_text=True,
    )


_4O_SIZE = Param(
    "size",
    ParamType.CHOICE,
    _("Aspect ratio"),
    help=_("1:1 suits feeds; 3:2 is landscape (link posts); 2:3 is portrait (stories)."),
    default="1:1",
    required=True,
    choices=(("1:1", _("Square 1:1")), ("3:2", _("Landscape 3:2")), ("2:3", _("Portrait 2:3"))),
)
_4O_VARIANTS = Param(
    "nVariants",
    ParamType.CHOICE,
    _("Variants"),
    help=_("How many images to make from one prompt; each one costs credits."),
    default=1,
    choices=((1, _("1 image")), (2, _("2 images")), (4, _("4 images"))),
)
_4O_ENHANCE = Param(
    "isEnhance",
    ParamType.BOOL,
    _("Enhance prompt"),
    help=_("Let kie.ai rewrite the prompt for more detail."),
    default=False,
    advanced=True,
)

GPT4O_IMAGE = CatalogModel(
    key="4o-image",
    label="4o Image",
    kind=Kind.IMAGE,
    family=Family.GPT4O_IMAGE,
    description=_(
        "OpenAI's GPT-Image-1: strong at following detailed prompts and editing "
        "with reference images."
    ),
    operations=(
        Operation(
            "text-to-image",
            _("Text to image"),
            (_prompt(5000), _4O_SIZE, _4O_VARIANTS, _4O_ENHANCE),
        ),
        Operation(
            "edit",
            _("Edit with reference images"),
            (
                _prompt(
                    5000,
                    help=_(
                        "Say what to change or how to combine the reference images. "
                        "English works best."
                    ),
                ),
                Param(
                    "filesUrl",
                    ParamType.IMAGES,
                    _("Reference images"),
                    help=_("1 to 5 images (PNG, JPEG or WebP)."),
                    required=True,
                    min_items=1,
                    max_items=5,
                ),
                _4O_SIZE,
                _4O_VARIANTS,
                _4O_ENHANCE,
            ),
        ),
    ),
    pricing=Pricing(
        unit=Decimal("6"),
        documented=False,
        source=_("estimate: third-party notes give 5-8 credits per image"),
        count_param="nVariants",
    ),
    expected_seconds=60,
    output_count_param="nVariants",
)


def _flux_params(edit: bool) -> tuple[Param, ...]:
    params: list[Param] = [
        _prompt(
            3000,
            help=_(
                "Describe the picture (or, when editing, the change). Flux reads English "
                "only: with “Translate prompt to English” on, kie.ai translates other "
                "languages first."
            ),
        )
    ]
    if edit:
        params.append(
            Param(
                "inputImage",
                ParamType.IMAGES,
                _("Image to edit"),
                help=_("One image (PNG, JPEG or WebP)."),
                required=True,
                min_items=1,
                max_items=1,
            )
        )
    params += [
        Param(
            "aspectRatio",
            ParamType.CHOICE,
            _("Aspect ratio"),
            help=_("When editing, leave empty to keep the image's own ratio.")
            if edit
            else _("16:9 suits link posts, 1:1 feeds, 9:16 stories."),
            default=None if edit else "16:9",
            choices=(
                ("21:9", _("Ultra-wide 21:9")),
                ("16:9", _("Landscape 16:9")),
                ("4:3", _("Landscape 4:3")),
                ("1:1", _("Square 1:1")),
                ("3:4", _("Portrait 3:4")),
                ("9:16", _("Portrait 9:16")),
            ),
        ),
        Param(
            "outputFormat",
            ParamType.CHOICE,
            _("File format"),
            default="jpeg",
            choices=(("jpeg", "JPEG"), ("png", "PNG")),
        ),
        Param(
            "promptUpsampling",
            ParamType.BOOL,
            _("Enrich prompt"),
            help=_("Let the model add detail to a short prompt."),
            default=False,
            advanced=True,
        ),
        Param(
            "safetyTolerance",
            ParamType.INT,
            _("Safety tolerance"),
            help=_("0 is the strictest moderation; higher allows more."),
            default=2,
            minimum=0,
            maximum=2 if edit else 6,
            advanced=True,
        ),
        Param(
            "enableTranslation",
            ParamType.BOOL,
            _("Translate prompt to English"),
            help=_(
                "On: kie.ai translates a prompt written in another language (French, "
                "for instance) into English before generating. Off: write it in English. "
                "The studio sends your prompt exactly as you typed it."
            ),
            default=True,
            advanced=True,
        ),
    ]
    return tuple(params)


def _flux_model(key: str, label: str, api_model: str, credits: str, desc) -> CatalogModel:
    return CatalogModel(
        key=key,
        label=label,
        kind=Kind.IMAGE,
        family=Family.FLUX_KONTEXT,
        description=desc,
        operations=(
            Operation("text-to-image", _("Text to image"), _flux_params(False), api_model),
            Operation("edit", _("Edit an image"), _flux_params(True), api_model),
        ),
        pricing=Pricing(
            unit=Decimal(credits),
            documented=False,
            source=_("estimate: kie.ai publishes no Flux Kontext price in its API docs"),
        ),
        expected_seconds=30,
    )


FLUX_KONTEXT_PRO = _flux_model(
    "flux-kontext-pro",
    "Flux Kontext Pro",
    "flux-kontext-pro",
    "5",
    _("Black Forest Labs: fast, faithful edits that keep the rest of the picture."),
)
FLUX_KONTEXT_MAX = _flux_model(
    "flux-kontext-max",
    "Flux Kontext Max",
    "flux-kontext-max",
    "10",
    _("Black Forest Labs' strongest Kontext model: better typography and detail."),
)

_IDEOGRAM_SPEED = Param(
    "rendering_speed",
    ParamType.CHOICE,
    _("Rendering"),
    help=_("Turbo is cheapest; Quality is the most detailed."),
    default="BALANCED",
    choices=(("TURBO", _("Turbo")), ("BALANCED", _("Balanced")), ("QUALITY", _("Quality"))),
)
_IDEOGRAM_STYLE = Param(
    "style",
    ParamType.CHOICE,
    _("Style"),
    default="AUTO",
    choices=(
        ("AUTO", _("Auto")),
        ("GENERAL", _("General")),
        ("REALISTIC", _("Realistic")),
        ("DESIGN", _("Design")),
    ),
)
_IDEOGRAM_SIZE = Param(
    "image_size",
    ParamType.CHOICE,
    _("Size"),
    default="square_hd",
    choices=(
        ("square", _("Square")),
        ("square_hd", _("Square HD")),
        ("portrait_4_3", _("Portrait 3:4")),
        ("portrait_16_9", _("Portrait 9:16")),
        ("landscape_4_3", _("Landscape 4:3")),
        ("landscape_16_9", _("Landscape 16:9")),
    ),
)
_IDEOGRAM_COMMON = (
    Param(
        "expand_prompt",
        ParamType.BOOL,
        "MagicPrompt",
        help=_("Let Ideogram expand the prompt."),
        default=False,
        advanced=True,
    ),
    Param(
        "negative_prompt",
        ParamType.TEXT,
        _("Avoid"),
        help=_("What must not appear."),
        max_length=5000,
        advanced=True,
    ),
    Param(
        "seed",
        ParamType.INT,
        _("Seed"),
        help=_("Same seed and settings give a similar picture."),
        minimum=0,
        maximum=2**31 - 1,
        advanced=True,
    ),
)

IDEOGRAM_V3 = CatalogModel(
    key="ideogram-v3",
    label="Ideogram V3",
    kind=Kind.IMAGE,
    family=Family.MARKET,
    description=_("Best at legible text inside the image: logos, banners, offers."),
    operations=(
        Operation(
            "text-to-image",
            _("Text to image"),
            (
                _prompt(
                    5000,
                    help=_(
                        "Put the exact words to show in quotes, in the language they "
                        "must appear in."
                    ),
                ),
                _IDEOGRAM_SPEED,
                _IDEOGRAM_STYLE,
                _IDEOGRAM_SIZE,
                *_IDEOGRAM_COMMON,
            ),
            api_model="ideogram/v3-text-to-image",
        ),
        Operation(
            "remix",
            _("Remix an image"),
            (
                _prompt(
                    5000,
                    help=_("Describe the new picture; the image guides it."),
                ),
                Param(
                    "image_url",
                    ParamType.IMAGES,
                    _("Image to remix"),
                    help=_("One image (PNG, JPEG or WebP)."),
                    required=True,
                    min_items=1,
                    max_items=1,
                ),
                Param(
                    "strength",
                    ParamType.FLOAT,
                    _("Strength"),
                    help=_("How far to move from the image (0.01-1)."),
                    default=0.8,
                    minimum=0.01,
                    maximum=1,
                ),
                _IDEOGRAM_SPEED,
                _IDEOGRAM_STYLE,
                _IDEOGRAM_SIZE,
                *_IDEOGRAM_COMMON,
            ),
            api_model="ideogram/v3-remix",
        ),
        Operation(
            "edit",
            _("Edit inside a mask"),
            (
                _prompt(
                    5000,
                    help=_("Describe what to paint inside the masked area."),
                ),
                Param(
                    "image_url",
                    ParamType.IMAGES,
                    _("Image to edit"),
                    help=_("One image (PNG, JPEG or WebP, up to 10 MB)."),
                    required=True,
                    min_items=1,
                    max_items=1,
                ),
                Param(
                    "mask_url",
                    ParamType.IMAGES,
                    _("Mask"),
                    help=_(
                        "Same size as the image: the area to repaint in white, the area to "
                        "keep in black."
                    ),
                    required=True,
                    min_items=1,
                    max_items=1,
                ),
                _IDEOGRAM_SPEED,
                Param(
                    "expand_prompt",
                    ParamType.BOOL,
                    "MagicPrompt",
                    help=_("Let Ideogram expand the prompt."),
                    default=True,
                    advanced=True,
                ),
                _IDEOGRAM_COMMON[2],  # seed
            ),
            api_model="ideogram/v3-edit",
        ),
        Operation(
            "reframe",
            _("Reframe to a new size"),
            (
                Param(
                    "image_url",
                    ParamType.IMAGES,
                    _("Image to reframe"),
                    help=_("One image (PNG, JPEG or WebP); Ideogram extends it to the new size."),
                    required=True,
                    min_items=1,
                    max_items=1,
                ),
                Param(
                    "image_size",
                    ParamType.CHOICE,
                    _("New size"),
                    default="square_hd",
                    required=True,
                    choices=_IDEOGRAM_SIZE.choices,
                ),
                _IDEOGRAM_SPEED,
                _IDEOGRAM_STYLE,
                _IDEOGRAM_COMMON[2],  # seed
            ),
            api_model="ideogram/v3-reframe",
        ),
    ),
    pricing=Pricing(
        unit=Decimal("7"),
        documented=False,
        source=_("estimate: kie.ai publishes no Ideogram V3 price in its API docs"),
        by_param="rendering_speed",
        by_value={
            "TURBO": Decimal("3.5"),
            "BALANCED": Decimal("7"),
            "QUALITY": Decimal("10"),
        },
    ),
    expected_seconds=20,
)

MODELS: tuple[CatalogModel, ...] = (GPT4O_IMAGE, FLUX_KONTEXT_PRO, FLUX_KONTEXT_MAX, IDEOGRAM_V3)
