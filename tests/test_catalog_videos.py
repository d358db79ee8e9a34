"""The video catalog: Veo 3.1 and Runway prices (kie-api.md 10.1), the rules between
their parameters, and their follow-ups' own prices and pace."""

from decimal import Decimal

import pytest

from generator import catalog


@pytest.mark.parametrize(
    ("key", "prices"),
    [
        ("veo3-fast", ("60", "65", "180")),
        ("veo3-quality", ("250", "255", "370")),
        ("veo3-lite", ("30", "35", "150")),
    ],
)
def test_veo_prices_by_resolution(key, prices):
    model = catalog.get(key)
    for resolution, price in zip(("720p", "1080p", "4k"), prices, strict=True):
        assert model.estimate({"resolution": resolution}) == Decimal(price)


@pytest.mark.parametrize(
    ("key", "extend"), [("veo3-fast", "60"), ("veo3-quality", "250"), ("veo3-lite", "30")]
)
def test_veo_followups_have_their_own_prices(key, extend):
    model = catalog.get(key)
    assert model.estimate({"resolution": "4k"}, operation_key="extend") == Decimal(extend)
    assert model.estimate({}, operation_key="1080p") == Decimal("5")
    assert model.estimate({}, operation_key="4k") == Decimal("120")
    # the generation's price is untouched by admins' overrides of another key
    assert model.estimate({}, {"": Decimal("1")}, operation_key="4k") == Decimal("120")


def test_runway_price_depends_on_duration_and_quality():
    runway = catalog.get("runway")
    assert runway.estimate({"duration": 5, "quality": "720p"}) == Decimal("12")
    assert runway.estimate({"duration": 10, "quality": "720p"}) == Decimal("30")
    assert runway.estimate({"duration": 5, "quality": "1080p"}) == Decimal("30")
    overrides = {"duration=10,quality=720p": Decimal("28")}
    assert runway.estimate({"duration": 10, "quality": "720p"}, overrides) == Decimal("28")
    assert runway.pricing.param_names == ["duration", "quality"]


def test_runway_refuses_1080p_at_10_seconds():
    runway = catalog.get("runway")
    with pytest.raises(catalog.CatalogError) as refused:
        catalog.validate(
            runway,
            "image-to-video",
            {"prompt": "x", "imageUrl": ["a.png"], "duration": "10", "quality": "1080p"},
        )
    assert set(refused.value.errors) == {"quality"}
    _, ok = catalog.validate(runway, None, {"prompt": "x", "duration": "10"})
    assert ok["quality"] == "720p" and ok["duration"] == 10


def test_reference_video_is_only_offered_where_kie_allows_it():
    assert "reference-to-video" not in [op.key for op in catalog.get("veo3-quality").operations]
    reference = catalog.get("veo3-fast").operation("reference-to-video")
    assert reference.param("duration").choice_values() == (8,)
    assert "Auto" not in reference.param("aspectRatio").choice_values()
    assert reference.param("imageUrls").max_items == 3


def test_followups_act_on_their_own_models_videos_at_kies_pace():
    model = catalog.get("veo3-fast")
    four_k = model.operation("4k")
    assert four_k.is_followup and four_k.source_models == ("veo3-fast",)
    assert four_k.min_poll_seconds >= 30 and model.expected_seconds_for("4k") > 300
    assert model.operation("1080p").min_poll_seconds >= 20
    assert "1080p" not in model.operation("extend").source_operations
    assert model.timeout_seconds >= 20 * 60
