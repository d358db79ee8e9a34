"""Retired models in a real browser: greyed in the picker with why, and their form cannot
be sent."""

import pytest
from playwright.sync_api import expect

from generator.models import GenerationTask
from tests.browser.login import log_in, make_person


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sora_and_luma_are_shown_retired_with_the_reason(live_server, browser_page):
    make_person("claire", "marketer")
    page = browser_page
    log_in(page, f"{live_server.url}/generate/?model=kling-3.0")

    sora = page.locator(".model-option", has_text="Sora 2 Pro")
    expect(sora).to_have_class("model-option is-unavailable")
    expect(sora.locator(".model-status")).to_contain_text("Retired since 2026-09-24")
    assert float(sora.evaluate("e => getComputedStyle(e).opacity")) < 1
    luma = page.locator(".model-option", has_text="Luma Modify")
    expect(luma.locator(".model-status")).to_contain_text("Retired since 2026-06-30")
    expect(page.locator("#generate-submit")).to_be_enabled()

    luma.click()
    expect(page.locator(".compose-head h2")).to_have_text("Luma Modify")
    expect(page.locator(".alert-error")).to_contain_text("Luma Modify cannot be used.")
    expect(page.locator("#generate-submit")).to_be_disabled()
    assert not GenerationTask.objects.exists()
    assert page.js_errors == []
