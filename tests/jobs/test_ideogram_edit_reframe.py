"""Ideogram V3 edit (masked) and reframe, end to end on the sandbox: the form's files are
uploaded to kie, sent as single URLs, and the result stored."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from generator import catalog, generations
from generator.models import State
from tests.helpers import png_bytes, settle


def upload(name, width=300, height=200, color=(30, 90, 200)):
    return ContentFile(png_bytes(width, height, color), name=name)


@pytest.mark.django_db(transaction=True)
def test_a_masked_edit_sends_the_image_and_the_mask_and_keeps_the_size(sandbox, clock, staff):
    task = generations.start_generation(
        staff,
        "ideogram-v3",
        "edit",
        {"prompt": "a blue sofa", "rendering_speed": "TURBO"},
        [
            generations.ImageInput(file=upload("room.png")),
            generations.ImageInput(
                file=upload("mask.png", color=(255, 255, 255)), param="mask_url"
            ),
        ],
    )
    assert [(i.param, i.position) for i in task.inputs.all()] == [("image_url", 0), ("mask_url", 0)]
    assert task.credits_estimated == Decimal("3.5")
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED, task.failure_message
    sent = sandbox.task(task.upstream_task_id)
    assert sent["model"] == "ideogram/v3-edit"
    body = sandbox.state.tasks[task.upstream_task_id].body["input"]
    assert body["image_url"].startswith("http") and body["mask_url"].startswith("http")
    assert body["image_url"] != body["mask_url"]
    assert body["expand_prompt"] is True  # the edit's own default
    asset = task.assets.get()
    assert (asset.width, asset.height) == (300, 200)


@pytest.mark.django_db(transaction=True)
def test_a_reframe_makes_the_new_size_at_its_price(sandbox, clock, staff):
    task = generations.start_generation(
        staff,
        "ideogram-v3",
        "reframe",
        {"image_size": "landscape_16_9", "rendering_speed": "QUALITY"},
        [generations.ImageInput(file=upload("square.png", 200, 200))],
    )
    assert task.credits_estimated == Decimal("10")
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED, task.failure_message
    assert sandbox.task(task.upstream_task_id)["model"] == "ideogram/v3-reframe"
    asset = task.assets.get()
    assert (asset.width, asset.height) == (1024, 576)
    assert task.credits_charged == Decimal("10")


@pytest.mark.django_db
def test_an_edit_without_its_mask_is_refused_by_name(staff):
    with pytest.raises(catalog.CatalogError) as caught:
        generations.start_generation(
            staff,
            "ideogram-v3",
            "edit",
            {"prompt": "x"},
            [generations.ImageInput(file=upload("a.png"))],
        )
    assert set(caught.value.errors) == {"mask_url"}


@pytest.mark.django_db
def test_a_file_for_a_parameter_the_operation_lacks_is_refused(staff):
    with pytest.raises(catalog.CatalogError) as caught:
        generations.start_generation(
            staff,
            "ideogram-v3",
            "reframe",
            {"image_size": "square"},
            [
                generations.ImageInput(file=upload("a.png")),
                generations.ImageInput(file=upload("m.png"), param="mask_url"),
            ],
        )
    assert "mask_url" in caught.value.errors
