"""Pages with videos and tracks: the player with its poster and facts, gallery cards with a
duration and a hover preview, waveforms, the follow-up buttons, and the lineage."""

import pytest
from django.urls import reverse

from generator import followups
from generator.models import GenerationTask, TaskInput
from generator.sandbox.video import make_mp4
from tests.factories import make_asset, make_task
from tests.helpers import png_bytes
from tests.media_files import mp3, store_media_asset


@pytest.fixture
def video(staff):
    task = make_task(staff, state="SUCCEEDED", prompt="Spring sale, a phone turning")
    GenerationTask.objects.filter(pk=task.pk).update(kind="video")
    return store_media_asset(task, make_mp4("Spring sale", 640, 360, 3, audio=True))


@pytest.fixture
def track(staff):
    task = make_task(staff, state="SUCCEEDED", prompt="a jingle")
    GenerationTask.objects.filter(pk=task.pk).update(kind="audio")
    return store_media_asset(task, mp3(2.0))


@pytest.mark.django_db
def test_the_task_page_plays_the_video_with_its_poster_and_facts(staff_client, video):
    page = staff_client.get(video.task.get_absolute_url()).content.decode()
    assert f'<video class="asset-media asset-video" src="{video.get_absolute_url()}"' in page
    assert 'controls preload="metadata"' in page and f'poster="{video.poster_url()}"' in page
    assert "640×360" in page and "0:03" in page and "H264" in page and "with sound" in page
    assert f'src="{video.get_absolute_url()}"' in page and '<img src="/assets/' not in page


@pytest.mark.django_db
def test_the_asset_page_plays_the_video_too(staff_client, video):
    page = staff_client.get(reverse("generator:asset", args=[video.pk])).content.decode()
    assert "<video" in page and f'poster="{video.poster_url()}"' in page and "0:03" in page


@pytest.mark.django_db
def test_a_gallery_card_shows_the_poster_a_duration_and_a_preview(staff_client, video):
    page = staff_client.get(reverse("generator:gallery")).content.decode()
    assert f'data-preview="{video.get_absolute_url()}"' in page
    assert f'src="{video.thumbnail_url()}"' in page
    assert '<span class="duration-badge"><span aria-hidden="true">▶</span> 0:03</span>' in page


@pytest.mark.django_db
def test_a_track_shows_its_waveform_and_a_player(staff_client, track):
    gallery = staff_client.get(reverse("generator:gallery")).content.decode()
    assert f'class="card-waveform" src="{track.waveform_url()}"' in gallery
    assert "data-preview" not in gallery  # only videos preview on hover
    page = staff_client.get(track.task.get_absolute_url()).content.decode()
    assert f'<audio class="asset-media asset-audio" src="{track.get_absolute_url()}"' in page
    assert f'src="{track.waveform_url()}"' in page and "0:02" in page
    assert staff_client.get(track.waveform_url()).status_code == 200


@pytest.mark.django_db
def test_the_asset_page_offers_the_follow_ups_of_its_model(staff_client, video, monkeypatch):
    monkeypatch.setattr(
        followups,
        "actions_for",
        lambda asset: [followups.Action("Extend", f"/generate/?from={asset.pk}", "extend")],
    )
    page = staff_client.get(reverse("generator:asset", args=[video.pk])).content.decode()
    assert f'href="/generate/?from={video.pk}">Extend</a>' in page


@pytest.mark.django_db
def test_a_follow_up_shows_what_it_was_made_from_and_its_source_where_it_went(
    staff, staff_client, video
):
    extension = make_task(staff, state="RUNNING", prompt="and then the phone lands")
    GenerationTask.objects.filter(pk=extension.pk).update(kind="video", source_asset=video)
    source_page = staff_client.get(video.task.get_absolute_url()).content.decode()
    assert "Used in" in source_page and extension.get_absolute_url() in source_page
    page = staff_client.get(extension.get_absolute_url()).content.decode()
    assert "Made from" in page and reverse("generator:asset", args=[video.pk]) in page
    asset_page = staff_client.get(reverse("generator:asset", args=[video.pk])).content.decode()
    assert "Used in" in asset_page and extension.get_absolute_url() in asset_page


@pytest.mark.django_db
def test_reuse_as_an_input_is_shown_as_used_in(staff, staff_client):
    image = make_asset(make_task(staff, state="SUCCEEDED"))
    later = make_task(staff, state="SUCCEEDED", prompt="a video from this image")
    TaskInput.objects.create(
        task=later,
        param="imageUrls",
        file="inputs/x.png",
        content_type="image/png",
        source_asset=image,
    )
    page = staff_client.get(image.task.get_absolute_url()).content.decode()
    assert "Used as input of" in page and later.get_absolute_url() in page
    assert "Made from" in staff_client.get(later.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_the_gallery_groups_a_video_with_its_versions(staff, staff_client, video):
    first = make_task(staff, state="SUCCEEDED", prompt="extended once")
    GenerationTask.objects.filter(pk=first.pk).update(source_asset=video)
    first_asset = make_asset(first)
    second = make_task(staff, state="RUNNING", prompt="extended twice")
    GenerationTask.objects.filter(pk=second.pk).update(source_asset=first_asset)
    unrelated = make_task(staff, state="SUCCEEDED", prompt="someone else's banner")
    gallery = staff_client.get(reverse("generator:gallery")).content.decode()
    assert f'href="/gallery/?family={video.task_id}">+1 version</a>' in gallery
    family = staff_client.get(reverse("generator:gallery"), {"family": video.task_id})
    shown = family.content.decode()
    for task in (video.task, first, second):
        assert f'id="task-{task.pk}"' in shown
    assert f'id="task-{unrelated.pk}"' not in shown
    assert "with the versions made from it" in shown


@pytest.mark.django_db
def test_a_bad_family_number_shows_the_whole_gallery(staff, staff_client, video):
    response = staff_client.get(reverse("generator:gallery"), {"family": "abc"})
    assert response.status_code == 200 and f'id="task-{video.task_id}"' in response.content.decode()


@pytest.mark.django_db
def test_an_uploaded_reference_video_plays_on_the_task_page(staff, staff_client, video):
    from django.core.files.base import ContentFile

    task = make_task(staff, state="RUNNING", prompt="restyle this")
    reference = TaskInput(task=task, param="videoUrl", content_type="video/mp4")
    reference.file.save("ref.mp4", ContentFile(make_mp4("ref", 160, 90, 1)), save=True)
    image = TaskInput(task=task, param="imageUrls", content_type="image/png", position=1)
    image.file.save("ref.png", ContentFile(png_bytes()), save=True)
    page = staff_client.get(task.get_absolute_url()).content.decode()
    assert f'<video src="{reverse("generator:task_input_file", args=[reference.pk])}"' in page
    assert f'<img src="{reverse("generator:task_input_file", args=[image.pk])}"' in page
