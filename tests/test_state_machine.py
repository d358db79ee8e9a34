"""GenerationTask.transition(): the one place a state changes."""

from decimal import Decimal

import pytest

from generator.models import CreditLedgerEntry, IllegalTransition, State
from tests.factories import make_task


@pytest.mark.django_db
def test_each_transition_writes_a_timestamped_event(staff):
    task = make_task(staff)
    task.transition(State.SUBMITTED, upstream_task_id="abc")
    task.transition(State.RUNNING)
    events = list(task.events.values_list("from_state", "to_state"))
    assert events == [("", "QUEUED"), ("QUEUED", "SUBMITTED"), ("SUBMITTED", "RUNNING")]
    assert task.upstream_task_id == "abc"
    assert all(e.at for e in task.events.all())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start,target",
    [
        (State.QUEUED, State.RUNNING),
        (State.QUEUED, State.SUCCEEDED),
        (State.RUNNING, State.QUEUED),
        (State.SUCCEEDED, State.FAILED),
        (State.CANCELED, State.SUBMITTED),
        (State.TIMED_OUT, State.RUNNING),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(staff, start, target):
    task = make_task(staff, state=start)
    with pytest.raises(IllegalTransition):
        task.transition(target)
    task.refresh_from_db()
    assert task.state == start and task.events.count() == 1


@pytest.mark.django_db
def test_transition_checks_the_stored_state_not_a_stale_copy(staff):
    task = make_task(staff)
    stale = type(task).objects.get(pk=task.pk)
    task.transition(State.CANCELED)
    with pytest.raises(IllegalTransition):
        stale.transition(State.SUBMITTED)


@pytest.mark.django_db
def test_submission_reserves_and_failure_releases_credits(staff):
    task = make_task(staff)
    task.transition(State.SUBMITTED)
    assert task.reserved_credits() == Decimal("5")
    task.transition(State.FAILED, failure_kind="policy", message="flagged")
    assert task.reserved_credits() == 0
    assert list(CreditLedgerEntry.objects.values_list("kind", "amount").order_by("id")) == [
        ("reserve", Decimal("-5")),
        ("release", Decimal("5")),
    ]
    assert task.failure_kind == "policy" and task.finished_at and task.next_poll_at is None


@pytest.mark.django_db
def test_failed_download_keeps_the_credits_spent_and_may_be_retried(staff):
    task = make_task(staff)
    task.transition(State.SUBMITTED)
    task.transition(State.DOWNLOADING)
    task.transition(State.FAILED, failure_kind="download", message="gone")
    assert task.reserved_credits() == Decimal("5")
    task.transition(State.DOWNLOADING)
    assert task.failure_kind == "" and task.finished_at is None


@pytest.mark.django_db
def test_only_download_failures_may_leave_failed(staff):
    task = make_task(staff, state=State.RUNNING)
    task.transition(State.FAILED, failure_kind="upstream", message="boom")
    with pytest.raises(IllegalTransition):
        task.transition(State.DOWNLOADING)


@pytest.mark.django_db
def test_timeout_keeps_the_reservation(staff):
    task = make_task(staff)
    task.transition(State.SUBMITTED)
    task.transition(State.TIMED_OUT, message="15 minutes")
    assert task.failure_kind == "timeout" and task.reserved_credits() == Decimal("5")


@pytest.mark.django_db
def test_failing_before_submission_writes_no_ledger_entry(staff):
    task = make_task(staff)
    task.transition(State.FAILED, failure_kind="credits", message="no credits")
    assert not CreditLedgerEntry.objects.exists()
