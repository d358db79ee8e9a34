"""The image models: 4o Image, Flux Kontext Pro and Max, Ideogram V3."""

from __future__ import annotations

from decimal import Decimal

from .types import CatalogModel, Family, Kind, Operation, Param, ParamType, Pricing

_PROMPT_HELP = "Describe the picture: subject, setting, style, light. English works best."


def _prompt(max_length: int, required: bool = True, help: str = _PROMPT_HELP) -> Param:
    return Param(
        "prompt",
        ParamType.TEXT,
        "Prompt",
        help=help,
        required=required,
        max_length=max_length,
        long_text=True,
    )


_4O_SIZE = Param(
    "size",
    ParamType.CHOICE,
    "Aspect ratio",
    help="1:1 suits feeds; 3:2 is landscape (link posts); 2:3 is portrait (stories).",
    default="1:1",
    required=True,
    choices=(("1:1", "Square 1:1"), ("3:2", "Landscape 3:2"), ("2:3", "Portrait 2:3")),
)
_4O_VARIANTS = Param(
    "nVariants",
    ParamType.CHOICE,
    "Variants",
    help="How many images to make from one prompt; each one costs credits.",
    default=1,
    choices=((1, "1 image"), (2, "2 images"), (4, "4 images")),
)
_4O_ENHANCE = Param(
    "isEnhance",
    ParamType.BOOL,
    "Enhance prompt",
    help="Let kie.ai rewrite the prompt for more detail.",
    default=False,
    advanced=True,
)

GPT4O_IMAGE = CatalogModel(
    key="4o-image",
    label="4o Image",
    kind=Kind.IMAGE,
    family=Family.GPT4O_IMAGE,
    description="OpenAI's GPT-Image-1: strong at following detailed prompts and editing "
    "with reference images.",
    operations=(
        Operation(
            "text-to-image",
            "Text to image",
            (_prompt(5000), _4O_SIZE, _4O_VARIANTS, _4O_ENHANCE),
        ),
        Operation(
            "edit",
            "Edit with reference images",
            (
                _prompt(5000, help="Say what to change or how to combine the reference images."),
                Param(
                    "filesUrl",
                    ParamType.IMAGES,
                    "Reference images",
                    help="1 to 5 images (PNG, JPEG or WebP).",
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
        source="estimate: third-party notes give 5-8 credits per image",
        count_param="nVariants",
    ),
    expected_seconds=60,
    output_count_param="nVariants",
)


def _flux_params(edit: bool) -> tuple[Param, ...]:
    params: list[Param] = [
        _prompt(
            3000,
            help="Describe the picture (or, when editing, the change). Non-English "
            "prompts are translated.",
        )
    ]
    if edit:
        params.append(
            Param(
                "inputImage",
                ParamType.IMAGES,
                "Image to edit",
                help="One image (PNG, JPEG or WebP).",
                required=True,
                min_items=1,
                max_items=1,
            )
        )
    params += [
        Param(
            "aspectRatio",
            ParamType.CHOICE,
            "Aspect ratio",
            help="When editing, leave empty to keep the image's own ratio."
            if edit
            else "16:9 suits link posts, 1:1 feeds, 9:16 stories.",
            default=None if edit else "16:9",
            choices=(
                ("21:9", "Ultra-wide 21:9"),
                ("16:9", "Landscape 16:9"),
                ("4:3", "Landscape 4:3"),
                ("1:1", "Square 1:1"),
                ("3:4", "Portrait 3:4"),
                ("9:16", "Portrait 9:16"),
            ),
        ),
        Param(
            "outputFormat",
            ParamType.CHOICE,
            "File format",
            default="jpeg",
            choices=(("jpeg", "JPEG"), ("png", "PNG")),
        ),
        Param(
            "promptUpsampling",
            ParamType.BOOL,
            "Enrich prompt",
            help="Let the model add detail to a short prompt.",
            default=False,
            advanced=True,
        ),
        Param(
            "safetyTolerance",
            ParamType.INT,
            "Safety tolerance",
            help="0 is the strictest moderation; higher allows more.",
            default=2,
            minimum=0,
            maximum=2 if edit else 6,
            advanced=True,
        ),
        Param(
            "enableTranslation",
            ParamType.BOOL,
            "Translate prompt to English",
            help="French prompts work when this is on.",
            default=True,
            advanced=True,
        ),
    ]
    return tuple(params)


def _flux_model(key: str, label: str, api_model: str, credits: str, desc: str) -> CatalogModel:
    return CatalogModel(
        key=key,
        label=label,
        kind=Kind.IMAGE,
        family=Family.FLUX_KONTEXT,
        description=desc,
        operations=(
            Operation("text-to-image", "Text to image", _flux_params(False), api_model),
            Operation("edit", "Edit an image", _flux_params(True), api_model),
        ),
        pricing=Pricing(
            unit=Decimal(credits),
            documented=False,
            source="estimate: kie.ai publishes no Flux Kontext price in its API docs",
        ),
        expected_seconds=30,
    )


FLUX_KONTEXT_PRO = _flux_model(
    "flux-kontext-pro",
    "Flux Kontext Pro",
    "flux-kontext-pro",
    "5",
    "Black Forest Labs: fast, faithful edits that keep the rest of the picture.",
)
FLUX_KONTEXT_MAX = _flux_model(
    "flux-kontext-max",
    "Flux Kontext Max",
    "flux-kontext-max",
    "10",
    "Black Forest Labs' strongest Kontext model: better typography and detail.",
)

_IDEOGRAM_SPEED = Param(
    "rendering_speed",
    ParamType.CHOICE,
    "Rendering",
    help="Turbo is cheapest; Quality is the most detailed.",
    default="BALANCED",
    choices=(("TURBO", "Turbo"), ("BALANCED", "Balanced"), ("QUALITY", "Quality")),
)
_IDEOGRAM_STYLE = Param(
    "style",
    ParamType.CHOICE,
    "Style",
    default="AUTO",
    choices=(
        ("AUTO", "Auto"),
        ("GENERAL", "General"),
        ("REALISTIC", "Realistic"),
        ("DESIGN", "Design"),
    ),
)
_IDEOGRAM_SIZE = Param(
    "image_size",
    ParamType.CHOICE,
    "Size",
    default="square_hd",
    choices=(
        ("square", "Square"),
        ("square_hd", "Square HD"),
        ("portrait_4_3", "Portrait 3:4"),
        ("portrait_16_9", "Portrait 9:16"),
        ("landscape_4_3", "Landscape 4:3"),
        ("landscape_16_9", "Landscape 16:9"),
    ),
)
_IDEOGRAM_COMMON = (
    Param(
        "expand_prompt",
        ParamType.BOOL,
        "MagicPrompt",
        help="Let Ideogram expand the prompt.",
        default=False,
        advanced=True,
    ),
    Param(
        "negative_prompt",
        ParamType.TEXT,
        "Avoid",
        help="What must not appear.",
        max_length=5000,
        advanced=True,
    ),
    Param(
        "seed",
        ParamType.INT,
        "Seed",
        help="Same seed and settings give a similar picture.",
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
    description="Best at legible text inside the image: logos, banners, offers.",
    operations=(
        Operation(
            "text-to-image",
            "Text to image",
            (
                _prompt(5000, help="Put the exact words to show in quotes."),
                _IDEOGRAM_SPEED,
                _IDEOGRAM_STYLE,
                _IDEOGRAM_SIZE,
                *_IDEOGRAM_COMMON,
            ),
            api_model="ideogram/v3-text-to-image",
        ),
        Operation(
            "remix",
            "Remix an image",
            (
                _prompt(5000, help="Describe the new picture; the image guides it."),
                Param(
                    "image_url",
                    ParamType.IMAGES,
                    "Image to remix",
                    help="One image (PNG, JPEG or WebP).",
                    required=True,
                    min_items=1,
                    max_items=1,
                ),
                Param(
                    "strength",
                    ParamType.FLOAT,
                    "Strength",
                    help="How far to move from the image (0.01-1).",
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
    ),
    pricing=Pricing(
        unit=Decimal("7"),
        documented=False,
        source="estimate: kie.ai publishes no Ideogram V3 price in its API docs",
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
