"""Credits: kie.ai's balance and what tasks cost. The views, the API, the admin and the
CLI call these; the jobs keep the balance fresh.

The balance shown on every page is the latest snapshot: pages never ask kie.ai. It is
refreshed on a schedule (`jobs.refresh_credits`) and after tasks finish, by the poll
sweep, at most every BALANCE_MIN_AGE while tasks keep finishing, and once more when
everything is done: many completions make one request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Subquery
from django.utils import timezone

from generator.kie import KieError
from generator.models import CreditBalanceSnapshot, CreditPolicy, GenerationTask
from generator.upstream import kie_client

logger = logging.getLogger(__name__)

BALANCE_MIN_AGE = timedelta(seconds=15)  # while tasks keep finishing, at most this often


@dataclass(frozen=True)
class Balance:
    """What the header shows."""

    credits: Decimal
    at: datetime
    low: bool
    low_below: Decimal


def latest_balance() -> CreditBalanceSnapshot | None:
    """The latest balance kie.ai (or the sandbox, in sandbox mode) reported."""
    snapshots = CreditBalanceSnapshot.objects.filter(sandbox=settings.KIE_USE_SANDBOX)
    return snapshots.order_by("-at", "-id").first()


def balance_in_sight() -> Balance | None:
    """The header's balance: the latest snapshot (the schedule keeps it fresh; a page
    never asks kie.ai, nor queues anything)."""
    policy = CreditPolicy.objects.filter(pk=1).values("low_balance")[:1]
    latest = (
        CreditBalanceSnapshot.objects.filter(sandbox=settings.KIE_USE_SANDBOX)
        .annotate(low_below=Subquery(policy))  # one query for every page's header
        .order_by("-at", "-id")
        .first()
    )
    if latest is None:
        return None
    threshold = latest.low_below
    if threshold is None:  # no policy saved yet: its default
        threshold = CreditPolicy._meta.get_field("low_balance").default
    return Balance(
        credits=latest.balance, at=latest.at, low=latest.balance < threshold, low_below=threshold
    )


def refresh_balance() -> CreditBalanceSnapshot | None:
    """Ask kie.ai for the balance (free) and record it; None when it did not answer."""
    asked = timezone.now()
    with kie_client() as client:
        try:
            balance = client.account.credits()
        except KieError as exc:
            logger.warning("credit balance unavailable: %s", exc)
            return None
    return CreditBalanceSnapshot.objects.create(
        balance=balance, sandbox=settings.KIE_USE_SANDBOX, requested_at=asked, at=timezone.now()
    )


def balance_is_stale(latest: CreditBalanceSnapshot | None = None) -> bool:
    """Whether a task that reached kie.ai finished after the latest balance was asked for
    (so its charge or refund may not be in it)."""
    latest = latest or latest_balance()
    if latest is None:
        return True
    since = latest.requested_at or latest.at
    return GenerationTask.objects.filter(
        finished_at__gt=since, create_sent_at__isnull=False
    ).exists()


def refresh_balance_if_stale(min_age: timedelta = BALANCE_MIN_AGE) -> CreditBalanceSnapshot | None:
    """Refresh the balance when tasks finished since it was read, at most every `min_age`."""
    latest = latest_balance()
    if latest is not None and timezone.now() - latest.at < min_age:
        return None
    if not balance_is_stale(latest):
        return None
    return refresh_balance()
