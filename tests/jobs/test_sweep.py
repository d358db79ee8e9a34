"""The poll sweep: claims, one sweep at a time, the watchdog, lost work resumed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from generator import jobs
from generator.models import GenerationTask, JobLease, State
from tests.factories import make_task
from tests.helpers import queued_jobs


@pytest.mark.django_db
def test_only_due_tasks_are_polled(sandbox, staff):
    later = make_task(
        staff,
        state=State.SUBMITTED,
        upstream_task_id="x",
        next_poll_at=timezone.now() + timedelta(minutes=5),
    )
    assert jobs.poll_due_tasks() == 0
    later.refresh_from_db()
    assert later.poll_count == 0


@pytest.mark.django_db
def test_a_claimed_poll_is_not_taken_by_a_second_worker(sandbox, staff):
    due = timezone.now() - timedelta(seconds=1)
    task = make_task(staff, state=State.SUBMITTED, upstream_task_id="x", next_poll_at=due)
    # another worker claimed it first: next_poll_at moved on
    GenerationTask.objects.filter(pk=task.pk).update(
        next_poll_at=timezone.now() + timedelta(seconds=90)
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            GenerationTask.objects,
            "due_for_poll",
            lambda now=None: GenerationTask.objects.filter(pk=task.pk),
        )
        polled = []
        patch.setattr(jobs, "poll_task", lambda t, c: polled.append(t.pk))
        # the candidate list still says the old due time, so the claim must fail
        candidates = [(task.pk, due)]
        patch.setattr(
            jobs.GenerationTask.objects, "due_for_poll", lambda now=None: _Rows(candidates)
        )
        assert jobs.poll_due_tasks() == 0
    assert polled == []


class _Rows:
    def __init__(self, rows):
        self.rows = rows

    def values_list(self, *names):
        return self

    def __getitem__(self, item):
        return self.rows[item]


@pytest.mark.django_db
def test_only_one_sweep_runs_at_a_time(sandbox, staff):
    assert JobLease.acquire(jobs.SWEEP_LEASE, seconds=60)
    make_task(staff, state=State.SUBMITTED, upstream_task_id="x", next_poll_at=timezone.now())
    jobs.poll_sweep()  # leaves at once: another sweep holds the lease
    assert GenerationTask.objects.get().poll_count == 0
    jobs.ensure_sweep()
    assert queued_jobs() == []


@pytest.mark.django_db
def test_sweep_renews_itself_while_tasks_are_in_flight(sandbox, staff):
    make_task(
        staff,
        state=State.RUNNING,
        upstream_task_id="x",
        next_poll_at=timezone.now() + timedelta(minutes=1),
    )
    jobs.poll_sweep()
    assert queued_jobs() == [("generator.jobs.poll_sweep", ())]
    assert not JobLease.is_held(jobs.SWEEP_LEASE)


@pytest.mark.django_db
def test_sweep_stops_when_nothing_is_in_flight(sandbox, staff):
    make_task(staff, state=State.SUCCEEDED)
    jobs.poll_sweep()
    assert queued_jobs() == []


@pytest.mark.django_db
def test_watchdog_restarts_a_dead_sweep(sandbox, staff):
    make_task(staff, state=State.RUNNING, upstream_task_id="x", next_poll_at=timezone.now())
    JobLease.objects.create(
        name=jobs.SWEEP_LEASE, held_until=timezone.now() - timedelta(seconds=5), holder="dead"
    )  # the worker holding it died; the lease ran out
    jobs.watchdog()
    assert queued_jobs() == [("generator.jobs.poll_sweep", ())]


@pytest.mark.django_db
def test_lost_submit_and_download_jobs_are_resumed_once(sandbox, staff):
    old = timezone.now() - timedelta(minutes=5)
    queued = make_task(staff, state=State.QUEUED)
    downloading = make_task(staff, state=State.DOWNLOADING, result_urls=["http://x"])
    GenerationTask.objects.update(created_at=old, updated_at=old)
    for _ in range(5):  # however often the sweep looks, each lost job is queued once
        jobs.resume_stalled_tasks()
    assert sorted(queued_jobs()) == [
        ("generator.jobs.download", (downloading.pk,)),
        ("generator.jobs.submit", (queued.pk,)),
    ]


@pytest.mark.django_db
def test_task_unknown_to_kie_is_retried_then_failed(sandbox, staff):
    task = make_task(
        staff,
        state=State.SUBMITTED,
        upstream_task_id="f" * 32,
        submitted_at=timezone.now(),
        next_poll_at=timezone.now(),
    )
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.SUBMITTED and "does not show the task yet" in task.last_error
    GenerationTask.objects.filter(pk=task.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=10), next_poll_at=timezone.now()
    )
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.FAILED and "no longer knows" in task.failure_message


@pytest.mark.django_db
def test_kie_maintenance_during_polling_is_retried_not_failed(sandbox, staff):
    task = make_task(
        staff,
        state=State.RUNNING,
        upstream_task_id="x",
        submitted_at=timezone.now(),
        next_poll_at=timezone.now(),
    )
    sandbox.config.maintenance = True
    jobs.poll_due_tasks()
    task.refresh_from_db()
    assert task.state == State.RUNNING
    assert "455" in task.last_error and task.next_poll_at > timezone.now()


@pytest.mark.django_db
def test_poll_interval_grows_when_a_task_runs_late(staff):
    task = make_task(staff, state=State.RUNNING, model="flux-kontext-pro")
    now = timezone.now()
    task.submitted_at = now - timedelta(seconds=5)
    on_time = jobs.next_poll_delay(task, now)
    task.submitted_at = now - timedelta(minutes=5)
    late = jobs.next_poll_delay(task, now)
    assert 2 <= on_time < late <= 60


@pytest.mark.django_db
def test_sweep_naps_while_a_task_waits_for_its_download(sandbox, staff):
    make_task(staff, state=State.RUNNING, upstream_task_id="x", next_poll_at=timezone.now())
    task = GenerationTask.objects.get()
    task.transition(State.DOWNLOADING, result_urls=["http://127.0.0.1:8001/files/a.png"])
    task.refresh_from_db()
    assert task.next_poll_at is None  # only submitted and running tasks are polled
    assert jobs._seconds_until_next_poll() == 1.0  # a nap, then look at the download again


@pytest.mark.django_db
def test_a_sweep_that_lost_its_lease_stops_and_leaves_the_new_holder_alone(sandbox, staff):
    make_task(staff, state=State.RUNNING, upstream_task_id="x", next_poll_at=timezone.now())
    old = JobLease.acquire(jobs.SWEEP_LEASE, seconds=60)
    JobLease.objects.update(held_until=timezone.now() - timedelta(seconds=1))  # ran out
    new = JobLease.acquire(jobs.SWEEP_LEASE, seconds=60)
    assert new and new != old
    assert not JobLease.renew(jobs.SWEEP_LEASE, old, seconds=60)
    JobLease.release(jobs.SWEEP_LEASE, old)  # the late sweep finishing
    assert JobLease.is_held(jobs.SWEEP_LEASE)  # still the new holder's


@pytest.mark.django_db
def test_a_dead_sweeps_lease_runs_out_within_a_request_timeout(sandbox, staff, settings):
    make_task(staff, state=State.RUNNING, upstream_task_id="x", next_poll_at=timezone.now())
    polls = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jobs, "poll_task", lambda task, client: polls.append(JobLease.objects.get()))
        jobs.poll_sweep()
    lease = polls[0]
    left = (lease.held_until - timezone.now()).total_seconds()
    assert left <= settings.KIE_TIMEOUT_SECONDS + jobs.SWEEP_LEASE_MARGIN


@pytest.mark.django_db
def test_a_worker_starting_restarts_a_sweep_that_died_with_a_crashed_worker(sandbox, staff):
    from django_q.signals import post_spawn

    make_task(staff, state=State.RUNNING, upstream_task_id="x", next_poll_at=timezone.now())
    post_spawn.send(sender="django_q", proc_name="Process-1:1")
    assert queued_jobs() == [("generator.jobs.poll_sweep", ())]


@pytest.mark.django_db
def test_a_worker_starting_with_nothing_in_flight_queues_nothing(sandbox, staff):
    from django_q.signals import post_spawn

    make_task(staff, state=State.SUCCEEDED)
    post_spawn.send(sender="django_q", proc_name="Process-1:1")
    assert queued_jobs() == []


@pytest.mark.django_db
def test_a_poll_claimed_by_a_worker_that_died_is_polled_again_within_a_minute(sandbox, staff):
    due = timezone.now() - timedelta(seconds=1)
    task = make_task(staff, state=State.SUBMITTED, upstream_task_id="x", next_poll_at=due)
    GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=timezone.now() + jobs.POLL_LEASE)
    assert timedelta(seconds=60) >= jobs.POLL_LEASE  # the claim is the lease
    assert jobs.poll_due_tasks() == 0  # claimed by a worker that is gone
    GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=timezone.now())  # it ran out
    assert jobs.poll_due_tasks() == 1


@pytest.mark.django_db
def test_the_sweep_naps_until_an_unconfirmed_tasks_deadline(sandbox, staff):
    make_task(staff, state=State.UNCONFIRMED, next_poll_at=timezone.now() + timedelta(minutes=5))
    assert jobs._seconds_until_next_poll() > 200  # no need to look every second
