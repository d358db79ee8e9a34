"""Analytics on a known fixture: spend per day by model and by person, the per-model
table (tasks, success rate, p50/p95 from submit to done, credits per task, approval and
credits per approved asset once review exists), the SVG charts, the CSV exports."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from generator import analytics, charts
from generator.models import CreditLedgerEntry, State
from tests.factories import make_task

NOW = timezone.now()


def task(user, model, state, credits, seconds=None, days_ago=0, **fields):
    created = NOW - timedelta(days=days_ago)
    made = make_task(
        user,
        model=model,
        state=state,
        credits_charged=credits,
        create_sent_at=created,
        submitted_at=created,
        finished_at=created + timedelta(seconds=seconds) if seconds is not None else None,
        **fields,
    )
    type(made).objects.filter(pk=made.pk).update(created_at=created)
    if credits:
        entry = CreditLedgerEntry.objects.create(
            task=made, user=user, kind="reserve", amount=-Decimal(credits)
        )
        CreditLedgerEntry.objects.filter(pk=entry.pk).update(at=created)
    return made


@pytest.fixture
def fixture(staff, django_user_model):
    paul = django_user_model.objects.create_user("paul", is_staff=True)
    for seconds in (10, 20, 30, 40):
        task(staff, "flux-kontext-pro", State.SUCCEEDED, 5, seconds)
    task(staff, "flux-kontext-pro", State.FAILED, 0, 5, failure_kind="upstream")
    task(paul, "ideogram-v3", State.SUCCEEDED, Decimal("3.5"), 60, days_ago=1)
    task(paul, "ideogram-v3", State.TIMED_OUT, 7, 900, days_ago=1)
    task(paul, "4o-image", State.SUCCEEDED, 6, 90, days_ago=40)  # outside 30 days
    return staff, paul


@pytest.mark.django_db
def test_the_per_model_table(fixture):
    rows = {row.key: row for row in analytics.model_table(30, now=NOW)}
    assert set(rows) == {"flux-kontext-pro", "ideogram-v3"}
    flux = rows["flux-kontext-pro"]
    assert (flux.tasks, flux.finished, flux.succeeded) == (5, 5, 4)
    assert flux.success_rate == 0.8
    assert flux.p50 == 25.0 and flux.p95 == pytest.approx(38.5)
    assert flux.credits == 20 and flux.credits_per_task == Decimal("4")
    ideogram = rows["ideogram-v3"]
    assert ideogram.success_rate == 0.5 and ideogram.p50 == 60.0
    assert ideogram.credits == Decimal("10.5") and ideogram.credits_per_task == Decimal("5.25")
    assert flux.approval_rate is None and flux.credits_per_approved_asset is None


@pytest.mark.django_db
def test_credits_per_approved_asset_once_review_exists(fixture, monkeypatch):
    monkeypatch.setattr(analytics, "approvals_by_model", lambda start: {"flux-kontext-pro": (4, 2)})
    rows = {row.key: row for row in analytics.model_table(30, now=NOW)}
    assert rows["flux-kontext-pro"].approval_rate == 0.5
    assert rows["flux-kontext-pro"].credits_per_approved_asset == Decimal("10")
    assert rows["ideogram-v3"].approval_rate is None  # reviewed none


@pytest.mark.django_db
def test_spend_per_day_by_model_and_by_person(fixture):
    by_model = analytics.daily_spend(7, "model", now=NOW)
    assert len(by_model.days) == 7 and by_model.days[-1] == timezone.localtime(NOW).date()
    assert by_model.series["Flux Kontext Pro"][-1] == 20
    assert by_model.series["Ideogram V3"][-2] == Decimal("10.5")
    by_user = analytics.daily_spend(7, "user", now=NOW)
    assert by_user.series == {
        "marie": [0, 0, 0, 0, 0, 0, 20],
        "paul": [0, 0, 0, 0, 0, Decimal("10.5"), 0],
    }
    assert by_user.total == Decimal("30.5")


def test_a_stacked_bar_chart_is_drawn_to_scale():
    day = timezone.localdate()
    chart = charts.stacked_bars(
        [day, day + timedelta(days=1)],
        {"A": [Decimal(30), Decimal(10)], "B": [Decimal(10), Decimal(0)]},
        width=252,
        height=134,
    )  # plot: 200 wide from x=44, 100 tall from y=10; the axis tops at 50
    first, second, third = chart.bars
    assert (first.label, first.y, first.height) == ("A", 50.0, 60.0)
    assert (second.label, second.y, second.height) == ("B", 30.0, 20.0)
    assert (third.x, third.height) == (146.0, 20.0)
    assert [tick.value for tick in chart.ticks][-1] == 50


@pytest.mark.django_db
def test_the_analytics_page_draws_svg_without_inline_style(staff_client, fixture):
    html = staff_client.get("/credits/analytics/?days=7").content.decode()
    assert html.count("<svg") == 2 and 'class="series-0"' in html
    assert "style=" not in html and "<script>" not in html
    assert "Flux Kontext Pro" in html and "80 %" in html
    french = staff_client.get("/credits/analytics/?days=7", HTTP_ACCEPT_LANGUAGE="fr")
    svg = french.content.decode().split("<svg", 1)[1].split("</svg>", 1)[0]
    coordinates = re.findall(r'\b(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert coordinates and not [c for c in coordinates if "," in c]  # never "12,5"


@pytest.mark.django_db
def test_a_period_not_offered_falls_back_to_30_days(staff_client, fixture):
    assert staff_client.get("/credits/analytics/?days=banana").status_code == 200
    assert staff_client.get("/credits/analytics/?days=-1").status_code == 200


@pytest.mark.django_db
def test_csv_exports_of_the_ledger_and_the_tables(staff_client, fixture):
    response = staff_client.get("/credits/ledger.csv")
    assert response["Content-Type"].startswith("text/csv")
    ledger = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert ledger[0] == ["at", "kind", "amount", "task", "model", "user", "note"]
    assert len(ledger) == 1 + 7 and {row[5] for row in ledger[1:]} == {"marie", "paul"}

    tables = staff_client.get("/credits/analytics.csv?days=30").content.decode()
    rows = list(csv.reader(io.StringIO(tables)))
    assert rows[0][:4] == ["model", "tasks", "succeeded", "success_rate"]
    assert rows[1][:4] == ["flux-kontext-pro", "5", "4", "0.8000"]
    assert ["day", "user", "credits"] in rows
