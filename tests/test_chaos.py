"""The chaos run's checks catch what they promise to catch (the run itself is in CI)."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from generator import chaos
from generator.models import CreditLedgerEntry, State
from tests.factories import make_asset, make_task

RUN = "abcd1234"


def stats(prompts, spent=Decimal("10")):
    return {
        "tasks_created": sum(prompts.values()),
        "by_prompt": prompts,
        "initial_balance": 1000,
        "balance": float(Decimal(1000) - spent),
        "faults_injected": {},
    }


def two_finished_tasks(user):
    tasks = []
    for number in range(2):
        task = make_task(user, state=State.SUCCEEDED, prompt=f"{chaos.marker(RUN, number)} a desk")
        CreditLedgerEntry.objects.create(task=task, kind="reserve", amount=Decimal("-5"))
        tasks.append(task)
    return tasks


def prompts_of(tasks, copies=1):
    return {task.prompt_text: copies for task in tasks}


@pytest.mark.django_db
def test_a_clean_run_passes(staff):
    tasks = two_finished_tasks(staff)
    report = chaos.check([t.pk for t in tasks], stats(prompts_of(tasks)), RUN)
    report |= {"worker_kills": 0, "wall_seconds": 1}
    assert report["upstream_tasks_per_local_task"] == 1
    assert report["ledger_mismatch_credits"] == 0
    assert chaos.failed_invariants(report) == []


@pytest.mark.django_db
def test_a_task_created_twice_upstream_fails_the_run(staff):
    tasks = two_finished_tasks(staff)
    report = chaos.check([t.pk for t in tasks], stats(prompts_of(tasks, 2), Decimal(20)), RUN)
    assert report["upstream_tasks_per_local_task"] == 2
    assert "more than once" in " ".join(chaos.failed_invariants(report))


@pytest.mark.django_db
def test_credits_kie_spent_that_the_ledger_lacks_fail_the_run(staff):
    tasks = two_finished_tasks(staff)
    report = chaos.check([t.pk for t in tasks], stats(prompts_of(tasks), Decimal(17)), RUN)
    assert report["ledger_mismatch_credits"] == 7
    assert "ledger differs" in " ".join(chaos.failed_invariants(report))


@pytest.mark.django_db
def test_a_damaged_or_missing_asset_fails_the_run(staff):
    tasks = two_finished_tasks(staff)
    damaged = make_asset(tasks[0])
    damaged.sha256 = "f" * 64  # not what is stored
    damaged.save()
    missing = make_asset(tasks[1])
    missing.file.storage.delete(missing.file.name)
    report = chaos.check([t.pk for t in tasks], stats(prompts_of(tasks)), RUN)
    assert report["assets_lost"] == 2


@pytest.mark.django_db
def test_an_intact_asset_is_not_lost(staff):
    task = two_finished_tasks(staff)[0]
    asset = make_asset(task)
    import hashlib

    with asset.file.open("rb") as stored:
        asset.sha256 = hashlib.sha256(stored.read()).hexdigest()
    asset.save()
    assert not chaos._lost(asset)
    asset.file.save("other.png", ContentFile(b"x"), save=False)
    assert chaos._lost(asset)


@pytest.mark.django_db
def test_unfinished_tasks_and_orphans_fail_the_run(staff):
    tasks = two_finished_tasks(staff)
    tasks[1].state = State.RUNNING
    tasks[1].save()
    prompts = prompts_of(tasks) | {"somebody else's task": 1}
    report = chaos.check([t.pk for t in tasks], stats(prompts, Decimal(15)), RUN)
    problems = " ".join(chaos.failed_invariants(report))
    assert report["terminal"] == 1 and "not final" in problems
    assert report["orphan_upstream_tasks"] == 1 and "no local task" in problems


def test_every_model_that_starts_from_a_prompt_is_in_the_mix():
    from generator import catalog

    mix = chaos.every_operation()
    startable = {
        model.key
        for model in catalog.MODELS
        if not model.retired
        and model.family is not catalog.Family.LOCAL
        and any(
            not op.is_followup and any(p.name == "prompt" for p in op.params)
            for op in model.operations
        )
    }
    assert {model.key for model, _ in mix} == startable
    assert {"veo3-fast", "runway", "kling-2.6", "runway-aleph", "suno", "suno-sounds"} <= startable
    ideogram = {op.key for model, op in mix if model.key == "ideogram-v3"}
    assert ideogram == {"text-to-image", "remix", "edit"}  # a reframe has no prompt to mark
    assert not [model for model, op in mix if model.retired or op.is_followup]
    assert {model.kind for model, _ in mix} == {"image", "video", "audio"}
