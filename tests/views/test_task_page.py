"""The task page: the full image, settings, credits, timings, failures, re-run."""

import pytest

from generator.models import GenerationTask, State
from tests.factories import make_asset, make_task


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
    response = staff_client.post(f"/tasks/{task.pk}/rerun/")
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
