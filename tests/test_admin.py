"""Admin pages load, and admin actions go through the domain functions."""

import pytest
from django.contrib.auth import get_user_model

from generator.models import GenerationTask, PriceOverride, State
from tests.factories import make_asset, make_task


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("boss", "b@x.io", "pw"))
    return client


@pytest.mark.django_db
def test_every_admin_list_and_a_task_page_load(admin_client):
    task = make_task(get_user_model().objects.get(), state="SUCCEEDED")
    make_asset(task)
    for name in [
        "generationtask",
        "taskevent",
        "asset",
        "creditledgerentry",
        "creditbalancesnapshot",
        "priceoverride",
        "publishedprice",
        "creditpolicy",
        "budget",
        "budgetalert",
        "reconciliation",
        "comparison",
        "prompt",
        "joblease",
    ]:
        assert admin_client.get(f"/admin/generator/{name}/").status_code == 200, name
    page = admin_client.get(f"/admin/generator/generationtask/{task.pk}/change/")
    assert page.status_code == 200 and b"Upstream (kie.ai)" in page.content


@pytest.mark.django_db(transaction=True)
def test_cancel_action_only_cancels_tasks_not_yet_sent(admin_client):
    user = get_user_model().objects.get()
    queued, running = make_task(user), make_task(user, state=State.RUNNING)
    admin_client.post(
        "/admin/generator/generationtask/",
        {"action": "cancel", "_selected_action": [queued.pk, running.pk]},
    )
    assert GenerationTask.objects.get(pk=queued.pk).state == State.CANCELED
    assert GenerationTask.objects.get(pk=running.pk).state == State.RUNNING


@pytest.mark.django_db
def test_price_override_refuses_a_price_the_model_does_not_have(admin_client):
    response = admin_client.post(
        "/admin/generator/priceoverride/add/",
        {"model_key": "ideogram-v3", "price_key": "", "credits": "5"},
    )
    assert b"This model&#x27;s prices are" in response.content
    assert not PriceOverride.objects.exists()
    admin_client.post(
        "/admin/generator/priceoverride/add/",
        {"model_key": "ideogram-v3", "price_key": "rendering_speed=TURBO", "credits": "3"},
    )
    assert PriceOverride.objects.get().credits == 3


@pytest.mark.django_db
def test_the_credit_ledger_is_append_only(admin_client):
    from generator.models import CreditLedgerEntry

    response = admin_client.post(
        "/admin/generator/creditledgerentry/add/",
        {"amount": "-3", "note": "credits bought back", "kind": "reserve"},
    )
    assert response.status_code == 302
    entry = CreditLedgerEntry.objects.get()
    assert entry.kind == "adjust"  # whatever was posted: only adjustments are typed in
    assert entry.user.username == "boss"  # an adjustment names the admin who made it
    page = admin_client.get(f"/admin/generator/creditledgerentry/{entry.pk}/change/")
    assert b"Delete" not in page.content and b'name="_save"' not in page.content
    admin_client.post(
        "/admin/generator/creditledgerentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk]},
    )
    assert CreditLedgerEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_a_task_is_read_in_the_admin_not_edited(admin_client):
    task = make_task(get_user_model().objects.get(), state="SUCCEEDED")
    page = admin_client.get(f"/admin/generator/generationtask/{task.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert b"deletelink" not in page.content


def test_favicon_ico_points_at_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


@pytest.mark.django_db
def test_admins_see_every_unknown_outcome_in_one_list(admin_client, admin_user):
    from tests.factories import make_task

    waiting = make_task(admin_user, state="UNCONFIRMED", prompt="waiting for kie")
    ended = make_task(admin_user, state="FAILED", failure_kind="unknown", prompt="ended unknown")
    plain = make_task(admin_user, state="FAILED", failure_kind="upstream", prompt="plain failure")
    html = admin_client.get("/admin/generator/generationtask/?outcome=unknown").content.decode()
    assert f"/{waiting.pk}/change/" in html and f"/{ended.pk}/change/" in html
    assert f"/{plain.pk}/change/" not in html
    page = admin_client.get(f"/admin/generator/generationtask/{ended.pk}/change/").content
    assert b"kie.ai logs" in page and b"ended unknown" in page


@pytest.mark.django_db(transaction=True)
def test_the_retry_action_posted_twice_from_one_page_makes_one_task(admin_client, admin_user):
    from generator.models import GenerationTask
    from tests.factories import make_task

    task = make_task(admin_user, state="FAILED")
    page = {"action": "rerun", "_selected_action": [task.pk], "csrfmiddlewaretoken": "a" * 64}
    admin_client.post("/admin/generator/generationtask/", page)
    admin_client.post("/admin/generator/generationtask/", page)  # a double click
    assert GenerationTask.objects.count() == 2
    admin_client.post("/admin/generator/generationtask/", {**page, "csrfmiddlewaretoken": "b" * 64})
    assert GenerationTask.objects.count() == 3  # the page shown again: a new retry


@pytest.mark.django_db
def test_an_admin_attaches_a_kie_task_found_in_kies_logs(admin_client, admin_user, sandbox):
    from django.utils import timezone

    from generator.models import GenerationTask
    from tests.factories import make_task

    task = make_task(
        admin_user, state="FAILED", failure_kind="unknown", create_sent_at=timezone.now()
    )
    url = "/admin/generator/generationtask/"
    choose = {"action": "attach_kie_task", "_selected_action": [task.pk]}
    page = admin_client.post(url, choose)
    assert b"kie.ai task id" in page.content and b"Open kie.ai" in page.content
    refused = admin_client.post(url, {**choose, "apply": "1", "kie_task_id": "no spaces"})
    assert b"letters, digits" in refused.content
    admin_client.post(url, {**choose, "apply": "1", "kie_task_id": "4e06414bea164c1b"})
    task = GenerationTask.objects.get(pk=task.pk)
    assert task.state == "SUBMITTED" and task.upstream_task_id == "4e06414bea164c1b"
    message = task.events.last().message
    assert "4e06414bea164c1b" in message and "attached by boss" in message  # who did it


@pytest.mark.django_db
def test_only_an_unknown_outcome_can_be_attached(admin_client, admin_user):
    from tests.factories import make_task

    task = make_task(admin_user, state="FAILED", failure_kind="upstream")
    response = admin_client.post(
        "/admin/generator/generationtask/",
        {"action": "attach_kie_task", "_selected_action": [task.pk]},
        follow=True,
    )
    assert b"exactly one task whose outcome is unknown" in response.content
