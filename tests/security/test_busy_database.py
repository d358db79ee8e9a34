"""SQLite gets the same safety options however it is named; a locked database is a 503."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.urls("tests.security.error_urls")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_locked_database_is_a_friendly_503(settings, debug, staff):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    response = client.get("/locked/")
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "The studio is busy, try again in a moment" in page
    assert "Traceback" not in page and "OperationalError" not in page


@pytest.mark.django_db
def test_other_database_errors_are_not_called_busy(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/db-error/")
    assert response.status_code == 500
    assert "busy" not in response.content.decode()


def database_settings(tmp_path, **env) -> dict:
    """The DATABASES setting read by a fresh interpreter with this environment."""
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environ.update(AUTOSCALE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="autoscale.settings")
    environ.update(env)
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return json.loads(out)


def test_sqlite_by_url_gets_the_default_files_options(tmp_path):
    default = database_settings(tmp_path)
    by_url = database_settings(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/other.sqlite3")
    assert by_url["ENGINE"] == "django.db.backends.sqlite3"
    assert by_url["NAME"] == f"{tmp_path}/other.sqlite3"
    assert by_url["OPTIONS"] == default["OPTIONS"]
    assert by_url["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert by_url["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in by_url["OPTIONS"]["init_command"]


def test_postgres_by_url_gets_no_sqlite_options(tmp_path):
    by_url = database_settings(tmp_path, DATABASE_URL="postgres://u@h:5432/autoscale")
    assert "init_command" not in by_url.get("OPTIONS", {})
