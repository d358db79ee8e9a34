"""kie's model discovery API, the parts the studio reads: the list of Market models,
`GET /api/v1/models`, and a model's price, `GET /api/v1/models/{model}/price`
(kie-api.md 9.4). The slash inside a model id is not
encoded, so the route is a prefix.

The price is the catalog's (the one thing the sandbox shares with the product), told as
kie tells it: prose, "One image costs 3.5 credits (0.0175 USD) ...". Discovery takes one
request per second per account, shared by its endpoints; more is a 429.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from generator.catalog import MODELS, Family

from . import control
from .api import ApiError, Request, Route
from .faults import DISCOVERY, RATE_LIMIT_MSG

if TYPE_CHECKING:
    from .app import SandboxApp

PREFIX = "/api/v1/models/"
USD_PER_CREDIT = Decimal("0.005")  # kie-api.md 10
_NOUNS = {"image": "image", "video": "video", "audio": "track"}


def _market_models():
    """Market model id -> its catalog entry; a retired model is gone, as at kie."""
    return {
        operation.api_model: model
        for model in MODELS
        if model.family is Family.MARKET and not model.retired
        for operation in model.operations
        if operation.api_model
    }


_TASK_TYPES = {
    ("image", False): "Text to Image",
    ("image", True): "Image to Image",
    ("video", False): "Text to Video",
    ("video", True): "Image to Video",
}


def _listing(model_id: str, model) -> dict:
    operation = next(op for op in model.operations if op.api_model == model_id)
    task_type = _TASK_TYPES.get((str(model.kind), bool(operation.file_params)), "Other")
    return {
        "model": model_id,
        "slug": model_id.replace("/", "-"),
        "title": f"{model.label} {operation.label}",
        "provider": model_id.split("/", 1)[0].split("-", 1)[0],
        "taskType": [task_type],
        "description": None,
        "pricingDesc": pricing_description(model),
    }


def _take_turn(app: SandboxApp) -> None:
    """Discovery's shared budget: one request per second per account."""
    with app.state.lock:
        now = app.config.clock()
        if now - app.state.last_discovery < 1.0:
            raise ApiError(429, RATE_LIMIT_MSG)
        app.state.last_discovery = now


def models(app: SandboxApp, request: Request) -> dict:
    """`GET /api/v1/models?taskType=&provider=&q=`: the Market models on offer."""
    _take_turn(app)
    task_types = {
        t.strip().lower() for t in (request.param("taskType") or "").split(",") if t.strip()
    }
    provider = (request.param("provider") or "").strip().lower()
    words = (request.param("q") or "").strip().lower()
    found = []
    for model_id, model in _market_models().items():
        listing = _listing(model_id, model)
        if task_types and not task_types & {t.lower() for t in listing["taskType"]}:
            continue
        if provider and listing["provider"].lower() != provider:
            continue
        if words and words not in f"{model_id} {listing['title']}".lower():
            continue
        found.append(listing)
    return {"total": len(found), "models": found}


def _usd(credits: Decimal) -> str:
    text = f"{credits * USD_PER_CREDIT:.4f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"{whole}.{cents.ljust(2, '0')}"


def _credits(amount: Decimal) -> str:
    return str(control.json_number(amount))


def pricing_description(model) -> str:
    """The catalog's price of a model, in the words kie's /price answers with."""
    noun = _NOUNS.get(str(model.kind), "generation")
    pricing = model.pricing
    per = f" per {pricing.count_param}" if pricing.count_param else ""
    prices = pricing.price_keys()
    if len(prices) == 1 and not prices[0][0]:
        amount = prices[0][1]
        return f"One {noun} costs {_credits(amount)} credits ({_usd(amount)} USD){per}."
    parts = [
        f"{_credits(amount)} credits ({_usd(amount)} USD){per} for {key}" for key, amount in prices
    ]
    return f"One {noun} costs " + "; ".join(parts) + "."


def price(app: SandboxApp, request: Request) -> dict[str, str]:
    model_id = request.path.rstrip("/")[len(PREFIX) :].removesuffix("/price")
    _take_turn(app)
    model = _market_models().get(model_id)
    if model is None:
        raise ApiError(404, "Model not found")
    return {"model": model_id, "pricingDesc": pricing_description(model)}


ROUTES: dict[str, Route] = {"/api/v1/models": Route("GET", models, DISCOVERY)}
# Paths that begin so; the end of the path is the model id, then "/price".
ROUTE_PREFIXES = {PREFIX: Route("GET", price, DISCOVERY)}
