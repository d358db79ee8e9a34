"""A track on a phone: its follow-up form's six tabs and its page's buttons stay inside
the screen (French labels are the longest)."""

import pytest
from playwright.sync_api import expect

from generator import generations
from tests.browser.login import log_in, make_person
from tests.helpers import settle


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_extend_form_fits_a_phone(live_server, sandbox, clock, browser_page):
    claire = make_person("claire", "marketer")
    task = generations.start_generation(
        claire, "suno", "generate", {"prompt": "a cheerful jingle for our phone app"}
    )
    settle(clock)
    track = task.assets.order_by("index").first()
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, f"{live_server.url}/generate/?model=suno&operation=extend&source_asset={track.pk}")
    expect(page.locator(".compose-head [role=tab]")).to_have_count(6)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


WIDEST_BUTTON = """() => Math.max(...[...document.querySelectorAll('.task-media .button')]
    .map(b => b.getBoundingClientRect().right))"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_track_page_buttons_fit_a_phone_in_french(live_server, sandbox, clock, browser_page):
    claire = make_person("claire", "marketer")
    task = generations.start_generation(
        claire,
        "suno",
        "generate",
        {"prompt": "[Verse]\nHold the line", "customMode": True, "style": "pop", "title": "Hold"},
    )
    settle(clock)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, f"{live_server.url}/tasks/{task.pk}/")
    page.click(".lang-switch button[value=fr], header button:has-text('FR')")
    page.wait_for_load_state()
    expect(page.locator(".task-media form .button").first).to_contain_text("paroles")
    assert page.evaluate(WIDEST_BUTTON) <= 390


CARD_OVERFLOW = """(card) => {
    const right = card.getBoundingClientRect().right;
    return Math.max(...[...card.querySelectorAll('.card-body *')]
        .map(e => e.getBoundingClientRect().right)) - right;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_song_card_in_progress_fits_a_phone_column(live_server, sandbox, clock, browser_page):
    from tests.helpers import make_polls_due, run_jobs

    claire = make_person("claire", "marketer")
    task = generations.start_generation(
        claire, "suno", "generate", {"prompt": "a cheerful jingle for our phone app"}
    )
    run_jobs()
    clock.advance(6)
    make_polls_due()
    run_jobs()
    task.refresh_from_db()
    assert task.stage == "first"
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, f"{live_server.url}/gallery/")
    page.click("header button:has-text('FR')")
    page.wait_for_load_state()
    card = page.locator(f"#task-{task.pk}")
    expect(card.locator("audio.early-player")).to_have_count(1)
    expect(card.locator(".stage-list")).to_contain_text("Tous les morceaux")
    assert page.evaluate(CARD_OVERFLOW, card.element_handle()) <= 0
