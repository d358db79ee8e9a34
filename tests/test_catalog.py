"""The catalog: every model as data, validated the same way for the form and the CLI."""

from decimal import Decimal

import pytest

from generator import catalog


def test_every_image_model_has_a_text_to_image_operation_and_a_price():
    for model in catalog.MODELS:
        if model.kind is not catalog.Kind.IMAGE or model.family is catalog.Family.SUNO:
            continue
        assert model.operation().key == "text-to-image"
        assert model.estimate({p.name: p.default for p in model.operation().params}) > 0
        assert model.pricing.source


def test_defaults_are_filled_and_strings_are_typed():
    _, params = catalog.validate(
        catalog.get("4o-image"),
        None,
        {"prompt": " a phone ", "nVariants": "4", "isEnhance": "true"},
    )
    assert params == {"prompt": "a phone", "size": "1:1", "nVariants": 4, "isEnhance": True}


def test_unknown_parameter_and_bad_choice_are_named():
    with pytest.raises(catalog.CatalogError) as caught:
        catalog.validate(
            catalog.get("flux-kontext-pro"),
            None,
            {"prompt": "x", "aspectRatio": "5:4", "quality": "hd"},
        )
    assert set(caught.value.errors) == {"aspectRatio", "quality"}
    assert "must be one of 21:9, 16:9" in caught.value.errors["aspectRatio"]


def test_required_prompt_and_its_length_limit():
    model = catalog.get("flux-kontext-max")
    with pytest.raises(catalog.CatalogError, match="prompt: is required"):
        catalog.validate(model, None, {"prompt": "   "})
    with pytest.raises(catalog.CatalogError, match="the limit is 3000"):
        catalog.validate(model, None, {"prompt": "x" * 3001})


def test_number_limits():
    model = catalog.get("flux-kontext-pro")
    with pytest.raises(catalog.CatalogError, match="at most 2"):
        catalog.validate(model, "edit", {"prompt": "x", "inputImage": ["a"], "safetyTolerance": 5})
    _, params = catalog.validate(model, None, {"prompt": "x", "safetyTolerance": "5"})
    assert params["safetyTolerance"] == 5
    with pytest.raises(catalog.CatalogError, match="whole number"):
        catalog.validate(model, None, {"prompt": "x", "safetyTolerance": "high"})


def test_image_operations_count_their_images():
    model = catalog.get("4o-image")
    with pytest.raises(catalog.CatalogError, match="filesUrl: needs an image"):
        catalog.validate(model, "edit", {"prompt": "x"})
    with pytest.raises(catalog.CatalogError, match="at most 5"):
        catalog.validate(model, "edit", {"prompt": "x", "filesUrl": list("abcdef")})
    assert model.image_operation().key == "edit"


def test_unknown_model_and_operation():
    with pytest.raises(catalog.CatalogError, match="unknown model 'dall-e'"):
        catalog.get("dall-e")
    with pytest.raises(catalog.CatalogError, match="no operation 'video'"):
        catalog.get("ideogram-v3").operation("video")


def test_prices_scale_with_variants_choose_by_option_and_take_overrides():
    assert catalog.get("4o-image").estimate({"nVariants": 4}) == Decimal("24")
    ideogram = catalog.get("ideogram-v3")
    assert ideogram.estimate({"rendering_speed": "QUALITY"}) == Decimal("10")
    assert ideogram.estimate(
        {"rendering_speed": "QUALITY"}, {"rendering_speed=QUALITY": Decimal("9")}
    ) == Decimal("9")
    assert catalog.get("flux-kontext-pro").estimate({}, {"": Decimal("4")}) == Decimal("4")
    assert [k for k, _ in ideogram.pricing.price_keys()] == [
        "rendering_speed=TURBO",
        "rendering_speed=BALANCED",
        "rendering_speed=QUALITY",
    ]


def test_undocumented_prices_are_marked_as_estimates():
    estimates = {m.key for m in catalog.MODELS if not m.pricing.documented}
    assert {"4o-image", "flux-kontext-pro", "ideogram-v3", "sora-2", "luma-modify"} <= estimates
    # Prices from kie.ai's own table (kie-api.md 10.1) say where they come from.
    for model in catalog.MODELS:
        if model.pricing.documented and model.family is not catalog.Family.LOCAL:
            assert "price table" in str(model.pricing.source), model.key


def test_prices_chosen_by_several_parameters_and_per_second():
    kling_26 = catalog.get("kling-2.6")
    assert kling_26.estimate({"duration": "10", "sound": True}) == Decimal("220")
    assert kling_26.pricing.price_key({"duration": "5", "sound": False}) == "duration=5,sound=false"
    kling_30 = catalog.get("kling-3.0")
    assert kling_30.estimate({"duration": "15", "mode": "4K", "sound": False}) == Decimal("1005")
    assert kling_30.estimate({"duration": "3", "mode": "std", "sound": True}) == Decimal("60")
    overrides = {"mode=std,sound=true": Decimal("10")}
    assert kling_30.estimate({"duration": "3", "mode": "std", "sound": True}, overrides) == 30


def test_suno_prices_come_from_kies_table_and_the_soundtrack_is_free():
    assert catalog.get("suno").estimate({}) == 12
    stems = catalog.get("suno-stems")
    assert [stems.estimate({"type": t}) for t in ("separate_vocal", "split_stem")] == [10, 50]
    assert catalog.get("suno-wav").estimate({}) == Decimal("0.4")
    assert catalog.get("soundtrack").estimate({}) == 0
    assert all(m.pricing.documented for m in catalog.MODELS if m.family is catalog.Family.SUNO)


@pytest.mark.parametrize(
    ("version", "field", "length", "ok"),
    [
        ("V4", "style", 200, True),
        ("V4", "style", 201, False),
        ("V4_5", "style", 1000, True),
        ("V4_5ALL", "title", 81, False),
        ("V5", "title", 100, True),
        ("V4", "prompt", 3001, False),
        ("V5_5", "prompt", 5000, True),
    ],
)
def test_suno_limits_are_checked_per_version_before_sending(version, field, length, ok):
    raw = {"version": version, "customMode": True, "style": "pop", "title": "T", "prompt": "la"}
    raw[field] = "x" * length
    if ok:
        catalog.validate(catalog.get("suno"), "generate", raw)
    else:
        with pytest.raises(catalog.CatalogError) as caught:
            catalog.validate(catalog.get("suno"), "generate", raw)
        assert field in caught.value.errors


def test_suno_custom_mode_needs_style_and_title_and_simple_mode_a_short_prompt():
    with pytest.raises(catalog.CatalogError) as caught:
        catalog.validate(catalog.get("suno"), "generate", {"customMode": True, "prompt": "la"})
    assert {"style", "title"} <= set(caught.value.errors)
    with pytest.raises(catalog.CatalogError) as caught:
        catalog.validate(catalog.get("suno"), "generate", {"prompt": "x" * 501})
    assert "prompt" in caught.value.errors
    with pytest.raises(catalog.CatalogError) as caught:
        catalog.validate(catalog.get("suno"), "generate", {"prompt": "x", "duration": 30})
    assert "duration" in caught.value.errors


def test_sandbox_can_find_the_entry_behind_a_request():
    assert (
        catalog.find_by_api_model(catalog.Family.MARKET, "ideogram/v3-remix").key == "ideogram-v3"
    )
    assert catalog.find_by_api_model(catalog.Family.GPT4O_IMAGE, None).key == "4o-image"
    assert catalog.find_by_api_model(catalog.Family.MARKET, "nope") is None
    assert catalog.find_by_api_model(catalog.Family.ALEPH, None).key == "runway-aleph"
    assert catalog.find_by_api_model(catalog.Family.MARKET, "kling-3.0/video").key == "kling-3.0"


@pytest.mark.parametrize(
    "raw",
    ["NaN", "nan", "inf", "-Infinity", "1e999", float("nan"), 10**400],
    ids=["NaN", "nan", "inf", "-Infinity", "1e999", "float-nan", "10**400"],
)
def test_numbers_must_be_finite(raw):
    with pytest.raises(catalog.CatalogError) as caught:
        catalog.validate(
            catalog.get("ideogram-v3"),
            "remix",
            {"prompt": "x", "image_url": ["a"], "strength": raw},
        )
    assert caught.value.errors == {"strength": "must be a finite number"}


def test_text_with_a_nul_character_is_refused():
    # PostgreSQL stores no NUL: it would fail in the database, not here.
    with pytest.raises(catalog.CatalogError) as caught:
        catalog.validate(catalog.get("flux-kontext-pro"), None, {"prompt": "a\x00desk"})
    assert caught.value.errors == {"prompt": "must not contain a NUL character"}
