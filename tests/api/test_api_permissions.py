"""The API's authorization matrix: every endpoint as each role, with a token (none for
anonymous). Forbidden moves change nothing; nobody ever gets a server error."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from generator import review
from generator.models import GenerationTask, ReviewEvent, State
from tests.api.conftest import token_client
from tests.conftest import person
from tests.factories import make_asset, make_task
from tests.views.test_permissions import _patterns

ROLES = ("anonymous", "user", "staff", "marketer", "approver", "admin", "superuser")
ROLE_HOLDERS = ("marketer", "approver", "admin", "superuser")
APPROVERS = ("approver", "admin", "superuser")


def outcomes(ok: int, holders=ROLE_HOLDERS, public=False) -> dict[str, int]:
    return {
        role: ok if public or role in holders else (401 if role == "anonymous" else 403)
        for role in ROLES
    }


# (url name, method, which object, body) -> status by role
MATRIX = {
    "api:openapi-json": ("GET", None, None, outcomes(200, public=True)),
    "api:openapi-view": ("GET", None, None, outcomes(200, public=True)),
    "api:api-root": ("GET", None, None, outcomes(404, public=True)),
    "api:generations": (
        "POST",
        None,
        {"model": "flux-kontext-pro", "params": {"prompt": "x"}},
        outcomes(201),
    ),
    "api:generation": ("GET", "task", None, outcomes(200)),
    "api:asset_review": ("GET", "draft", None, outcomes(200)),
    "api:asset_submit": ("POST", "draft", {"note": "n"}, outcomes(200)),
    # Only the submitter (Marie, a marketer) withdraws her submission.
    "api:asset_withdraw": ("POST", "submitted", None, outcomes(200, holders=("marketer",))),
    # Marie's own work: approvers only, never Marie.
    "api:asset_decision": ("POST", "submitted", {"decision": "approve"}, outcomes(200, APPROVERS)),
    "api:asset_comment": ("POST", "draft", {"text": "t"}, outcomes(200)),
    "api:asset_file": ("GET", "draft", None, outcomes(200)),
    "api:asset_provenance": ("GET", "draft", None, outcomes(200)),
    "api:approved": ("GET", None, None, outcomes(200)),
}


def test_every_api_url_has_an_entry():
    keys = {key for key, _ in _patterns() if key.startswith("api:")}
    assert keys == set(MATRIX)


@pytest.fixture
def marie(db):
    return person("marie", "marketer")


def _client(role: str, marie) -> Client:
    if role == "anonymous":
        return Client()
    if role == "marketer":
        return token_client(marie)
    if role == "superuser":
        return token_client(get_user_model().objects.create_superuser("root", password="pw"))
    names = {
        "user": ("visitor", None),
        "staff": ("stefan", None),
        "approver": ("paul", "approver"),
        "admin": ("ada", "admin"),
    }
    name, given = names[role]
    return token_client(person(name, given, is_staff=role == "staff"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(role, name, marie):
    method, target, body, expected = MATRIX[name]
    task = make_task(marie, state=State.SUCCEEDED)
    asset = make_asset(task)
    if target == "submitted":
        review.submit(asset, marie)
    args = {"task": [task.pk], "draft": [asset.pk], "submitted": [asset.pk], None: []}[target]
    client = _client(role, marie)
    client.raise_request_exception = False
    url = reverse(name, args=args)
    events, tasks = ReviewEvent.objects.count(), GenerationTask.objects.count()
    if method == "POST":
        response = client.post(
            url,
            body or {},
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    else:
        response = client.get(url)
    assert response.status_code == expected[role], response.content[:300]
    if response.status_code >= 400:  # a refusal changes nothing
        assert ReviewEvent.objects.count() == events
        assert GenerationTask.objects.count() == tasks
