"""Cost analytics: what was spent per day (by model, by person) and, per model, how many
tasks, how many succeeded, how long they took from submit to done, what they cost, how
many of their assets were approved and how many comparisons they won.

Spending is the ledger's: what tasks reserved, were charged, or got back, on the day it
happened. A model's credits are its tasks' charged credits (kie.ai's figure or the
reservation kept); tasks whose charge is unknown are counted at their estimate.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from generator import catalog
from generator.models import CreditLedgerEntry, GenerationTask, State

PERIODS = (7, 30, 90)  # days the pages offer


def since(days: int, now: datetime | None = None) -> datetime:
    """Midnight `days - 1` days ago, in the studio's time zone (today included)."""
    local = timezone.localtime(now)
    return (local - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class DailySpend:
    days: list[date]
    series: dict[str, list[Decimal]]  # label -> credits per day, in `days` order

    @property
    def total(self) -> Decimal:
        return sum((sum(values, Decimal(0)) for values in self.series.values()), Decimal(0))


def daily_spend(days: int, by: str, now: datetime | None = None) -> DailySpend:
    """Credits spent per day by model (`by="model"`) or by person (`by="user"`), from the
    ledger's entries about tasks (refunds given back on their day)."""
    start = since(days, now)
    key = "task__model_key" if by == "model" else "user__username"
    rows = (
        CreditLedgerEntry.objects.filter(at__gte=start, task__isnull=False)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("day", key)
        .annotate(total=Sum("amount"))
    )
    day_list = [(start + timedelta(days=n)).date() for n in range(days)]
    index = {day: n for n, day in enumerate(day_list)}
    series: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * days)
    for row in rows:
        if row["day"] in index:
            label = _model_label(row[key]) if by == "model" else (row[key] or "-")
            series[label][index[row["day"]]] += -(row["total"] or Decimal(0))
    ordered = dict(sorted(series.items(), key=lambda item: -sum(item[1], Decimal(0))))
    return DailySpend(day_list, ordered)


def _model_label(key: str | None) -> str:
    try:
        return catalog.get(key).label
    except catalog.CatalogError:
        return key or "-"


@dataclass
class ModelRow:
    key: str
    label: str
    tasks: int = 0
    finished: int = 0
    succeeded: int = 0
    credits: Decimal = Decimal(0)
    durations: list[float] = field(default_factory=list, repr=False)
    reviewed: int | None = None  # None: review does not exist yet
    approved: int | None = None
    comparisons: int = 0
    wins: int = 0
    comparison_credits: Decimal = Decimal(0)

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.finished if self.finished else None

    @property
    def p50(self) -> float | None:
        return _percentile(self.durations, 50)

    @property
    def p95(self) -> float | None:
        return _percentile(self.durations, 95)

    @property
    def credits_per_task(self) -> Decimal | None:
        return _ratio(self.credits, self.tasks)

    @property
    def approval_rate(self) -> float | None:
        if not self.reviewed or self.approved is None:
            return None
        return self.approved / self.reviewed

    @property
    def credits_per_approved_asset(self) -> Decimal | None:
        return _ratio(self.credits, self.approved) if self.approved else None

    @property
    def credits_per_win(self) -> Decimal | None:
        return _ratio(self.comparison_credits, self.wins) if self.wins else None


def _ratio(credits: Decimal, count: int | None) -> Decimal | None:
    if not count:
        return None
    return (credits / count).quantize(Decimal("0.01"))


def _percentile(values: list[float], percent: int) -> float | None:
    """Linear interpolation between the closest ranks (p50 of 10, 20, 30, 40 is 25)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[percent - 1]


def model_table(days: int, now: datetime | None = None) -> list[ModelRow]:
    """One row per model with tasks created in the period, most credits first."""
    start = since(days, now)
    tasks = GenerationTask.objects.filter(created_at__gte=start).exclude(
        state=State.AWAITING_APPROVAL
    )
    rows: dict[str, ModelRow] = {}
    fields = ("model_key", "state", "credits_charged", "credits_estimated")
    timing = ("submitted_at", "finished_at")
    for key, state, charged, estimated, submitted, finished in tasks.values_list(*fields, *timing):
        row = rows.setdefault(key, ModelRow(key, _model_label(key)))
        row.tasks += 1
        if state in (State.SUCCEEDED, State.FAILED, State.TIMED_OUT):
            row.finished += 1
        if state == State.SUCCEEDED:
            row.succeeded += 1
            if submitted and finished:
                row.durations.append((finished - submitted).total_seconds())
        if state != State.CANCELED:
            row.credits += charged if charged is not None else estimated
    _add_reviews(rows, start)
    _add_comparisons(rows, start)
    return sorted(rows.values(), key=lambda row: (-row.credits, row.label))


def approvals_by_model(start: datetime) -> dict[str, tuple[int, int]] | None:
    """(decided, approved) assets per model, from the review (generator.AssetReview);
    None while the studio has no review. The hook for "credits per approved asset"."""
    try:
        review = apps.get_model("generator", "AssetReview")
    except LookupError:
        return None
    decided = ("approved", "rejected", "changes_requested")
    rows = (
        review.objects.filter(asset__task__created_at__gte=start, state__in=decided)
        .values("asset__task__model_key")
        .annotate(decided=Count("id"), approved=Count("id", filter=Q(state="approved")))
    )
    return {row["asset__task__model_key"]: (row["decided"], row["approved"]) for row in rows}


def _add_reviews(rows: dict[str, ModelRow], start: datetime) -> None:
    reviews = approvals_by_model(start)
    if reviews is None:
        return
    for row in rows.values():
        row.reviewed, row.approved = reviews.get(row.key, (0, 0))


def wins_by_model(start: datetime) -> dict[str, tuple[int, int, Decimal]]:
    """(comparisons entered, won, credits spent in them) per model."""
    try:
        entry = apps.get_model("generator", "ComparisonEntry")
    except LookupError:
        return {}
    found: dict[str, tuple[int, int, Decimal]] = {}
    entries = entry.objects.filter(comparison__created_at__gte=start).select_related(
        "task", "comparison"
    )
    for item in entries:
        entered, won, spent = found.get(item.task.model_key, (0, 0, Decimal(0)))
        task = item.task
        cost = task.credits_charged if task.credits_charged is not None else task.credits_estimated
        if task.state == State.CANCELED:
            cost = Decimal(0)
        found[task.model_key] = (
            entered + 1,
            won + (item.comparison.winner_id == task.pk),
            spent + cost,
        )
    return found


def _add_comparisons(rows: dict[str, ModelRow], start: datetime) -> None:
    for key, (entered, won, spent) in wins_by_model(start).items():
        row = rows.setdefault(key, ModelRow(key, _model_label(key)))
        row.comparisons, row.wins, row.comparison_credits = entered, won, spent
