"""The generate page: a form from the catalog, a live price, clear errors."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from generator.models import GenerationTask, PriceOverride, Prompt
from tests.factories import make_asset, make_task
from tests.helpers import png_bytes, post_generate, queued_jobs

FLUX_TEXT = {
    "model": "flux-kontext-pro",
    "operation": "text-to-image",
    "aspectRatio": "1:1",
    "outputFormat": "jpeg",
}


@pytest.mark.django_db
def test_page_lists_models_by_kind_and_builds_the_form_from_the_catalog(staff_client):
    page = staff_client.get("/generate/?model=ideogram-v3").content.decode()
    assert "Images" in page and "Flux Kontext Max" in page
    assert 'name="rendering_speed"' in page and 'value="QUALITY"' in page
    assert 'name="image_size"' in page
    assert "7 credits" in page


@pytest.mark.django_db
def test_switching_model_with_htmx_returns_only_the_form(staff_client):
    response = staff_client.get(
        "/generate/?model=flux-kontext-max", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="generate-form"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="generate-form"')
    assert "<html" not in html and "10 credits" in html


@pytest.mark.django_db
def test_estimate_follows_the_options(staff_client):
    def cost(query):
        return staff_client.get(f"/generate/estimate/?{query}").content.decode()

    assert "24 credits" in cost("model=4o-image&operation=text-to-image&nVariants=4")
    assert "3.5 credits" in cost("model=ideogram-v3&rendering_speed=TURBO")
    assert "estimate" in cost("model=ideogram-v3")


@pytest.mark.django_db
def test_admin_price_override_changes_the_estimate_and_the_task(staff_client):
    PriceOverride.objects.create(model_key="flux-kontext-pro", credits=Decimal("4.5"))
    estimate = staff_client.get("/generate/estimate/?model=flux-kontext-pro").content.decode()
    assert "4.5 credits" in estimate and "estimate</span>" not in estimate
    post_generate(
        staff_client,
        {
            "model": "flux-kontext-pro",
            "operation": "text-to-image",
            "prompt": "desk",
            "aspectRatio": "1:1",
            "outputFormat": "png",
        },
    )
    assert GenerationTask.objects.get().credits_estimated == Decimal("4.5")


@pytest.mark.django_db(transaction=True)
def test_submit_creates_a_queued_task_and_enqueues_its_submission(staff_client, staff):
    response = post_generate(
        staff_client,
        {
            "model": "4o-image",
            "operation": "text-to-image",
            "prompt": "Un standard téléphonique",
            "size": "2:3",
            "nVariants": "2",
            "save_as": "Standard FR",
        },
    )
    task = GenerationTask.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/gallery/?new={task.pk}"
    assert task.state == "QUEUED" and task.created_by == staff
    assert task.params == {
        "prompt": "Un standard téléphonique",
        "size": "2:3",
        "nVariants": 2,
        "isEnhance": False,
    }
    assert task.credits_estimated == Decimal("12")
    assert queued_jobs() == [("generator.jobs.submit", (task.pk,))]
    assert Prompt.objects.get(owner=staff).name == "Standard FR"


@pytest.mark.django_db
def test_htmx_submit_redirects_on_the_client(staff_client):
    response = post_generate(
        staff_client,
        {
            **FLUX_TEXT,
            "prompt": "x",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and response["HX-Redirect"].startswith("/gallery/")


@pytest.mark.django_db
def test_invalid_input_shows_errors_on_the_fields_and_keeps_the_text(staff_client):
    long_prompt = "x" * 3001
    response = post_generate(
        staff_client,
        {
            "model": "flux-kontext-pro",
            "operation": "text-to-image",
            "prompt": long_prompt,
            "aspectRatio": "7:5",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "the limit is 3000" in html
    assert "Select a valid choice" in html
    assert long_prompt in html  # nothing the marketer typed is lost
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_edit_needs_an_image_and_refuses_a_non_image(staff_client):
    data = {
        "model": "flux-kontext-pro",
        "operation": "edit",
        "prompt": "bluer",
        "outputFormat": "png",
    }
    html = post_generate(staff_client, data).content.decode()
    assert "Image to edit needs an image." in html
    fake = SimpleUploadedFile("photo.png", b"<html>not an image</html>", "image/png")
    html = post_generate(staff_client, {**data, "inputImage": fake}).content.decode()
    assert "“photo.png”: not a readable PNG, JPEG or WebP image." in html
    assert "UnidentifiedImageError" not in html
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_edit_with_an_upload_stores_the_reference_image(staff_client):
    image = SimpleUploadedFile("logo.png", png_bytes(), "image/png")
    post_generate(
        staff_client,
        {
            "model": "4o-image",
            "operation": "edit",
            "prompt": "add a phone",
            "size": "1:1",
            "nVariants": "1",
            "filesUrl": image,
        },
    )
    task_input = GenerationTask.objects.get().inputs.get()
    assert task_input.param == "filesUrl" and task_input.content_type == "image/png"
    assert task_input.file.read() == png_bytes()


@pytest.mark.django_db
def test_use_as_input_of_an_edit_prefills_the_asset_and_prompt(staff_client, staff):
    source = make_task(staff, state="SUCCEEDED", prompt="reception desk")
    asset = make_asset(source)
    page = staff_client.get(
        f"/generate/?model=flux-kontext-pro&operation=edit"
        f"&input_asset={asset.pk}&from_task={source.pk}"
    ).content.decode()
    assert asset.thumbnail_url() in page and "reception desk" in page
    post_generate(
        staff_client,
        {
            "model": "flux-kontext-pro",
            "operation": "edit",
            "prompt": "make it night",
            "outputFormat": "png",
            "input_asset": asset.pk,
        },
    )
    task_input = GenerationTask.objects.exclude(pk=source.pk).get().inputs.get()
    assert task_input.source_asset == asset and task_input.file.name == asset.file.name


@pytest.mark.django_db
def test_saved_prompt_adds_its_brand_context(staff_client, staff):
    saved = Prompt.objects.create(
        owner=staff, name="Brand", text="x", brand_context="AutoScale blue #1b5cff"
    )
    post_generate(
        staff_client,
        {
            **FLUX_TEXT,
            "prompt": "A phone",
            "saved_prompt": saved.pk,
        },
    )
    task = GenerationTask.objects.get()
    assert task.prompt == saved
    assert task.prompt_text == "A phone\n\nAutoScale blue #1b5cff"


@pytest.mark.django_db(transaction=True)
def test_the_same_form_posted_twice_makes_one_task(staff_client):
    form = {
        "model": "flux-kontext-pro",
        "operation": "text-to-image",
        "prompt": "desk",
        "aspectRatio": "1:1",
        "outputFormat": "png",
        "submission_token": "3f1c0b5e9a" * 3 + "ab",
    }
    first = post_generate(staff_client, form)
    second = post_generate(staff_client, form)  # a double click, no JavaScript
    task = GenerationTask.objects.get()
    assert first["Location"] == second["Location"] == f"/gallery/?new={task.pk}"
    assert queued_jobs() == [("generator.jobs.submit", (task.pk,))]
    # A resent form with other settings (Back, change, submit) still spends nothing more.
    third = post_generate(staff_client, {**form, "prompt": "desk, at night"})
    assert third.status_code == 200 and "already sent" in third.content.decode()
    assert GenerationTask.objects.count() == 1
    # A fresh form (its own token) is a new generation.
    post_generate(staff_client, {**form, "submission_token": "9" * 32})
    assert GenerationTask.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_post_keeps_its_price(staff_client):
    response = post_generate(
        staff_client,
        {"model": "4o-image", "operation": "text-to-image", "prompt": "", "nVariants": "4"},
    )
    assert "is required" in response.content.decode().lower()
    assert "24 credits" in response.content.decode()


@pytest.mark.django_db
def test_each_rendered_form_has_its_own_submission_token(staff_client):
    def token():
        html = staff_client.get("/generate/").content.decode()
        return html.split('name="submission_token" value="', 1)[1].split('"', 1)[0]

    first, second = token(), token()
    assert len(first) == 32 and first != second


@pytest.mark.django_db
def test_switching_model_keeps_the_prompt(staff_client):
    html = staff_client.get(
        "/generate/?model=ideogram-v3&prompt=Never+miss+a+call",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="generate-form",
    ).content.decode()
    assert "Never miss a call</textarea>" in html


@pytest.mark.django_db
def test_switching_operation_keeps_the_settings_and_their_price(staff_client):
    html = staff_client.get(
        "/generate/?model=4o-image&operation=edit&prompt=desk&size=2:3&nVariants=4",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="generate-form",
    ).content.decode()
    assert "desk</textarea>" in html and '<option value="2:3" selected>' in html
    assert "24 credits" in html


@pytest.mark.django_db
def test_picking_a_saved_prompt_fills_the_prompt(staff_client, staff):
    saved = Prompt.objects.create(owner=staff, name="Desk", text="A tidy reception desk")
    html = staff_client.get(
        f"/generate/?model=flux-kontext-pro&saved_prompt={saved.pk}&prompt=old",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="generate-form",
        HTTP_HX_TRIGGER="saved-prompt-picker",
    ).content.decode()
    assert "A tidy reception desk</textarea>" in html
    assert f'<option value="{saved.pk}" selected>' in html


@pytest.mark.django_db
def test_a_saved_prompt_stands_in_for_an_empty_prompt(staff_client, staff):
    saved = Prompt.objects.create(owner=staff, name="Desk", text="A tidy reception desk")
    post_generate(
        staff_client,
        {
            **FLUX_TEXT,
            "prompt": "",
            "saved_prompt": saved.pk,
        },
    )
    assert GenerationTask.objects.get().prompt_text == "A tidy reception desk"


@pytest.mark.django_db
def test_editing_a_result_keeps_its_ratio_and_prices_what_is_shown(staff_client, staff):
    source = make_task(staff, state="SUCCEEDED", model="4o-image", prompt="desk")
    GenerationTask.objects.filter(pk=source.pk).update(params={**source.params, "nVariants": 2})
    asset = make_asset(source)
    html = staff_client.get(
        f"/generate/?model=4o-image&operation=edit&input_asset={asset.pk}&from_task={source.pk}"
    ).content.decode()
    assert "12 credits" in html  # two variants, as the task had

    flux = make_task(staff, state="SUCCEEDED", prompt="desk")  # text to image, 16:9
    flux_asset = make_asset(flux)
    html = staff_client.get(
        f"/generate/?model=flux-kontext-pro&operation=edit&input_asset={flux_asset.pk}"
        f"&from_task={flux.pk}"
    ).content.decode()
    assert '<option value="" selected>Keep the original</option>' in html


@pytest.mark.django_db
def test_the_image_from_a_task_stays_after_a_refused_post(staff_client, staff):
    asset = make_asset(make_task(staff, state="SUCCEEDED"))
    html = post_generate(
        staff_client,
        {
            "model": "flux-kontext-pro",
            "operation": "edit",
            "prompt": "",
            "outputFormat": "png",
            "input_asset": asset.pk,
        },
    ).content.decode()
    assert "Prompt is required." in html
    assert f'name="input_asset" value="{asset.pk}" checked' in html


@pytest.mark.django_db
def test_a_new_upload_replaces_the_image_from_a_task_where_one_fits(staff_client, staff):
    source = make_task(staff, state="SUCCEEDED")
    asset = make_asset(source)
    post_generate(
        staff_client,
        {
            "model": "flux-kontext-pro",
            "operation": "edit",
            "prompt": "bluer",
            "outputFormat": "png",
            "input_asset": asset.pk,
            "inputImage": SimpleUploadedFile("mine.png", png_bytes(), "image/png"),
        },
    )
    task_input = GenerationTask.objects.exclude(pk=source.pk).get().inputs.get()
    assert task_input.source_asset is None and task_input.file.read() == png_bytes()


@pytest.mark.django_db(transaction=True)
def test_the_same_token_with_another_picture_makes_no_second_task(staff_client):
    form = {
        "model": "4o-image",
        "operation": "edit",
        "prompt": "add our logo",
        "size": "1:1",
        "nVariants": "1",
        "submission_token": "3f1c0b5e9a" * 3 + "ab",
    }
    blue = png_bytes(color=(0, 0, 255))
    red = png_bytes(color=(255, 0, 0))
    post_generate(staff_client, {**form, "filesUrl": SimpleUploadedFile("image.png", blue)})
    post_generate(staff_client, {**form, "filesUrl": SimpleUploadedFile("image.png", red)})
    assert GenerationTask.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "-", "9" * 30])
def test_odd_ids_in_the_query_are_ignored(staff_client, value):
    query = f"?model=4o-image&from_task={value}&input_asset={value}&saved_prompt={value}"
    assert staff_client.get(f"/generate/{query}").status_code == 200


@pytest.mark.django_db
def test_pages_that_are_also_fragments_vary_on_hx_request(staff_client, staff):
    task = make_task(staff, state="RUNNING")
    for url in ("/generate/", "/gallery/?state=failed", f"/tasks/{task.pk}/"):
        assert "HX-Request" in staff_client.get(url)["Vary"], url


@pytest.mark.django_db(transaction=True)
def test_saving_a_prompt_given_by_a_saved_prompt_keeps_its_text(staff_client, staff):
    saved = Prompt.objects.create(owner=staff, name="Desk", text="A tidy reception desk")
    post_generate(
        staff_client,
        {
            **FLUX_TEXT,
            "prompt": "",
            "saved_prompt": saved.pk,
            "save_as": "Desk copy",
        },
    )
    assert Prompt.objects.get(name="Desk copy").text == "A tidy reception desk"


@pytest.mark.django_db
def test_switching_model_keeps_the_operation_settings_and_images(staff_client, staff):
    asset = make_asset(make_task(staff, state="SUCCEEDED"))
    page = staff_client.get("/generate/?model=flux-kontext-pro&operation=edit").content.decode()
    assert 'href="?model=flux-kontext-max&amp;operation=edit"' in page
    assert 'href="?model=ideogram-v3&amp;operation=edit"' in page
    assert 'href="?model=kling-2.1-standard"' in page  # Kling has no "edit": its first form
    html = staff_client.get(
        f"/generate/?model=flux-kontext-max&operation=edit&prompt=bluer&outputFormat=png"
        f"&input_asset={asset.pk}",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="generate-form",
    ).content.decode()
    assert "bluer</textarea>" in html and '<option value="png" selected>' in html
    assert f'name="input_asset" value="{asset.pk}" checked' in html


@pytest.mark.django_db
def test_images_ride_along_through_an_operation_without_images(staff_client, staff):
    asset = make_asset(make_task(staff, state="SUCCEEDED"))
    html = staff_client.get(
        f"/generate/?model=flux-kontext-pro&operation=text-to-image&input_asset={asset.pk}"
    ).content.decode()
    assert f'<input type="hidden" name="input_asset" value="{asset.pk}" data-carry>' in html


@pytest.mark.django_db
def test_files_a_refused_post_cannot_keep_are_named(staff_client):
    html = post_generate(
        staff_client,
        {
            "model": "4o-image",
            "operation": "edit",
            "prompt": "",
            "size": "1:1",
            "nVariants": "1",
            "filesUrl": [
                SimpleUploadedFile("logo.png", png_bytes(), "image/png"),
                SimpleUploadedFile("mug.png", png_bytes(), "image/png"),
            ],
        },
    ).content.decode()
    assert "Choose logo.png, mug.png again" in html


@pytest.mark.django_db
def test_editing_the_result_of_an_edit_starts_from_that_result_alone(staff_client, staff):
    from django.core.files.base import ContentFile

    from generator.models import TaskInput

    edit = make_task(staff, state="SUCCEEDED", prompt="bluer")
    GenerationTask.objects.filter(pk=edit.pk).update(operation="edit")
    reference = TaskInput(task=edit, param="inputImage", content_type="image/png")
    reference.file.save("ref.png", ContentFile(png_bytes()), save=True)
    result = make_asset(edit)
    html = staff_client.get(
        f"/generate/?model=flux-kontext-pro&operation=edit&input_asset={result.pk}"
        f"&from_task={edit.pk}"
    ).content.decode()
    assert f'name="input_asset" value="{result.pk}" checked' in html
    assert 'name="earlier_inputs"' not in html


@pytest.mark.django_db
def test_only_as_many_carried_images_as_fit_are_ticked(staff_client, staff):
    from django.core.files.base import ContentFile

    from generator.models import TaskInput

    task = make_task(staff, state="FAILED", model="4o-image")
    inputs = []
    for position in range(3):
        task_input = TaskInput(
            task=task, param="filesUrl", position=position, content_type="image/png"
        )
        task_input.file.save(f"r{position}.png", ContentFile(png_bytes()), save=True)
        inputs.append(task_input)
    query = "&".join(f"earlier_inputs={i.pk}" for i in inputs)
    html = staff_client.get(
        f"/generate/?model=flux-kontext-pro&operation=edit&{query}"
    ).content.decode()
    assert f'name="earlier_inputs" value="{inputs[0].pk}" checked' in html  # Flux takes one
    for task_input in inputs[1:]:
        assert f'name="earlier_inputs" value="{task_input.pk}" data-carry>' in html  # unticked


@pytest.mark.django_db(transaction=True)
def test_an_earlier_image_that_is_gone_is_dropped(staff_client):
    post_generate(
        staff_client,
        {
            **FLUX_TEXT,
            "prompt": "desk",
            "earlier_inputs": ["999999", "x"],
        },
    )
    assert GenerationTask.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "1e999"])
def test_a_number_that_is_not_finite_is_refused_on_its_field(staff_client, value):
    response = post_generate(
        staff_client,
        {
            "model": "ideogram-v3",
            "operation": "remix",
            "prompt": "x",
            "strength": value,
            "image_url": SimpleUploadedFile("a.png", png_bytes(64, 64), "image/png"),
        },
    )
    assert response.status_code == 200
    assert "Strength must be a finite number." in response.content.decode()
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["9" * 23, str(2**63), "0", "-3", "²"])
@pytest.mark.parametrize("field", ["earlier_inputs", "input_asset", "saved_prompt"])
def test_a_hidden_id_out_of_range_is_never_looked_up(staff_client, staff, field, value):
    Prompt.objects.create(owner=staff, name="launch", text="a phone")  # the picker is shown
    response = post_generate(staff_client, {**FLUX_TEXT, "prompt": "desk", field: value})
    assert response.status_code in (200, 302)
    if field == "earlier_inputs":  # a gone image is dropped: the task is made
        assert GenerationTask.objects.count() == 1
    else:  # a picked image or prompt that is not there is an error on its field
        assert not GenerationTask.objects.exists()
        assert "Select a valid choice" in response.content.decode()


def test_a_database_id_is_a_whole_number_a_bigint_can_hold():
    from generator.ids import database_id

    assert database_id("42") == 42 and database_id(" 7 ") == 7 and database_id(2**63 - 1)
    for value in (None, "", "0", "-1", str(2**63), "9" * 5000, "²", "1.5", "x", [1], 1.5):
        assert database_id(value) is None, value


@pytest.mark.django_db
@pytest.mark.parametrize("token", [None, "", "short", "Z" * 32])
def test_a_post_without_a_well_formed_token_spends_nothing(staff_client, token):
    data = {"model": "flux-kontext-pro", "operation": "text-to-image", "prompt": "desk"}
    if token is not None:
        data["submission_token"] = token
    response = staff_client.post("/generate/", data)
    assert response.status_code == 200 and "out of date" in response.content.decode()
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_form_sent_again_after_back_and_a_change_says_so_and_keeps_the_change(staff_client):
    form = {
        "model": "flux-kontext-pro",
        "operation": "text-to-image",
        "prompt": "desk",
        "submission_token": "c" * 32,
    }
    staff_client.post("/generate/", form)
    task = GenerationTask.objects.get()
    html = staff_client.post("/generate/", {**form, "prompt": "desk at night"}).content.decode()
    assert f"already sent: it made task #{task.pk}" in html
    assert "desk at night</textarea>" in html
    fresh = html.split('name="submission_token" value="', 1)[1].split('"', 1)[0]
    assert fresh != "c" * 32 and len(fresh) == 32
    assert GenerationTask.objects.count() == 1
    post_generate(staff_client, {**form, "prompt": "desk at night", "submission_token": fresh})
    assert GenerationTask.objects.count() == 2
