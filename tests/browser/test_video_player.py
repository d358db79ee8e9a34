"""A finished video plays on its task page and can be scrubbed: the player seeks, and the
file is served in ranges (206). The gallery card previews it on hover. No CSP violation.

No video model exists in this branch's catalog: the task is an image model's, holding a
real H.264 + AAC MP4 made by the sandbox (a model key of kind video may replace it)."""

import pytest
from playwright.sync_api import expect

from generator import catalog
from generator.models import GenerationTask
from generator.sandbox.video import make_mp4
from tests.browser.login import log_in, make_person
from tests.browser.test_security import RECORD_VIOLATIONS, violations
from tests.factories import make_task
from tests.media_files import store_media_asset


def video_model_key() -> str:
    for key in ("veo3-fast", *(m.key for m in catalog.MODELS if m.kind == catalog.Kind.VIDEO)):
        if any(m.key == key for m in catalog.MODELS):
            return key
    return "flux-kontext-pro"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_video_plays_and_seeks_with_range_requests(live_server, browser_page):
    claire = make_person("claire", "marketer")
    task = make_task(claire, state="SUCCEEDED", model="flux-kontext-pro", prompt="Spring sale")
    GenerationTask.objects.filter(pk=task.pk).update(kind="video", model_key=video_model_key())
    asset = store_media_asset(task, make_mp4("Spring sale", 640, 360, 6, audio=True))
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    statuses = []
    page.on(
        "response",
        lambda response: (
            asset.get_absolute_url() in response.url and statuses.append(response.status)
        ),
    )

    log_in(page, f"{live_server.url}{task.get_absolute_url()}")
    player = page.locator("video.asset-video")
    expect(player).to_be_visible()
    expect(player).to_have_attribute("poster", asset.poster_url())
    expect(page.locator(".media-facts")).to_contain_text("640×360")
    page.wait_for_function("() => document.querySelector('video.asset-video').readyState >= 1")
    assert page.evaluate("document.querySelector('video.asset-video').duration") == pytest.approx(
        6.0, abs=0.3
    )

    page.evaluate(
        "() => { const v = document.querySelector('video.asset-video'); v.muted = true; "
        "return v.play(); }"
    )
    page.wait_for_function("() => document.querySelector('video.asset-video').currentTime > 0.2")
    page.evaluate("document.querySelector('video.asset-video').pause()")
    page.evaluate("document.querySelector('video.asset-video').currentTime = 4.5")
    page.wait_for_function(
        "() => { const v = document.querySelector('video.asset-video');"
        " return !v.seeking && Math.abs(v.currentTime - 4.5) < 0.3 }"
    )
    assert 206 in statuses, statuses  # the player asked for ranges and got them

    page.goto(f"{live_server.url}/gallery/")
    card = page.locator(f"#task-{task.pk} .card-media")
    expect(card.locator(".duration-badge")).to_contain_text("0:06")
    card.hover()
    expect(card.locator("video.card-preview")).to_have_count(1)
    page.wait_for_function("() => document.querySelector('video.card-preview').currentTime > 0")
    page.mouse.move(0, 0)
    expect(card.locator("video.card-preview")).to_have_count(0)
    assert violations(page) == []
    assert page.js_errors == []
