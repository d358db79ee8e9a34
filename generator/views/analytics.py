"""Cost analytics: spending per day by model and by person (SVG charts), the per-model
table, and CSV exports of the ledger and of the analytics tables."""

from __future__ import annotations

import csv
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from generator import analytics, charts
from generator.models import CreditLedgerEntry
from generator.roles import VIEW_STUDIO
from generator.views.access import requires


def _days(request) -> int:
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        return 30
    return days if days in analytics.PERIODS else 30


@requires(VIEW_STUDIO)
@require_GET
def analytics_page(request):
    days = _days(request)
    by_model = analytics.daily_spend(days, "model")
    by_user = analytics.daily_spend(days, "user")
    rows = analytics.model_table(days)
    context = {
        "days": days,
        "periods": analytics.PERIODS,
        "by_model": by_model,
        "by_user": by_user,
        "model_chart": charts.stacked_bars(by_model.days, by_model.series),
        "user_chart": charts.stacked_bars(by_user.days, by_user.series),
        "rows": rows,
        "review_exists": any(row.reviewed is not None for row in rows)
        or analytics.approvals_by_model(analytics.since(days)) is not None,
    }
    return render(request, "generator/analytics.html", context)


class _Echo:
    """csv.writer into a streamed response: each row is written as it is made."""

    def write(self, value):
        return value


def _number(value) -> str:
    if value is None:
        return ""
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


@requires(VIEW_STUDIO)
@require_GET
def ledger_csv(request):
    """The whole credit ledger (or the last ?days=N), streamed, oldest first."""
    entries = CreditLedgerEntry.objects.select_related("task", "user").order_by("at", "id")
    if request.GET.get("days"):
        entries = entries.filter(at__gte=analytics.since(_days(request)))
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["at", "kind", "amount", "task", "model", "user", "note"])
        for entry in entries.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    timezone.localtime(entry.at).isoformat(),
                    entry.kind,
                    _number(entry.amount),
                    entry.task_id or "",
                    entry.task.model_key if entry.task else "",
                    entry.user.get_username() if entry.user else "",
                    entry.note,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="credit-ledger.csv"'
    return response


@requires(VIEW_STUDIO)
@require_GET
def analytics_csv(request):
    """The analytics tables of the period: per model, then spending per day by model and
    by person."""
    days = _days(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credit-analytics-{days}d.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "model", "tasks", "succeeded", "success_rate", "p50_seconds", "p95_seconds",
            "credits", "credits_per_task", "reviewed", "approved", "approval_rate",
            "credits_per_approved_asset", "comparisons", "wins", "credits_per_win",
        ]
    )  # fmt: skip
    for row in analytics.model_table(days):
        writer.writerow(
            [
                row.key, row.tasks, row.succeeded, _rate(row.success_rate), _seconds(row.p50),
                _seconds(row.p95), _number(row.credits), _number(row.credits_per_task),
                _count(row.reviewed), _count(row.approved), _rate(row.approval_rate),
                _number(row.credits_per_approved_asset), row.comparisons, row.wins,
                _number(row.credits_per_win),
            ]
        )  # fmt: skip
    for by in ("model", "user"):
        spend = analytics.daily_spend(days, by)
        writer.writerow([])
        writer.writerow(["day", by, "credits"])
        for label, values in spend.series.items():
            for day, value in zip(spend.days, values, strict=True):
                if value:
                    writer.writerow([day.isoformat(), label, _number(value)])
    return response


def _rate(value) -> str:
    return "" if value is None else f"{value:.4f}"


def _seconds(value) -> str:
    return "" if value is None else f"{value:.1f}"


def _count(value) -> str:
    return "" if value is None else str(value)
