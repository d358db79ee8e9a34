"""What can be made from a finished asset (followups.actions_for), and the generate form
and the API for a follow-up: the source shown instead of files, and checked."""

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from generator import followups
from generator.models import GenerationTask, State
from tests.api.conftest import token_client
from tests.factories import make_asset, make_task
from tests.helpers import post_generate


def video_of(user, model="veo3-fast", operation="text-to-video", upstream="veo_task_source"):
    task = make_task(
        user, state=State.SUCCEEDED, model=model, upstream_task_id=upstream, params={"prompt": "x"}
    )
    GenerationTask.objects.filter(pk=task.pk).update(operation=operation, kind="video")
    task.refresh_from_db()
    asset = make_asset(task)
    asset.kind, asset.content_type = "video", "video/mp4"
    asset.save()
    return asset


def query(action) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(action.url).query).items()}


@pytest.mark.django_db
def test_a_veo_video_offers_its_own_model_followups(staff):
    asset = video_of(staff)
    actions = followups.actions_for(asset)
    found = {
        (query(a)["model"], query(a)["operation"]) for a in actions if a.kind == followups.FOLLOWUP
    }
    assert found == {("veo3-fast", "extend"), ("veo3-fast", "1080p"), ("veo3-fast", "4k")}
    assert all(query(a)["source_asset"] == str(asset.pk) for a in actions if a.kind == "followup")
    assert all(a.url.startswith("/generate/?") for a in actions)


@pytest.mark.django_db
def test_an_upgraded_video_offers_no_followup_and_an_unfinished_one_neither(staff):
    upgraded = video_of(staff, operation="1080p", upstream="veo_task_source#1080p/0/ab")
    assert [a for a in followups.actions_for(upgraded) if a.kind == "followup"] == []
    running = video_of(staff, upstream="other")
    GenerationTask.objects.filter(pk=running.task_id).update(state=State.RUNNING)
    running.refresh_from_db()
    assert [a for a in followups.actions_for(running) if a.kind == "followup"] == []


@pytest.mark.django_db
def test_a_runway_video_offers_runway_extend_only(staff):
    asset = video_of(staff, model="runway", upstream="ee603959-debb-48d1-98c4-a6d1c717eba6")
    found = [query(a) for a in followups.actions_for(asset) if a.kind == "followup"]
    assert [(q["model"], q["operation"]) for q in found] == [("runway", "extend")]


@pytest.mark.django_db
def test_a_veo_video_task_page_offers_extend_and_the_upgrades(staff_client, staff):
    asset = video_of(staff)
    page = staff_client.get(f"/tasks/{asset.task_id}/").content.decode()
    for operation in ("extend", "1080p", "4k"):
        assert f"operation={operation}&amp;source_asset={asset.pk}" in page
    assert f"model=runway-aleph&operation=restyle&input_asset={asset.pk}" in page


@pytest.mark.django_db
def test_an_extension_with_a_prompt_only_shows_no_empty_settings(staff_client, staff):
    extension = video_of(staff, operation="extend", upstream="veo_task_ext")
    page = staff_client.get(f"/tasks/{extension.task_id}/").content.decode()
    assert "<h2>Prompt</h2>" in page and "<h2>Settings</h2>" not in page
    source = video_of(staff, upstream="veo_task_src")
    GenerationTask.objects.filter(pk=source.task_id).update(params={"prompt": "x", "duration": 8})
    assert "<h2>Settings</h2>" in staff_client.get(f"/tasks/{source.task_id}/").content.decode()


@pytest.mark.django_db
def test_an_image_offers_to_make_a_video_from_it(staff):
    image = make_asset(make_task(staff, state=State.SUCCEEDED))
    actions = followups.actions_for(image)
    assert all(a.kind == followups.INPUT for a in actions)
    made = {(query(a)["model"], query(a)["operation"]) for a in actions}
    assert ("runway", "image-to-video") in made and ("veo3-fast", "frames-to-video") in made
    assert all(query(a)["input_asset"] == str(image.pk) for a in actions)
    assert all("video from this image" in a.label for a in actions)
    assert not any(q[0] in ("4o-image", "flux-kontext-pro") for q in made)


@pytest.mark.django_db
def test_the_followup_form_shows_the_source_and_hides_followups_without_one(staff_client, staff):
    asset = video_of(staff)
    page = staff_client.get(
        f"/generate/?model=veo3-fast&operation=extend&source_asset={asset.pk}"
    ).content.decode()
    assert f"The video of task #{asset.task_id}" in page
    assert f'name="source_asset" value="{asset.pk}"' in page
    plain = staff_client.get("/generate/?model=veo3-fast").content.decode()
    assert "operation=extend" not in plain and "operation=frames-to-video" in plain


@pytest.mark.django_db
def test_posting_a_followup_makes_a_task_on_its_source(staff_client, staff):
    asset = video_of(staff)
    data = {"model": "veo3-fast", "operation": "4k", "source_asset": asset.pk}
    response = post_generate(staff_client, data)
    assert response.status_code == 302
    task = GenerationTask.objects.get(operation="4k")
    assert task.source_asset == asset and task.credits_estimated == 120


@pytest.mark.django_db
def test_a_followup_posted_without_a_fitting_source_says_why(staff_client, staff):
    other = video_of(staff, model="runway", upstream="rw-1")
    data = {"model": "veo3-fast", "operation": "extend", "prompt": "x", "source_asset": other.pk}
    page = post_generate(staff_client, data).content.decode()
    assert "acts only on results of Veo 3.1 Fast" in page
    assert not GenerationTask.objects.filter(operation="extend").exists()


@pytest.mark.django_db
def test_the_api_takes_a_source_asset(staff):
    marketer_api = token_client(staff)
    asset = video_of(staff)
    body = {"model": "veo3-fast", "operation": "1080p", "source_asset": asset.pk}
    response = marketer_api.post(
        "/api/v1/generations/",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201 and response.json()["source_asset"] == asset.pk
    missing = marketer_api.post(
        "/api/v1/generations/",
        {**body, "source_asset": 999999},
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert missing.status_code == 400 and "source_asset" in missing.json()["detail"]


@pytest.mark.django_db
def test_change_and_rerun_of_a_followup_keeps_its_source(staff_client, staff):
    asset = video_of(staff)
    data = {"model": "veo3-fast", "operation": "extend", "prompt": "then", "source_asset": asset.pk}
    post_generate(staff_client, data)
    task = GenerationTask.objects.get(operation="extend")
    page = staff_client.get(
        f"/generate/?model=veo3-fast&operation=extend&from_task={task.pk}"
    ).content.decode()
    assert f'name="source_asset" value="{asset.pk}"' in page and "then" in page


@pytest.mark.django_db
def test_a_finished_videos_task_page_offers_its_followups_and_music(staff, staff_client):
    asset = video_of(staff)
    page = staff_client.get(f"/tasks/{asset.task_id}/").content.decode()
    for operation in ("extend", "1080p", "4k"):
        assert f"operation={operation}&amp;source_asset={asset.pk}" in page
    assert f"/assets/{asset.pk}/soundtrack/" in page  # music under it: its own form
    assert "model=soundtrack" not in page


def test_an_upgrade_without_a_prompt_is_named_by_its_operation_in_the_gallery(staff_client, staff):
    upgrade = video_of(staff, operation="1080p", upstream="veo_task_source#1080p/0/ab")
    GenerationTask.objects.filter(pk=upgrade.task_id).update(prompt_text="")
    page = staff_client.get("/gallery/").content.decode()
    assert '<p class="card-prompt muted">Get the 1080p version</p>' in page


@pytest.mark.django_db
def test_restyling_a_video_offers_to_upload_another_video_not_an_image(staff_client, staff):
    asset = video_of(staff)
    url = f"/generate/?model=runway-aleph&operation=restyle&input_asset={asset.pk}"
    page = staff_client.get(url).content.decode()
    assert f"Use the video from task #{asset.task_id}" in page
    assert "Or upload another video to use instead." in page
    assert "Or upload another image" not in page
