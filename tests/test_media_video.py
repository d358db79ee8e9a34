"""generator.media on real files: sandbox MP4s (H.264 + AAC), MP3 and AAC made with PyAV;
files named by their bytes; the size cap per kind; bounded memory on huge images."""

import io

import pytest
from PIL import Image

from generator import media
from generator.management.commands.bench_media import make_large_image, measure
from generator.sandbox.video import make_mp4
from tests.helpers import png_bytes
from tests.media_files import m4a, mp3, sound_bytes, tone


def examined(data: bytes) -> media.Examined:
    return media.examine(io.BytesIO(data), len(data))


def picture(content) -> Image.Image:
    content.seek(0)
    image = Image.open(io.BytesIO(content.read()))
    image.load()
    return image


def test_a_video_is_read_with_its_size_duration_codec_sound_and_poster():
    found = examined(make_mp4("a red phone on a desk", 640, 360, 3, audio=True))
    assert (found.kind, found.content_type, found.extension) == ("video", "video/mp4", "mp4")
    assert (found.width, found.height) == (640, 360)
    assert found.duration == pytest.approx(3.0, abs=0.2)
    assert found.codec == "h264" and found.has_audio is True
    poster = picture(found.poster)
    assert poster.format == "JPEG" and poster.size == (640, 360)
    thumbnail = picture(found.thumbnail)
    assert thumbnail.format == "WEBP" and max(thumbnail.size) <= 640


def test_a_silent_portrait_video_says_it_has_no_sound():
    found = examined(make_mp4("a story for LinkedIn", 360, 640, 2))
    assert (found.width, found.height, found.has_audio) == (360, 640, False)
    assert picture(found.poster).size == (360, 640)


def test_the_poster_is_taken_about_a_second_in_not_the_first_frame():
    video = make_mp4("sweeping bar", 320, 180, 4)
    first = _first_frame(video)
    poster = picture(examined(video).poster).convert("RGB")
    difference = sum(abs(a - b) for a, b in zip(first.tobytes(), poster.tobytes(), strict=True))
    assert difference > 0  # the bar has moved: a later frame


def _first_frame(video: bytes) -> Image.Image:
    import av

    with av.open(io.BytesIO(video)) as container:
        frame = next(container.decode(video=0))
        return frame.to_image().convert("RGB")


def test_an_mp3_is_read_with_its_duration_and_a_waveform():
    found = examined(mp3(2.0))
    assert (found.kind, found.content_type, found.extension) == ("audio", "audio/mpeg", "mp3")
    assert found.duration == pytest.approx(2.0, abs=0.15)
    assert found.codec == "mp3" and found.poster is None and found.thumbnail is None
    waveform = picture(found.waveform)
    assert waveform.format == "PNG" and waveform.size == media.audio.WAVEFORM_SIZE


def test_aac_in_an_mp4_file_is_sound_not_video():
    found = examined(m4a(1.5))
    assert (found.kind, found.content_type, found.extension) == ("audio", "audio/mp4", "m4a")
    assert found.codec == "aac" and found.duration == pytest.approx(1.5, abs=0.15)


def test_raw_aac_is_recognised_by_its_bytes():
    found = examined(sound_bytes(tone(1.0), "adts", "aac"))
    assert (found.kind, found.content_type) == ("audio", "audio/aac")


def test_the_waveform_follows_the_loudness_of_the_track():
    quiet_then_loud = mp3(4.0, loudness=lambda t: (t > 2) * 0.9 + 0.05)
    waveform = picture(examined(quiet_then_loud).waveform)
    width, height = waveform.size
    alpha = waveform.getchannel("A")

    def drawn(left, right):
        return sum(1 for x in range(left, right) for y in range(height) if alpha.getpixel((x, y)))

    assert drawn(width * 3 // 4, width) > 3 * drawn(0, width // 4)


def test_a_file_that_only_starts_like_an_mp4_is_refused_but_may_be_fetched_again():
    with pytest.raises(media.MediaError) as refused:
        examined(b"\x00\x00\x00\x18ftypmp42" + b"\x07" * 5000)
    assert not refused.value.permanent


def test_bytes_of_no_known_kind_are_refused():
    with pytest.raises(media.MediaError, match="not an image, video or sound"):
        examined(b"<html><body>Not found</body></html>")


def test_a_video_over_the_video_cap_is_refused_for_good(settings):
    video = make_mp4("too big", 320, 180, 1)
    settings.KIE_MAX_VIDEO_BYTES = len(video) - 1
    with pytest.raises(media.MediaError, match="limit") as refused:
        examined(video)
    assert refused.value.permanent


def test_each_kind_has_its_own_cap(settings):
    settings.KIE_MAX_VIDEO_BYTES, settings.KIE_MAX_AUDIO_BYTES = 10, 20
    settings.KIE_MAX_IMAGE_BYTES = 10**6
    assert examined(png_bytes()).kind == "image"  # the video cap does not apply to images
    assert media.max_download_bytes("video") == 10
    assert media.max_download_bytes("audio") == 10**6  # a music task also yields covers


def test_a_huge_image_is_thumbnailed_with_bounded_memory(tmp_path):
    """16 MP RGBA: one decoded copy is 64 MB; the former convert-then-shrink held three."""
    path = tmp_path / "huge.png"
    make_large_image(path, 16, "PNG", "RGBA")
    decoded_mb = 16 * 4
    assert measure("ours", str(path)) < decoded_mb * 1.4
    assert measure("naive", str(path)) > decoded_mb * 2  # what the bound rules out


def test_a_huge_jpeg_is_decoded_already_scaled_down(tmp_path):
    path = tmp_path / "huge.jpg"
    make_large_image(path, 16, "JPEG", "RGB")
    assert measure("ours", str(path)) < 16  # a full decode would be 64 MB


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"RIFF\0\0\0\0WAVEfmt ", "audio/wav"),
        (b"\0\0\0\x18ftypM4A ", "audio/mp4"),
        (b"\0\0\0\x14ftypqt  ", "video/quicktime"),
        (b"\0\0\0\x20ftypisom", "video/mp4"),
        (b"\x1a\x45\xdf\xa3", "video/webm"),
        (b"OggS\0", "audio/ogg"),
        (b"fLaC", "audio/flac"),
        (b"MThd\0\0\0\x06", "audio/midi"),
        (b"ID3\x04", "audio/mpeg"),
        (b"\xff\xfb\x90\x64", "audio/mpeg"),
        (b"\xff\xf1\x50\x80", "audio/aac"),
    ],
)
def test_a_file_is_named_by_its_first_bytes(head, content_type):
    assert media.sniff.claimed_type(head + b"\0" * 16).content_type == content_type


@pytest.mark.parametrize("head", [b"<html>", b"GIF89a", b"%PDF-1.7", b"\xff\x00", b""])
def test_other_first_bytes_name_nothing(head):
    assert media.sniff.claimed_type(head) is None


def test_a_wav_track_is_read_as_sound():
    found = examined(sound_bytes(tone(1.0), "wav", "pcm_s16le"))
    assert (found.kind, found.content_type, found.codec) == ("audio", "audio/wav", "pcm_s16le")
    assert found.duration == pytest.approx(1.0, abs=0.05)


def test_a_long_track_keeps_a_bounded_number_of_peaks_and_its_shape(monkeypatch):
    monkeypatch.setattr(media.audio, "MAX_PEAKS", 16)  # a 4 s MP3 has about 150 frames
    drawn_peaks = []
    real_draw = media.audio.draw_waveform

    def draw(peaks, *args):
        drawn_peaks.append(len(peaks))
        return real_draw(peaks, *args)

    monkeypatch.setattr(media.audio, "draw_waveform", draw)
    found = examined(mp3(4.0, loudness=lambda t: (t > 2) * 0.9 + 0.05))
    assert drawn_peaks[0] <= 16
    alpha = picture(found.waveform).getchannel("A")
    width, height = alpha.size
    left = sum(1 for x in range(width // 4) for y in range(height) if alpha.getpixel((x, y)))
    right = sum(
        1 for x in range(width * 3 // 4, width) for y in range(height) if alpha.getpixel((x, y))
    )
    assert right > 3 * left
    assert found.duration == pytest.approx(4.0, abs=0.15)
