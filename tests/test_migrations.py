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
