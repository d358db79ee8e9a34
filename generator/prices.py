"""What a task will cost: the catalog's prices, replaced by those kie.ai publishes (its
Market price endpoint, read daily) and by admins' overrides, which win.

kie.ai tells a price in prose ("A 5-second video costs 160 credits (0.80 USD)"). It is
read for a catalog price only when it is unambiguous: one figure for a model with one
price, or one figure per clause naming exactly one of the values a price depends on
("Turbo: 3.5 credits, Balanced: 7 credits"). Anything else keeps the catalog's price.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from generator import catalog
from generator.kie import KieError
from generator.models import PriceOverride, PublishedPrice
from generator.upstream import kie_client

logger = logging.getLogger(__name__)

DISCOVERY_SPACING_SECONDS = 1.1  # kie.ai: one discovery request per second per account
_CREDITS = re.compile(r"(\d+(?:\.\d+)?)\s*credits?\b", re.IGNORECASE)
# "4 to 8 credits", "4-8 credits": a range is no price.
_RANGE = re.compile(r"\d\s*(?:-|–|to|and|or)\s*\d+(?:\.\d+)?\s*credits?\b", re.IGNORECASE)
# Clauses end at ";", a line end, or a comma or full stop that is not inside a number.
_CLAUSES = re.compile(r"[;\n]|[,.](?!\d)")
_LARGEST = Decimal(100_000)


def parse_pricing(text: str, pricing: catalog.Pricing) -> dict[str, Decimal]:
    """The catalog prices (by price key) that `text` states unambiguously."""
    keys = [key for key, _ in pricing.price_keys()]
    if _RANGE.search(text):
        return {}
    if keys == [""]:
        figures = {_figure(found) for found in _CREDITS.findall(text)}
        return {"": figures.pop()} if len(figures) == 1 and None not in figures else {}
    read: dict[str, Decimal] = {}
    for clause in _CLAUSES.split(text):
        figures = _CREDITS.findall(clause)
        named = [key for key in keys if _names(clause, key)]
        if len(figures) == 1 and len(named) == 1 and _figure(figures[0]) is not None:
            read.setdefault(named[0], _figure(figures[0]))
    return read


def _figure(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if 0 < value < _LARGEST else None


def _names(clause: str, price_key: str) -> bool:
    """Whether the clause names every value of this price key ("rendering_speed=TURBO")."""
    values = [part.partition("=")[2] for part in price_key.split(",")]
    return all(
        re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", clause, re.IGNORECASE)
        for value in values
    )


def market_models() -> list[tuple[catalog.CatalogModel, str]]:
    """Each Market model of the catalog, with the model id its price is asked under;
    retired ones (Sora 2) are not asked for: kie.ai answers 404 for them."""
    found = []
    for model in catalog.MODELS:
        if model.family is not catalog.Family.MARKET or model.retired:
            continue
        api_model = next((op.api_model for op in model.operations if op.api_model), None)
        if api_model:
            found.append((model, api_model))
    return found


def refresh(sleep: Callable[[float], None] = time.sleep) -> int:
    """Ask kie.ai for each Market model's price and keep what it states; returns how
    many catalog prices were read. A model kie.ai does not answer for keeps its price."""
    read = 0
    with kie_client() as client:
        for number, (model, api_model) in enumerate(market_models()):
            if number:
                sleep(DISCOVERY_SPACING_SECONDS)
            try:
                description = client.discovery.price(api_model)
            except KieError as exc:
                logger.warning("price of %s unavailable: %s", api_model, exc)
                continue
            stated = parse_pricing(description, model.pricing)
            if not stated:
                logger.info("price of %s not read from %r", api_model, description[:200])
            for price_key, credits in stated.items():
                PublishedPrice.objects.update_or_create(
                    model_key=model.key,
                    price_key=price_key,
                    defaults={
                        "credits": credits,
                        "description": description[:500],
                        "fetched_at": timezone.now(),
                    },
                )
            read += len(stated)
    return read


def overrides_for(model_key: str) -> dict[str, Decimal]:
    """The prices that replace the catalog's for this model: kie.ai's published ones,
    then admins' overrides on top."""
    return {**PublishedPrice.for_model(model_key), **PriceOverride.for_model(model_key)}
