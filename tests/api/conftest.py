import pytest
from django.test import Client

from generator.models import ApiToken


def token_client(user) -> Client:
    """A client sending `user`'s new API token on every request (no session)."""
    _row, token = ApiToken.issue(user, "test")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    client.token = token
    return client


@pytest.fixture
def marketer_api(staff):
    return token_client(staff)


@pytest.fixture
def approver_api(approver):
    return token_client(approver)
