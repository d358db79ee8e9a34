"""Two people in two browsers: a marketer submits two images from the gallery, an approver
approves one with the keyboard and rejects the other with a reason, without a reload; the
marketer sees the reason. Then the API's docs page works under the CSP."""

import pytest
from playwright.sync_api import expect

from generator.models import AssetReview
from tests.browser.login import log_in, make_person
from tests.browser.test_security import RECORD_VIOLATIONS, violations
from tests.factories import make_asset, make_task


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_marketer_submits_and_an_approver_decides(live_server, browser_page):
    claire = make_person("claire", "marketer")
    make_person("paul", "approver")
    first = make_asset(make_task(claire, state="SUCCEEDED", prompt="Receptionist, morning light"))
    second = make_asset(make_task(claire, state="SUCCEEDED", prompt="Phone on a desk, neon"))
    marketer = browser_page
    marketer.add_init_script(RECORD_VIOLATIONS)

    log_in(marketer, f"{live_server.url}/gallery/")
    for asset in (first, second):
        marketer.check(f"#task-{asset.task_id} input[name=task]")
    marketer.fill("#bulk-submit input[name=note]", "For the Monday LinkedIn post")
    marketer.get_by_role("button", name="Submit the ticked for review").click()
    expect(marketer.locator(".flash")).to_contain_text("2 assets were submitted for review.")
    expect(marketer.locator(f"#task-{first.task_id} .review-badge")).to_have_text("In review")

    approver = marketer.context.browser.new_context(viewport={"width": 1280, "height": 900})
    page = approver.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, f"{live_server.url}/review/", username="paul")
    expect(page.locator("#review-count")).to_have_text("2")
    expect(page.locator("[data-queue-item]")).to_have_count(2)
    expect(page.locator(".queue-item").first).to_contain_text("For the Monday LinkedIn post")
    page.evaluate("window.notReloaded = true")

    page.keyboard.press("j")  # the oldest submission, first in the queue
    expect(page.locator(f"#queue-{first.pk}")).to_have_class("queue-item is-current")
    page.keyboard.press("a")
    expect(page.locator(f"#queue-{first.pk}[data-decided]")).to_contain_text("Approved")
    expect(page.locator("#review-count")).to_have_text("1")

    current = page.locator(f"#queue-{second.pk}")
    expect(current).to_have_class("queue-item is-current")  # moved on by itself
    page.keyboard.press("r")  # no reason yet: the reason field takes the focus
    reason = current.locator("textarea[name=reason]")
    expect(reason).to_be_focused()
    reason.fill("The neon clashes with the brand colours")
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"#queue-{second.pk}[data-decided]")).to_contain_text("Rejected")
    expect(page.locator("#review-count")).to_have_text("0")
    assert page.evaluate("window.notReloaded") is True
    assert violations(page) == [] and errors == []

    states = dict(AssetReview.objects.values_list("asset_id", "state"))
    assert states == {first.pk: "approved", second.pk: "rejected"}

    marketer.goto(f"{live_server.url}/review/mine/")
    expect(marketer.get_by_text("The neon clashes with the brand colours")).to_be_visible()
    marketer.get_by_role("link", name="Make a new version").click()
    expect(marketer.locator("#review-panel")).to_contain_text("Rejected")
    marketer.get_by_role("link", name="Make a new version (change and re-run)").click()
    expect(marketer.locator(".alert-info")).to_contain_text(f"new version of asset #{second.pk}")
    expect(marketer.locator(".alert-info")).to_contain_text("The neon clashes")
    assert violations(marketer) == [] and marketer.js_errors == []
    approver.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_api_docs_page_works_under_the_policy(live_server, browser_page):
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("AutoScale Studio API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert violations(page) == []
    assert page.js_errors == []
