"""Data migrations do what they say on rows made before them."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps

from generator.models import CreditLedgerEntry, GenerationTask, State
from tests.factories import make_task

backfill = import_module("generator.migrations.0005_backfill_credits_charged").backfill


@pytest.mark.django_db
def test_old_finished_tasks_get_what_kie_kept(staff):
    refunded = make_task(staff, state=State.FAILED)
    CreditLedgerEntry.objects.create(task=refunded, kind="reserve", amount=Decimal("-5"))
    CreditLedgerEntry.objects.create(task=refunded, kind="release", amount=Decimal("5"))
    timed_out = make_task(staff, state=State.TIMED_OUT)
    CreditLedgerEntry.objects.create(task=timed_out, kind="reserve", amount=Decimal("-5"))
    canceled = make_task(staff, state=State.CANCELED)
    unknown = make_task(
        staff,
        state=State.FAILED,
        failure_message="kie.ai did not confirm the request. It may still have been created",
    )
    recorded_as_free = make_task(
        staff,
        state=State.FAILED,
        credits_charged=0,
        failure_message="The submission to kie.ai was interrupted. It may have been created",
    )
    backfill(apps, None)
    charged = dict(GenerationTask.objects.values_list("pk", "credits_charged"))
    assert charged[refunded.pk] == 0 and charged[canceled.pk] == 0
    assert charged[timed_out.pk] == Decimal("5")
    assert charged[unknown.pk] is None and charged[recorded_as_free.pk] is None


unknown_outcomes = import_module("generator.migrations.0006_unknown_outcomes")


@pytest.mark.django_db
def test_older_unknown_charges_become_reserved_unknown_outcomes(staff):
    unknown = make_task(staff, state=State.FAILED, credits_charged=None)
    refunded = make_task(staff, state=State.FAILED, credits_charged=0)
    unknown_outcomes.older_unknown_charges_are_reserved(apps, None)
    unknown.refresh_from_db()
    assert unknown.failure_kind == "unknown" and unknown.reserved_credits() == 5
    assert GenerationTask.objects.unknown_outcomes().get() == unknown
    refunded.refresh_from_db()
    assert refunded.failure_kind != "unknown" and refunded.reserved_credits() == 0


@pytest.mark.django_db
def test_submissions_claimed_before_are_never_sent_again(staff):
    from django.utils import timezone

    claimed = make_task(staff, state=State.QUEUED, submit_claimed_at=timezone.now())
    fresh = make_task(staff, state=State.QUEUED)
    unknown_outcomes.claimed_before_means_maybe_sent(apps, None)
    claimed.refresh_from_db()
    fresh.refresh_from_db()
    assert claimed.create_sent_at == claimed.submit_claimed_at
    assert fresh.create_sent_at is None
