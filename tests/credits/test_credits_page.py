"""The credits page: the balance and the day it runs out, this month's spending against
the budgets, and the tasks awaiting approval (approve and reject for admins only)."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from generator.models import Budget, CreditBalanceSnapshot, CreditLedgerEntry, State
from tests.factories import make_task


@pytest.fixture
def month(staff):
    CreditBalanceSnapshot.objects.create(balance=Decimal("700"))
    Budget.objects.create(monthly_credits=Decimal("100"))
    Budget.objects.create(user=staff, monthly_credits=Decimal("40"))
    done = make_task(staff, state=State.SUCCEEDED, credits_charged=35)
    CreditLedgerEntry.objects.create(task=done, user=staff, kind="reserve", amount=-35)
    return make_task(staff, state=State.AWAITING_APPROVAL, prompt="a 4K launch film")


@pytest.mark.django_db
def test_the_credits_page_shows_balance_forecast_budgets_and_waiting_tasks(staff_client, month):
    html = staff_client.get("/credits/").content.decode()
    assert "700 credits" in html and "$3.50" in html
    assert "runs out around" in html  # 35 credits this week: 5 a day
    assert "The team&#x27;s monthly budget" in html and "Marie&#x27;s monthly budget" in html
    assert "40 credits of 100 credits" in html  # 35 spent and 5 waiting for approval
    assert 'data-step="20"' in html  # Marie's: 40 of 40
    assert "a 4K launch film" in html
    assert "/approve/" not in html  # a marketer cannot approve


@pytest.mark.django_db
def test_an_admin_approves_from_the_credits_page(client, month):
    client.force_login(get_user_model().objects.create_superuser("boss", "b@x.io", "pw"))
    html = client.get("/credits/").content.decode()
    assert f"/tasks/{month.pk}/approve/" in html and f"/tasks/{month.pk}/reject/" in html
    response = client.post(f"/tasks/{month.pk}/approve/", {"next": "credits"})
    assert response["Location"] == "/credits/"
    month.refresh_from_db()
    assert month.state == State.QUEUED
