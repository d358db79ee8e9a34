"""Every kie.ai model the studio offers, as data.

The generate form, the CLI, validation, the price estimate and the sandbox all read
this module; adding a model is adding an entry. It imports nothing from Django.

Parameter names are kie.ai's own field names, so a validated parameter dict is the
request body (the kie adapters only wrap it: Market models nest it under "input").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


class Family(StrEnum):
    """A kie.ai API family: its own paths, request shape and status vocabulary."""

    GPT4O_IMAGE = "gpt4o_image"
    FLUX_KONTEXT = "flux_kontext"
    MARKET = "market"


class ParamType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    IMAGES = "images"  # reference images: uploaded files, turned into kie URLs at submit


@dataclass(frozen=True)
class Param:
    name: str  # kie.ai's field name
    type: ParamType
    label: str
    help: str = ""
    default: Any = None
    required: bool = False
    choices: tuple[tuple[Any, str], ...] = ()  # (value, label)
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    min_items: int = 0
    max_items: int | None = None
    long_text: bool = False
    advanced: bool = False  # shown folded in the form

    def choice_values(self) -> tuple[Any, ...]:
        return tuple(value for value, _ in self.choices)


@dataclass(frozen=True)
class Operation:
    """One thing a model can do: its own kie model id and the parameters it takes."""

    key: str
    label: str
    params: tuple[Param, ...]
    api_model: str | None = None  # Market model id or Flux "model" field; None for 4o

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    @property
    def image_param(self) -> Param | None:
        return next((p for p in self.params if p.type is ParamType.IMAGES), None)


@dataclass(frozen=True)
class Pricing:
    """Credits for one task: a unit price, optionally chosen by one parameter's value,
    times an optional count parameter (variants, images).

    `documented` is False where kie.ai publishes no price: the number is our estimate
    and the UI says so. Admins override unit prices in the admin (PriceOverride),
    keyed by `price_key`.
    """

    unit: Decimal
    documented: bool
    source: str
    by_param: str | None = None
    by_value: Mapping[Any, Decimal] = field(default_factory=dict)
    count_param: str | None = None

    def price_keys(self) -> list[tuple[str, Decimal]]:
        """Every overridable unit price, with its catalog value."""
        if self.by_param:
            return [(f"{self.by_param}={value}", price) for value, price in self.by_value.items()]
        return [("", self.unit)]

    def price_key(self, params: Mapping[str, Any]) -> str:
        if self.by_param and params.get(self.by_param) in self.by_value:
            return f"{self.by_param}={params[self.by_param]}"
        return ""

    def estimate(
        self, params: Mapping[str, Any], overrides: Mapping[str, Decimal] | None = None
    ) -> Decimal:
        key = self.price_key(params)
        if overrides and key in overrides:
            unit = Decimal(overrides[key])
        elif key:
            unit = self.by_value[params[self.by_param]]
        else:
            unit = self.unit
        count = int(params.get(self.count_param) or 1) if self.count_param else 1
        return (unit * count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CatalogModel:
    key: str
    label: str
    kind: Kind
    family: Family
    description: str
    operations: tuple[Operation, ...]
    pricing: Pricing
    expected_seconds: int  # typical time to a result; drives the poll interval
    timeout_seconds: int = 15 * 60  # kie advises giving up polling after 10-15 min
    output_count_param: str | None = None

    def operation(self, key: str | None = None) -> Operation:
        if key is None:
            return self.operations[0]
        for op in self.operations:
            if op.key == key:
                return op
        known = ", ".join(op.key for op in self.operations)
        raise CatalogError({"operation": f"{self.label} has no operation {key!r} (use {known})"})

    def estimate(
        self, params: Mapping[str, Any], overrides: Mapping[str, Decimal] | None = None
    ) -> Decimal:
        return self.pricing.estimate(params, overrides)

    def image_operation(self) -> Operation | None:
        """The operation that takes an input image (edit, remix), if any."""
        return next((op for op in self.operations if op.image_param), None)


class CatalogError(ValueError):
    """Input that the catalog refuses; `errors` maps a parameter name to a message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {msg}" for name, msg in self.errors.items()))


# --- validation ---------------------------------------------------------------------

_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"0", "false", "no", "off", ""}


def coerce(param: Param, raw: Any) -> Any:
    """Turn a form/CLI string or a JSON value into the parameter's type, or raise ValueError."""
    if param.type is ParamType.TEXT:
        if not isinstance(raw, str):
            raise ValueError("must be text")
        value = raw.strip()
        if "\x00" in value:  # PostgreSQL stores no NUL: refuse it here, by name
            raise ValueError("must not contain a NUL character")
        if param.max_length and len(value) > param.max_length:
            raise ValueError(f"is {len(value)} characters; the limit is {param.max_length}")
        return value
    if param.type is ParamType.BOOL:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise ValueError("must be true or false")
    if param.type in (ParamType.INT, ParamType.FLOAT):
        if isinstance(raw, bool):
            raise ValueError("must be a number")
        try:
            number = int(str(raw).strip()) if param.type is ParamType.INT else float(raw)
        except (TypeError, ValueError):
            kind = "a whole number" if param.type is ParamType.INT else "a number"
            raise ValueError(f"must be {kind}") from None
        except OverflowError:  # a whole number too big for a float
            number = math.inf
        if not math.isfinite(number):  # NaN passes every comparison, and no database stores it
            raise ValueError("must be a finite number")
        if param.minimum is not None and number < param.minimum:
            raise ValueError(f"must be at least {param.minimum:g}")
        if param.maximum is not None and number > param.maximum:
            raise ValueError(f"must be at most {param.maximum:g}")
        return number
    if param.type is ParamType.CHOICE:
        for value, _label in param.choices:
            if raw == value or str(raw).strip() == str(value):
                return value
        options = ", ".join(str(v) for v in param.choice_values())
        raise ValueError(f"must be one of {options}")
    if param.type is ParamType.IMAGES:
        items = list(raw) if isinstance(raw, list | tuple) else [raw]
        items = [item for item in items if item]
        if param.max_items is not None and len(items) > param.max_items:
            if param.max_items == 1:
                raise ValueError("can hold only one image")
            raise ValueError(f"can hold at most {param.max_items} images")
        return items
    raise ValueError(f"has an unknown type {param.type}")


def validate(
    model: CatalogModel, operation_key: str | None, raw: Mapping[str, Any]
) -> tuple[Operation, dict[str, Any]]:
    """Check raw input against an operation's parameters.

    Returns the operation and a dict holding every parameter (defaults filled in) with
    typed values; image parameters hold the given references unchanged. Raises
    CatalogError naming each bad field, and refuses unknown field names.
    """
    operation = model.operation(operation_key)
    errors: dict[str, str] = {}
    known = {p.name for p in operation.params}
    for name in raw:
        if name not in known:
            errors[name] = f"is not a parameter of {model.label} ({operation.label})"
    clean: dict[str, Any] = {}
    for param in operation.params:
        given = raw.get(param.name)
        empty = given is None or given == "" or given == [] or given == ()
        if empty and param.type is ParamType.BOOL and param.name in raw:
            empty = False  # an unticked checkbox is an answer
        if empty:
            if param.type is ParamType.IMAGES:
                if param.min_items:
                    errors[param.name] = _needs_images(param.min_items)
                else:
                    clean[param.name] = []
                continue
            if param.default is not None:
                clean[param.name] = param.default
            elif param.required:
                errors[param.name] = "is required"
            continue
        try:
            value = coerce(param, given)
        except ValueError as exc:
            errors[param.name] = str(exc)
            continue
        if param.type is ParamType.IMAGES and len(value) < param.min_items:
            errors[param.name] = _needs_images(param.min_items)
            continue
        if param.required and value in ("", []):
            errors[param.name] = "is required"
            continue
        clean[param.name] = value
    if errors:
        raise CatalogError(errors)
    return operation, clean


def _needs_images(count: int) -> str:
    return "needs an image" if count == 1 else f"needs at least {count} images"


# --- the models ---------------------------------------------------------------------

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
_BY_KEY = {model.key: model for model in MODELS}
KIND_LABELS = {Kind.IMAGE: "Images", Kind.VIDEO: "Videos", Kind.AUDIO: "Music"}


def get(key: str) -> CatalogModel:
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(_BY_KEY)
        raise CatalogError({"model": f"unknown model {key!r} (known: {known})"}) from None


def by_kind() -> dict[Kind, list[CatalogModel]]:
    grouped: dict[Kind, list[CatalogModel]] = {kind: [] for kind in Kind}
    for model in MODELS:
        grouped[model.kind].append(model)
    return grouped


def find_by_api_model(family: Family, api_model: str | None) -> CatalogModel | None:
    """The catalog entry behind a kie request (the sandbox prices tasks with it)."""
    for model in MODELS:
        if model.family is not family:
            continue
        if any(op.api_model == api_model for op in model.operations):
            return model
    return None
