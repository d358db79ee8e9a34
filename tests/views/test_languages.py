"""Which language a page speaks: the browser's by default (English for anything but French
and English), the header's switcher, remembered on the user across devices and logins."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from generator.models import UserPreference
from tests.factories import make_asset, make_task

FRENCH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
GERMAN_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}

# (French, English) strings each page must show.
PAGES = {
    "/gallery/": [("Galerie", "Gallery"), ("Nouvelle génération", "New generation")],
    "/generate/?model=flux-kontext-pro": [
        ("Traduire le prompt en anglais", "Translate prompt to English"),
        ("Coût", "Cost"),
        ("5\u00a0crédits", "5 credits"),
    ],
    "TASK": [("Relancer avec les mêmes réglages", "Re-run with the same settings")],
}


def page(client, url, staff, **headers):
    if url == "TASK":
        task = make_task(staff, state="SUCCEEDED")
        make_asset(task)
        url = task.get_absolute_url()
    return client.get(url, **headers).content.decode()


def log_in(client, username="marie", password="pw", **headers):
    response = client.post("/login/", {"username": username, "password": password}, **headers)
    assert response.status_code == 302, response.content.decode()[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_pages_speak_french_to_a_french_browser(staff_client, staff, url):
    html = page(staff_client, url, staff, **FRENCH_BROWSER)
    assert '<html lang="fr">' in html
    for french, english in PAGES[url]:
        assert french in html and english not in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("browser", [ENGLISH_BROWSER, GERMAN_BROWSER, {}])
def test_pages_speak_english_to_an_english_or_any_other_browser(staff_client, staff, url, browser):
    html = page(staff_client, url, staff, **browser)
    assert '<html lang="en">' in html
    for french, english in PAGES[url]:
        assert english in html and french not in html


@pytest.mark.django_db
def test_the_login_page_follows_the_browser_and_switches_before_login(client):
    assert "Se connecter" in client.get("/login/", **FRENCH_BROWSER).content.decode()
    response = client.post(
        "/language/", {"language": "en", "next": "/login/?next=/gallery/"}, **FRENCH_BROWSER
    )
    assert response.status_code == 302 and response["Location"] == "/login/?next=/gallery/"
    assert response.cookies["django_language"].value == "en"
    html = client.get("/login/", **FRENCH_BROWSER).content.decode()
    assert "Log in" in html and "Se connecter" not in html
    assert not UserPreference.objects.exists()  # nobody to store it on yet


@pytest.mark.django_db
def test_the_switcher_stores_the_choice_on_the_user_and_it_beats_the_browser(staff_client):
    response = staff_client.post(
        "/language/", {"language": "fr", "next": "/gallery/"}, **ENGLISH_BROWSER
    )
    assert response.status_code == 302 and response["Location"] == "/gallery/"
    assert response.cookies["django_language"].value == "fr"
    assert UserPreference.objects.get().language == "fr"
    staff_client.cookies.pop("django_language")  # the user's choice alone is enough
    assert "Galerie" in staff_client.get("/gallery/", **ENGLISH_BROWSER).content.decode()


@pytest.mark.django_db
def test_the_choice_follows_the_user_to_another_device(staff):
    UserPreference.objects.create(user=staff, language="fr")
    other_device = Client()
    log_in(other_device, **ENGLISH_BROWSER)
    response = other_device.get("/gallery/", **ENGLISH_BROWSER)
    assert "Galerie" in response.content.decode()
    # The cookie follows, so the login page after a log-out speaks it too.
    assert response.cookies["django_language"].value == "fr"


@pytest.mark.django_db
def test_english_stays_after_logging_out_and_in_again(staff):
    browser = Client()
    log_in(browser, **FRENCH_BROWSER)
    assert "Galerie" in browser.get("/gallery/", **FRENCH_BROWSER).content.decode()
    browser.post("/language/", {"language": "en", "next": "/gallery/"}, **FRENCH_BROWSER)
    assert "Gallery" in browser.get("/gallery/", **FRENCH_BROWSER).content.decode()

    browser.post("/logout/", **FRENCH_BROWSER)
    assert "Log in" in browser.get("/login/", **FRENCH_BROWSER).content.decode()
    fresh_browser = Client()  # no cookie either: the stored choice alone
    for device in (browser, fresh_browser):
        log_in(device, **FRENCH_BROWSER)
        html = device.get("/gallery/", **FRENCH_BROWSER).content.decode()
        assert "Gallery" in html and "Galerie" not in html


@pytest.mark.django_db
def test_a_user_who_never_chose_adopts_the_language_they_logged_in_with(staff):
    log_in(Client(), **FRENCH_BROWSER)
    assert UserPreference.objects.get(user=staff).language == "fr"


@pytest.mark.django_db
def test_a_stored_choice_wins_over_the_language_of_the_login(staff):
    UserPreference.objects.create(user=staff, language="en")
    browser = Client()
    log_in(browser, **FRENCH_BROWSER)
    assert UserPreference.objects.get(user=staff).language == "en"
    assert "Gallery" in browser.get("/gallery/", **FRENCH_BROWSER).content.decode()


@pytest.mark.django_db
def test_a_language_the_studio_does_not_speak_is_never_stored(staff_client):
    staff_client.post("/language/", {"language": "de", "next": "/gallery/"})
    staff_client.post("/language/", {"language": "../../etc", "next": "/gallery/"})
    assert not UserPreference.objects.exists()
    assert "Gallery" in staff_client.get("/gallery/").content.decode()


@pytest.mark.django_db
def test_the_switcher_never_sends_anyone_to_another_site(client):
    response = client.post("/language/", {"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_the_switcher_is_in_every_header_and_marks_the_current_language(staff_client, client):
    for html in (
        staff_client.get("/gallery/", **FRENCH_BROWSER).content.decode(),
        client.get("/login/", **FRENCH_BROWSER).content.decode(),
    ):
        assert 'action="/language/"' in html
        assert 'name="language" value="fr" lang="fr" title="Français"' in html
        assert 'aria-label="Français" aria-pressed="true"' in html
        assert 'aria-label="English" aria-pressed="false"' in html


@pytest.mark.django_db
def test_studio_js_gets_its_words_in_the_page_language(client):
    french = client.get("/jsi18n/", **FRENCH_BROWSER)
    assert french.status_code == 200 and "javascript" in french["Content-Type"]
    assert "caract\\u00e8res" in french.content.decode()
    assert "caract" not in client.get("/jsi18n/", **ENGLISH_BROWSER).content.decode()


@pytest.mark.django_db
def test_admin_pages_speak_the_users_language(admin_client):
    user = get_user_model().objects.get(username="admin")
    UserPreference.objects.create(user=user, language="fr")
    html = admin_client.get("/admin/").content.decode()
    assert "Administration d’AutoScale Studio" in html
    for french in ("Génération", "Générations", "Écritures du registre des crédits"):
        assert f">{french}<" in html, french
    task = make_task(user, state="FAILED", failure_kind="policy")
    html = admin_client.get("/admin/generator/generationtask/").content.decode()
    for french in ("Interroger kie.ai maintenant", "Contenu refusé", "issue", "Crédits (facturés"):
        assert french in html, french
    html = admin_client.get(f"/admin/generator/generationtask/{task.pk}/change/").content.decode()
    for french in ("Chez kie.ai", "Planification", "Contenu refusé", "Vérifier chez kie.ai"):
        assert french in html, french


@pytest.mark.django_db
def test_error_pages_speak_french_too(client):
    assert "Page introuvable" in client.get("/no-such-page/", **FRENCH_BROWSER).content.decode()
    client.force_login(get_user_model().objects.create_user("visitor", password="pw"))
    refused = client.get("/gallery/", **FRENCH_BROWSER)
    assert refused.status_code == 403
    assert "Votre rôle dans le studio ne le permet pas." in refused.content.decode()
