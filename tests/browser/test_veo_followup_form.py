"""The video forms in a real browser: Runway's price follows two options, and a Veo
follow-up shows the video it acts on and makes its task."""

import pytest
from playwright.sync_api import expect

from generator.models import GenerationTask
from tests.browser.login import log_in, make_person
from tests.views.test_followups import video_of


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_runway_price_follows_duration_and_quality(live_server, browser_page):
    make_person("claire", "marketer")
    page = browser_page
    log_in(page, f"{live_server.url}/generate/?model=runway")
    expect(page.locator("#estimate")).to_contain_text("12 credits")
    page.select_option("select[name=duration]", "10")
    expect(page.locator("#estimate")).to_contain_text("30 credits")
    page.select_option("select[name=duration]", "5")
    expect(page.locator("#estimate")).to_contain_text("12 credits")
    page.select_option("select[name=quality]", "1080p")
    expect(page.locator("#estimate")).to_contain_text("30 credits")
    page.screenshot(path="/tmp/veo-runway-form.png", full_page=True)
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_veo_followup_shows_its_source_and_makes_the_task(live_server, browser_page):
    claire = make_person("claire", "marketer")
    asset = video_of(claire)
    page = browser_page
    log_in(
        page, f"{live_server.url}/generate/?model=veo3-fast&operation=4k&source_asset={asset.pk}"
    )
    expect(page.locator(".followup-source")).to_contain_text(f"The video of task #{asset.task_id}")
    expect(page.locator("#estimate")).to_contain_text("120 credits")
    page.screenshot(path="/tmp/veo-4k-form.png", full_page=True)
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/gallery/**")
    assert GenerationTask.objects.get(operation="4k").source_asset_id == asset.pk
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_veo_followup_form_and_the_asset_page_fit_the_width(
    live_server, browser_page
):
    claire = make_person("claire", "marketer")
    asset = video_of(claire)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(
        page,
        f"{live_server.url}/generate/?model=veo3-fast&operation=extend&source_asset={asset.pk}",
    )
    expect(page.locator(".followup-source")).to_be_visible()
    overflow = "document.documentElement.scrollWidth - window.innerWidth"
    assert page.evaluate(overflow) == 0  # Veo's six operation tabs wrap
    page.goto(f"{live_server.url}/assets/{asset.pk}/")
    expect(page.locator(".actions .followup").first).to_be_visible()
    assert page.evaluate(overflow) == 0  # long follow-up buttons and the kie.ai task id wrap
