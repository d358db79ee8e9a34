"""Token auth: 401 without a valid token, revocation, the schema and docs are public."""

import pytest
from django.test import Client

from generator.models import ApiToken
from tests.api.conftest import token_client
from tests.conftest import person


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nope", "Basic bWFyaWU6cHc=", "Bearer " + "x" * 5000, "Token abc"],
)
def test_no_valid_token_is_a_401(header):
    client = Client(headers={"Authorization": header} if header else {})
    response = client.get("/api/v1/approved/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["detail"]


@pytest.mark.django_db
def test_a_session_is_not_enough(staff_client):
    assert staff_client.get("/api/v1/approved/").status_code == 401


@pytest.mark.django_db
def test_a_revoked_token_stops_working_at_once(staff):
    client = token_client(staff)
    assert client.get("/api/v1/approved/").status_code == 200
    ApiToken.objects.get().revoke()
    assert client.get("/api/v1/approved/").status_code == 401


@pytest.mark.django_db
def test_a_deactivated_account_s_token_stops_working(staff):
    client = token_client(staff)
    staff.is_active = False
    staff.save()
    assert client.get("/api/v1/approved/").status_code == 401


@pytest.mark.django_db
def test_a_token_without_a_role_is_a_403():
    client = token_client(person("visitor"))
    response = client.get("/api/v1/approved/")
    assert response.status_code == 403 and response.json()["detail"]


@pytest.mark.django_db
def test_the_token_is_kept_only_as_a_digest_and_its_use_noted(staff):
    client = token_client(staff)
    row = ApiToken.objects.get()
    assert client.token not in (row.digest, row.prefix, row.name)
    assert row.last_used_at is None
    client.get("/api/v1/approved/")
    row.refresh_from_db()
    assert row.last_used_at is not None


@pytest.mark.django_db
def test_the_schema_and_the_docs_page_need_no_token(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/v1/generations/", "/api/v1/approved/"} <= set(paths)
    assert "/api/v1/assets/{asset_id}/decision/" in paths
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "<script src=" in html
