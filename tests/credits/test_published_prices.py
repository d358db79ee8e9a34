"""Prices kie.ai publishes (the Market price endpoint) replace the catalog's estimates;
an admin's override still wins; what cannot be read keeps the catalog's price."""

from decimal import Decimal

import pytest
from django_q.models import Schedule

from generator import catalog, generations, jobs, prices
from generator.models import PriceOverride, PublishedPrice
from generator.sandbox import discovery

IDEOGRAM = catalog.get("ideogram-v3").pricing
FLUX = catalog.get("flux-kontext-pro").pricing


@pytest.mark.parametrize(
    ("text", "pricing", "read"),
    [
        ("A 5-second video costs 160 credits (0.80 USD).", FLUX, {"": Decimal("160")}),
        ("One image costs 6 credits (0.03 USD).", FLUX, {"": Decimal("6")}),
        ("Between 4 and 8 credits per image.", FLUX, {}),
        (
            "One image costs 3.5 credits (0.0175 USD) for rendering_speed=TURBO; 7 credits "
            "(0.035 USD) for rendering_speed=BALANCED; 10 credits (0.05 USD) for "
            "rendering_speed=QUALITY.",
            IDEOGRAM,
            {
                "rendering_speed=TURBO": Decimal("3.5"),
                "rendering_speed=BALANCED": Decimal("7"),
                "rendering_speed=QUALITY": Decimal("10"),
            },
        ),
        (
            "Turbo: 4 credits, Balanced: 8 credits, Quality: 12.5 credits per image",
            IDEOGRAM,
            {
                "rendering_speed=TURBO": Decimal("4"),
                "rendering_speed=BALANCED": Decimal("8"),
                "rendering_speed=QUALITY": Decimal("12.5"),
            },
        ),
        ("Each image costs 7 credits.", IDEOGRAM, {}),  # which speed? keep the catalog's
        ("Free! 0 credits.", FLUX, {}),  # not a price to believe
    ],
)
def test_a_price_description_is_read_per_catalog_price(text, pricing, read):
    assert prices.parse_pricing(text, pricing) == read


@pytest.mark.django_db
def test_prices_are_refreshed_from_kie_one_request_a_second(sandbox, clock, monkeypatch):
    monkeypatch.setattr(
        discovery,
        "pricing_description",
        lambda model: "Turbo: 4 credits, Balanced: 8 credits, Quality: 11 credits",
    )
    waits = []

    def wait(seconds):
        waits.append(seconds)
        clock.advance(seconds)

    assert jobs.refresh_prices(sleep=wait) == 3
    published = dict(PublishedPrice.objects.values_list("price_key", "credits"))
    assert published == {
        "rendering_speed=TURBO": Decimal("4"),
        "rendering_speed=BALANCED": Decimal("8"),
        "rendering_speed=QUALITY": Decimal("11"),
    }
    model = catalog.get("ideogram-v3")
    operation = model.operation("text-to-image")
    estimate = generations.estimate_from_raw(model, operation, {"rendering_speed": "QUALITY"})
    assert estimate.credits == Decimal("11") and estimate.documented
    assert "published by kie.ai" in estimate.source
    assert all(seconds >= 1 for seconds in waits)

    PriceOverride.objects.create(
        model_key="ideogram-v3", price_key="rendering_speed=QUALITY", credits=Decimal("9")
    )
    estimate = generations.estimate_from_raw(model, operation, {"rendering_speed": "QUALITY"})
    assert estimate.credits == Decimal("9") and estimate.source == "price set by an admin"


@pytest.mark.django_db
def test_a_refresh_kie_refuses_keeps_the_prices_it_had(sandbox, monkeypatch):
    PublishedPrice.objects.create(
        model_key="ideogram-v3", price_key="rendering_speed=TURBO", credits=Decimal("4")
    )
    sandbox.config.maintenance = True
    assert jobs.refresh_prices(sleep=lambda seconds: None) == 0
    assert PublishedPrice.objects.get().credits == Decimal("4")


@pytest.mark.django_db
def test_prices_are_refreshed_daily():
    assert Schedule.objects.get(func="generator.jobs.refresh_prices").schedule_type == "D"


def test_retired_market_models_are_not_asked_for_a_price():
    asked = {model.key for model, _ in prices.market_models()}
    assert "kling-3.0" in asked
    assert not asked & {"sora-2", "sora-2-pro"}
