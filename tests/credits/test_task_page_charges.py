"""A task's page says plainly what kie.ai kept, and a refused task's first button is not
a re-run that would be refused again."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from generator.models import CreditBalanceSnapshot
from tests.factories import make_task


def page(client, task) -> str:
    return client.get(f"/tasks/{task.pk}/").content.decode()


def button_before(html: str, label: str) -> str:
    """The opening tag of the button (or link) labelled `label`."""
    before = html.split(label, 1)[0]
    return before[max(before.rfind("<button"), before.rfind("<a ")) :]


def refused_for_credits(staff):
    return make_task(
        staff, state="FAILED", failure_kind="credits", credits_charged=0,
        create_sent_at=timezone.now(), finished_at=timezone.now(),
    )  # fmt: skip


@pytest.mark.django_db
def test_a_task_refused_for_credits_does_not_offer_the_same_rerun_first(staff_client, staff):
    CreditBalanceSnapshot.objects.create(balance=Decimal("2"))
    task = refused_for_credits(staff)
    html = page(staff_client, task)
    assert "button-primary" not in button_before(html, "Re-run with the same settings")
    assert "button-primary" in button_before(html, "Change and re-run")
    assert "Not charged" in html


@pytest.mark.django_db
def test_once_the_balance_covers_it_the_rerun_is_first_again(staff_client, staff):
    task = refused_for_credits(staff)
    CreditBalanceSnapshot.objects.create(
        balance=Decimal("500"), at=timezone.now() + timedelta(seconds=1)
    )
    html = page(staff_client, task)
    assert "button-primary" in button_before(html, "Re-run with the same settings")


@pytest.mark.django_db
def test_a_refused_api_key_is_no_rerun_first(staff_client, staff):
    task = make_task(staff, state="FAILED", failure_kind="auth", credits_charged=0)
    html = page(staff_client, task)
    assert "button-primary" not in button_before(html, "Re-run with the same settings")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"state": "SUCCEEDED", "credits_charged": 5}, "Charged"),
        ({"state": "FAILED", "failure_kind": "upstream", "credits_charged": 0,
          "upstream_task_id": "k1"}, "Refunded"),
        ({"state": "CANCELED", "credits_charged": 0}, "Not charged"),
        ({"state": "FAILED", "failure_kind": "unknown"}, "Charge unknown"),
    ],
)  # fmt: skip
def test_the_page_names_the_charge(staff_client, staff, fields, said):
    html = page(staff_client, make_task(staff, **fields))
    assert f">{said}<" in html
