"""The whole loop against the in-process sandbox: submit, poll, download, gallery."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from generator import generations, jobs
from generator.models import CreditLedgerEntry, GenerationTask, State
from tests.helpers import png_bytes, queued_jobs, run_jobs, settle


def start(user, model="flux-kontext-pro", operation=None, **params):
    params.setdefault("prompt", "AutoScale receptionist answering a call, bright office")
    return generations.start_generation(user, model, operation, params)


@pytest.mark.django_db(transaction=True)
def test_flux_task_goes_from_queued_to_succeeded_with_a_stored_image(sandbox, clock, staff):
    task = start(staff, aspectRatio="1:1", outputFormat="png")
    assert queued_jobs() == [("generator.jobs.submit", (task.pk,))]

    settle(clock)

    task.refresh_from_db()
    assert task.state == State.SUCCEEDED
    assert [e.to_state for e in task.events.all()] == [
        "QUEUED",
        "SUBMITTED",
        "RUNNING",
        "DOWNLOADING",
        "SUCCEEDED",
    ]
    asset = task.assets.get()
    with asset.file.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "PNG"
        assert image.size == (asset.width, asset.height) == (1024, 1024)
    assert asset.content_type == "image/png"
    assert len(asset.sha256) == 64
    assert asset.bytes == asset.file.size
    with asset.thumbnail.open("rb") as thumb, Image.open(thumb) as image:
        assert image.format == "WEBP" and max(image.size) <= 640
    assert task.credits_charged == Decimal("5")


@pytest.mark.django_db(transaction=True)
def test_4o_variants_each_become_an_asset_and_reserve_credits(sandbox, clock, staff):
    task = start(staff, model="4o-image", size="3:2", nVariants="2")
    assert task.credits_estimated == Decimal("12")
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED
    assert [(a.index, a.width, a.height) for a in task.assets.all()] == [
        (0, 1536, 1024),
        (1, 1536, 1024),
    ]
    assert sandbox.balance == Decimal("988")
    ledger = CreditLedgerEntry.objects.get(task=task)
    assert ledger.kind == "reserve" and ledger.amount == Decimal("-12")


@pytest.mark.django_db(transaction=True)
def test_ideogram_goes_through_the_market_api(sandbox, clock, staff):
    task = start(
        staff,
        model="ideogram-v3",
        prompt='Banner saying "Never miss a call"',
        image_size="landscape_16_9",
        rendering_speed="TURBO",
    )
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED
    assert sandbox.task(task.upstream_task_id)["model"] == "ideogram/v3-text-to-image"
    assert (task.assets.get().width, task.assets.get().height) == (1024, 576)
    assert task.credits_charged == Decimal("3.5")


@pytest.mark.django_db(transaction=True)
def test_edit_uploads_the_reference_image_and_sends_its_url(sandbox, clock, staff):
    upload = ContentFile(png_bytes(300, 200), name="logo.png")
    task = generations.start_generation(
        staff,
        "flux-kontext-pro",
        "edit",
        {"prompt": "make it blue"},
        [generations.ImageInput(file=upload)],
    )
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED, task.failure_message
    task_input = task.inputs.get()
    assert task_input.upstream_url.startswith("http://127.0.0.1:8001/files/")
    assert sandbox.task(task.upstream_task_id)["body"]["inputImage"] == task_input.upstream_url


@pytest.mark.django_db(transaction=True)
def test_content_policy_failure_is_explained_and_credits_released(sandbox, clock, staff):
    task = start(staff, prompt="something [sandbox:policy]")
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.FAILED
    assert task.failure_kind == "policy"
    assert "Change the prompt (press “Change and re-run”)" in task.failure_message
    assert task.reserved_credits() == 0 and task.credits_charged == 0
    assert sandbox.balance == Decimal("1000")  # kie refunds failed generations


@pytest.mark.django_db(transaction=True)
def test_insufficient_credits_fails_at_submit_without_creating_anything(sandbox, clock, staff):
    sandbox.set_balance(2)
    task = start(staff)
    run_jobs()
    task.refresh_from_db()
    assert task.state == State.FAILED
    assert task.failure_kind == "credits"
    assert "top up" in task.failure_message
    assert task.upstream_task_id == ""
    assert task.reserved_credits() == 0  # reserved as it was sent, released on the refusal
    assert task.credits_charged == 0


@pytest.mark.django_db(transaction=True)
def test_a_task_is_never_created_upstream_twice(sandbox, clock, staff):
    task = start(staff)
    jobs.submit(task.pk)
    jobs.submit(task.pk)  # a duplicate job, or a retry after a crash
    task.refresh_from_db()
    assert task.state == State.SUBMITTED
    assert sandbox.balance == Decimal("995")  # one task charged


@pytest.mark.django_db(transaction=True)
def test_rate_limited_submission_waits_and_is_retried(sandbox, clock, staff, settings):
    settings.KIE_CREATE_RATE_LIMIT = 1
    first, second = start(staff), start(staff)
    jobs.submit(first.pk)
    jobs.submit(second.pk)
    second.refresh_from_db()
    assert second.state == State.QUEUED
    assert "free slot" in second.last_error
    settings.KIE_CREATE_RATE_LIMIT = 20
    settle(clock)
    second.refresh_from_db()
    assert second.state == State.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_stuck_task_times_out_with_an_explanation(sandbox, clock, staff):
    task = start(staff, prompt="[sandbox:stuck]")
    run_jobs()
    GenerationTask.objects.filter(pk=task.pk).update(
        submitted_at=task.created_at.replace(year=2000)
    )
    settle(clock, rounds=2)
    task.refresh_from_db()
    assert task.state == State.TIMED_OUT
    assert "15 minutes" in task.failure_message
    assert task.credits_charged == task.credits_estimated  # spent upstream, kept reserved


@pytest.mark.django_db(transaction=True)
def test_gallery_shows_the_finished_image(sandbox, clock, staff, staff_client):
    task = start(staff)
    settle(clock)
    asset = GenerationTask.objects.get(pk=task.pk).assets.get()
    page = staff_client.get("/gallery/").content.decode()
    assert f'id="task-{task.pk}"' in page
    assert asset.thumbnail_url() in page
    full = staff_client.get(asset.get_absolute_url())
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert b"".join(full.streaming_content) == asset.file.open("rb").read()
