"""No paid work is forgotten: lost create answers, killed workers, retries that are safe."""

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from django.db.models import Sum
from django.utils import timezone

from generator import generations, jobs, upstream
from generator.models import CreditLedgerEntry, GenerationTask, State
from tests.factories import make_task
from tests.helpers import run_jobs, settle

CREATE_PATHS = ("/api/v1/flux/kontext/generate", "/api/v1/gpt4o-image/generate", "createTask")


class AnswerLost(httpx.BaseTransport):
    """kie.ai gets and makes the task, but its answer to the create never arrives."""

    def __init__(self, sandbox, error=httpx.ReadTimeout):
        self.inner = httpx.WSGITransport(app=sandbox)
        self.error = error

    def handle_request(self, request):
        response = self.inner.handle_request(request)
        if any(path in request.url.path for path in CREATE_PATHS):
            raise self.error("the answer was lost", request=request)
        return response


def lose_create_answers(monkeypatch, sandbox, error=httpx.ReadTimeout):
    monkeypatch.setattr(upstream, "transport", lambda: AnswerLost(sandbox, error))


def ledger_total() -> Decimal:
    return CreditLedgerEntry.objects.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def start(user, prompt="AutoScale receptionist, bright office"):
    return generations.start_generation(user, "flux-kontext-pro", None, {"prompt": prompt})


@pytest.fixture
def callbacks(settings):
    settings.KIE_CALLBACK_URL = "http://127.0.0.1:8000/kie/callback/"


def callback(client, task, upstream_id):
    ref = jobs.callback_url_for(task).split("?ref=", 1)[1]
    return client.post(
        f"/kie/callback/?ref={ref}",
        {"code": 200, "msg": "success", "data": {"taskId": upstream_id}},
        content_type="application/json",
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.RemoteProtocolError])
def test_a_lost_create_answer_is_never_resent_and_its_callback_reattaches_it(
    sandbox, clock, staff, client, monkeypatch, callbacks, error
):
    lose_create_answers(monkeypatch, sandbox, error)
    task = start(staff)
    run_jobs()
    task.refresh_from_db()
    assert task.state == State.UNCONFIRMED
    assert task.reserved_credits() == 5
    (upstream_id,) = sandbox.state.tasks  # kie.ai made it, and charged it
    assert sandbox.balance == 995

    monkeypatch.undo()  # the network heals; our own sweeps never send it again
    settle(clock, rounds=3)
    assert len(sandbox.state.tasks) == 1
    task.refresh_from_db()
    assert task.state == State.UNCONFIRMED

    assert callback(client, task, upstream_id).status_code == 200
    task.refresh_from_db()
    assert task.state == State.SUBMITTED and task.upstream_task_id == upstream_id
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED and task.assets.count() == 1
    assert len(sandbox.state.tasks) == 1
    assert -ledger_total() == 1000 - sandbox.balance == 5  # upstream spent = ledger


@pytest.mark.django_db(transaction=True)
def test_several_lost_answers_keep_the_ledger_equal_to_what_kie_spent(
    sandbox, clock, staff, client, monkeypatch, callbacks
):
    """The review's measure: upstream spent 17, ledger showed 7."""
    task_ok = start(staff, "first")
    run_jobs()
    lose_create_answers(monkeypatch, sandbox)
    lost = [start(staff, f"lost {n}") for n in range(2)]
    run_jobs()
    assert -ledger_total() == 1000 - sandbox.balance == 15
    monkeypatch.undo()
    by_prompt = {
        t["body"]["prompt"]: t_id for t_id in sandbox.state.tasks if (t := sandbox.task(t_id))
    }
    for task in lost:
        callback(client, task, by_prompt[task.prompt_text])
    settle(clock)
    states = set(GenerationTask.objects.values_list("state", flat=True))
    assert states == {State.SUCCEEDED}, states
    assert -ledger_total() == 1000 - sandbox.balance == 15
    assert task_ok.pk not in [t.pk for t in lost]


@pytest.mark.django_db
def test_an_unconfirmed_task_with_no_evidence_ends_with_its_charge_unknown_and_reserved(
    sandbox, staff, monkeypatch, client, callbacks
):
    lose_create_answers(monkeypatch, sandbox)
    task = make_task(staff, state=State.QUEUED)
    jobs.submit(task.pk)
    GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=timezone.now())
    jobs.resume_stalled_tasks()
    task.refresh_from_db()
    assert task.state == State.FAILED and task.failure_kind == "unknown"
    assert task.credits_charged is None and task.reserved_credits() == 5
    assert GenerationTask.objects.unknown_outcomes().get() == task

    # Late evidence still re-attaches it: the result is fetched and kept.
    (upstream_id,) = sandbox.state.tasks
    monkeypatch.undo()
    callback(client, task, upstream_id)
    task.refresh_from_db()
    assert task.state == State.SUBMITTED and task.upstream_task_id == upstream_id
    assert task.credits_charged is None and task.failure_kind == ""


@pytest.mark.django_db
def test_a_callback_with_a_forged_reference_attaches_nothing(sandbox, staff, client, callbacks):
    task = make_task(staff, state=State.UNCONFIRMED, create_sent_at=timezone.now())
    response = client.post(
        f"/kie/callback/?ref={task.pk}:forged",
        {"code": 200, "data": {"taskId": "attacker-task"}},
        content_type="application/json",
    )
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.state == State.UNCONFIRMED and task.upstream_task_id == ""


@pytest.mark.django_db
def test_a_callback_cannot_replace_a_known_kie_task(sandbox, staff, client, callbacks):
    task = make_task(staff, state=State.SUBMITTED, upstream_task_id="ours")
    callback(client, task, "another")
    task.refresh_from_db()
    assert task.upstream_task_id == "ours"


@pytest.mark.django_db
def test_every_create_carries_a_signed_reference_to_our_task(sandbox, staff, callbacks):
    task = make_task(staff, state=State.QUEUED)
    jobs.submit(task.pk)
    (upstream_id,) = sandbox.state.tasks
    sent = sandbox.task(upstream_id)["body"]["callBackUrl"]
    assert sent.startswith("http://127.0.0.1:8000/kie/callback/?ref=")
    assert jobs.task_from_reference(sent.split("ref=", 1)[1]) == task.pk


# --- a killed worker ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_submit_killed_before_sending_is_sent_by_the_next_worker_within_a_minute(sandbox, staff):
    task = make_task(staff, state=State.QUEUED)
    GenerationTask.objects.filter(pk=task.pk).update(  # claimed, then the worker died
        submit_claimed_at=timezone.now() - timedelta(seconds=61), submit_claim="dead"
    )
    jobs.resume_stalled_tasks()
    run_jobs()
    task.refresh_from_db()
    assert task.state == State.SUBMITTED and "charged" not in task.failure_message
    assert len(sandbox.state.tasks) == 1


@pytest.mark.django_db
def test_a_submit_claim_is_not_taken_over_while_fresh(sandbox, staff):
    task = make_task(staff, state=State.QUEUED)
    GenerationTask.objects.filter(pk=task.pk).update(
        submit_claimed_at=timezone.now() - timedelta(seconds=30), submit_claim="alive"
    )
    jobs.resume_stalled_tasks()
    assert run_jobs() == []
    assert not sandbox.state.tasks


@pytest.mark.django_db
def test_a_submit_killed_after_sending_becomes_an_unknown_outcome(sandbox, staff):
    task = make_task(staff, state=State.QUEUED)
    GenerationTask.objects.filter(pk=task.pk).update(
        submit_claimed_at=timezone.now() - timedelta(seconds=61),
        submit_claim="dead",
        create_sent_at=timezone.now() - timedelta(seconds=61),
    )
    jobs.resume_stalled_tasks()
    run_jobs()
    task.refresh_from_db()
    assert task.state == State.UNCONFIRMED
    assert not sandbox.state.tasks  # never sent again


@pytest.mark.django_db
def test_a_slow_worker_whose_claim_was_taken_over_does_not_send(sandbox, staff):
    task = make_task(staff, state=State.QUEUED)
    GenerationTask.objects.filter(pk=task.pk).update(submit_claim="successor")
    assert not task.mark_create_sent("slow-one")
    assert task.reserved_credits() == 0


@pytest.mark.django_db
def test_a_killed_download_is_taken_over_within_a_minute(sandbox, staff):
    task = make_task(
        staff,
        state=State.DOWNLOADING,
        result_urls=[sandbox.put_file(b"x", "image/png")],
        download_claimed_until=timezone.now() + jobs.DOWNLOAD_LEASE,
    )
    assert timedelta(seconds=60) >= jobs.DOWNLOAD_LEASE
    jobs.download(task.pk)  # still held by its (dead) worker
    task.refresh_from_db()
    assert task.download_attempts == 0
    GenerationTask.objects.filter(pk=task.pk).update(
        download_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    jobs.resume_stalled_tasks()
    assert "download" in run_jobs()


@pytest.mark.django_db(transaction=True)
def test_the_download_heartbeat_renews_its_lease_while_it_works(sandbox, staff, monkeypatch):
    import time

    from tests.helpers import png_bytes

    task = make_task(
        staff,
        state=State.DOWNLOADING,
        result_urls=[sandbox.put_file(png_bytes(), "image/png", "a.png")],
    )
    monkeypatch.setattr(jobs, "DOWNLOAD_HEARTBEAT", 0.05)
    seen = []
    real_store = jobs.store_result

    def slow_store(*args, **kwargs):
        first = GenerationTask.objects.get(pk=task.pk).download_claimed_until
        time.sleep(0.3)
        seen.append((first, GenerationTask.objects.get(pk=task.pk).download_claimed_until))
        return real_store(*args, **kwargs)

    monkeypatch.setattr(jobs, "store_result", slow_store)
    jobs.download(task.pk)
    ((first, later),) = seen
    assert later > first
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED


# --- retries --------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", [1, 2, 3, 6])
def test_backoff_grows_with_jitter_and_honours_retry_after(attempt):
    waits = [jobs.backoff(attempt) for _ in range(200)]
    ceiling = min(2.0 * 2**attempt, 120.0)
    assert all(ceiling / 2 <= w <= ceiling for w in waits)
    assert len(set(waits)) > 100  # jittered, so workers do not retry in lockstep
    assert jobs.backoff(attempt, retry_after=500) == 500
    assert jobs.backoff(attempt, retry_after=float("inf")) <= ceiling  # junk is ignored
    assert jobs.backoff(attempt, retry_after=1e12) == jobs.MAX_BACKOFF_SECONDS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("error", "resent"),
    [
        (httpx.ConnectError, True),  # never left: safe
        (httpx.ConnectTimeout, True),
        (httpx.ReadTimeout, False),  # may have reached kie.ai: never blindly
        (httpx.RemoteProtocolError, False),
        (httpx.WriteError, False),
    ],
)
def test_a_create_is_resent_only_when_it_certainly_never_reached_kie(
    sandbox, staff, monkeypatch, error, resent
):
    def fail(request):
        raise error("network", request=request)

    monkeypatch.setattr(upstream, "transport", lambda: httpx.MockTransport(fail))
    task = make_task(staff, state=State.QUEUED)
    jobs.submit(task.pk)
    task.refresh_from_db()
    if resent:
        assert task.state == State.QUEUED and task.submit_claim == ""
        assert task.create_sent_at is None and task.next_poll_at > timezone.now()
    else:
        assert task.state == State.UNCONFIRMED


@pytest.mark.django_db
@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_bare_5xx_to_a_create_is_an_unknown_outcome(sandbox, staff, monkeypatch, status):
    monkeypatch.setattr(
        upstream,
        "transport",
        lambda: httpx.MockTransport(lambda r: httpx.Response(status, text="<html>oops</html>")),
    )
    task = make_task(staff, state=State.QUEUED)
    jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.state == State.UNCONFIRMED and task.reserved_credits() == 5


@pytest.mark.django_db
def test_a_rate_limited_create_waits_at_least_retry_after(sandbox, staff, monkeypatch):
    monkeypatch.setattr(
        upstream,
        "transport",
        lambda: httpx.MockTransport(
            lambda r: httpx.Response(
                429, headers={"Retry-After": "90"}, json={"code": 429, "msg": "too often"}
            )
        ),
    )
    task = make_task(staff, state=State.QUEUED)
    jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.state == State.QUEUED
    assert task.next_poll_at >= timezone.now() + timedelta(seconds=88)


@pytest.mark.django_db
def test_a_cdn_error_page_served_with_200_is_retried_not_failed(sandbox, staff, monkeypatch):
    from tests.helpers import png_bytes

    url = sandbox.put_file(png_bytes(), "image/png", "result.png")
    task = make_task(staff, state=State.DOWNLOADING, result_urls=[url])
    real = jobs._fetch
    answers = iter(["error page"])

    def flaky_cdn(url, stream, client, deadline, *cap):
        if next(answers, None):
            stream.write(b"<html><body>Error 1016 Origin DNS error</body></html>")
            from generator.kie.downloads import Downloaded

            return Downloaded(content_type="text/html", size=52, sha256="0" * 64)
        return real(url, stream, client, deadline, *cap)

    monkeypatch.setattr(jobs, "_fetch", flaky_cdn)
    jobs.download(task.pk)
    task.refresh_from_db()
    assert task.state == State.DOWNLOADING and "web page" in task.last_error
    GenerationTask.objects.filter(pk=task.pk).update(download_claimed_until=None)
    jobs.download(task.pk)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED


@pytest.mark.django_db
def test_a_firewall_refusal_is_retried_then_blamed_on_the_user_agent_not_the_key(
    sandbox, staff, monkeypatch
):
    monkeypatch.setattr(
        upstream,
        "transport",
        lambda: httpx.MockTransport(lambda r: httpx.Response(403, text="error code: 1010")),
    )
    task = make_task(staff, state=State.QUEUED)
    for _ in range(jobs.MAX_SUBMIT_ATTEMPTS):
        GenerationTask.objects.filter(pk=task.pk).update(submit_claimed_at=None)
        jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.state == State.FAILED and task.failure_kind == "upstream"
    assert "not the API key" in task.failure_message and "KIE_USER_AGENT" in task.failure_message
    assert task.credits_charged == 0 and task.reserved_credits() == 0


@pytest.mark.django_db
def test_result_files_are_fetched_with_our_user_agent(sandbox, staff, settings, monkeypatch):
    from tests.helpers import png_bytes

    settings.KIE_USER_AGENT = "AutoScaleStudio-test/9"
    seen = []
    inner = upstream.transport

    class Spy(httpx.BaseTransport):
        def handle_request(self, request):
            seen.append(request.headers.get("User-Agent"))
            return inner().handle_request(request)

    monkeypatch.setattr(upstream, "transport", lambda: Spy())
    url = sandbox.put_file(png_bytes(), "image/png", "ua.png")
    task = make_task(staff, state=State.DOWNLOADING, result_urls=[url])
    jobs.download(task.pk)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED
    assert seen and set(seen) == {"AutoScaleStudio-test/9"}


@pytest.mark.django_db(transaction=True)
def test_a_forged_callback_id_never_releases_the_credits_of_an_unknown_outcome(
    sandbox, clock, staff, client, monkeypatch, callbacks
):
    lose_create_answers(monkeypatch, sandbox)
    task = start(staff)
    run_jobs()
    (real_id,) = sandbox.state.tasks
    monkeypatch.undo()
    callback(client, task, "attacker-chosen-id")  # someone who saw our callback URL
    task.refresh_from_db()
    assert task.upstream_task_id == "attacker-chosen-id"
    GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=timezone.now())
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.FAILED and task.failure_kind == "unknown"
    assert task.upstream_task_id == "" and task.reserved_credits() == 5
    assert -ledger_total() == 1000 - sandbox.balance == 5  # never an undercount
    callback(client, task, real_id)  # kie's own callback still re-attaches it
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED and task.upstream_task_id == real_id


@pytest.mark.django_db
def test_evidence_naming_another_tasks_kie_id_is_refused(sandbox, staff, client, callbacks):
    other = make_task(staff, state=State.SUBMITTED, upstream_task_id="belongs-to-other")
    task = make_task(staff, state=State.UNCONFIRMED, create_sent_at=timezone.now())
    callback(client, task, "belongs-to-other")
    task.refresh_from_db()
    assert task.state == State.UNCONFIRMED and task.upstream_task_id == ""
    assert other.pk != task.pk


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["inf", "nan", "1e400", "99999999999999"])
def test_an_absurd_retry_after_is_bounded_not_a_crash(sandbox, staff, monkeypatch, header):
    monkeypatch.setattr(
        upstream,
        "transport",
        lambda: httpx.MockTransport(
            lambda r: httpx.Response(429, headers={"Retry-After": header}, json={"code": 429})
        ),
    )
    task = make_task(staff, state=State.QUEUED)
    jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.state == State.QUEUED and task.create_sent_at is None  # refused: resent later
    assert task.next_poll_at <= timezone.now() + timedelta(hours=1, seconds=5)


@pytest.mark.django_db(transaction=True)
def test_a_queue_that_is_down_does_not_turn_a_saved_task_into_an_error(staff, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(jobs, "async_task", down)
    task = start(staff)  # no exception: the sweep queues it when the queue is back
    assert GenerationTask.objects.get(pk=task.pk).state == State.QUEUED
