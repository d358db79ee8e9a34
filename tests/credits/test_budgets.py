"""Budgets refuse before anything is sent, on every door (web, CLI, re-run, admin), with
a message naming the budget and what is left; an expensive task waits for an admin's
approval; alerts at 50/80/95 %; the day the balance runs out."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from generator import credits, generations
from generator.models import (
    Budget,
    BudgetAlert,
    CreditBalanceSnapshot,
    CreditLedgerEntry,
    CreditPolicy,
    GenerationTask,
    State,
)
from tests.factories import make_task
from tests.helpers import post_generate, queued_jobs, run_jobs, settle


def start(user, model="flux-kontext-pro", **params):  # Flux Kontext Pro: 5 credits
    params.setdefault("prompt", "AutoScale receptionist, bright office")
    return generations.start_generation(user, model, None, params)


def spent(user, amount, **fields):
    """A finished task of `user` that cost `amount` this month."""
    task = make_task(user, state=State.SUCCEEDED, credits_charged=amount, **fields)
    CreditLedgerEntry.objects.create(task=task, user=user, kind="reserve", amount=-amount)
    return task


@pytest.mark.django_db(transaction=True)
def test_a_team_budget_refuses_before_anything_is_saved_or_sent(staff):
    Budget.objects.create(monthly_credits=Decimal("12"))
    spent(staff, Decimal("5"))
    start(staff)  # 5 of the 7 left
    with pytest.raises(credits.SpendingRefused) as refused:
        start(staff, prompt="one too many")
    message = str(refused.value)
    assert "The team's monthly budget has 2 credits left this month (of 12 credits)" in message
    assert "this task costs 5 credits" in message and "Nothing was sent" in message
    assert GenerationTask.objects.count() == 2
    submits = [name for name, _ in queued_jobs() if name == "generator.jobs.submit"]
    assert submits == ["generator.jobs.submit"]  # the first task only


@pytest.mark.django_db
def test_a_persons_budget_limits_them_and_nobody_else(staff, django_user_model):
    paul = django_user_model.objects.create_user("paul", first_name="Paul", is_staff=True)
    Budget.objects.create(user=paul, monthly_credits=Decimal("4"))
    with pytest.raises(credits.SpendingRefused, match="Paul's monthly budget has 4 credits left"):
        start(paul)
    assert start(staff).state == State.QUEUED


@pytest.mark.django_db
def test_refunds_and_last_month_do_not_count(staff):
    Budget.objects.create(monthly_credits=Decimal("10"))
    refunded = make_task(staff, state=State.FAILED, credits_charged=0)
    CreditLedgerEntry.objects.create(task=refunded, user=staff, kind="reserve", amount=-5)
    CreditLedgerEntry.objects.create(task=refunded, user=staff, kind="release", amount=5)
    old = spent(staff, Decimal("9"))
    GenerationTask.objects.filter(pk=old.pk).update(
        created_at=credits.month_start() - timedelta(days=2)
    )
    assert credits.committed() == 0
    start(staff)
    start(staff)  # 10 of 10
    assert credits.committed() == 10


@pytest.mark.django_db
def test_the_web_form_says_which_budget_refused_and_makes_nothing(staff_client, staff):
    Budget.objects.create(user=staff, monthly_credits=Decimal("3"))
    response = post_generate(
        staff_client,
        {"model": "flux-kontext-pro", "operation": "text-to-image", "prompt": "a desk"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Marie&#x27;s monthly budget has 3 credits left this month" in html
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_the_cli_exits_non_zero_with_the_budgets_message(staff):
    Budget.objects.create(monthly_credits=Decimal("1"))
    with pytest.raises(CommandError, match="The team's monthly budget has 1 credit left"):
        call_command("kie", "generate", "flux-kontext-pro", "--prompt", "x")
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_a_rerun_refused_by_a_budget_says_so_on_the_task(staff_client, staff):
    done = make_task(staff, state=State.SUCCEEDED)
    Budget.objects.create(monthly_credits=Decimal("2"))
    response = staff_client.post(
        f"/tasks/{done.pk}/rerun/", {"submission_token": "a" * 32}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/tasks/{done.pk}/"
    assert "The team&#x27;s monthly budget has 2 credits left" in response.content.decode()
    assert GenerationTask.objects.count() == 1


@pytest.mark.django_db
def test_the_admins_retry_is_refused_by_a_budget_too(client, staff):
    admin = get_user_model().objects.create_superuser("boss", "b@x.io", "pw")
    client.force_login(admin)
    done = make_task(staff, state=State.SUCCEEDED)
    Budget.objects.create(user=admin, monthly_credits=Decimal("1"))
    response = client.post(
        "/admin/generator/generationtask/",
        {"action": "rerun", "_selected_action": [done.pk]},
        follow=True,
    )
    assert "Boss" in response.content.decode() or "boss" in response.content.decode()
    assert "monthly budget has 1 credit left" in response.content.decode()
    assert GenerationTask.objects.count() == 1


@pytest.mark.django_db
def test_budgets_are_set_from_the_cli(staff, capsys):
    call_command("kie", "budget", "--monthly", "1000")
    call_command("kie", "budget", "--monthly", "150", "--user", "marie")
    call_command("kie", "budget", "--approval-threshold", "200")
    assert Budget.objects.get(is_team=True).monthly_credits == 1000
    assert Budget.objects.get(user=staff).monthly_credits == 150
    assert CreditPolicy.current().approval_threshold == 200
    capsys.readouterr()
    spent(staff, Decimal("30"))
    call_command("kie", "budget", "--json")
    shown = json.loads(capsys.readouterr().out)
    assert shown["approval_threshold"] == 200.0
    assert {(b["user"], b["monthly_credits"], b["spent"], b["left"]) for b in shown["budgets"]} == {
        (None, 1000.0, 30.0, 970.0),
        ("marie", 150.0, 30.0, 120.0),
    }
    call_command("kie", "budget", "--remove", "--user", "marie")
    call_command("kie", "budget", "--approval-threshold", "none")
    assert not Budget.objects.filter(user=staff).exists()
    assert CreditPolicy.current().approval_threshold is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ("--monthly", "-5"),
        ("--monthly", "nan"),
        ("--monthly", "12", "--user", "nobody"),
        ("--approval-threshold", "lots"),
        ("--remove",),
    ],
)
def test_the_budget_cli_refuses_bad_input(staff, args):
    if args == ("--remove",):  # nothing to remove
        with pytest.raises(CommandError, match="no team budget"):
            call_command("kie", "budget", *args)
        return
    with pytest.raises(CommandError):
        call_command("kie", "budget", *args)
    assert not Budget.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_expensive_task_waits_for_approval_with_nothing_reserved_or_sent(
    sandbox, clock, staff, client
):
    CreditPolicy.objects.create(pk=1, approval_threshold=Decimal("10"))
    cheap = start(staff)
    dear = start(staff, model="4o-image", nVariants="4")  # 24 credits
    assert (cheap.state, dear.state) == (State.QUEUED, State.AWAITING_APPROVAL)
    settle(clock)
    dear.refresh_from_db()
    assert dear.state == State.AWAITING_APPROVAL
    assert not CreditLedgerEntry.objects.filter(task=dear).exists()
    assert len(sandbox.state.tasks) == 1  # only the cheap one was sent
    assert "waits for an admin" in dear.events.get().message

    client.force_login(staff)  # a marketer may not approve
    assert client.post(f"/tasks/{dear.pk}/approve/").status_code == 403
    admin = get_user_model().objects.create_superuser("boss", "b@x.io", "pw")
    client.force_login(admin)
    assert client.post(f"/tasks/{dear.pk}/approve/").status_code == 302
    settle(clock)
    dear.refresh_from_db()
    assert dear.state == State.SUCCEEDED and dear.credits_charged == 24
    assert "approved by boss" in dear.events.filter(to_state="QUEUED").get().message


@pytest.mark.django_db
def test_a_rejected_task_is_canceled_and_costs_nothing(staff, client):
    CreditPolicy.objects.create(pk=1, approval_threshold=Decimal("1"))
    task = start(staff)
    admin = get_user_model().objects.create_superuser("boss", "b@x.io", "pw")
    client.force_login(admin)
    client.post(f"/tasks/{task.pk}/reject/", {"reason": "too dear for a test"})
    task.refresh_from_db()
    assert (task.state, task.charge) == (State.CANCELED, "not_charged")
    assert "too dear for a test" in task.events.last().message
    assert queued_jobs() == []


@pytest.mark.django_db
def test_alerts_at_50_80_and_95_percent_once_each_and_emailed(
    staff, django_user_model, django_capture_on_commit_callbacks
):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    Budget.objects.create(monthly_credits=Decimal("100"))
    spent(staff, Decimal("45"))
    assert credits.check_budget_alerts() == []
    spent(staff, Decimal("40"))  # 85 %
    with django_capture_on_commit_callbacks(execute=True):
        assert [a.percent for a in credits.check_budget_alerts()] == [50, 80]
    assert credits.check_budget_alerts() == []  # once each
    run_jobs()
    assert len(mail.outbox) == 2 and mail.outbox[0].to == ["boss@example.com"]
    assert "80 %" in mail.outbox[1].subject
    spent(staff, Decimal("11"))
    assert [a.percent for a in credits.check_budget_alerts()] == [95]
    assert BudgetAlert.objects.count() == 3


@pytest.mark.django_db
def test_the_forecast_says_when_the_balance_runs_out(staff):
    now = timezone.now()
    for days in (1, 2, 3):
        task = spent(staff, Decimal("20"))
        CreditLedgerEntry.objects.filter(task=task).update(at=now - timedelta(days=days))
    old = spent(staff, Decimal("500"))
    CreditLedgerEntry.objects.filter(task=old).update(at=now - timedelta(days=30))
    seen = credits.forecast(balance=Decimal("120"), now=now)
    assert seen.per_day == Decimal("8.57")  # 60 credits in 7 days
    assert seen.runs_out_on == (timezone.localtime(now) + timedelta(days=14.002)).date()
    assert (
        credits.forecast(balance=Decimal("120"), now=now + timedelta(days=60)).runs_out_on is None
    )


@pytest.mark.django_db
def test_the_form_says_before_submit_what_will_not_be_covered(staff_client, staff):
    CreditBalanceSnapshot.objects.create(balance=Decimal("4"))
    Budget.objects.create(user=staff, monthly_credits=Decimal("3"))
    CreditPolicy.objects.create(pk=1, approval_threshold=Decimal("2"))
    html = staff_client.get(
        "/generate/estimate/?model=flux-kontext-pro&operation=text-to-image"
    ).content.decode()
    assert "does not cover this task" in html
    assert "Marie&#x27;s monthly budget has 3 credits left" in html
    assert "waits for an admin&#x27;s approval" in html


@pytest.mark.django_db
def test_a_rejection_reason_keeps_no_nul(staff, django_user_model):
    CreditPolicy.objects.create(pk=1, approval_threshold=Decimal("1"))
    task = start(staff)
    admin = django_user_model.objects.create_superuser("boss", "b@x.io", "pw")
    assert credits.reject(task, admin, "too\x00 dear")
    assert "too dear" in task.events.last().message
