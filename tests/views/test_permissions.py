"""Anonymous visitors and non-staff accounts get nothing."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_asset, make_task

PAGES = [
    "/gallery/",
    "/generate/",
    "/generate/estimate/?model=4o-image",
    "/gallery/live/?cards=1:1",
]


@pytest.fixture
def task_with_asset(staff):
    task = make_task(staff, state="SUCCEEDED")
    return task, make_asset(task)


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_anonymous_gets_no_task_page_and_no_file(client, task_with_asset):
    task, asset = task_with_asset
    for url in (f"/tasks/{task.pk}/", asset.get_absolute_url(), asset.thumbnail_url()):
        response = client.get(url)
        assert response.status_code == 302, url
        assert not response.content


@pytest.mark.django_db
def test_anonymous_cannot_start_a_generation(client):
    response = client.post(
        "/generate/",
        {"model": "4o-image", "operation": "text-to-image", "prompt": "x", "size": "1:1"},
    )
    assert response.status_code == 302
    from generator.models import GenerationTask

    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_non_staff_gets_403_everywhere(client, task_with_asset):
    task, asset = task_with_asset
    user = get_user_model().objects.create_user("visitor", password="pw")
    client.force_login(user)
    for url in PAGES + [f"/tasks/{task.pk}/", asset.get_absolute_url(), "/inputs/1/file/"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/tasks/{task.pk}/rerun/").status_code == 403


HTMX_POLLS = [
    ("/gallery/live/?cards=1:x", "http://testserver/gallery/", "/login/?next=/gallery/"),
    ("/gallery/?q=cat", "http://testserver/gallery/?q=cat", "/login/?next=/gallery/%3Fq%3Dcat"),
    ("/generate/?model=4o-image", "http://testserver/generate/", "/login/?next=/generate/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "current", "login"), HTMX_POLLS)
def test_an_anonymous_htmx_request_sends_the_whole_page_to_login(client, url, current, login):
    response = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=current)
    assert response.status_code == 200
    assert response["HX-Redirect"] == login
    assert b"<form" not in response.content


@pytest.mark.django_db
def test_an_anonymous_htmx_request_from_elsewhere_goes_to_login_for_the_gallery(client):
    response = client.get(
        "/gallery/live/?cards=1:x",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="https://elsewhere.example/phish/",
    )
    assert response["HX-Redirect"] == "/login/?next=/gallery/"


@pytest.mark.django_db
def test_a_non_staff_htmx_request_reloads_the_whole_page(client, task_with_asset):
    task, _ = task_with_asset
    client.force_login(get_user_model().objects.create_user("visitor", password="pw"))
    response = client.get(
        f"/tasks/{task.pk}/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="task-body",
        HTTP_HX_CURRENT_URL=f"http://testserver/tasks/{task.pk}/",
    )
    assert response["HX-Refresh"] == "true"
    assert b"Not allowed" not in response.content
