"""Reconciliation: kie.ai's balance movements against our ledger, period by period.

A reconciliation reads the balance now, then walks every snapshot since the last one
(each period between two snapshots): what the balance lost against what the ledger
says was spent, reserved, refunded or adjusted in it. A drop the ledger does not explain
is flagged with the tasks around it and e-mailed to the admins.

Two moves are seen at different moments by kie.ai and by us, and are not drops: a
create we reserved before the balance was read but kie.ai charged after, and a refund
kie.ai gave before the balance was read but we released after. Only tasks in flight
when a period began can do that; what they moved in it is allowed for.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from generator import credits
from generator.models import (
    CreditBalanceSnapshot,
    CreditLedgerEntry,
    GenerationTask,
    Reconciliation,
    State,
)

TOLERANCE = Decimal("0.01")  # the ledger keeps cents
AROUND = timedelta(minutes=2)  # the tasks shown around a flagged period
MOST_TASKS_SHOWN = 20


class ReconcileError(Exception):
    pass


def reconcile(since: datetime | None = None) -> Reconciliation:
    """Read the balance now and reconcile the periods since the last reconciliation (or
    since `since`); raises ReconcileError when kie.ai does not give the balance."""
    end = credits.refresh_balance()
    if end is None:
        raise ReconcileError("kie.ai did not give the balance")
    start = _start(end, since)
    snapshots = list(
        CreditBalanceSnapshot.objects.filter(
            sandbox=end.sandbox, at__gte=start.at, at__lte=end.at
        ).order_by("at", "id")
    )
    entries = list(
        CreditLedgerEntry.objects.filter(at__gt=start.at, at__lte=end.at).values_list(
            "at", "amount", "task_id"
        )
    )
    flags = []
    for first, last in zip(snapshots, snapshots[1:], strict=False):
        within = [(amount, task) for at, amount, task in entries if first.at < at <= last.at]
        moved = first.balance - last.balance
        explained = -sum((amount for amount, _ in within), Decimal(0))
        unexplained = moved - explained - _in_flight(first, within)
        if unexplained > TOLERANCE:
            flags.append(_flag(first, last, moved, explained, unexplained))
    done = Reconciliation.objects.create(
        period_start=start.at,
        period_end=end.at,
        start_snapshot=start,
        end_snapshot=end,
        provider_spent=start.balance - end.balance,
        ledger_spent=-sum((amount for _, amount, _ in entries), Decimal(0)),
        unexplained=sum((Decimal(str(flag["unexplained"])) for flag in flags), Decimal(0)),
        flags=flags,
        sandbox=end.sandbox,
    )
    if flags:
        from generator import alerts

        alerts.notify("unexplained_drop", done.pk)
    return done


def _start(end: CreditBalanceSnapshot, since: datetime | None) -> CreditBalanceSnapshot:
    """Where the period begins: the balance read at or just before `since`, else where
    the last reconciliation ended, else the first balance ever read."""
    snapshots = CreditBalanceSnapshot.objects.filter(sandbox=end.sandbox, at__lte=end.at)
    if since is not None:
        return (
            snapshots.filter(at__lte=since).order_by("-at", "-id").first()
            or snapshots.order_by("at", "id").first()
        )
    last = (
        Reconciliation.objects.filter(sandbox=end.sandbox, end_snapshot__isnull=False)
        .exclude(end_snapshot=end)
        .select_related("end_snapshot")
        .order_by("-period_end", "-id")
        .first()
    )
    if last:
        return last.end_snapshot
    return snapshots.order_by("at", "id").first()


def _in_flight(first: CreditBalanceSnapshot, within: list[tuple[Decimal, int | None]]) -> Decimal:
    """What tasks in flight when `first` was read may have moved at kie.ai before it and
    in our ledger after it: the reservation of a create not answered yet (kie.ai may
    charge it after the read), and what the ledger gave back in this period for a task
    not finished then (kie.ai may have refunded it before the read)."""
    asked = first.requested_at or first.at
    window = timedelta(seconds=settings.KIE_TIMEOUT_SECONDS + 60)
    allowed = Decimal(0)
    sent = GenerationTask.objects.filter(
        create_sent_at__lte=first.at, create_sent_at__gte=first.at - window
    )
    for task in sent.prefetch_related("events"):
        answered = [
            event.at
            for event in task.events.all()
            if event.from_state == State.QUEUED and event.to_state != State.CANCELED
        ]
        if not answered or min(answered) >= asked:
            allowed += task.credits_estimated
    unfinished = set(
        GenerationTask.objects.filter(create_sent_at__lte=first.at)
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gt=asked))
        .filter(pk__in={task for _, task in within if task})
        .values_list("pk", flat=True)
    )
    allowed += sum(
        (amount for amount, task in within if task in unfinished and amount > 0), Decimal(0)
    )
    return allowed


def _flag(first, last, moved: Decimal, explained: Decimal, unexplained: Decimal) -> dict:
    around = (
        GenerationTask.objects.filter(
            Q(create_sent_at__range=(first.at - AROUND, last.at))
            | Q(finished_at__range=(first.at, last.at + AROUND))
            | Q(ledger_entries__at__range=(first.at, last.at))
        )
        .select_related("created_by")
        .distinct()
        .order_by("create_sent_at", "pk")[:MOST_TASKS_SHOWN]
    )
    return {
        "from": first.at.isoformat(),
        "to": last.at.isoformat(),
        "provider_spent": _number(moved),
        "ledger_spent": _number(explained),
        "unexplained": _number(unexplained),
        "tasks": [
            {
                "id": task.pk,
                "model": task.model_key,
                "state": task.state,
                "charge": task.charge,
                "credits_estimated": _number(task.credits_estimated),
                "credits_charged": None
                if task.credits_charged is None
                else _number(task.credits_charged),
                "user": task.created_by.get_username(),
            }
            for task in around
        ],
    }


def _number(value: Decimal) -> int | float:
    value = Decimal(value).quantize(Decimal("0.01"))
    return int(value) if value == value.to_integral_value() else float(value)
