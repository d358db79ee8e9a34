"""The download job on videos and sound: stored with their poster, facts and waveform,
named by their bytes (never by the Content-Type), capped per kind, streamed with bounded
memory at any size."""

import tracemalloc

import httpx
import pytest
from django.utils import timezone
from PIL import Image

from generator import jobs
from generator.kie.downloads import download
from generator.media import spooled_file
from generator.models import Asset, GenerationTask, State
from generator.sandbox.video import make_mp4
from tests.factories import make_task
from tests.helpers import png_bytes
from tests.media_files import mp3, padded


def downloading(user, *urls, kind="video"):
    task = make_task(
        user, state=State.DOWNLOADING, result_urls=list(urls), submitted_at=timezone.now()
    )
    GenerationTask.objects.filter(pk=task.pk).update(kind=kind)
    return task


@pytest.mark.django_db
def test_a_video_result_is_stored_with_its_poster_facts_and_sound(sandbox, staff):
    video = make_mp4("Spring sale, 16:9", 640, 360, 3, audio=True)
    task = downloading(staff, sandbox.put_file(video, "video/mp4", "result.mp4"))
    jobs.download(task.pk)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED
    asset = Asset.objects.get(task=task)
    assert (asset.kind, asset.content_type, asset.extension) == ("video", "video/mp4", "mp4")
    assert (asset.width, asset.height, asset.codec, asset.has_audio) == (640, 360, "h264", True)
    assert asset.duration == pytest.approx(3.0, abs=0.2)
    assert asset.bytes == len(video) and asset.file.read() == video
    with asset.poster.open("rb") as poster:
        assert Image.open(poster).size == (640, 360)
    assert asset.thumbnail.name.endswith(".webp") and not asset.waveform


@pytest.mark.django_db
def test_a_lying_content_type_is_ignored_the_bytes_decide(sandbox, staff):
    video = make_mp4("a video sent as a PNG", 320, 180, 1)
    as_png = sandbox.put_file(video, "image/png", "result.png")
    as_video = sandbox.put_file(png_bytes(), "video/mp4", "other.mp4")
    task = downloading(staff, as_png, as_video)
    jobs.download(task.pk)
    first, second = Asset.objects.filter(task=task).order_by("index")
    assert (first.kind, first.content_type, first.extension) == ("video", "video/mp4", "mp4")
    assert (second.kind, second.content_type, second.extension) == ("image", "image/png", "png")


@pytest.mark.django_db
def test_a_track_is_stored_with_its_duration_and_waveform(sandbox, staff):
    task = downloading(staff, sandbox.put_file(mp3(2.0), "audio/mpeg", "t.mp3"), kind="audio")
    jobs.download(task.pk)
    asset = Asset.objects.get(task=task)
    assert (asset.kind, asset.content_type) == ("audio", "audio/mpeg")
    assert asset.duration == pytest.approx(2.0, abs=0.15)
    with asset.waveform.open("rb") as waveform:
        assert Image.open(waveform).format == "PNG"


@pytest.mark.django_db
def test_a_video_over_the_video_cap_fails_at_once_and_keeps_nothing(sandbox, staff, settings):
    video = make_mp4("too long", 320, 180, 2)
    settings.KIE_MAX_VIDEO_BYTES = len(video) - 1
    task = downloading(staff, sandbox.put_file(video, "video/mp4", "big.mp4"))
    jobs.download(task.pk)
    task.refresh_from_db()
    assert task.state == State.FAILED and task.failure_kind == "download"
    assert "limit" in task.failure_message
    assert not Asset.objects.filter(task=task).exists()


@pytest.mark.django_db
def test_a_video_task_may_bring_a_file_larger_than_the_image_cap(sandbox, staff, settings):
    video = make_mp4("a long ad", 320, 180, 2)
    settings.KIE_MAX_IMAGE_BYTES = len(video) // 2
    task = downloading(staff, sandbox.put_file(video, "video/mp4", "ad.mp4"))
    jobs.download(task.pk)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED


@pytest.mark.django_db
def test_a_large_video_is_stored_with_bounded_memory(sandbox, staff):
    """40 MB through the whole job (download, checksum, probe, poster, storage) while
    Python holds under 24 MB: reading the file into memory anywhere would fail this."""
    size = 40 * 1024 * 1024
    video = padded(make_mp4("a long video", 320, 180, 2), size)
    url = sandbox.put_file(video, "video/mp4", "long.mp4")
    task = downloading(staff, url)
    tracemalloc.start()
    try:
        jobs.download(task.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED
    assert Asset.objects.get(task=task).bytes == len(video)
    assert peak < 24 * 1024 * 1024


def test_a_download_streams_at_any_size_with_bounded_memory():
    size = 96 * 1024 * 1024

    def body():
        chunk = b"\0" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            yield chunk

    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, content=body(), headers={"Content-Type": "video/mp4"})
    )
    with spooled_file() as stream:
        tracemalloc.start()
        try:
            fetched = download(
                "https://cdn.kie.ai/big.mp4",
                stream,
                allowed_hosts=[".kie.ai"],
                max_bytes=size,
                transport=transport,
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert fetched.size == size
    assert peak < 20 * 1024 * 1024  # the spool's 8 MB in memory, then disk
