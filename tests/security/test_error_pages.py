"""Technical error pages only for a superuser on this machine; credentials never in a report."""

import logging
import sys

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from autoscale.error_reports import CredentialsFilter, MaskCredentialsLogFilter

PASSWORD = "pw-7Hq2xZ"
DB_URL = f"postgres://studio:{PASSWORD}@db.internal:5432/autoscale"
REDIS = f"redis://:{PASSWORD}@cache.internal:6379/0"
STRANGER = "203.0.113.7"

pytestmark = pytest.mark.urls("tests.security.error_urls")


@pytest.fixture
def debug_with_secrets(settings):
    settings.DEBUG = True
    settings.DATABASE_URL = DB_URL
    settings.REDIS_URL = REDIS
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "redis": REDIS}
    settings.SENTRY_URL = f"https://key:{PASSWORD}@sentry.example.com/1"
    return settings


def browser(user=None, ip="127.0.0.1") -> Client:
    client = Client(raise_request_exception=False, REMOTE_ADDR=ip, HTTP_ACCEPT="text/html")
    if user:
        client.force_login(user)
    return client


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="root-pass-1")


@pytest.mark.django_db
def test_an_anonymous_crash_gets_the_friendly_page(debug_with_secrets):
    response = browser().get("/boom/", DATABASE_URL=DB_URL)
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "Traceback" not in page and "RuntimeError" not in page
    assert PASSWORD not in page


@pytest.mark.django_db
def test_an_anonymous_crash_asked_for_as_text_gets_no_traceback(debug_with_secrets):
    client = Client(raise_request_exception=False, HTTP_ACCEPT="application/json")
    response = client.get("/boom/")
    assert response.status_code == 500
    assert b"Traceback" not in response.content and PASSWORD.encode() not in response.content


@pytest.mark.django_db
def test_a_staff_member_who_is_not_superuser_gets_the_friendly_page(debug_with_secrets, staff):
    page = browser(staff).get("/boom/").content.decode()
    assert "Something went wrong" in page and "Traceback" not in page


def test_a_superuser_from_elsewhere_gets_the_friendly_page(debug_with_secrets, superuser):
    page = browser(superuser, ip=STRANGER).get("/boom/").content.decode()
    assert "Something went wrong" in page and "Traceback" not in page


def test_a_local_superuser_sees_the_technical_page_without_passwords(debug_with_secrets, superuser):
    response = browser(superuser).get("/boom/", DATABASE_URL=DB_URL, REDIS_URL=REDIS)
    page = response.content.decode()
    assert response.status_code == 500
    assert "Traceback" in page and "the view broke" in page
    assert "DATABASE_URL" in page and "db.internal" in page
    assert "cache.internal" in page and "sentry.example.com" in page
    assert PASSWORD not in page


def test_without_debug_everyone_gets_the_friendly_page(settings, superuser):
    settings.DEBUG = False
    page = browser(superuser).get("/boom/").content.decode()
    assert "Something went wrong" in page and "Traceback" not in page


@pytest.mark.django_db
def test_an_unknown_address_gets_the_studio_404_in_debug(debug_with_secrets, staff):
    for client in (browser(), browser(staff)):
        response = client.get("/no-such-page/")
        page = response.content.decode()
        assert response.status_code == 404
        assert "There is nothing here" in page
        assert "URLconf" not in page and "DEBUG" not in page


@pytest.mark.django_db
def test_a_missing_task_gets_the_studio_404_in_debug(debug_with_secrets, staff):
    response = browser(staff).get("/tasks/987654/")
    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()
    assert "DEBUG" not in response.content.decode()


def test_a_local_superuser_gets_the_technical_404(debug_with_secrets, superuser):
    response = browser(superuser).get("/no-such-page/")
    assert response.status_code == 404
    assert "URLconf" in response.content.decode()


@pytest.mark.django_db
def test_append_slash_still_redirects_in_debug(debug_with_secrets):
    response = browser().get("/gallery")
    assert response.status_code == 301 and response["Location"] == "/gallery/"


# --- the filter -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "cleansed"),
    [
        ("postgres://u:secret@h/db", "postgres://u:********@h/db"),
        ("redis://:secret@h:6379/0", "redis://:********@h:6379/0"),
        ("rediss://user:p%40ss@h:6380", "rediss://user:********@h:6380"),
        ("postgres://u:a@b@h/db", "postgres://u:********@h/db"),
        ("redis://h:6379/0?password=hunter2", "redis://h:6379/0?password=********"),
        (
            "postgres://h/db?sslmode=require&password=x1",
            "postgres://h/db?sslmode=require&password=********",
        ),
    ],
)
def test_the_filter_hides_passwords_inside_urls(url, cleansed):
    assert CredentialsFilter().cleanse_setting("DATABASE_URL", url) == cleansed
    assert CredentialsFilter().cleanse_setting("ANY_URL", url) == cleansed


@pytest.mark.parametrize(
    "url",
    ["postgres://u@h/db", "redis://h:6379/0", "https://kie.ai/path?x=1", "sqlite:///var/db"],
)
def test_the_filter_keeps_urls_without_a_password(url):
    assert CredentialsFilter().cleanse_setting("DATABASE_URL", url) == url


def test_the_filter_cleanses_q_cluster_and_databases():
    cleansed = CredentialsFilter().cleanse_setting(
        "Q_CLUSTER", {"name": "autoscale", "redis": "redis://:secret@h:6379/0"}
    )
    assert cleansed == {"name": "autoscale", "redis": "redis://:********@h:6379/0"}
    databases = CredentialsFilter().cleanse_setting(
        "DATABASES",
        {"default": {"NAME": "autoscale", "PASSWORD": "secret", "HOST": "h", "OPTIONS": {}}},
    )
    assert "secret" not in repr(databases) and databases["default"]["HOST"] == "h"


def test_the_safe_settings_hold_no_password(debug_with_secrets):
    dumped = repr(CredentialsFilter().get_safe_settings())
    assert "db.internal" in dumped and PASSWORD not in dumped


def test_log_lines_and_their_tracebacks_are_cleansed():
    try:
        raise ConnectionError(f"cannot reach {REDIS}")
    except ConnectionError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "failed on %s", (DB_URL,), sys.exc_info()
        )
    assert MaskCredentialsLogFilter().filter(record)
    line = logging.Formatter().format(record)
    assert "db.internal" in line and "cache.internal" in line and "Traceback" in line
    assert PASSWORD not in line


def test_the_console_log_handler_uses_the_filter(settings):
    handler = settings.LOGGING["handlers"]["console"]
    filters = [settings.LOGGING["filters"][name]["()"] for name in handler["filters"]]
    assert "autoscale.error_reports.MaskCredentialsLogFilter" in filters


def test_the_admin_email_keeps_the_full_report_without_passwords(debug_with_secrets, rf):
    from django.utils.log import AdminEmailHandler

    request = rf.get("/boom/", DATABASE_URL=DB_URL, REMOTE_ADDR=STRANGER)
    try:
        raise RuntimeError(f"cannot connect to {DB_URL}")
    except RuntimeError:
        exc_info = sys.exc_info()
    reporter = AdminEmailHandler().reporter_class(request, *exc_info, is_email=True)
    for report in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        assert "Traceback" in report and "db.internal" in report
        assert PASSWORD not in report


@pytest.mark.django_db
def test_an_expired_form_gets_the_studios_page_not_djangos(settings):
    from django.test import Client

    settings.DEBUG = True
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "a"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page has expired" in page and "DEBUG" not in page


@pytest.mark.django_db
def test_a_bad_host_gets_a_400_page_not_the_500_one(settings):
    from django.test import Client

    settings.DEBUG = False
    response = Client(HTTP_HOST="evil.example").get("/login/")
    assert response.status_code == 400
    assert "could not be understood" in response.content.decode()
