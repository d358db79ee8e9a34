"""Model discovery (kie-api.md 9.4): which Market models kie.ai has, and what each costs.

Its four endpoints share one budget of a request per second per account: a caller asking
for several prices spaces them out.
"""

from __future__ import annotations

from .errors import MalformedResponseError
from .parsing import as_dict


class Discovery:
    def __init__(self, client):
        self.client = client

    def price(self, model: str) -> str:
        """kie's `pricingDesc` for a Market model id: prose such as "A 5-second video
        costs 160 credits (0.80 USD)", matching what is billed."""
        data = as_dict(self.client.request("GET", f"/api/v1/models/{model}/price"), "price")
        description = data.get("pricingDesc")
        if not isinstance(description, str) or not description.strip():
            raise MalformedResponseError("the price answer has no pricingDesc")
        return description.strip()

    def model_ids(self) -> list[str]:
        """Every model id kie.ai lists now (`GET /api/v1/models`, not paginated). Models
        are added, renamed and retired continuously: this is how we learn a model left."""
        data = as_dict(self.client.request("GET", "/api/v1/models"), "models")
        models = data.get("models")
        if not isinstance(models, list):
            raise MalformedResponseError("the model list has no models")
        return [
            item["model"].strip()
            for item in models
            if isinstance(item, dict)
            and isinstance(item.get("model"), str)
            and item["model"].strip()
        ]
