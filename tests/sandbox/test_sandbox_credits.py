"""What the sandbox says about credits: a fractional balance, what a Market task consumed,
and the Market price endpoint (kie-api.md 1.6, 9.2, 9.4, 10)."""

from decimal import Decimal

IDEOGRAM_TURBO = {
    "model": "ideogram/v3-text-to-image",
    "input": {"prompt": "a sale banner", "rendering_speed": "TURBO"},
}


def test_the_balance_is_fractional(client, app, h):
    h.ok(client.post("/api/v1/jobs/createTask", json=IDEOGRAM_TURBO))
    assert h.ok(client.get("/api/v1/chat/credit")) == 996.5


def _record(client, h, task_id):
    return h.ok(client.get("/api/v1/jobs/recordInfo", params={"taskId": task_id}))


def test_a_market_task_says_what_it_consumed_when_done(client, app, h, clock):
    task_id = h.ok(client.post("/api/v1/jobs/createTask", json=IDEOGRAM_TURBO))["taskId"]
    assert _record(client, h, task_id).get("creditsConsumed") is None  # not finished
    clock.advance(11)
    assert _record(client, h, task_id)["creditsConsumed"] == 3.5


def test_a_failed_market_task_consumed_nothing(client, app, h, clock):
    body = {**IDEOGRAM_TURBO, "input": {"prompt": "[sandbox:fail]", "rendering_speed": "QUALITY"}}
    task_id = h.ok(client.post("/api/v1/jobs/createTask", json=body))["taskId"]
    clock.advance(11)
    record = _record(client, h, task_id)
    assert record["state"] == "fail" and record["creditsConsumed"] == 0
    assert app.balance == Decimal(1000)


def test_the_price_endpoint_describes_the_catalog_price(client, h):
    data = h.ok(client.get("/api/v1/models/ideogram/v3-text-to-image/price"))
    assert data["model"] == "ideogram/v3-text-to-image"
    text = data["pricingDesc"]
    assert "3.5 credits (0.0175 USD)" in text and "TURBO" in text
    assert "10 credits (0.05 USD)" in text and "QUALITY" in text


def test_the_price_of_an_unknown_model_is_not_found(client, h):
    h.error(client.get("/api/v1/models/nobody/none/price"), 404)


def test_the_price_endpoint_needs_the_key(app, h):
    with h.client_for(app, key=None) as anonymous:
        h.error(anonymous.get("/api/v1/models/ideogram/v3-remix/price"), 401)


def test_model_discovery_takes_one_request_per_second(client, h, clock):
    h.ok(client.get("/api/v1/models/ideogram/v3-remix/price"))
    h.error(client.get("/api/v1/models/ideogram/v3-text-to-image/price"), 429)
    clock.advance(1.01)
    h.ok(client.get("/api/v1/models/ideogram/v3-text-to-image/price"))
