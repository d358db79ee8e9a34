"""Videos as inputs (Runway Aleph, Luma): an upload or a video of ours, told by its bytes
(PyAV), under a size cap, within the model's own limits, and uploaded to kie at
submission as the `videoUrl` it sends."""

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from generator import catalog, generations, inputs, jobs
from generator.media import MediaError
from generator.models import Asset, GenerationTask, State
from generator.sandbox.video import make_mp4
from tests.factories import make_task
from tests.helpers import png_bytes, post_generate, run_jobs

ALEPH = {"model": "runway-aleph", "operation": "restyle", "prompt": "In brand blue"}


@pytest.fixture(scope="module")
def clip() -> bytes:
    return make_mp4("a short clip", 320, 180, 2, audio=True)


def video_asset(task, data: bytes) -> Asset:
    asset = Asset(
        task=task,
        kind="video",
        content_type="video/mp4",
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=320,
        height=180,
        duration=2.0,
        source_url="http://127.0.0.1:8001/files/x.mp4",
    )
    asset.file.save(f"v{task.pk}.mp4", ContentFile(data), save=False)
    asset.save()
    return asset


@pytest.mark.django_db
def test_an_uploaded_video_is_probed_and_kept_as_the_tasks_input(staff_client, clip):
    upload = SimpleUploadedFile("spot.mov", clip, "application/octet-stream")
    response = post_generate(staff_client, {**ALEPH, "videoUrl": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    task = GenerationTask.objects.get()
    (video,) = task.inputs.all()
    assert (video.param, video.content_type) == ("videoUrl", "video/mp4")  # told by its bytes
    assert task.credits_estimated == 110 and "videoUrl" not in task.params


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [png_bytes(), b"<html>not a video</html>", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64]
)
def test_what_is_not_a_video_is_refused_by_name_and_nothing_is_made(staff_client, data):
    upload = SimpleUploadedFile("spot.mp4", data, "video/mp4")
    response = post_generate(staff_client, {**ALEPH, "videoUrl": upload})
    assert response.status_code == 200
    assert "“spot.mp4”: not a readable MP4, MOV, WebM or AVI video." in response.content.decode()
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_a_video_over_the_size_cap_is_refused_before_probing(staff_client, clip, settings):
    settings.INPUT_MAX_BYTES = {"videos": 1024}
    upload = SimpleUploadedFile("big.mp4", clip, "video/mp4")
    response = post_generate(staff_client, {**ALEPH, "videoUrl": upload})
    assert "“big.mp4” is 0 MB; the limit is 0 MB." in response.content.decode()
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_the_restyle_form_takes_a_video_of_ours(staff_client, staff, clip):
    asset = video_asset(make_task(staff, state="SUCCEEDED"), clip)
    page = staff_client.get(f"/generate/?model=runway-aleph&input_asset={asset.pk}")
    assert f"Use the video from task #{asset.task_id}" in page.content.decode()
    response = post_generate(staff_client, {**ALEPH, "input_asset": asset.pk})
    assert response.status_code == 302
    task = GenerationTask.objects.exclude(pk=asset.task_id).get()
    assert task.inputs.get().source_asset == asset


@pytest.mark.django_db
def test_an_image_asset_is_no_video(staff, clip):
    from tests.factories import make_asset

    image = make_asset(make_task(staff, state="SUCCEEDED"))
    with pytest.raises(catalog.CatalogError, match="not a video"):
        generations.start_generation(
            staff, "runway-aleph", None, {"prompt": "x"}, [generations.ImageInput(asset=image)]
        )


def test_luma_takes_at_most_10_seconds_and_500_mb():
    luma = catalog.get("luma-modify")
    long = inputs.VideoInfo("video/mp4", "mp4", 320, 180, 12.0)
    with pytest.raises(MediaError, match="lasts 12.0 s; Luma Modify takes at most 10 s"):
        inputs.check_video_for(luma, long, 1000)
    short = inputs.VideoInfo("video/mp4", "mp4", 320, 180, 9.5)
    with pytest.raises(MediaError, match="at most 500 MB"):
        inputs.check_video_for(luma, short, 600 * 1024 * 1024)
    inputs.check_video_for(luma, short, 400 * 1024 * 1024)
    inputs.check_video_for(catalog.get("runway-aleph"), long, 600 * 1024 * 1024)


def test_the_probe_reads_size_and_length_from_the_bytes(clip):
    info = inputs.inspect_video(io.BytesIO(clip))
    assert (info.content_type, info.width, info.height) == ("video/mp4", 320, 180)
    assert info.duration == pytest.approx(2, abs=0.3)


@pytest.mark.django_db(transaction=True)
def test_submission_uploads_the_video_and_sends_its_url(sandbox, staff, clip):
    reference = ContentFile(png_bytes(), name="style.png")
    task = generations.start_generation(
        staff,
        "runway-aleph",
        None,
        {"prompt": "In brand blue", "aspectRatio": "9:16"},
        [
            generations.ImageInput(file=ContentFile(clip, name="spot.mp4")),
            generations.ImageInput(file=reference, param="referenceImage"),
        ],
    )
    jobs.submit(task.pk)
    task.refresh_from_db()
    assert task.state == State.SUBMITTED
    body = sandbox.state.tasks[task.upstream_task_id].body
    assert body["videoUrl"].startswith("http") and body["referenceImage"].startswith("http")
    assert body["aspectRatio"] == "9:16" and body["prompt"] == "In brand blue"
    sent = sandbox.state.files[sandbox.state.own_name(body["videoUrl"])]
    assert sent.mime == "video/mp4" and sent.data == clip
    assert all(i.upstream_url for i in task.inputs.all())
    run_jobs()


@pytest.mark.django_db
def test_a_rerun_keeps_each_file_in_its_own_parameter(staff, clip):
    task = generations.start_generation(
        staff,
        "ideogram-v3",
        "edit",
        {"prompt": "x"},
        [
            generations.ImageInput(file=ContentFile(png_bytes(), name="a.png")),
            generations.ImageInput(file=ContentFile(png_bytes(), name="m.png"), param="mask_url"),
        ],
    )
    again = generations.rerun(task, staff)
    assert [i.param for i in again.inputs.all()] == ["image_url", "mask_url"]


@pytest.mark.django_db
def test_the_task_page_offers_to_restyle_a_video_and_animate_an_image(staff_client, staff, clip):
    from tests.factories import make_asset

    made = make_task(staff, state="SUCCEEDED")
    GenerationTask.objects.filter(pk=made.pk).update(kind="video", model_key="kling-3.0")
    video = video_asset(GenerationTask.objects.get(pk=made.pk), clip)
    page = staff_client.get(f"/tasks/{video.task_id}/").content.decode()
    assert "Restyle this video" in page
    assert f"?model=runway-aleph&operation=restyle&input_asset={video.pk}" in page
    assert "Use as input of an edit" not in page
    image = make_asset(make_task(staff, state="SUCCEEDED"))
    page = staff_client.get(f"/tasks/{image.task_id}/").content.decode()
    assert f"?model=kling-2.6&operation=image-to-video&input_asset={image.pk}" in page
