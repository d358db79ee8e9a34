"""Tasks that take minutes (videos): how long they have run against the model's usual
time, and "check now", a free poll brought forward at a marketer's request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from generator import catalog, generations
from generator.models import GenerationTask, JobLease, State

CHECK_NOW_GAP_SECONDS = 10  # one "check now" per task in this time, whoever presses
LATE_AFTER = 1.5  # "taking longer than usual" past this many times the usual time
_LEASE_PREFIX = "check-now:"


@dataclass(frozen=True)
class Elapsed:
    seconds: float
    expected: int
    late: bool

    @property
    def late_after(self) -> int:
        """Seconds after which the task is said to take longer than usual."""
        return round(self.expected * LATE_AFTER)


def elapsed(task: GenerationTask, now=None) -> Elapsed | None:
    """How long an active task has run since it was sent (or made), None when finished or
    unconfirmed (that one is looked for, not waited for: its page says so)."""
    if not task.is_active or task.state == State.UNCONFIRMED:
        return None
    try:
        expected = task.catalog_model.expected_seconds_for(task.operation)
    except catalog.CatalogError:
        return None
    started = task.submitted_at or task.created_at
    seconds = max(0.0, ((now or timezone.now()) - started).total_seconds())
    return Elapsed(seconds, expected, seconds > expected * LATE_AFTER)


def check_now(task: GenerationTask) -> bool:
    """Poll this task at the sweep's next round; False when it is not waiting on kie.ai or
    was checked less than CHECK_NOW_GAP_SECONDS ago (a lease shared by every web process)."""
    if task.state not in generations.POLLED_STATES:
        return False
    now = timezone.now()
    JobLease.objects.filter(
        name__startswith=_LEASE_PREFIX, held_until__lt=now - timedelta(hours=1)
    ).delete()
    if not JobLease.acquire(f"{_LEASE_PREFIX}{task.pk}", seconds=CHECK_NOW_GAP_SECONDS):
        return False
    return generations.poll_now(task)
