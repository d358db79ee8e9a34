import os

import pytest
from django.contrib.auth import get_user_model
from django_q.brokers import get_broker
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from generator import upstream
from generator.sandbox import SandboxApp, SandboxConfig
from tests.helpers import FakeClock

# The fuzz tests (tests/fuzz/): the same examples on every run, few enough to keep the
# suite fast. HYPOTHESIS_PROFILE=explore looks much harder, with fresh random input.
_FUZZ = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis_settings.register_profile("studio", max_examples=50, derandomize=True, **_FUZZ)
hypothesis_settings.register_profile("explore", max_examples=1000, **_FUZZ)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "studio"))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sandbox(settings, clock):
    """A fresh in-process kie.ai sandbox on a fake clock, used by every kie call in the test."""
    app = SandboxApp(
        SandboxConfig(
            api_key=settings.KIE_SANDBOX_KEY,
            public_url=settings.KIE_SANDBOX_URL,
            duration_seconds=10,
            clock=clock,
        )
    )
    previous = upstream._inprocess_sandbox
    upstream._inprocess_sandbox = app
    yield app
    upstream._inprocess_sandbox = previous


@pytest.fixture(autouse=True)
def empty_queue(db):
    """The Redis broker outlives a test's transaction: start each test with an empty queue."""
    get_broker().purge_queue()
    yield
    get_broker().purge_queue()


def person(username: str, role: str | None = None, **fields):
    """An account holding one of the studio's roles (generator.roles), or none."""
    from generator import roles

    user = get_user_model().objects.create_user(username, password="pw", **fields)
    if role:
        roles.assign(user, role)
        user.is_staff = fields.get("is_staff", user.is_staff)
        user.save()
    return user


@pytest.fixture
def staff(db):
    """Marie, a marketer (she generates, submits, comments) with a staff account."""
    return person("marie", "marketer", is_staff=True, first_name="Marie", email="marie@example.com")


@pytest.fixture
def marketer(staff):
    return staff


@pytest.fixture
def approver(db):
    """Paul, an approver: he also approves, requests changes and rejects."""
    return person("paul", "approver", first_name="Paul", email="paul@example.com")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
