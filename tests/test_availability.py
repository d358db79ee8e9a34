"""Model availability: retired in the catalog, refused by kie.ai, missing from kie's model
list, or disabled by an admin — greyed with why, and never submitted by any door."""

import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from generator import availability, catalog, generations, jobs
from generator.models import Availability, CreditLedgerEntry, GenerationTask, ModelAvailability
from generator.sandbox import market as sandbox_market
from tests.api.conftest import token_client
from tests.helpers import post_generate, settle

KLING = {"prompt": "A phone ringing on a desk", "aspect_ratio": "16:9", "duration": "5"}


def test_a_retired_model_is_unavailable_with_its_date_and_reason(db):
    status = availability.status_of(catalog.get("sora-2"))
    assert status.availability == Availability.UNAVAILABLE and not status.available
    assert "2026-09-24" in status.reason and "OpenAI" in status.reason
    assert catalog.get("luma-modify").retired.source.startswith("kie-api.md §7")
    assert availability.status_of(catalog.get("kling-2.6")).available


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "words"),
    [(Availability.DISABLED, "Disabled by an admin"), (Availability.UNAVAILABLE, "Unavailable")],
)
def test_a_row_makes_a_model_unavailable_with_its_reason(status, words):
    ModelAvailability.objects.create(model_key="kling-2.6", status=status, reason="too dear")
    found = availability.status_of(catalog.get("kling-2.6"))
    assert found.availability == status and words in found.reason and "too dear" in found.reason


@pytest.mark.django_db
def test_a_retired_model_is_refused_before_anything_is_saved_or_reserved(staff):
    with pytest.raises(availability.ModelUnavailable) as caught:
        generations.start_generation(staff, "sora-2", None, {"prompt": "a ship"})
    assert "Retired since 2026-09-24" in caught.value.errors["model"]
    assert not GenerationTask.objects.exists() and not CreditLedgerEntry.objects.exists()


@pytest.mark.django_db
def test_the_form_greys_a_retired_model_and_refuses_to_submit_it(staff_client):
    page = staff_client.get("/generate/?model=sora-2").content.decode()
    assert "is-unavailable" in page and "Retired since 2026-09-24" in page
    assert 'id="generate-submit" class="button button-primary" type="submit" disabled' in page
    response = post_generate(
        staff_client, {"model": "sora-2", "operation": "text-to-video", "prompt": "a ship"}
    )
    assert response.status_code == 200
    assert "Sora 2 cannot be used" in response.content.decode()
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_retired_model_with_the_reason(staff):
    response = token_client(staff).post(
        "/api/v1/generations/",
        {"model": "luma-modify", "params": {"prompt": "x"}},
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert "Retired since 2026-06-30" in response.content.decode()
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_the_cli_refuses_a_retired_model_and_lists_availability(staff, sandbox):
    with pytest.raises(CommandError, match="Sora 2 Pro cannot be used"):
        call_command("kie", "generate", "sora-2-pro", "--prompt", "x", stdout=StringIO())
    out = StringIO()
    call_command("kie", "models", "--json", stdout=out)
    by_key = {m["key"]: m["availability"] for m in json.loads(out.getvalue())}
    assert by_key["sora-2"]["status"] == "unavailable"
    assert by_key["sora-2"]["retired_since"] == "2026-09-24"
    assert by_key["kling-3.0"] == {
        "status": "available",
        "reason": "",
        "retired_since": None,
        "source": None,
    }


@pytest.mark.django_db(transaction=True)
def test_kie_refusing_a_model_as_unknown_marks_it_unavailable_until_re_enabled(
    sandbox, clock, staff, monkeypatch, admin_client
):
    monkeypatch.delitem(sandbox_market._MODELS, "kling-2.6/text-to-video")
    task = generations.start_generation(staff, "kling-2.6", None, KLING)
    settle(clock)
    task.refresh_from_db()
    assert task.state == "FAILED" and task.failure_kind == "input"
    assert "no longer offers Kling 2.6" in task.failure_message
    assert task.charge == "not_charged"
    row = ModelAvailability.objects.get(model_key="kling-2.6")
    assert row.status == Availability.UNAVAILABLE and row.source == availability.SOURCE_REFUSAL
    assert "does not exist or is not published" in row.reason
    with pytest.raises(availability.ModelUnavailable):
        generations.start_generation(staff, "kling-2.6", None, KLING)
    assert GenerationTask.objects.count() == 1

    admin_client.post(
        "/admin/generator/modelavailability/",
        {"action": "re_enable", "_selected_action": [row.pk]},
    )
    assert availability.status_of(catalog.get("kling-2.6")).available
    assert generations.start_generation(staff, "kling-2.6", None, KLING).state == "QUEUED"


@pytest.mark.django_db
def test_the_admin_can_disable_a_model(admin_client, staff):
    row = ModelAvailability.objects.create(model_key="kling-3.0")
    admin_client.post(
        "/admin/generator/modelavailability/",
        {"action": "disable", "_selected_action": [row.pk]},
    )
    with pytest.raises(availability.ModelUnavailable, match="Disabled by an admin"):
        generations.start_generation(staff, "kling-3.0", None, {"prompt": "x"})


class FakeDiscovery:
    def __init__(self, ids):
        self.ids = ids

    def model_ids(self):
        return list(self.ids)


class FakeClient:
    def __init__(self, ids):
        self.discovery = FakeDiscovery(ids)


def _every_market_id():
    return {
        op.api_model
        for model in catalog.MODELS
        if model.family is catalog.Family.MARKET and not model.retired
        for op in model.operations
    }


@pytest.mark.django_db
def test_a_model_missing_from_kies_list_becomes_unavailable_and_returns_when_listed():
    listed = _every_market_id() - {"kling/v2-1-standard"}
    availability.refresh_from_discovery(FakeClient(listed))
    row = ModelAvailability.objects.get(model_key="kling-2.1-standard")
    assert row.status == Availability.UNAVAILABLE and "kling/v2-1-standard" in row.reason
    assert row.checked_at is not None
    assert not ModelAvailability.objects.filter(model_key="kling-3.0").exists()
    availability.refresh_from_discovery(FakeClient(_every_market_id()))
    assert availability.status_of(catalog.get("kling-2.1-standard")).available


@pytest.mark.django_db
def test_the_list_never_overrules_an_admin_and_an_empty_list_changes_nothing():
    ModelAvailability.objects.create(model_key="kling-3.0", status=Availability.DISABLED)
    availability.refresh_from_discovery(FakeClient(_every_market_id()))
    assert ModelAvailability.objects.get(model_key="kling-3.0").status == Availability.DISABLED
    availability.refresh_from_discovery(FakeClient([]))
    assert not ModelAvailability.objects.filter(status=Availability.UNAVAILABLE).exists()


@pytest.mark.django_db
def test_kie_models_refresh_and_the_scheduled_job_read_the_sandbox_list(sandbox):
    ModelAvailability.objects.create(
        model_key="kling-2.6",
        status=Availability.UNAVAILABLE,
        source=availability.SOURCE_DISCOVERY,
    )
    call_command("kie", "models", "--refresh", stdout=StringIO())
    assert availability.status_of(catalog.get("kling-2.6")).available
    sandbox.state.last_discovery = float("-inf")
    jobs.refresh_availability()  # the schedule's job: no error, nothing marked
    assert not ModelAvailability.objects.filter(status=Availability.UNAVAILABLE).exists()


@pytest.mark.django_db
def test_the_scheduled_job_asks_again_after_a_429(sandbox):
    ModelAvailability.objects.create(
        model_key="kling-2.6",
        status=Availability.UNAVAILABLE,
        source=availability.SOURCE_DISCOVERY,
    )
    sandbox.state.last_discovery = sandbox.config.clock()  # the price refresh just asked
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        sandbox.state.last_discovery = float("-inf")

    jobs.refresh_availability(sleep=sleep)
    assert pauses == [jobs.AVAILABILITY_RETRY_SECONDS[0]]
    assert availability.status_of(catalog.get("kling-2.6")).available


@pytest.mark.django_db
def test_the_refresh_is_scheduled():
    from django_q.models import Schedule

    assert Schedule.objects.filter(func="generator.jobs.refresh_availability").exists()


def test_comparisons_never_offer_a_retired_model():
    from generator import comparisons

    offered = {m.key for models in comparisons.comparable_models().values() for m in models}
    assert "sora-2" not in offered and "kling-3.0" in offered


@pytest.mark.django_db(transaction=True)
def test_a_queued_task_of_a_model_disabled_meanwhile_is_never_sent(sandbox, clock, staff):
    task = generations.start_generation(staff, "kling-2.6", None, KLING)
    availability.set_status("kling-2.6", Availability.DISABLED, "over budget this month")
    settle(clock)
    task.refresh_from_db()
    assert task.state == "FAILED" and task.charge == "not_charged"
    assert "Not sent to kie.ai" in task.failure_message
    assert "over budget this month" in task.failure_message
    assert sandbox.state.tasks == {}


@pytest.mark.django_db
def test_the_admin_adds_a_row_only_for_a_catalog_model(admin_client):
    page = admin_client.get("/admin/generator/modelavailability/add/").content.decode()
    assert "Kling 3.0 (kling-3.0)" in page
    response = admin_client.post(
        "/admin/generator/modelavailability/add/",
        {"model_key": "no-such-model", "status": "disabled", "reason": "", "source": ""},
    )
    assert response.status_code == 200 and not ModelAvailability.objects.exists()
    admin_client.post(
        "/admin/generator/modelavailability/add/",
        {"model_key": "kling-3.0", "status": "disabled", "reason": "pilot over", "source": ""},
    )
    assert ModelAvailability.objects.get().status == Availability.DISABLED


@pytest.mark.django_db
def test_a_refusal_stands_even_when_kies_list_still_shows_the_model():
    availability.mark_unavailable("kling-2.6", "refused", availability.SOURCE_REFUSAL)
    availability.refresh_from_discovery(FakeClient(_every_market_id()))
    row = ModelAvailability.objects.get(model_key="kling-2.6")
    assert row.status == Availability.UNAVAILABLE and row.checked_at is not None
