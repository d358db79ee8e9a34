"""AUTOSCALE_PRODUCTION=1 turns on every production setting; the CSP holds on every page."""

import json
import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.factories import make_task

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "AUTOSCALE_PRODUCTION": "1",
    "DJANGO_SECRET_KEY": "".join(
        secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(64)
    ),
    "DJANGO_ALLOWED_HOSTS": "studio.example.com",
}


def run_django(tmp_path, args, **env) -> subprocess.CompletedProcess:
    """manage.py in a fresh interpreter with only this environment's settings."""
    drop = {"DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "DJANGO_SETTINGS_MODULE"}
    environ = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("DJANGO_")}
    environ.update(AUTOSCALE_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_settings(tmp_path, **env) -> dict:
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
    ]
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k, None) for k in {names!r}}}))"
    )
    result = run_django(tmp_path, ["shell", "-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_has_nothing_to_say_in_production(tmp_path):
    result = run_django(tmp_path, ["check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    for code in ("W004", "W008", "W012", "W016", "W009", "W018", "W020"):
        assert code not in output


def test_check_deploy_warns_without_the_switch(tmp_path):
    result = run_django(tmp_path, ["check", "--deploy"])
    output = result.stdout + result.stderr
    for code in ("W004", "W008", "W012", "W016"):
        assert code in output


def test_production_turns_on_every_setting_and_debug_off(tmp_path):
    values = production_settings(tmp_path, DJANGO_DEBUG="1", **PRODUCTION)
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_behind_a_proxy_the_forwarded_protocol_is_trusted(tmp_path):
    values = production_settings(tmp_path, DJANGO_BEHIND_PROXY="1", **PRODUCTION)
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_key_or_hosts(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_django(tmp_path, ["check"], **env)
    assert result.returncode != 0
    assert f"AUTOSCALE_PRODUCTION=1 needs {missing}" in result.stderr


# --- Content-Security-Policy ----------------------------------------------------------


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/gallery/", "/generate/", "TASK", "/admin/"])
def test_pages_carry_a_strict_policy(staff_client, staff, url):
    if url == "TASK":
        url = make_task(staff).get_absolute_url()
    staff.is_superuser = True
    staff.save()
    response = staff_client.get(url)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:", "blob:"]
    # Players may also load a Suno track's stream from kie's own hosts (or the sandbox's).
    assert directives["media-src"][:3] == ["'self'", "data:", "blob:"]
    assert all(
        source.startswith("https://") or source == django_settings.KIE_SANDBOX_URL
        for source in directives["media-src"][3:]
    )
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_login_page_carries_the_policy(client):
    assert policy(client.get("/login/"))["default-src"] == ["'self'"]


def test_debug_reports_violations_without_blocking(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(bool(s.CONTENT_SECURITY_POLICY), bool(s.CONTENT_SECURITY_POLICY_REPORT_ONLY))"
    )
    result = run_django(tmp_path, ["shell", "-c", code], DJANGO_DEBUG="1")
    assert result.stdout.strip().splitlines()[-1] == "False True"


INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"\shx-on", re.I), "an hx-on attribute"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "an inline script"),
    (re.compile(r"<style", re.I), "a style element"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_templates_have_nothing_inline_the_policy_would_block():
    found = []
    for template in Path(django_settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text()
        found += [f"{template.name}: {what}" for pattern, what in INLINE if pattern.search(text)]
    # HTML made in Python (format_html in the admin, template tags) counts too.
    for module in Path(django_settings.BASE_DIR, "generator").rglob("*.py"):
        html = "\n".join(line for line in module.read_text().splitlines() if "<" in line)
        found += [f"{module.name}: {what}" for pattern, what in INLINE if pattern.search(html)]
    assert found == []


@pytest.mark.django_db
def test_admin_thumbnails_are_sized_by_the_studios_admin_stylesheet(admin_client, admin_user):
    from tests.factories import make_asset

    task = make_task(admin_user, state="SUCCEEDED")
    make_asset(task)
    page = admin_client.get(f"/admin/generator/generationtask/{task.pk}/change/").content
    assert b"css/admin.css" in page and b'class="studio-preview-large"' in page


def test_htmx_injects_no_indicator_style():
    base = Path(django_settings.BASE_DIR, "templates", "base.html").read_text()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", base).group(1)
    assert json.loads(config)["includeIndicatorStyles"] is False
    assert ".htmx-indicator" in Path(django_settings.BASE_DIR, "static/css/studio.css").read_text()


@pytest.mark.django_db
def test_progress_bars_are_drawn_by_a_class_rule_not_a_style_attribute(staff_client, staff):
    task = make_task(staff, state="RUNNING")
    task.record_progress(0.5, None)  # 45% on the bar: step 9 of 20
    for url in ("/gallery/", task.get_absolute_url()):
        page = staff_client.get(url).content.decode()
        assert '<span data-step="9"></span>' in page and "style=" not in page
    css = Path(django_settings.BASE_DIR, "static/css/studio.css").read_text()
    assert '.progress span[data-step="9"] { width: 45%; }' in css
