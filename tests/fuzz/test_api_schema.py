"""Schemathesis against the API's own OpenAPI schema: every operation, with valid and
invalid input, as a marketer and as an approver (their tokens), finds no server error
and no answer the schema does not describe."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from autoscale.wsgi import application
from generator.models import State
from tests.api.conftest import token_client
from tests.conftest import person
from tests.factories import make_asset, make_task

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Left out on purpose: the tokens sent are valid (so "accepts invalid auth" misreads them),
# and a well-formed move can still be refused by the review's rules (a 400 with a reason).
DELIBERATE = [checks.ignored_auth, checks.positive_data_acceptance]


@pytest.fixture
def connections_kept():
    """Django closes the database connection when a WSGI request ends; a test's
    transaction must outlive the requests (Django's test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db, connections_kept):
    marketer = person("marie", "marketer")
    for _ in range(2):  # ids 1 and 2 exist, so generated ids sometimes name real objects
        make_asset(make_task(marketer, state=State.SUCCEEDED))
    return [token_client(marketer).token, token_client(person("paul", "approver")).token]


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=30, suppress_health_check=list(HealthCheck), deadline=None)
def test_the_api_never_fails_on_any_input(case, tokens):
    for token in tokens:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, excluded_checks=DELIBERATE)
