"""The download job: what kie.ai sends is checked, broken files fail cleanly, nothing is lost."""

import io
import os
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from generator import jobs
from generator.models import Asset, GenerationTask, State
from tests.factories import make_task
from tests.helpers import png_bytes


def downloading(user, *urls):
    return make_task(
        user, state=State.DOWNLOADING, result_urls=list(urls), submitted_at=timezone.now()
    )


def jpeg_bytes(width=800, height=600) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
        if not name.startswith("t")  # the factories' own files
    )


def download_every_attempt(task) -> None:
    """Run the download job once per allowed attempt, without waiting for its backoff."""
    for _ in range(jobs.MAX_DOWNLOAD_ATTEMPTS):
        GenerationTask.objects.filter(pk=task.pk).update(download_claimed_until=None)
        jobs.download(task.pk)
    task.refresh_from_db()


@pytest.mark.django_db
def test_truncated_jpeg_is_retried_then_fails_and_leaves_no_file(sandbox, staff, settings):
    whole = jpeg_bytes()
    url = sandbox.put_file(whole[: len(whole) // 2], "image/jpeg", "cut.jpg")
    task = downloading(staff, url)
    before = stored_files(settings)
    jobs.download(task.pk)
    task.refresh_from_db()
    assert task.state == State.DOWNLOADING and "damaged" in task.last_error
    download_every_attempt(task)
    assert task.state == State.FAILED and task.failure_kind == "download"
    assert "damaged" in task.failure_message
    assert not Asset.objects.filter(task=task).exists()
    assert stored_files(settings) == before


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("side", [9000, 12000])  # under and over Pillow's own hard limit
def test_a_tiny_file_claiming_a_huge_picture_is_refused_before_decoding(sandbox, staff, side):
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")  # tens of megapixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    task = downloading(staff, sandbox.put_file(out.getvalue(), "image/png", "bomb.png"))
    jobs.download(task.pk)
    task.refresh_from_db()
    assert task.state == State.FAILED
    assert "larger than we accept" in task.failure_message


@pytest.mark.django_db
def test_an_unexpected_error_is_retried_then_fails_instead_of_hanging(sandbox, staff, monkeypatch):
    task = downloading(staff, sandbox.put_file(png_bytes(), "image/png", "ok.png"))

    def broken_storage(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "store_result", broken_storage)
    for attempt in range(1, jobs.MAX_DOWNLOAD_ATTEMPTS + 1):
        GenerationTask.objects.filter(pk=task.pk).update(download_claimed_until=None)
        jobs.download(task.pk)
        task.refresh_from_db()
        assert task.download_attempts == attempt
        if attempt < jobs.MAX_DOWNLOAD_ATTEMPTS:
            assert task.state == State.DOWNLOADING and "RuntimeError" in task.last_error
    assert task.state == State.FAILED and task.failure_kind == "download"


@pytest.mark.django_db
def test_files_saved_by_an_earlier_attempt_are_kept(sandbox, staff):
    good = sandbox.put_file(png_bytes(), "image/png", "one.png")
    missing = "http://127.0.0.1:8001/files/not-yet.png"
    task = downloading(staff, good, missing)
    download_every_attempt(task)  # the second file stays gone: the task fails, the first stays
    assert task.state == State.FAILED
    assert list(task.assets.values_list("index", flat=True)) == [0]


@pytest.mark.django_db
def test_a_slow_transfer_stops_at_the_job_deadline_and_is_retried(sandbox, staff, monkeypatch):
    task = downloading(staff, sandbox.put_file(png_bytes(), "image/png", "slow.png"))
    monkeypatch.setattr(jobs, "DOWNLOAD_JOB_SECONDS", -1)  # the deadline has passed
    jobs.download(task.pk)
    task.refresh_from_db()
    assert task.state == State.DOWNLOADING
    assert "took too long" in task.last_error
    assert task.download_claimed_until > timezone.now() - timedelta(seconds=1)
