"""kie.ai's balance in sight: in the header of every page, refreshed on a schedule and
after completions (coalesced: never an upstream call per page view or per task), with a
low-balance warning and its money value."""

from decimal import Decimal

import httpx
import pytest
from django_q.models import Schedule

from generator import credits, generations, jobs, upstream
from generator.models import CreditBalanceSnapshot, CreditPolicy
from tests.helpers import queued_jobs, settle


class CountingTransport(httpx.BaseTransport):
    """The in-process sandbox, counting the balance requests that reach it."""

    def __init__(self, sandbox, counter):
        self.inner = httpx.WSGITransport(app=sandbox)
        self.counter = counter

    def handle_request(self, request):
        if request.url.path == "/api/v1/chat/credit":
            self.counter.append(request)
        return self.inner.handle_request(request)


@pytest.fixture
def balance_requests(sandbox, monkeypatch):
    seen = []
    monkeypatch.setattr(upstream, "transport", lambda: CountingTransport(sandbox, seen))
    return seen


@pytest.mark.django_db
def test_every_studio_page_shows_the_latest_balance_and_its_money_value(staff_client):
    CreditBalanceSnapshot.objects.create(balance=Decimal("962.5"))
    for url in ("/gallery/", "/generate/"):
        html = staff_client.get(url).content.decode()
        assert 'id="balance"' in html, url
        assert "962.5 credits" in html and "$4.81" in html, url


@pytest.mark.django_db
def test_the_price_of_a_credit_is_a_setting(staff_client, settings):
    settings.CREDIT_PRICE_USD = Decimal("0.01")
    CreditBalanceSnapshot.objects.create(balance=Decimal("962.5"))
    assert "$9.63" in staff_client.get("/gallery/").content.decode()


@pytest.mark.django_db
def test_a_balance_below_the_threshold_is_a_warning(staff_client):
    CreditPolicy.objects.update_or_create(pk=1, defaults={"low_balance": Decimal("100")})
    CreditBalanceSnapshot.objects.create(balance=Decimal("99"))
    html = staff_client.get("/gallery/").content.decode()
    assert "balance-low" in html and "Low balance" in html
    CreditBalanceSnapshot.objects.create(balance=Decimal("150"))
    assert "balance-low" not in staff_client.get("/gallery/").content.decode()


@pytest.mark.django_db
def test_pages_and_the_header_refresh_never_ask_kie(staff_client, balance_requests):
    CreditBalanceSnapshot.objects.create(balance=Decimal("10"))
    for _ in range(3):
        staff_client.get("/gallery/")
        fragment = staff_client.get("/credits/balance/", headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and b'id="balance"' in fragment.content
        assert b"<html" not in fragment.content
    assert balance_requests == []
    assert not [job for job in queued_jobs() if job[0].endswith("refresh_credits")]


@pytest.mark.django_db
def test_with_no_balance_yet_the_header_says_so_until_the_schedule_reads_it(staff_client, sandbox):
    assert "not read yet" in staff_client.get("/gallery/").content.decode()
    jobs.refresh_credits()  # what the schedule runs
    assert "1,000 credits" in staff_client.get("/gallery/").content.decode()


@pytest.mark.django_db
def test_the_header_costs_one_query(staff_client, django_assert_num_queries):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    CreditPolicy.objects.create(pk=1, low_balance=Decimal("2000"))
    CreditBalanceSnapshot.objects.create(balance=Decimal("1500"))
    with django_assert_num_queries(1):
        html = render_to_string(
            "generator/_balance.html",
            {"credit_balance": credits.balance_in_sight()},
            request=RequestFactory().get("/"),
        )
    assert "balance-low" in html


@pytest.mark.django_db(transaction=True)
def test_completions_refresh_the_balance_once_for_many_tasks(
    sandbox, clock, staff, balance_requests
):
    for n in range(3):
        generations.start_generation(staff, "flux-kontext-pro", None, {"prompt": f"desk {n}"})
    settle(clock)
    assert 1 <= len(balance_requests) <= 2  # coalesced: not one per task
    assert credits.latest_balance().balance == sandbox.balance == Decimal("985")


@pytest.mark.django_db
def test_the_balance_is_refreshed_on_a_schedule():
    schedule = Schedule.objects.get(func="generator.jobs.refresh_credits")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes <= 10


@pytest.mark.django_db
def test_a_refresh_records_when_it_asked_and_when_kie_answered(sandbox):
    snapshot = jobs.refresh_credits()
    assert snapshot.requested_at <= snapshot.at
    assert snapshot.balance == Decimal("1000")


@pytest.mark.django_db
def test_kie_credits_says_the_money_the_pace_and_when_it_runs_out(sandbox, staff, capsys):
    from django.core.management import call_command

    from generator.models import CreditLedgerEntry
    from tests.factories import make_task

    task = make_task(staff, state="SUCCEEDED", credits_charged=70)
    CreditLedgerEntry.objects.create(task=task, user=staff, kind="reserve", amount=-70)
    call_command("kie", "credits", "--json")
    shown = __import__("json").loads(capsys.readouterr().out)
    assert (shown["credits"], shown["usd"], shown["per_day"], shown["low"]) == (
        1000,
        5.0,
        10,
        False,
    )
    assert shown["runs_out_on"]  # 100 days from now at 10 credits a day
