"""Veo and Runway through the jobs against the in-process sandbox: generations and their
follow-ups (extend, 1080p, 4K) are submitted once, polled at their pace, and end with the
right MP4 to download (checked with PyAV). Downloading and probing videos belongs to the
media work; these tests stop where a result URL is handed to the download job."""

import io
from datetime import timedelta
from decimal import Decimal

import av
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from generator import catalog, generations, jobs
from generator.kie.veo import UPGRADE_MARK
from generator.models import Asset, FailureKind, GenerationTask, State
from tests.helpers import make_polls_due


def start(user, model="veo3-fast", operation=None, source=None, **params):
    if operation in (None, "text-to-video", "extend"):
        params.setdefault("prompt", "AutoScale phone on a desk, slow dolly in")
    if operation in (None, "text-to-video") and model.startswith("veo"):
        params.setdefault("duration", "4")
    return generations.start_generation(user, model, operation, params, source_asset=source)


def run_to_result(task: GenerationTask, clock, rounds: int = 30) -> GenerationTask:
    """Submit, then poll as the sweep would, until kie's answer is final."""
    jobs.submit(task.pk)
    for _ in range(rounds):
        task.refresh_from_db()
        if task.state not in (State.QUEUED, State.SUBMITTED, State.RUNNING):
            return task
        clock.advance(5)
        make_polls_due()
        jobs.poll_due_tasks(only=[task.pk])
    task.refresh_from_db()
    return task


def mp4_at(sandbox, url: str) -> tuple[int, int, float, bool]:
    data = sandbox.state.read_own(url.rsplit("/", 1)[1]).data
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        return (
            video.width,
            video.height,
            frames / float(video.average_rate),
            bool(container.streams.audio),
        )


def finished_video(task: GenerationTask, sandbox) -> Asset:
    """What the download job makes of a video (the media work stores it for real)."""
    url = task.result_urls[0]
    data = sandbox.state.read_own(url.rsplit("/", 1)[1]).data
    asset = Asset(
        task=task,
        index=0,
        kind="video",
        content_type="video/mp4",
        bytes=len(data),
        sha256="0" * 64,
        source_url=url,
    )
    asset.file.save(f"task-{task.pk}-0.mp4", ContentFile(data), save=False)
    asset.save()
    task.transition(State.SUCCEEDED, message="saved by the test")
    return asset


@pytest.fixture
def veo_video(sandbox, clock, staff):
    task = run_to_result(start(staff), clock)
    assert task.state == State.DOWNLOADING
    return finished_video(task, sandbox)


@pytest.mark.django_db(transaction=True)
def test_veo_text_to_video_ends_with_the_asked_mp4(sandbox, clock, staff):
    task = start(staff, aspectRatio="9:16")
    assert task.credits_estimated == Decimal("60")
    task = run_to_result(task, clock)
    assert task.state == State.DOWNLOADING
    assert sandbox.task(task.upstream_task_id)["body"]["generationType"] == "TEXT_2_VIDEO"
    assert mp4_at(sandbox, task.result_urls[0]) == (720, 1280, 4.0, True)
    assert sandbox.balance == Decimal("940")


@pytest.mark.django_db(transaction=True)
def test_veo_extend_sends_the_source_task_and_gets_the_whole_longer_video(
    sandbox, clock, staff, veo_video
):
    task = start(staff, operation="extend", source=veo_video, prompt="then it rings")
    assert task.source_asset == veo_video and task.credits_estimated == Decimal("60")
    task = run_to_result(task, clock)
    assert task.state == State.DOWNLOADING
    sent = sandbox.task(task.upstream_task_id)["body"]
    assert sent["taskId"] == veo_video.task.upstream_task_id and sent["model"] == "fast"
    width, height, seconds, sound = mp4_at(sandbox, task.result_urls[0])
    assert (width, height, sound) == (1280, 720, True) and seconds > 4.0
    assert sandbox.balance == Decimal("880")


@pytest.mark.django_db(transaction=True)
def test_veo_1080p_asks_the_upgrade_endpoint_until_ready_and_pays_once(
    sandbox, clock, staff, veo_video
):
    task = start(staff, operation="1080p", source=veo_video)
    assert task.credits_estimated == Decimal("5")
    jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.state == State.SUBMITTED
    assert task.upstream_task_id.startswith(veo_video.task.upstream_task_id + UPGRADE_MARK)
    # kie asks for 20-30 s between asks on this endpoint
    assert (task.next_poll_at - timezone.now()) >= timedelta(seconds=19)
    assert jobs.next_poll_delay(task, timezone.now()) >= 20
    task = run_to_result(task, clock)
    assert task.state == State.DOWNLOADING
    assert mp4_at(sandbox, task.result_urls[0]) == (1920, 1080, 4.0, True)
    assert sandbox.balance == Decimal("935")


@pytest.mark.django_db(transaction=True)
def test_veo_4k_takes_the_result_from_the_repeated_422(sandbox, clock, staff, veo_video):
    task = start(staff, operation="4k", source=veo_video)
    assert task.credits_estimated == Decimal("120")
    task = run_to_result(task, clock)
    assert task.state == State.DOWNLOADING
    assert mp4_at(sandbox, task.result_urls[0])[:2] == (3840, 2160)
    assert sandbox.balance == Decimal("820")
    assert jobs.next_poll_delay(task, timezone.now()) >= 30


@pytest.mark.django_db(transaction=True)
def test_runway_generate_then_extend(sandbox, clock, staff):
    task = run_to_result(
        start(staff, model="runway", duration="5", quality="720p", aspectRatio="16:9"), clock
    )
    assert task.state == State.DOWNLOADING and task.credits_estimated == Decimal("12")
    source = finished_video(task, sandbox)
    extend = run_to_result(
        start(staff, "runway", "extend", source, prompt="further", quality="720p"), clock
    )
    assert extend.state == State.DOWNLOADING
    assert sandbox.task(extend.upstream_task_id)["body"]["taskId"] == task.upstream_task_id
    assert mp4_at(sandbox, extend.result_urls[0]) == (1280, 720, 10.0, False)


@pytest.mark.django_db(transaction=True)
def test_a_followup_whose_source_is_gone_fails_without_sending(sandbox, clock, staff, veo_video):
    task = start(staff, operation="1080p", source=veo_video)
    created_before = sandbox.stats_snapshot()["tasks_created"]
    veo_video.delete()
    jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.state == State.FAILED and task.failure_kind == FailureKind.INPUT
    assert task.create_sent_at is None and task.charge == "not_charged"
    assert sandbox.stats_snapshot()["tasks_created"] == created_before
    assert sandbox.balance == Decimal("940")


@pytest.mark.django_db(transaction=True)
def test_a_failed_veo_generation_is_refunded_and_explained(sandbox, clock, staff):
    task = run_to_result(start(staff, prompt="a car [sandbox:policy]"), clock)
    assert task.state == State.FAILED and task.failure_kind == FailureKind.POLICY
    assert sandbox.balance == Decimal("1000")


@pytest.mark.django_db(transaction=True)
def test_a_callback_naming_the_source_brings_its_upgrade_poll_forward(
    sandbox, clock, staff, veo_video
):
    task = start(staff, operation="4k", source=veo_video)
    jobs.submit(task.pk)
    far = timezone.now() + timedelta(minutes=5)
    GenerationTask.objects.filter(pk=task.pk).update(next_poll_at=far)
    assert generations.poll_soon(veo_video.task.upstream_task_id)
    task.refresh_from_db()
    assert task.next_poll_at < far


# --- what a follow-up accepts ----------------------------------------------------------


@pytest.mark.django_db
def test_a_followup_needs_its_source(staff):
    with pytest.raises(catalog.CatalogError) as refused:
        start(staff, operation="1080p")
    assert "source_asset" in refused.value.errors
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_source_from_another_model_is_refused(sandbox, clock, staff, veo_video):
    with pytest.raises(catalog.CatalogError) as refused:
        start(staff, model="veo3-lite", operation="extend", source=veo_video)
    assert "Veo 3.1 Lite" in refused.value.errors["source_asset"]


@pytest.mark.django_db(transaction=True)
def test_an_unfinished_source_is_refused(sandbox, clock, staff, veo_video):
    GenerationTask.objects.filter(pk=veo_video.task_id).update(state=State.DOWNLOADING)
    veo_video.refresh_from_db()
    with pytest.raises(catalog.CatalogError):
        start(staff, operation="extend", source=veo_video)


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_is_asked_once_and_its_result_is_not_extended(sandbox, clock, staff, veo_video):
    upgrade = run_to_result(start(staff, operation="1080p", source=veo_video), clock)
    with pytest.raises(catalog.CatalogError) as twice:
        start(staff, operation="1080p", source=veo_video)
    assert f"#{upgrade.pk}" in twice.value.errors["source_asset"]
    upgraded = finished_video(upgrade, sandbox)
    with pytest.raises(catalog.CatalogError):
        start(staff, operation="extend", source=upgraded)


@pytest.mark.django_db(transaction=True)
def test_an_operation_that_is_no_followup_takes_no_source(sandbox, clock, staff, veo_video):
    with pytest.raises(catalog.CatalogError) as refused:
        start(staff, source=veo_video)
    assert "source_asset" in refused.value.errors


@pytest.mark.django_db
def test_runway_refuses_1080p_at_10_seconds_before_anything_is_saved(staff):
    with pytest.raises(catalog.CatalogError) as refused:
        start(staff, model="runway", duration="10", quality="1080p", aspectRatio="16:9")
    assert "quality" in refused.value.errors and not GenerationTask.objects.exists()
