"""The task page: the full image, settings, credits, timings, failures, re-run."""

import pytest

from generator.models import GenerationTask, State
from tests.factories import make_asset, make_task
from tests.helpers import post_generate, queued_jobs


@pytest.mark.django_db
def test_finished_task_shows_image_settings_credits_and_timings(staff_client, staff):
    task = make_task(staff, state=State.DOWNLOADING)
    asset = make_asset(task)
    task.transition(State.SUCCEEDED, credits_charged=5)
    html = staff_client.get(f"/tasks/{task.pk}/").content.decode()
    assert f'src="{asset.get_absolute_url()}"' in html
    assert "Landscape 16:9" in html and "JPEG" in html
    assert "Estimated" in html and "Charged" in html
    assert "Time in each state" in html
    assert f"operation=edit&input_asset={asset.pk}" in html
    assert "hx-trigger" not in html  # finished: no polling


@pytest.mark.django_db
def test_failed_task_explains_what_to_do(staff_client, staff):
    task = make_task(staff, state=State.RUNNING)
    task.transition(
        State.FAILED,
        failure_kind="policy",
        message="kie.ai refused the content: flagged. Rephrase the prompt.",
    )
    html = staff_client.get(f"/tasks/{task.pk}/").content.decode()
    assert "Content policy" in html and "Rephrase the prompt." in html
    change = (
        f"/generate/?model=flux-kontext-pro&amp;operation=text-to-image&amp;from_task={task.pk}"
    )
    assert change in html and "Change and re-run" in html
    assert "none (never sent to kie.ai)" in html  # a test task that never reached kie


@pytest.mark.django_db
def test_change_and_rerun_fills_the_form_with_the_task(staff_client, staff):
    task = make_task(staff, state=State.FAILED, model="4o-image", prompt="a red phone")
    GenerationTask.objects.filter(pk=task.pk).update(
        params={**task.params, "size": "2:3", "nVariants": 2}
    )
    html = staff_client.get(task.change_and_rerun_url).content.decode()
    assert "a red phone</textarea>" in html
    assert '<option value="2:3" selected>' in html
    assert "12 credits" in html  # the price of what is shown, two variants


@pytest.mark.django_db
def test_reference_images_are_shown_on_the_task_page(staff_client, staff):
    from django.core.files.base import ContentFile

    from generator.models import TaskInput
    from tests.helpers import png_bytes

    task = make_task(staff, state=State.SUCCEEDED)
    task_input = TaskInput(task=task, param="inputImage", content_type="image/png")
    task_input.file.save("ref.png", ContentFile(png_bytes()), save=True)
    html = staff_client.get(f"/tasks/{task.pk}/").content.decode()
    url = f"/inputs/{task_input.pk}/file/"
    assert f'src="{url}"' in html
    response = staff_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_pending_task_polls_and_the_partial_stops_when_done(staff_client, staff):
    task = make_task(staff, state=State.RUNNING)
    assert 'hx-trigger="every 2s"' in staff_client.get(f"/tasks/{task.pk}/").content.decode()
    partial = staff_client.get(
        f"/tasks/{task.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-body"
    )
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    task.transition(State.FAILED, message="x")
    done = staff_client.get(
        f"/tasks/{task.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-body"
    )
    assert done.status_code == 286


@pytest.mark.django_db(transaction=True)
def test_rerun_makes_a_new_task_with_the_same_settings(staff_client, staff):
    task = make_task(staff, state=State.SUCCEEDED)
    response = staff_client.post(f"/tasks/{task.pk}/rerun/", {"submission_token": "a" * 32})
    new = GenerationTask.objects.exclude(pk=task.pk).get()
    assert response["Location"] == f"/tasks/{new.pk}/"
    assert (new.model_key, new.operation, new.params) == (
        task.model_key,
        task.operation,
        task.params,
    )
    assert new.state == State.QUEUED


@pytest.mark.django_db
def test_asset_download_is_an_attachment(staff_client, staff):
    asset = make_asset(make_task(staff, state=State.SUCCEEDED))
    response = staff_client.get(asset.get_absolute_url() + "?download=1")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_unknown_task_is_404(staff_client):
    assert staff_client.get("/tasks/999/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_change_and_rerun_carries_the_uploaded_reference_images(staff_client, staff):
    from django.core.files.base import ContentFile

    from generator.models import TaskInput
    from tests.helpers import png_bytes

    task = make_task(staff, state=State.FAILED, model="4o-image", prompt="mug with logo")
    GenerationTask.objects.filter(pk=task.pk).update(operation="edit")
    task.refresh_from_db()
    inputs = []
    for position, color in enumerate([(255, 0, 0), (0, 0, 255)]):
        task_input = TaskInput(
            task=task, param="filesUrl", position=position, content_type="image/png"
        )
        task_input.file.save(f"ref{position}.png", ContentFile(png_bytes(color=color)), save=True)
        inputs.append(task_input)
    html = staff_client.get(task.change_and_rerun_url).content.decode()
    for task_input in inputs:
        assert f'name="earlier_inputs" value="{task_input.pk}" checked' in html
    # The marketer unticks the first image and changes the prompt.
    post_generate(
        staff_client,
        {
            "model": "4o-image",
            "operation": "edit",
            "prompt": "mug with our logo, softer light",
            "size": "1:1",
            "nVariants": "1",
            "earlier_inputs": [inputs[1].pk],
        },
    )
    new = GenerationTask.objects.exclude(pk=task.pk).get()
    assert new.prompt_text == "mug with our logo, softer light"
    assert [i.file.name for i in new.inputs.all()] == [inputs[1].file.name]


@pytest.mark.django_db
def test_the_task_page_query_count_does_not_grow_with_reference_images(
    staff_client, staff, django_assert_max_num_queries
):
    from django.core.files.base import ContentFile

    from generator.models import TaskInput
    from tests.factories import make_asset as asset_of
    from tests.helpers import png_bytes

    source = asset_of(make_task(staff, state=State.SUCCEEDED))
    task = make_task(staff, state=State.RUNNING)
    for position in range(4):
        task_input = TaskInput(
            task=task,
            param="inputImage",
            position=position,
            content_type="image/png",
            source_asset=source,
        )
        task_input.file.save(f"r{position}.png", ContentFile(png_bytes()), save=True)
    # session, user, its language, its permissions (2), task and its prefetches (the
    # assets' reviews too), the navigation's count of submissions to rework, the header's
    # balance, the tasks made from its results (lineage)
    with django_assert_max_num_queries(13):
        assert staff_client.get(f"/tasks/{task.pk}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_rerun_pressed_twice_makes_one_paid_task(staff_client, staff):
    done = make_task(staff, state="SUCCEEDED")
    html = staff_client.get(f"/tasks/{done.pk}/").content.decode()
    token = html.split('name="submission_token" value="', 1)[1].split('"', 1)[0]
    assert len(token) == 32 and "data-spends" in html
    first = staff_client.post(f"/tasks/{done.pk}/rerun/", {"submission_token": token})
    second = staff_client.post(f"/tasks/{done.pk}/rerun/", {"submission_token": token})
    assert first["Location"] == second["Location"]
    assert GenerationTask.objects.count() == 2  # the original and one re-run
    assert queued_jobs() == [("generator.jobs.submit", (GenerationTask.objects.latest("pk").pk,))]


@pytest.mark.django_db
def test_rerun_without_its_token_sends_nothing(staff_client, staff):
    done = make_task(staff, state="SUCCEEDED")
    response = staff_client.post(f"/tasks/{done.pk}/rerun/", follow=True)
    assert "out of date" in response.content.decode()
    assert GenerationTask.objects.count() == 1


@pytest.mark.django_db
def test_an_unconfirmed_task_says_kie_may_have_made_it(staff_client, staff):
    task = make_task(staff, state="UNCONFIRMED")
    html = staff_client.get(f"/tasks/{task.pk}/").content.decode()
    assert "may have made this" in html and "never sent twice" in html


@pytest.mark.django_db
def test_a_task_that_no_longer_fits_the_catalog_is_sent_to_the_form_with_a_reason(
    staff_client, staff
):
    task = make_task(staff, state="SUCCEEDED", params={"prompt": "x", "oldParam": 1})
    response = staff_client.post(
        f"/tasks/{task.pk}/rerun/", {"submission_token": "d" * 32}, follow=True
    )
    assert response.status_code == 200
    assert "can no longer be re-run as it was" in response.content.decode()
    assert GenerationTask.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "primary"),
    [
        ({"state": "UNCONFIRMED"}, False),  # kie.ai may have made it: re-running may pay twice
        ({"state": "FAILED", "failure_kind": "unknown", "credits_charged": None}, False),
        ({"state": "FAILED", "failure_kind": "policy"}, False),  # change it first
        ({"state": "FAILED", "failure_kind": "upstream"}, True),
    ],
)
def test_rerun_is_the_primary_button_only_when_it_is_the_next_step(
    staff_client, staff, fields, primary
):
    task = make_task(staff, **fields)
    html = staff_client.get(f"/tasks/{task.pk}/").content.decode()
    button = html.split("Re-run with the same settings", 1)[0].rsplit("<button", 1)[1]
    assert ("button-primary" in button) is primary


@pytest.mark.django_db
def test_a_refused_create_says_kie_refused_it(staff_client, staff):
    from django.utils import timezone

    task = make_task(
        staff, state="FAILED", failure_kind="credits", credits_charged=0,
        create_sent_at=timezone.now(),
    )  # fmt: skip
    assert "none (kie.ai refused it)" in staff_client.get(f"/tasks/{task.pk}/").content.decode()
