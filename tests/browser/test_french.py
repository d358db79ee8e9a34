"""A marketer with a French browser walks generate → gallery → task page and meets no
English on the way (prompts and model brand names aside); the switcher brings English."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from playwright.sync_api import expect

from generator import catalog, jobs
from generator.models import GenerationTask
from tests.browser.login import log_in, make_person
from tests.helpers import make_polls_due, run_jobs

PROMPT = "Une réceptionniste souriante décroche le téléphone, lumière du matin"
CATALOGS = [
    Path(settings.BASE_DIR, "locale/fr/LC_MESSAGES", f"{d}.po") for d in ("django", "djangojs")
]
# Brand and product names stay as they are in both languages, and the switcher names
# each language in that language.
NAMES = ["AutoScale Studio", "kie.ai", "English", *(str(model.label) for model in catalog.MODELS)]


def words(text: str) -> set[str]:
    """Lower-case words of a text; tokens with digits (ids, sizes) are no words."""
    tokens = [token for token in text.split() if not re.search(r"\d", token)]
    return {word.lower() for token in tokens for word in re.findall(r"[A-Za-zÀ-ÿ]+", token)}


def english_words() -> set[str]:
    """Words of our English strings that none of their French translations uses."""
    english, french = set(), set()
    for path in CATALOGS:
        for entry in polib.pofile(str(path)):
            english |= words(f"{entry.msgid} {entry.msgid_plural}")
            french |= words(" ".join([entry.msgstr, *entry.msgstr_plural.values()]))
    return english - french


def english_on(page) -> set[str]:
    """English words in what the page shows: text, titles, labels, placeholders."""
    shown = page.evaluate(
        """() => [document.title, document.body.innerText,
                  ...[...document.querySelectorAll('[title], [aria-label], [placeholder]')]
                      .flatMap(el => [el.title, el.getAttribute('aria-label'), el.placeholder])]
                 .filter(Boolean).join('\\n')"""
    )
    for name in (PROMPT, *NAMES):
        shown = shown.replace(name, " ")
    return words(shown) & english_words()


def work_once(clock):
    run_jobs()
    clock.advance(4)
    make_polls_due()
    jobs.poll_sweep()
    run_jobs()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_generate_gallery_and_task_page_read_in_french(live_server, sandbox, clock, browser_page):
    make_person("claire", "marketer")
    page = browser_page
    page.set_extra_http_headers({"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})

    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    assert english_on(page) == set()
    log_in(page, f"{live_server.url}/generate/?model=flux-kontext-pro")

    expect(page.get_by_role("heading", name="Générer")).to_be_visible()
    page.locator("details.advanced summary").click()  # the folded options too
    assert english_on(page) == set()
    page.fill("textarea[name=prompt]", PROMPT)
    expect(page.locator(".counter")).to_have_text(f"{len(PROMPT)} / 3\u202f000 caractères")
    expect(page.locator("#estimate")).to_contain_text("5\u00a0crédits")
    page.click("#generate-submit")

    page.wait_for_url("**/gallery/?new=*")
    expect(page.get_by_role("heading", name="Galerie")).to_be_visible()
    task = GenerationTask.objects.get()
    assert english_on(page) == set()
    for _ in range(6):
        work_once(clock)
        task.refresh_from_db()
        if task.state == "SUCCEEDED":
            break
    card = page.locator(f"#task-{task.pk}")
    expect(card.locator(".state-badge")).to_have_text("Terminée", timeout=8000)
    assert english_on(page) == set()

    card.locator("a.card-media").click()
    expect(page.get_by_role("heading", name=re.compile("Flux Kontext Pro"))).to_be_visible()
    expect(page.locator(".task-facts")).to_contain_text("Historique")
    assert english_on(page) == set()
    sent = sandbox.task(task.upstream_task_id)["body"]["prompt"]
    assert sent == PROMPT  # the interface's language never touches the prompt

    page.get_by_role("button", name="English").click()  # the switcher
    expect(page.locator(".task-facts")).to_contain_text("Timeline")
    assert {"timeline", "settings", "download"} <= english_on(page)  # the check can fail
    page.goto(f"{live_server.url}/gallery/")
    expect(page.get_by_role("heading", name="Gallery")).to_be_visible()
    assert page.js_errors == []
