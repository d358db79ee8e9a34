"""Model discovery: a Market model's published price (kie-api.md 9.4)."""

import pytest

from generator.kie import MalformedResponseError, NotFoundError
from tests.kie.helpers import make_client, recording, sandbox_client


def test_price_asks_for_the_model_with_its_slash_unencoded():
    desc = "A 5-second video costs 160 credits (0.80 USD)"
    handler, seen = recording(
        {"code": 200, "msg": "success", "data": {"model": "kling/v2-1-master", "pricingDesc": desc}}
    )
    assert make_client(handler).discovery.price("kling/v2-1-master") == desc
    assert seen[0].url.raw_path == b"/api/v1/models/kling/v2-1-master/price"


def test_price_without_a_description_is_malformed():
    handler, _ = recording({"code": 200, "msg": "success", "data": {"model": "x"}})
    with pytest.raises(MalformedResponseError):
        make_client(handler).discovery.price("x")


def test_price_of_an_unknown_model_is_not_found():
    client, _ = sandbox_client()
    with pytest.raises(NotFoundError):
        client.discovery.price("nobody/none")


def test_price_from_the_sandbox():
    client, _ = sandbox_client()
    assert "7 credits (0.035 USD)" in client.discovery.price("ideogram/v3-remix")
