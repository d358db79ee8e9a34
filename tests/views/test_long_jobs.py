"""Long jobs: the time spent against the model's usual time, "taking longer than usual",
"check now" (free, idempotent, rate-limited per task), and a poll pace that follows each
model's usual time."""

import dataclasses
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from generator import catalog, jobs, long_jobs
from generator.models import GenerationTask, State
from tests.factories import make_task
from tests.helpers import queued_jobs

MODEL = "flux-kontext-pro"


def running(user, seconds_ago: float, **fields) -> GenerationTask:
    return make_task(
        user,
        state=State.RUNNING,
        model=MODEL,
        upstream_task_id="kie-1",
        submitted_at=timezone.now() - timedelta(seconds=seconds_ago),
        next_poll_at=timezone.now() + timedelta(seconds=60),
        **fields,
    )


def usual() -> int:
    return catalog.get(MODEL).expected_seconds


@pytest.mark.django_db
def test_a_task_on_time_shows_its_time_against_the_usual_time(staff, staff_client):
    task = running(staff, seconds_ago=5)
    page = staff_client.get(task.get_absolute_url()).content.decode()
    assert re.search(r'<span class="elapsed">0:(0[5-9]|1\d)</span> so far, usually about 0:', page)
    assert '<span class="late-note" hidden>' in page
    assert f'data-late-after="{round(usual() * long_jobs.LATE_AFTER)}"' in page


@pytest.mark.django_db
def test_a_late_task_says_plainly_it_takes_longer_than_usual(staff, staff_client):
    task = running(staff, seconds_ago=usual() * 3)
    for url in (task.get_absolute_url(), reverse("generator:gallery")):
        page = staff_client.get(url).content.decode()
        assert 'class="long-job is-late"' in page
        assert '<span class="late-note">Taking longer than usual' in page


@pytest.mark.django_db
def test_a_finished_task_shows_no_running_time(staff, staff_client):
    task = make_task(staff, state=State.SUCCEEDED)
    assert long_jobs.elapsed(task) is None
    assert "long-job" not in staff_client.get(task.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_check_now_brings_the_poll_forward_and_wakes_the_sweep(staff, staff_client):
    task = running(staff, seconds_ago=30)
    response = staff_client.post(reverse("generator:task_check_now", args=[task.pk]))
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    task.refresh_from_db()
    assert task.next_poll_at <= timezone.now()
    assert ("generator.jobs.poll_sweep", ()) in queued_jobs()


@pytest.mark.django_db
def test_check_now_twice_in_a_row_asks_once(staff, staff_client):
    task = running(staff, seconds_ago=30)
    assert long_jobs.check_now(task)
    later = timezone.now() + timedelta(seconds=45)
    GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=later)  # polled meanwhile
    response = staff_client.post(reverse("generator:task_check_now", args=[task.pk]), follow=True)
    task.refresh_from_db()
    assert task.next_poll_at == later
    assert "asked a moment ago" in response.content.decode()


@pytest.mark.django_db
def test_check_now_after_the_gap_asks_again(staff, settings, monkeypatch):
    task = running(staff, seconds_ago=30)
    monkeypatch.setattr(long_jobs, "CHECK_NOW_GAP_SECONDS", 0)
    assert long_jobs.check_now(task)
    GenerationTask.objects.filter(pk=task.pk).update(
        next_poll_at=timezone.now() + timedelta(seconds=45)
    )
    assert long_jobs.check_now(task)


@pytest.mark.django_db
def test_check_now_does_nothing_to_a_finished_or_unconfirmed_task(staff, staff_client):
    done = make_task(staff, state=State.SUCCEEDED)
    assert not long_jobs.check_now(done)
    deadline = timezone.now() + timedelta(minutes=10)
    unconfirmed = make_task(staff, state=State.UNCONFIRMED, next_poll_at=deadline)
    staff_client.post(reverse("generator:task_check_now", args=[unconfirmed.pk]))
    unconfirmed.refresh_from_db()
    assert unconfirmed.next_poll_at == deadline  # its deadline, not a poll: left alone


@pytest.mark.django_db
def test_check_now_is_a_post(staff_client, staff):
    task = running(staff, seconds_ago=30)
    assert staff_client.get(reverse("generator:task_check_now", args=[task.pk])).status_code == 405


def model_taking(seconds: int) -> catalog.CatalogModel:
    return dataclasses.replace(catalog.get(MODEL), expected_seconds=seconds)


def delay_after(seconds_usual: int, elapsed: float) -> float:
    now = timezone.now()
    task = SimpleNamespace(
        catalog_model=model_taking(seconds_usual),
        operation=None,
        submitted_at=now - timedelta(seconds=elapsed),
    )
    return jobs.next_poll_delay(task, now)


def test_a_five_minute_video_is_not_polled_every_two_seconds():
    assert jobs.first_poll_delay(model_taking(300)) >= 20
    assert delay_after(300, 60) >= 20
    assert delay_after(300, 900) <= jobs.LATE_POLL_CEILING_SECONDS


def test_a_forty_second_image_is_not_polled_every_minute():
    assert jobs.first_poll_delay(model_taking(40)) <= 5
    assert delay_after(40, 10) <= 5
    assert delay_after(40, 600) <= 15  # late, and still asked often enough


def test_the_pace_slows_as_a_task_runs_late_but_never_below_its_usual_pace():
    on_time, late, very_late = delay_after(120, 30), delay_after(120, 240), delay_after(120, 1200)
    assert on_time <= late <= very_late
    assert very_late <= 40


@pytest.mark.django_db
def test_an_unconfirmed_task_is_not_timed_against_the_usual_time(staff):
    task = make_task(staff, state=State.UNCONFIRMED)
    assert long_jobs.elapsed(task) is None
