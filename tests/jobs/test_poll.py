"""One poll: how each upstream answer moves a task (and its credits) on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from generator import jobs
from generator.kie import GenerationFailedError, TaskStatus, UpstreamState
from generator.kie.flux_kontext import FluxKontext
from generator.models import CreditLedgerEntry, GenerationTask, State
from tests.factories import make_task


def running_task(user, submitted_ago=timedelta(seconds=20)):
    task = make_task(
        user,
        state=State.SUBMITTED,
        upstream_task_id="up-1",
        submitted_at=timezone.now() - submitted_ago,
        next_poll_at=timezone.now(),
    )
    CreditLedgerEntry.objects.create(task=task, kind="reserve", amount=-task.credits_estimated)
    return task


@pytest.mark.django_db
@pytest.mark.parametrize("code", [501, 408])
def test_a_final_error_code_fails_the_task_and_releases_its_credits(
    sandbox, staff, monkeypatch, code
):
    task = running_task(staff)

    def answer(self, task_id):
        raise GenerationFailedError("Generation failed", code=code, http_status=200)

    monkeypatch.setattr(FluxKontext, "get_status", answer)
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.FAILED and task.failure_kind == "upstream"
    assert str(code) in task.failure_message
    assert task.reserved_credits() == 0


@pytest.mark.django_db
def test_success_without_a_file_keeps_polling_then_times_out_keeping_the_credits(
    sandbox, staff, monkeypatch
):
    task = running_task(staff)
    monkeypatch.setattr(
        FluxKontext,
        "get_status",
        lambda self, task_id: TaskStatus(task_id, UpstreamState.SUCCEEDED),
    )
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.SUBMITTED and "no file yet" in task.last_error
    GenerationTask.objects.filter(pk=task.pk).update(
        submitted_at=timezone.now() - timedelta(hours=1), next_poll_at=timezone.now()
    )
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.TIMED_OUT
    assert task.reserved_credits() == task.credits_estimated  # kie charged it


@pytest.mark.django_db
def test_the_upstream_id_is_kept_even_if_recording_the_submission_fails(
    sandbox, staff, monkeypatch
):
    task = make_task(staff, state=State.QUEUED)

    def broken(self, to, **fields):
        raise RuntimeError("database went away")

    monkeypatch.setattr(GenerationTask, "transition", broken)
    with pytest.raises(RuntimeError):
        jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.upstream_task_id
    assert sandbox.task(task.upstream_task_id) is not None
    monkeypatch.undo()

    # Later, the sweep finds the interrupted submission and picks it up where it stopped.
    GenerationTask.objects.filter(pk=task.pk).update(
        submit_claimed_at=timezone.now() - timedelta(minutes=11)
    )
    jobs.resume_stalled_tasks()
    task.refresh_from_db()
    assert task.state == State.SUBMITTED and task.next_poll_at is not None
    assert task.reserved_credits() == task.credits_estimated
    assert sandbox.balance == 995  # still created only once
