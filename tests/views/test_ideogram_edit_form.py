"""The generate form with two file parameters: Ideogram V3's image and its mask."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from generator.models import GenerationTask
from tests.helpers import png_bytes, post_generate

EDIT = {"model": "ideogram-v3", "operation": "edit", "prompt": "a blue sofa"}


@pytest.mark.django_db
def test_the_edit_form_shows_an_upload_for_the_mask(staff_client):
    page = staff_client.get("/generate/?model=ideogram-v3&operation=edit").content.decode()
    assert 'name="image_url"' in page and 'name="mask_url"' in page


@pytest.mark.django_db
def test_the_image_and_the_mask_are_kept_in_their_own_parameters(staff_client):
    response = post_generate(
        staff_client,
        {
            **EDIT,
            "image_url": SimpleUploadedFile("room.png", png_bytes(), "image/png"),
            "mask_url": SimpleUploadedFile("mask.png", png_bytes(color=(255, 255, 255))),
        },
    )
    assert response.status_code == 302
    task = GenerationTask.objects.get()
    assert [(i.param, i.content_type) for i in task.inputs.all()] == [
        ("image_url", "image/png"),
        ("mask_url", "image/png"),
    ]


@pytest.mark.django_db
def test_a_missing_mask_is_named_on_its_field(staff_client):
    response = post_generate(
        staff_client, {**EDIT, "image_url": SimpleUploadedFile("room.png", png_bytes())}
    )
    assert response.status_code == 200
    assert "Mask needs an image." in response.content.decode()
    assert not GenerationTask.objects.exists()
