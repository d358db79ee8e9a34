"""One poll: how each upstream answer moves a task (and its credits) on."""

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from generator import jobs, upstream
from generator.kie import TaskStatus, UpstreamState
from generator.kie.flux_kontext import FluxKontext
from generator.models import CreditLedgerEntry, GenerationTask, State
from tests.factories import make_task


def running_task(user, submitted_ago=timedelta(seconds=20)):
    task = make_task(
        user,
        state=State.SUBMITTED,
        upstream_task_id="up-1",
        submitted_at=timezone.now() - submitted_ago,
        next_poll_at=timezone.now(),
    )
    CreditLedgerEntry.objects.create(task=task, kind="reserve", amount=-task.credits_estimated)
    return task


def kie_answers(monkeypatch, status: int, body=None):
    """Every kie.ai request gets this answer (JSON envelope, or a bare proxy page)."""

    def handler(request):
        if body is None:
            return httpx.Response(status, text="<html>Request Timeout</html>")
        return httpx.Response(status, json=body)

    monkeypatch.setattr(upstream, "transport", lambda: httpx.MockTransport(handler))


@pytest.mark.django_db
@pytest.mark.parametrize("code", [501, 408])
def test_kies_final_error_code_fails_the_task_and_releases_its_credits(
    sandbox, staff, monkeypatch, code
):
    task = running_task(staff)
    kie_answers(monkeypatch, 200, {"code": code, "msg": "Generation failed", "data": None})
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.FAILED and task.failure_kind == "upstream"
    assert str(code) in task.failure_message
    assert task.reserved_credits() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("status", [408, 501])
def test_a_bare_http_error_from_a_proxy_is_retried_not_failed(sandbox, staff, monkeypatch, status):
    task = running_task(staff)
    kie_answers(monkeypatch, status)
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.SUBMITTED and f"HTTP {status}" in task.last_error
    assert task.reserved_credits() == task.credits_estimated


@pytest.mark.django_db
def test_success_without_a_file_keeps_polling_then_times_out_keeping_the_credits(
    sandbox, staff, monkeypatch
):
    task = running_task(staff)
    monkeypatch.setattr(
        FluxKontext,
        "get_status",
        lambda self, task_id: TaskStatus(task_id, UpstreamState.SUCCEEDED),
    )
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.SUBMITTED and "no file yet" in task.last_error
    GenerationTask.objects.filter(pk=task.pk).update(
        submitted_at=timezone.now() - timedelta(hours=1), next_poll_at=timezone.now()
    )
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.TIMED_OUT
    assert task.reserved_credits() == task.credits_estimated  # kie charged it


@pytest.mark.django_db
def test_the_upstream_id_is_kept_even_if_recording_the_submission_fails(
    sandbox, staff, monkeypatch
):
    task = make_task(staff, state=State.QUEUED)

    def broken(self, to, **fields):
        raise RuntimeError("database went away")

    monkeypatch.setattr(GenerationTask, "transition", broken)
    with pytest.raises(RuntimeError):
        jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.upstream_task_id
    assert sandbox.task(task.upstream_task_id) is not None
    monkeypatch.undo()

    # Later, the sweep finds the interrupted submission and picks it up where it stopped.
    GenerationTask.objects.filter(pk=task.pk).update(
        submit_claimed_at=timezone.now() - timedelta(minutes=11)
    )
    jobs.resume_stalled_tasks()
    task.refresh_from_db()
    assert task.state == State.SUBMITTED and task.next_poll_at is not None
    assert task.reserved_credits() == task.credits_estimated
    assert sandbox.balance == 995  # still created only once


@pytest.mark.django_db
def test_a_create_that_got_no_answer_awaits_kie_with_its_credits_reserved(
    sandbox, staff, monkeypatch, staff_client
):
    task = make_task(staff, state=State.QUEUED)

    def no_answer(request):
        raise httpx.ReadTimeout("kie.ai took the request and never answered")

    monkeypatch.setattr(upstream, "transport", lambda: httpx.MockTransport(no_answer))
    jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.state == State.UNCONFIRMED and task.create_sent_at is not None
    assert task.reserved_credits() == 5  # the books never undercount
    assert "may have made this" in staff_client.get("/gallery/").content.decode()


@pytest.mark.django_db
def test_a_refused_create_ends_with_no_charge(sandbox, staff):
    sandbox.set_balance(0)
    task = make_task(staff, state=State.QUEUED)
    jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.state == State.FAILED and task.failure_kind == "credits"
    assert task.credits_charged == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("origin", "downloads"),
    [
        ("https://tempfile.aiquickdraw.com/f/origin.jpg", True),  # a host we download from
        ("https://delivery.example.net/origin.jpg", False),  # not: wait for a lasting link
    ],
)
def test_a_short_lived_link_is_used_only_from_a_host_we_download_from(
    sandbox, staff, monkeypatch, origin, downloads
):
    task = running_task(staff)
    monkeypatch.setattr(
        FluxKontext,
        "get_status",
        lambda self, task_id: TaskStatus(
            task_id, UpstreamState.SUCCEEDED, short_lived_urls=(origin,)
        ),
    )
    jobs.poll_due_tasks()
    task.refresh_from_db()
    if downloads:
        assert task.state == State.DOWNLOADING and task.result_urls == [origin]
    else:
        assert task.state == State.SUBMITTED and "no file yet" in task.last_error
