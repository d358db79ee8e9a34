"""Credits: kie.ai's balance, budgets and approvals, the forecast. The views, the API, the
admin and the CLI call these; the jobs keep the balance fresh.

The balance shown on every page is the latest snapshot: pages never ask kie.ai. It is
refreshed on a schedule (`jobs.refresh_credits`) and after tasks finish, by the poll
sweep, at most every BALANCE_MIN_AGE while tasks keep finishing, and once more when
everything is done: many completions make one request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from generator import catalog
from generator.kie import KieError
from generator.models import (
    Budget,
    BudgetAlert,
    CreditBalanceSnapshot,
    CreditLedgerEntry,
    CreditPolicy,
    GenerationTask,
    IllegalTransition,
    State,
)
from generator.models.preferences import in_language_of
from generator.templatetags.studio import credit_amount
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


# --- budgets and approvals ------------------------------------------------------------


class SpendingRefused(catalog.CatalogError):
    """A budget refuses a task before anything is saved or sent. It is a CatalogError so
    that every door (the form, the API, the CLI, the admin) refuses it as bad input."""

    def __init__(self, message: str):
        super().__init__({"budget": message})
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class BudgetUse:
    budget: Budget
    spent: Decimal  # spent, reserved or waiting to be sent this month
    left: Decimal

    @property
    def percent(self) -> int:
        limit = self.budget.monthly_credits
        if not limit:
            return 100 if self.spent > 0 else 0
        return max(0, int(min(self.spent / limit * 100, 999)))

    @property
    def step(self) -> int:
        """The meter's width in 5 % steps (studio.css: data-step)."""
        return min(self.percent, 100) // 5


def month_start(now: datetime | None = None) -> datetime:
    """Midnight on the first day of this month, in the studio's time zone."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def committed(user=None, since: datetime | None = None) -> Decimal:
    """What the tasks created since `since` (this month) cost or may cost: what the
    ledger holds for them (reserved, charged; refunds given back), plus the estimates of
    those not sent yet. `user`: only theirs."""
    tasks = GenerationTask.objects.filter(created_at__gte=since or month_start())
    if user is not None:
        tasks = tasks.filter(created_by=user)
    held = CreditLedgerEntry.objects.filter(task__in=tasks).aggregate(total=Sum("amount"))
    waiting = tasks.filter(
        state__in=(State.AWAITING_APPROVAL, State.QUEUED), create_sent_at__isnull=True
    ).aggregate(total=Sum("credits_estimated"))
    return -(held["total"] or Decimal(0)) + (waiting["total"] or Decimal(0))


def budgets_for(user) -> list[Budget]:
    """The budgets a task of `user` counts against: the team's, and their own."""
    return list(Budget.objects.select_related("user").filter(Q(is_team=True) | Q(user=user)))


def use_of(budget: Budget, since: datetime | None = None) -> BudgetUse:
    spent = committed(None if budget.is_team else budget.user, since)
    return BudgetUse(budget, spent, budget.monthly_credits - spent)


def admit(user, cost: Decimal) -> bool:
    """Check a new task of `user` costing `cost` against their budgets (raises
    SpendingRefused, naming the budget and what is left); True when it must wait for an
    admin's approval. Called inside the transaction that saves the task, with the
    budgets locked, so two tasks racing cannot both take the last credits."""
    budgets = list(
        Budget.objects.select_for_update(of=("self",))  # PostgreSQL locks no outer join
        .select_related("user")
        .filter(Q(is_team=True) | Q(user=user))
    )
    for budget in budgets:
        use = use_of(budget)
        if cost > use.left:
            raise SpendingRefused(refusal(use, cost))
    threshold = CreditPolicy.current().approval_threshold
    return threshold is not None and cost > threshold


def refusal(use: BudgetUse, cost: Decimal) -> str:
    return _(
        "%(budget)s has %(left)s left this month (of %(limit)s), and this task costs "
        "%(cost)s. Nothing was sent: choose cheaper options, or ask an admin to raise "
        "the budget."
    ) % {
        "budget": use.budget.name,
        "left": credit_amount(max(use.left, Decimal(0))),
        "limit": credit_amount(use.budget.monthly_credits),
        "cost": credit_amount(cost),
    }


def approval_threshold() -> Decimal | None:
    return CreditPolicy.current().approval_threshold


def may_approve(user) -> bool:
    return user.is_active and user.has_perm("generator.approve_spending")


def approve(task: GenerationTask, by) -> bool:
    """An admin lets a task above the threshold go: it is queued and sent as usual."""
    from generator import jobs

    with in_language_of(task.created_by_id):
        message = _("approved by %(admin)s") % {"admin": _person(by)}
    try:
        task.transition(State.QUEUED, message=message)
    except IllegalTransition:
        return False
    transaction.on_commit(lambda: jobs.enqueue("submit", task.pk))
    return True


def reject(task: GenerationTask, by, reason: str = "") -> bool:
    """An admin refuses a task above the threshold: canceled, nothing spent."""
    with in_language_of(task.created_by_id):
        message = _("not approved by %(admin)s") % {"admin": _person(by)}
        reason = reason.replace("\x00", "").strip()  # PostgreSQL stores no NUL
        if reason:
            message += _(": %(reason)s") % {"reason": reason[:500]}
    try:
        task.transition(State.CANCELED, message=message)
    except IllegalTransition:
        return False
    return True


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def check_budget_alerts(now: datetime | None = None) -> list[BudgetAlert]:
    """Raise (once a month each) the 50, 80 and 95 % alerts of every budget, and e-mail
    them to the admins."""
    from generator import alerts

    month = month_start(now)
    raised = []
    for budget in Budget.objects.select_related("user"):
        use = use_of(budget, month)
        for level in BudgetAlert.LEVELS:
            if use.percent < level:
                break
            alert, created = BudgetAlert.objects.get_or_create(
                budget=budget, month=month.date(), percent=level, defaults={"spent": use.spent}
            )
            if created:
                raised.append(alert)
                alerts.notify("budget_alert", alert.pk)
    return raised


def current_alerts(now: datetime | None = None):
    return BudgetAlert.objects.select_related("budget__user").filter(month=month_start(now).date())


# --- the forecast ---------------------------------------------------------------------

BURN_DAYS = 7


@dataclass(frozen=True)
class Forecast:
    per_day: Decimal  # credits spent a day, on average over the last BURN_DAYS
    runs_out_on: date | None  # None: nothing is being spent


def forecast(balance: Decimal | None = None, now: datetime | None = None) -> Forecast | None:
    """The day the balance runs out at the last week's pace (what the ledger says tasks
    spent, refunds given back); None without a balance."""
    if balance is None:
        latest = latest_balance()
        if latest is None:
            return None
        balance = latest.balance
    now = now or timezone.now()
    since = now - timedelta(days=BURN_DAYS)
    spent = -(
        CreditLedgerEntry.objects.filter(at__gte=since, task__isnull=False).aggregate(
            total=Sum("amount")
        )["total"]
        or Decimal(0)
    )
    per_day = (spent / BURN_DAYS).quantize(Decimal("0.01"))
    if per_day <= 0:
        return Forecast(per_day=Decimal(0), runs_out_on=None)
    days = max(balance, Decimal(0)) / per_day
    return Forecast(
        per_day=per_day, runs_out_on=(timezone.localtime(now) + timedelta(days=float(days))).date()
    )


# --- what the form says before submit -------------------------------------------------


@dataclass(frozen=True)
class Advice:
    level: str  # "warn": it will be refused or wait; "info"
    text: str


def advice(user, cost: Decimal) -> list[Advice]:
    """Before submit: whether the balance and the budgets cover a task of `cost`, and
    whether it will wait for an admin's approval."""
    said = []
    latest = latest_balance()
    if latest is not None and cost > latest.balance:
        said.append(
            Advice(
                "warn",
                _("kie.ai's balance (%(balance)s) does not cover this task: it would be refused.")
                % {"balance": credit_amount(latest.balance)},
            )
        )
    for budget in budgets_for(user):
        use = use_of(budget)
        if cost > use.left:
            said.append(
                Advice(
                    "warn",
                    _(
                        "%(budget)s has %(left)s left this month (of %(limit)s): this task "
                        "(%(cost)s) would be refused."
                    )
                    % {
                        "budget": budget.name,
                        "left": credit_amount(max(use.left, Decimal(0))),
                        "limit": credit_amount(budget.monthly_credits),
                        "cost": credit_amount(cost),
                    },
                )
            )
        else:
            said.append(
                Advice(
                    "info",
                    _("%(budget)s: %(left)s left this month.")
                    % {"budget": budget.name, "left": credit_amount(use.left)},
                )
            )
    threshold = approval_threshold()
    if threshold is not None and cost > threshold:
        said.append(
            Advice(
                "warn",
                _("Above %(threshold)s, a task waits for an admin's approval before it is sent.")
                % {"threshold": credit_amount(threshold)},
            )
        )
    return said
