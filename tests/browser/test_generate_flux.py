"""A marketer logs in, generates a Flux Kontext image and sees its card turn done, no reload."""

import pytest
from playwright.sync_api import expect

from generator import jobs
from generator.models import GenerationTask
from tests.browser.login import log_in, make_person
from tests.helpers import make_polls_due, run_jobs


def work_once(clock):
    """What the worker does between two looks at the page."""
    run_jobs()
    clock.advance(4)
    make_polls_due()
    jobs.poll_sweep()
    run_jobs()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_flux_card_turns_done_without_a_reload(live_server, sandbox, clock, browser_page):
    make_person("claire", "marketer")
    page = browser_page

    log_in(page, f"{live_server.url}/gallery/")
    expect(page.get_by_role("heading", name="Gallery")).to_be_visible()

    page.get_by_role("link", name="Generate", exact=True).click()
    page.get_by_role("link", name="Flux Kontext Pro").click()
    expect(page.locator(".compose-head h2")).to_have_text("Flux Kontext Pro")
    page.fill("textarea[name=prompt]", "AutoScale receptionist answering a call, bright office")
    page.select_option("select[name=aspectRatio]", "1:1")
    expect(page.locator("#estimate")).to_contain_text("5 credits")
    expect(page.locator("#generate-submit")).to_be_enabled()  # the estimate must not disable it
    page.click("#generate-submit")

    page.wait_for_url("**/gallery/?new=*")
    task = GenerationTask.objects.get()
    card = page.locator(f"#task-{task.pk}")
    expect(card.locator(".state-badge")).not_to_have_text("Done")
    page.evaluate("window.notReloaded = true")

    for _ in range(6):
        work_once(clock)
        task.refresh_from_db()
        if task.state == "SUCCEEDED":
            break
    assert task.state == "SUCCEEDED", task.failure_message

    expect(card.locator(".state-badge")).to_have_text("Done", timeout=8000)
    thumbnail = card.locator("img")
    expect(thumbnail).to_have_attribute("src", task.assets.get().thumbnail_url())
    assert page.evaluate("window.notReloaded") is True
    page.wait_for_function(  # the thumbnail really loads, it is not just a src
        f"document.querySelector('#task-{task.pk} img').naturalWidth > 0", timeout=5000
    )
    assert page.js_errors == []
