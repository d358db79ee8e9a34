"""In a real browser: the pages work under the Content-Security-Policy, and a session
ended in another tab takes a live page to the login form."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.login import log_in, make_person
from tests.factories import make_task

# Every blocked (or reported) resource, whatever the console says about it.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_gallery_and_generate_pages_break_no_rule_of_the_policy(live_server, browser_page):
    user = make_person("claire", "marketer")
    running = make_task(user, state="RUNNING")
    running.record_progress(0.5, None)
    make_task(user, state="SUBMITTED")
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)

    log_in(page, f"{live_server.url}/gallery/")
    expect(page.get_by_role("heading", name="Gallery")).to_be_visible()
    bar = page.locator(f"#task-{running.pk} .progress span")
    assert bar.evaluate(
        "el => el.getBoundingClientRect().width / el.parentElement.getBoundingClientRect().width"
    ) == pytest.approx(0.45, abs=0.01)  # noqa: E501
    with page.expect_response(re.compile(r"/gallery/live/")):  # one live poll went through
        pass
    page.fill("input[name=q]", "phone")  # an htmx swap of the results
    page.wait_for_url(re.compile(r"q=phone"))
    assert violations(page) == []

    page.get_by_role("link", name="Generate", exact=True).click()
    page.get_by_role("link", name="Flux Kontext Pro").click()  # an htmx swap of the form
    expect(page.locator(".compose-head h2")).to_have_text("Flux Kontext Pro")
    page.select_option("select[name=aspectRatio]", "1:1")
    expect(page.locator("#estimate")).to_contain_text("5 credits")
    page.goto(live_server.url + running.get_absolute_url())
    expect(page.locator(".media-pending .progress")).to_be_visible()

    assert violations(page) == []
    assert page.js_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_logging_out_in_another_tab_sends_the_gallery_to_the_login_page(live_server, browser_page):
    user = make_person("claire", "marketer")
    make_task(user, state="RUNNING")  # keeps the gallery polling
    gallery = browser_page
    log_in(gallery, f"{live_server.url}/gallery/")
    expect(gallery.locator("#gallery-live[hx-get]")).to_have_count(1)

    other_tab = gallery.context.new_page()
    other_tab.goto(f"{live_server.url}/generate/")
    other_tab.get_by_role("button", name="Log out").click()
    other_tab.wait_for_url(re.compile(r"/login/"))

    gallery.wait_for_url(re.compile(r"/login/\?next=/gallery/$"), timeout=10_000)
    expect(gallery.locator(".login form")).to_have_count(1)
    expect(gallery.locator(".grid")).to_have_count(0)
