"""Reconciliation: kie.ai's balance movements against the ledger, period by period. A
drop the ledger does not explain is flagged with the tasks around it, shown on its page,
e-mailed to admins, and makes `kie reconcile` exit non-zero; when everything matches it
is quiet, including across refunds and creates in flight when the balance was read."""

import json
from decimal import Decimal

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from generator import credits, generations, reconciliation, upstream
from generator.models import CreditLedgerEntry, GenerationTask, Reconciliation
from tests.helpers import make_polls_due, run_jobs, settle


def start(user, prompt="a desk, morning light", model="flux-kontext-pro", **params):
    return generations.start_generation(user, model, None, {"prompt": prompt, **params})


def reconcile_cli(capsys, *args):
    """`kie reconcile --json`: its output and exit status."""
    capsys.readouterr()
    try:
        call_command("kie", "reconcile", "--json", *args)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return json.loads(capsys.readouterr().out), status


@pytest.mark.django_db(transaction=True)
def test_quiet_when_the_ledger_explains_every_movement(sandbox, clock, staff, capsys):
    credits.refresh_balance()
    start(staff)
    start(staff, prompt="[sandbox:fail] a desk")
    start(staff, model="ideogram-v3", rendering_speed="TURBO")
    settle(clock)
    sandbox.set_balance(sandbox.balance)  # no change: a control call that moves nothing
    result, status = reconcile_cli(capsys)
    assert status == 0
    assert set(result) == {
        "period_start",
        "period_end",
        "provider_spent",
        "ledger_spent",
        "unexplained",
        "flags",
    }
    assert result["provider_spent"] == result["ledger_spent"] == 8.5
    assert result["unexplained"] == 0 and result["flags"] == []


@pytest.mark.django_db(transaction=True)
def test_a_deduction_the_ledger_does_not_explain_is_flagged(
    sandbox, clock, staff, capsys, django_user_model, settings
):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    credits.refresh_balance()
    task = start(staff)
    settle(clock)
    # The sandbox's control endpoint, as an operator would: credits vanish with no task.
    response = httpx.Client(
        transport=httpx.WSGITransport(app=sandbox), base_url="http://sandbox"
    ).post(
        "/_sandbox/control",
        json={"deduct_credits": 3.5},
        headers={"Authorization": f"Bearer {settings.KIE_SANDBOX_KEY}"},
    )
    assert response.status_code == 200
    result, status = reconcile_cli(capsys)
    assert status == 1
    assert result["provider_spent"] == 8.5 and result["ledger_spent"] == 5
    assert result["unexplained"] == 3.5
    (flag,) = result["flags"]
    assert flag["unexplained"] == 3.5
    assert task.pk in [t["id"] for t in flag["tasks"]]
    run_jobs()  # the e-mail job
    assert mail.outbox and "3.5 credits" in mail.outbox[0].body
    assert mail.outbox[0].to == ["boss@example.com"]

    again, status = reconcile_cli(capsys)  # the next period starts where this one ended
    assert status == 0 and again["unexplained"] == 0


@pytest.mark.django_db(transaction=True)
def test_an_admins_adjustment_explains_a_deduction(sandbox, clock, staff, capsys):
    credits.refresh_balance()
    sandbox.deduct_credits(2)
    CreditLedgerEntry.objects.create(kind="adjust", amount=Decimal("-2"), note="kie.ai fee")
    result, status = reconcile_cli(capsys)
    assert status == 0 and result["unexplained"] == 0


@pytest.mark.django_db(transaction=True)
def test_a_refund_kie_made_before_the_balance_was_read_is_no_drop(sandbox, clock, staff, capsys):
    task = start(staff, prompt="[sandbox:fail] a desk")
    run_jobs()  # sent and charged
    clock.advance(11)  # kie.ai fails it and refunds it...
    credits.refresh_balance()  # ...the balance is read with the refund in it...
    make_polls_due()
    settle(clock)  # ...and only then does our poll release the reservation
    task.refresh_from_db()
    assert task.charge == "refunded"
    credits.refresh_balance()
    result, status = reconcile_cli(capsys)
    assert (status, result["unexplained"], result["flags"]) == (0, 0, [])


@pytest.mark.django_db(transaction=True)
def test_a_create_in_flight_while_the_balance_is_read_is_no_drop(
    sandbox, clock, staff, capsys, monkeypatch
):
    class ReadTheBalanceMidCreate(httpx.BaseTransport):
        """The balance is read after our reservation, before kie.ai charges the create."""

        def __init__(self):
            self.inner = httpx.WSGITransport(app=sandbox)

        def handle_request(self, request):
            if request.url.path.endswith("/generate"):
                monkeypatch.setattr(upstream, "transport", lambda: httpx.WSGITransport(app=sandbox))
                credits.refresh_balance()
            return self.inner.handle_request(request)

    monkeypatch.setattr(upstream, "transport", ReadTheBalanceMidCreate)
    start(staff)
    run_jobs()
    monkeypatch.undo()
    settle(clock)
    result, status = reconcile_cli(capsys)
    assert (status, result["unexplained"]) == (0, 0)


@pytest.mark.django_db
def test_reconcile_says_so_when_kie_does_not_answer(sandbox, capsys):
    from django.core.management.base import CommandError

    sandbox.config.maintenance = True
    with pytest.raises(CommandError, match="kie.ai did not give the balance"):
        call_command("kie", "reconcile")


@pytest.mark.django_db(transaction=True)
def test_the_reconciliation_page_shows_flags_and_admins_reconcile_from_it(
    sandbox, clock, staff, staff_client, client
):
    credits.refresh_balance()
    start(staff)
    settle(clock)
    sandbox.deduct_credits(4)
    done = reconciliation.reconcile()
    assert done.unexplained == 4
    html = staff_client.get("/credits/reconciliation/").content.decode()
    assert "4 credits" in html and "not explained" in html
    flagged_at = parse_datetime(done.flags[0]["to"])
    assert timezone.localtime(flagged_at).strftime("%H:%M:%S") in html  # the page's time zone
    assert f"/tasks/{GenerationTask.objects.get().pk}/" in html
    assert 'action="/credits/reconciliation/"' not in html  # staff cannot start one
    assert staff_client.post("/credits/reconciliation/").status_code == 403

    client.force_login(get_user_model().objects.create_superuser("boss", "b@x.io", "pw"))
    response = client.post("/credits/reconciliation/", follow=True)
    assert response.status_code == 200
    assert Reconciliation.objects.count() == 2
    assert "Everything matches" in response.content.decode()


@pytest.mark.django_db
def test_reconciliation_runs_every_hour():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="generator.jobs.reconcile_credits")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 60
