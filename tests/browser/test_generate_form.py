"""The generate form in a real browser: what was typed survives switching model and
operation, and the price follows the options."""

import pytest
from playwright.sync_api import expect

from tests.browser.login import log_in, make_person


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_switching_model_and_operation_keeps_the_prompt_and_prices_it(live_server, browser_page):
    make_person("claire", "marketer")
    page = browser_page
    log_in(page, f"{live_server.url}/generate/?model=4o-image")

    page.fill("textarea[name=prompt]", "Un standard qui ne rate aucun appel")
    expect(page.locator(".counter")).to_have_text("35 / 5,000 characters")
    page.select_option("select[name=nVariants]", "4")
    expect(page.locator("#estimate")).to_contain_text("24 credits")

    page.get_by_role("tab", name="Edit with reference images").click()
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_text(
        "Edit with reference images"
    )
    expect(page.locator("textarea[name=prompt]")).to_have_value(
        "Un standard qui ne rate aucun appel"
    )
    expect(page.locator("select[name=nVariants]")).to_have_value("4")
    expect(page.locator("#estimate")).to_contain_text("24 credits")

    page.get_by_role("link", name="Ideogram V3").click()
    expect(page.locator(".compose-head h2")).to_have_text("Ideogram V3")
    expect(page.locator("textarea[name=prompt]")).to_have_value(
        "Un standard qui ne rate aucun appel"
    )
    # Ideogram edits too (inside a mask): the operation follows; the prompt stays out of
    # the URL.
    page.wait_for_url("**/generate/?model=ideogram-v3&operation=edit")
    page.select_option("select[name=rendering_speed]", "QUALITY")
    expect(page.locator("#estimate")).to_contain_text("10 credits")
    assert page.js_errors == []
