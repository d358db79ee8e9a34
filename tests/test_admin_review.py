"""The admin of reviews and API tokens, and admin actions asking for permissions."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from generator import review
from generator.models import ApiToken, GenerationTask, State
from tests.conftest import person
from tests.factories import make_asset, make_task


@pytest.fixture
def admin_client(client, db):
    client.force_login(person("ada", "admin"))
    return client


@pytest.mark.django_db
def test_an_assets_admin_page_shows_its_review_trail_and_comments(admin_client, staff, approver):
    asset = make_asset(make_task(staff, state=State.SUCCEEDED))
    review.submit(asset, staff, "first note")
    review.comment(asset, approver, "Looks good")
    review.decide(asset, approver, "reject", "Wrong colours")
    html = admin_client.get(f"/admin/generator/asset/{asset.pk}/change/").content.decode()
    for text in ("first note", "Looks good", "Wrong colours"):
        assert text in html
    events = admin_client.get("/admin/generator/reviewevent/").content.decode()
    assert "Wrong colours" in events and "Add review event" not in events


@pytest.mark.django_db
def test_revoking_a_token_in_the_admin_stops_it_at_once(admin_client, staff):
    row, token = ApiToken.issue(staff, "pipeline")
    assert ApiToken.authenticate(token) == row
    admin_client.post(
        "/admin/generator/apitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert ApiToken.authenticate(token) is None
    page = admin_client.get(f"/admin/generator/apitoken/{row.pk}/change/").content.decode()
    assert token not in page and row.digest not in page


@pytest.mark.django_db(transaction=True)
def test_an_admin_action_that_spends_credits_needs_the_generate_permission(client):
    viewer = get_user_model().objects.create_user("vera", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_generationtask"))
    task = make_task(person("marie", "marketer"), state=State.FAILED)
    client.force_login(viewer)
    page = client.get("/admin/generator/generationtask/").content.decode()
    assert 'value="rerun"' not in page and 'value="cancel"' not in page
    client.post(
        "/admin/generator/generationtask/", {"action": "rerun", "_selected_action": [task.pk]}
    )
    assert GenerationTask.objects.count() == 1  # nothing re-run
