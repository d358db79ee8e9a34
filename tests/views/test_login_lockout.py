"""Login throttling: wrong passwords lock a username out of every login form for a while."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

LOGIN_FORMS = ["/login/", "/admin/login/"]


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_user(
        "amelie", password="right-pass-1", is_staff=True, is_superuser=True
    )


def post_login(client, url, password, username="amelie"):
    return client.post(url, {"username": username, "password": password, "next": "/gallery/"})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_fifty_wrong_passwords_then_the_right_one_does_not_log_in(client, admin_user, url):
    for attempt in range(50):
        post_login(client, url, f"wrong-{attempt}")
    response = post_login(client, url, "right-pass-1")
    assert not logged_in(client)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed attempts; try again in 15 minutes" in page
    assert "ask an admin to unlock your account" in page
    assert "AutoScale" in page  # the project's own page, not a bare text


@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_a_few_mistakes_do_not_lock_anyone_out(client, admin_user, url):
    for attempt in range(4):
        post_login(client, url, f"wrong-{attempt}")
    response = post_login(client, url, "right-pass-1")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_lockout_is_per_username(client, admin_user):
    get_user_model().objects.create_user("bruno", password="bruno-pass-1", is_staff=True)
    for attempt in range(6):
        post_login(client, "/login/", f"wrong-{attempt}")
    post_login(client, "/login/", "bruno-pass-1", username="bruno")
    assert logged_in(client)


def test_axes_reset_unlocks(client, admin_user):
    for attempt in range(6):
        post_login(client, "/login/", f"wrong-{attempt}")
    assert post_login(client, "/login/", "right-pass-1").status_code == 429

    call_command("axes_reset")

    assert post_login(client, "/login/", "right-pass-1").status_code == 302
    assert logged_in(client)


def test_an_admin_unlocks_by_deleting_the_access_attempt(client, admin_user):
    from axes.models import AccessAttempt

    for attempt in range(6):
        post_login(client, "/login/", f"wrong-{attempt}")
    attempt = AccessAttempt.objects.get(username="amelie")

    other_admin = get_user_model().objects.create_superuser("root", password="root-pass-1")
    admin_client = client.__class__()
    admin_client.force_login(other_admin)
    listing = admin_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "amelie" in listing.content.decode()
    admin_client.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert not AccessAttempt.objects.exists()
    assert post_login(client, "/login/", "right-pass-1").status_code == 302


def test_behind_a_proxy_the_address_the_proxy_appended_counts(rf, settings):
    from autoscale.lockout import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    assert client_ip(request) == "203.0.113.9"


@pytest.mark.django_db
def test_a_username_longer_than_any_is_a_failed_login_not_a_database_error(client):
    response = client.post("/login/", {"username": "0" * 300, "password": "x"})
    assert response.status_code == 200  # the form again, with its error
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get().username == "0" * 150
