"""Music on the pages: a song's stages and early track, a track's player, words,
waveform, follow-ups and karaoke, the follow-up form, and music under a video."""

import pytest
from django.core.files.base import ContentFile

from generator import generations
from generator.models import GenerationTask, State
from generator.sandbox.video import make_mp4
from tests.factories import make_task
from tests.helpers import make_polls_due, run_jobs, settle


def song(user, **params):
    params.setdefault("prompt", "a cheerful jingle for our phone app")
    return generations.start_generation(user, "suno", "generate", params)


@pytest.mark.django_db(transaction=True)
def test_a_running_song_shows_its_stage_and_plays_the_first_track(
    sandbox, clock, staff, staff_client
):
    task = song(staff)
    run_jobs()
    clock.advance(6)
    make_polls_due()
    run_jobs()
    task.refresh_from_db()
    assert task.stage == "first"
    html = staff_client.get("/gallery/").content.decode()
    assert "First track ready" in html and 'class="early-player"' in html
    page = staff_client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'class="early-player" src="http://' in page


@pytest.mark.django_db(transaction=True)
def test_a_finished_track_page_has_player_words_waveform_and_follow_ups(
    sandbox, clock, staff, staff_client
):
    task = song(
        staff,
        customMode=True,
        style="lofi",
        title="Hold Music",
        prompt="[Verse]\nPlease hold the line",
    )
    settle(clock)
    track = task.assets.order_by("index").first()
    html = staff_client.get(f"/tasks/{task.pk}/").content.decode()
    assert (
        f'<audio class="track-player" src="{track.get_absolute_url()}" controls preload="metadata">'
        in html
    )
    assert "Hold Music (1)" in html and "lofi" in html and "Please hold the line" in html
    assert f"/assets/{track.pk}/waveform/" in html
    assert f"model=suno-stems&amp;operation=separate&amp;source_asset={track.pk}" in html
    assert staff_client.get(f"/assets/{track.pk}/waveform/")["Content-Type"] == "image/png"
    assert staff_client.get(f"/assets/{track.pk}/poster/")["Content-Type"] == "image/webp"

    staff_client.post(f"/assets/{track.pk}/timed-lyrics/")
    from generator.models import CreditLedgerEntry

    paid = CreditLedgerEntry.objects.get(note__startswith="Suno timed lyrics")
    assert paid.amount == -0.5 and paid.task is None  # paid at once, written down
    track.refresh_from_db()
    assert [w["word"] for w in track.details["aligned_words"]][:3] == ["Please", "hold", "the"]
    html = staff_client.get(f"/tasks/{task.pk}/").content.decode()
    assert "data-karaoke-words" in html and 'data-start="' in html

    staff_client.post(f"/assets/{track.pk}/timed-lyrics/")  # asked again: paid once
    assert CreditLedgerEntry.objects.filter(note__startswith="Suno timed lyrics").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_follow_up_form_names_its_track_and_makes_a_linked_task(
    sandbox, clock, staff, staff_client
):
    task = song(staff)
    settle(clock)
    track = task.assets.order_by("index").first()
    page = staff_client.get(f"/generate/?model=suno-wav&operation=wav&source_asset={track.pk}")
    assert f'name="source_asset" value="{track.pk}"' in page.content.decode()
    assert "Made from" in page.content.decode()
    token = page.context["form"]["submission_token"].value()
    staff_client.post(
        "/generate/",
        {
            "model": "suno-wav",
            "operation": "wav",
            "source_asset": track.pk,
            "submission_token": token,
        },
    )
    wav = GenerationTask.objects.get(model_key="suno-wav")
    assert wav.source_asset == track


@pytest.mark.django_db(transaction=True)
def test_add_music_under_a_video_from_its_page(staff, staff_client):
    holder = make_task(staff, state=State.SUCCEEDED)
    video = holder.assets.create(
        index=0, kind="video", content_type="video/mp4", bytes=1, sha256="a" * 64, source_url=""
    )
    video.file.save("v.mp4", ContentFile(make_mp4("office", 160, 96, 2)))
    from generator.sandbox import audio

    track = holder.assets.create(
        index=1,
        kind="audio",
        content_type="audio/mpeg",
        bytes=1,
        sha256="b" * 64,
        source_url="",
        title="Jingle",
    )
    track.file.save("t.mp3", ContentFile(audio.encode_mp3(audio.render_mix(audio.plan("j", 1)))))
    html = staff_client.get(f"/tasks/{holder.pk}/").content.decode()
    assert f'action="/assets/{video.pk}/soundtrack/"' in html and "Jingle" in html
    response = staff_client.post(
        f"/assets/{video.pk}/soundtrack/", {"audio_asset": track.pk, "volume": "0.6"}
    )
    task = GenerationTask.objects.get(model_key="soundtrack")
    assert response.url == task.get_absolute_url()
    assert task.source_asset == video and task.params == {"audio_asset": track.pk, "volume": 0.6}
    page = staff_client.get(task.get_absolute_url()).content.decode()
    lineage = page[page.index('<ul class="lineage">') :]
    assert f'href="/assets/{video.pk}/"' in lineage and f'href="/assets/{track.pk}/"' in lineage


@pytest.mark.django_db
def test_add_music_refuses_a_picture_with_a_message(staff, staff_client):
    holder = make_task(staff, state=State.SUCCEEDED)
    picture = holder.assets.create(
        index=0, kind="image", content_type="image/png", bytes=1, sha256="a" * 64, source_url=""
    )
    response = staff_client.post(
        f"/assets/{picture.pk}/soundtrack/", {"audio_asset": "x"}, follow=True
    )
    assert response.status_code == 200
    assert "Pick a video" in response.content.decode()
    assert not GenerationTask.objects.filter(model_key="soundtrack").exists()


@pytest.mark.django_db
def test_a_track_is_served_in_byte_ranges_so_the_player_seeks(staff, staff_client):
    holder = make_task(staff, state=State.SUCCEEDED)
    data = bytes(range(256)) * 40
    track = holder.assets.create(
        index=0,
        kind="audio",
        content_type="audio/mpeg",
        bytes=len(data),
        sha256="b" * 64,
        source_url="",
    )
    track.file.save("t.mp3", ContentFile(data))
    url = f"/assets/{track.pk}/file/"
    whole = staff_client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    part = staff_client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:200]
    tail = staff_client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == data[-10:]
    assert staff_client.get(url, HTTP_RANGE=f"bytes={len(data)}-").status_code == 416


@pytest.mark.django_db
def test_the_song_form_offers_no_follow_up_tab_without_a_track(staff_client):
    html = staff_client.get("/generate/?model=suno").content.decode()
    assert "operation=upload-cover" in html
    assert "operation=extend" not in html and "operation=add-vocals" not in html


@pytest.mark.django_db
def test_a_paid_call_kie_refuses_is_released_and_one_that_dies_stays_counted(staff):
    from decimal import Decimal

    from generator import music
    from generator.kie import InputError, TransportError
    from generator.models import CreditLedgerEntry

    def refused():
        raise InputError("no lyrics", code=422)

    def lost():
        raise TransportError("timed out", request_sent=True)

    with pytest.raises(InputError):
        music._paid_call(staff, Decimal("0.5"), "refused call", "lease-a", refused)
    refused_total = sum(
        e.amount for e in CreditLedgerEntry.objects.filter(note__contains="refused")
    )
    assert refused_total == 0
    with pytest.raises(TransportError):
        music._paid_call(staff, Decimal("0.5"), "lost call", "lease-b", lost)
    assert CreditLedgerEntry.objects.get(note="lost call").amount == Decimal("-0.5")
    assert music._paid_call(staff, Decimal("0.4"), "fine", "lease-b", lambda: "ok") == "ok"


@pytest.mark.django_db(transaction=True)
def test_a_stem_reads_as_a_stem_and_its_format_once(sandbox, clock, staff, staff_client):
    task = song(staff)
    settle(clock)
    task.refresh_from_db()
    assert task.state == State.SUCCEEDED, (task.state, task.last_error)
    track = task.assets.order_by("index").first()
    stems = generations.start_generation(
        staff, "suno-stems", "separate", {"type": "split_stem"}, source_asset=track
    )
    settle(clock)
    html = staff_client.get(f"/tasks/{stems.pk}/").content.decode()
    assert "stem:vocals" not in html  # the stored code, not words
    assert '<strong class="track-title">Vocals</strong> <span class="muted">· stem</span>' in html
    assert "MP3 · MP3" not in html and "· MP3 · " in html
    assert "<h2>Prompt</h2>" not in html  # a separation has none: no empty heading
    assert "<h2>Settings</h2>" in html
