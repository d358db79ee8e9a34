"""Account-wide calls: the credit balance and the generic download-url."""

from __future__ import annotations

from decimal import Decimal

from .errors import MalformedResponseError
from .parsing import as_decimal


class Account:
    def __init__(self, client):
        self.client = client

    def credits(self) -> Decimal:
        """Remaining credits (free to call, so it doubles as a key check).

        Documented as an integer, but prices such as 6.5 credits leave fractions behind.
        """
        data = self.client.request("GET", "/api/v1/chat/credit")
        balance = as_decimal(data)
        if balance is None:
            raise MalformedResponseError("the credit balance is not a number")
        return balance

    def download_url(self, url: str) -> str:
        """A fresh 20-minute link for a kie-generated file URL."""
        data = self.client.request("POST", "/api/v1/common/download-url", json={"url": url})
        if not isinstance(data, str) or not data:
            raise MalformedResponseError("download-url answered without a URL")
        return data
