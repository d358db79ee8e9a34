"""A marketer makes a song and plays its first track while the second is still coming;
when the song is done the card holds the stored tracks."""

import copy
import threading

import pytest
from playwright.sync_api import expect

from generator import upstream
from generator.models import GenerationTask
from generator.sandbox import SandboxApp, SandboxConfig
from generator.sandbox.server import make_sandbox_server
from tests.browser.login import log_in, make_person
from tests.helpers import make_polls_due, run_jobs

SANDBOX_PORT = 8461  # this branch's port range (8400-8499)


@pytest.fixture
def served_sandbox(settings, clock):
    """The sandbox on a real port: the browser fetches the stream links itself."""
    url = f"http://127.0.0.1:{SANDBOX_PORT}"
    app = SandboxApp(
        SandboxConfig(
            api_key=settings.KIE_SANDBOX_KEY, public_url=url, duration_seconds=10, clock=clock
        )
    )
    server = make_sandbox_server("127.0.0.1", SANDBOX_PORT, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["media-src"] = [*policy["DIRECTIVES"]["media-src"], url]
    settings.CONTENT_SECURITY_POLICY = policy
    previous = upstream._inprocess_sandbox
    upstream._inprocess_sandbox = app
    yield app
    upstream._inprocess_sandbox = previous
    server.shutdown()
    server.server_close()


def advance(clock, seconds):
    clock.advance(seconds)
    make_polls_due()
    run_jobs()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_first_track_plays_while_the_second_is_coming(
    live_server, served_sandbox, clock, browser_page
):
    make_person("claire", "marketer")
    page = browser_page
    log_in(page, f"{live_server.url}/generate/?model=suno")
    expect(page.locator(".compose-head h2")).to_have_text("Suno")
    page.fill("textarea[name=prompt]", "an upbeat jingle about never missing a call")
    expect(page.locator("#estimate")).to_contain_text("12 credits")
    page.click("#generate-submit")
    page.wait_for_url("**/gallery/?new=*")
    task = GenerationTask.objects.get()

    run_jobs()  # submit
    advance(clock, 6)  # kie: FIRST_SUCCESS
    task.refresh_from_db()
    assert task.stage == "first", (task.state, task.stage, task.last_error)

    card = page.locator(f"#task-{task.pk}")
    expect(card.locator(".stage-list li.done")).to_have_count(2, timeout=8000)
    player = card.locator("audio.early-player")
    expect(player).to_have_count(1)
    page.evaluate(
        "(el) => { el.muted = true; return el.play(); }",
        player.element_handle(),
    )
    page.wait_for_function(
        "(el) => el.currentTime > 0.3 && !el.paused", arg=player.element_handle(), timeout=8000
    )
    assert task.assets.count() == 0  # the second track is still coming
    page.screenshot(path="/tmp/music-card-streaming.png")

    advance(clock, 6)  # kie: SUCCESS, both tracks saved
    task.refresh_from_db()
    assert task.state == "SUCCEEDED", task.failure_message
    expect(card.locator(".state-badge")).to_have_text("Done", timeout=8000)
    expect(card.locator("img.card-waveform")).to_have_count(1)
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    players = page.locator("audio.track-player")
    expect(players).to_have_count(2)
    duration = page.evaluate(
        "(el) => new Promise(r => el.readyState >= 1 ? r(el.duration)"
        " : el.addEventListener('loadedmetadata', () => r(el.duration)))",
        players.first.element_handle(),
    )
    assert duration == pytest.approx(20, abs=0.5)
    page.evaluate("(el) => { el.currentTime = 12; }", players.first.element_handle())
    page.wait_for_function("(el) => el.currentTime >= 11.9", arg=players.first.element_handle())
    page.screenshot(path="/tmp/music-task-page.png", full_page=True)
    assert page.js_errors == []
