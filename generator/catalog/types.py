"""The shapes of the catalog: kinds, API families, parameters, operations, pricing.

Labels, help texts and descriptions are lazy translations (`gettext_lazy`): `str` below
means "text to show", read in the language of whoever shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _


class Kind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


class Family(StrEnum):
    """A kie.ai API family: its own paths, request shape and status vocabulary."""

    GPT4O_IMAGE = "gpt4o_image"
    FLUX_KONTEXT = "flux_kontext"
    MARKET = "market"
    VEO = "veo"
    RUNWAY = "runway"
    ALEPH = "aleph"
    LUMA = "luma"
    SUNO = "suno"
    LOCAL = "local"  # made here, without kie.ai (a soundtrack under a video): no credits


class ParamType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    IMAGES = "images"  # reference images: uploaded files, turned into kie URLs at submit
    VIDEOS = "videos"  # input videos (Aleph, Luma): uploaded like images
    AUDIO = "audio"  # input tracks (Suno upload-and-cover/extend): uploaded like images


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
    # A follow-up acts on a finished task of ours (Veo extend/1080p/4K, Runway extend,
    # Suno extend/stems...): the task's `source_asset` names it, and kie is addressed by
    # that asset's upstream task id. None for an operation that starts from nothing.
    source_kind: Kind | None = None
    # Catalog keys whose results this follow-up accepts (empty: any model of source_kind).
    source_models: tuple[str, ...] = ()
    # Operations of the source task this follow-up accepts (empty: any). Veo's 1080p/4K
    # results cannot be extended nor upgraded again.
    source_operations: tuple[str, ...] = ()
    # Its own price, expected time and polling pace where they differ from the model's
    # (Veo get-4K: 120 credits, 5-10 minutes, asked at most every 30 s).
    pricing: Pricing | None = None
    expected_seconds: int | None = None
    min_poll_seconds: float | None = None
    # Rules between parameters (Runway: no 1080p at 10 s): given the validated values,
    # returns {parameter: message} for each broken rule.
    check: Callable[[Mapping[str, Any]], Mapping[str, str]] | None = None

    @property
    def is_followup(self) -> bool:
        return self.source_kind is not None

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    @property
    def image_param(self) -> Param | None:
        return next((p for p in self.params if p.type is ParamType.IMAGES), None)

    @property
    def file_params(self) -> tuple[Param, ...]:
        """Parameters filled with files (images, videos, audio) uploaded to kie."""
        kinds = (ParamType.IMAGES, ParamType.VIDEOS, ParamType.AUDIO)
        return tuple(p for p in self.params if p.type in kinds)


@dataclass(frozen=True)
class Pricing:
    """Credits for one task: a unit price, optionally chosen by one parameter's value (or
    by several together: `by_param` "duration,sound" and `by_value` keyed by tuples),
    times an optional count parameter (variants, images, seconds).

    `documented` is False where kie.ai publishes no price: the number is our estimate
    and the UI says so. Admins override unit prices in the admin (PriceOverride),
    keyed by `price_key` ("rendering_speed=QUALITY", "duration=10,sound=true").
    """

    unit: Decimal
    documented: bool
    source: str
    by_param: str | None = None
    by_value: Mapping[Any, Decimal] = field(default_factory=dict)
    count_param: str | None = None

    @property
    def param_names(self) -> list[str]:
        """The parameters whose values change the price."""
        return [*self.by_params, *([self.count_param] if self.count_param else [])]

    @property
    def by_params(self) -> tuple[str, ...]:
        """The parameters that choose the unit price."""
        return tuple(name.strip() for name in (self.by_param or "").split(",") if name.strip())

    def _key_for(self, value: Any) -> str:
        values = value if len(self.by_params) > 1 else (value,)
        return ",".join(
            f"{name}={_price_word(item)}" for name, item in zip(self.by_params, values, strict=True)
        )

    def _value_of(self, params: Mapping[str, Any]) -> Any:
        names = self.by_params
        if len(names) == 1:
            return params.get(names[0])
        return tuple(params.get(name) for name in names)

    def price_keys(self) -> list[tuple[str, Decimal]]:
        """Every overridable unit price, with its catalog value."""
        if self.by_param:
            return [(self._key_for(value), price) for value, price in self.by_value.items()]
        return [("", self.unit)]

    def price_key(self, params: Mapping[str, Any]) -> str:
        if self.by_param:
            value = self._value_of(params)
            if value in self.by_value:
                return self._key_for(value)
        return ""

    def estimate(
        self, params: Mapping[str, Any], overrides: Mapping[str, Decimal] | None = None
    ) -> Decimal:
        key = self.price_key(params)
        if overrides and key in overrides:
            unit = Decimal(overrides[key])
        elif key:
            unit = self.by_value[self._value_of(params)]
        else:
            unit = self.unit
        count = int(params.get(self.count_param) or 1) if self.count_param else 1
        return (unit * count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _price_word(value: Any) -> str:
    """A parameter value as written in a price key: booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Retirement:
    """A model known to be gone upstream: shown greyed with why, never submitted."""

    since: str  # ISO date
    reason: str
    source: str  # where we learnt it (a URL or a document section)


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
    retired: Retirement | None = None

    def operation(self, key: str | None = None) -> Operation:
        if key is None:
            return self.operations[0]
        for op in self.operations:
            if op.key == key:
                return op
        known = ", ".join(op.key for op in self.operations)
        raise CatalogError(
            {
                "operation": _("%(model)s has no operation %(key)r (use %(known)s)")
                % {"model": self.label, "key": key, "known": known}
            }
        )

    def pricing_for(self, operation_key: str | None = None) -> Pricing:
        """The operation's own price where it has one (a follow-up), else the model's."""
        if operation_key:
            own = next((op.pricing for op in self.operations if op.key == operation_key), None)
            if own is not None:
                return own
        return self.pricing

    def estimate(
        self,
        params: Mapping[str, Any],
        overrides: Mapping[str, Decimal] | None = None,
        operation_key: str | None = None,
    ) -> Decimal:
        pricing = self.pricing_for(operation_key)
        # Admins' overrides are keyed on the model's prices; an operation's own price
        # is not overridable yet.
        return pricing.estimate(params, overrides if pricing is self.pricing else None)

    def expected_seconds_for(self, operation_key: str | None = None) -> int:
        own = next((op.expected_seconds for op in self.operations if op.key == operation_key), None)
        return own or self.expected_seconds

    def image_operation(self) -> Operation | None:
        """The operation that takes an input image (edit, remix), if any."""
        return next((op for op in self.operations if op.image_param), None)


class CatalogError(ValueError):
    """Input that the catalog refuses; `errors` maps a parameter name to a message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {msg}" for name, msg in self.errors.items()))
