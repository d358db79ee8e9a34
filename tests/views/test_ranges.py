"""Stored media with HTTP Range: 206 with the right bytes, 416 past the end, the whole file
for several ranges, login and permission first; or handed to the front server."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from generator.ranges import Unsatisfiable, requested_range
from generator.sandbox.video import make_mp4
from tests.factories import make_asset, make_task

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-50", (950, 999)),
        ("bytes=990-5000", (990, 999)),  # the end is trimmed to the file
        ("bytes=-5000", (0, 999)),
        ("bytes=0-0", (0, 0)),
        ("bytes=0-10, 20-30", None),  # several: the whole file
        ("bytes=20-10", None),  # invalid: ignored
        ("items=0-10", None),
        ("bytes=abc", None),
        ("", None),
    ],
)
def test_the_range_asked_is_read_as_rfc_9110_says(header, wanted):
    assert requested_range(header, SIZE) == wanted


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_past_the_end_cannot_be_served(header):
    with pytest.raises(Unsatisfiable):
        requested_range(header, SIZE)


@pytest.fixture
def video_asset(staff):
    asset = make_asset(make_task(staff, state="SUCCEEDED"))
    data = make_mp4("range me", 320, 180, 2, audio=True)
    asset.kind, asset.content_type, asset.bytes = "video", "video/mp4", len(data)
    asset.file.save("range.mp4", ContentFile(data), save=False)
    asset.poster.save("range.jpg", ContentFile(b"\xff\xd8\xff poster"), save=False)
    asset.save()
    return asset, data


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_a_range_of_a_video_is_answered_206_with_exactly_those_bytes(staff_client, video_asset):
    asset, data = video_asset
    response = staff_client.get(asset.get_absolute_url(), HTTP_RANGE="bytes=100-1099")
    assert response.status_code == 206
    assert body(response) == data[100:1100]
    assert response["Content-Range"] == f"bytes 100-1099/{len(data)}"
    assert response["Content-Length"] == "1000"
    assert response["Content-Type"] == "video/mp4" and response["Accept-Ranges"] == "bytes"


@pytest.mark.django_db
def test_the_end_of_a_video_is_served_as_a_player_asks_for_it(staff_client, video_asset):
    asset, data = video_asset
    tail = staff_client.get(asset.get_absolute_url(), HTTP_RANGE="bytes=-64")
    assert tail.status_code == 206 and body(tail) == data[-64:]
    rest = staff_client.get(asset.get_absolute_url(), HTTP_RANGE=f"bytes={len(data) - 10}-")
    assert rest.status_code == 206 and body(rest) == data[-10:]


@pytest.mark.django_db
def test_a_range_past_the_end_is_416_with_the_size(staff_client, video_asset):
    asset, data = video_asset
    response = staff_client.get(asset.get_absolute_url(), HTTP_RANGE=f"bytes={len(data)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


@pytest.mark.django_db
def test_several_ranges_get_the_whole_file(staff_client, video_asset):
    asset, data = video_asset
    response = staff_client.get(asset.get_absolute_url(), HTTP_RANGE="bytes=0-1, 5-9")
    assert response.status_code == 200 and body(response) == data


@pytest.mark.django_db
def test_without_a_range_the_whole_file_says_ranges_are_accepted(staff_client, video_asset):
    asset, data = video_asset
    response = staff_client.get(asset.get_absolute_url())
    assert response.status_code == 200 and body(response) == data
    assert response["Accept-Ranges"] == "bytes" and response["ETag"] == f'"{asset.sha256}"'


@pytest.mark.django_db
def test_an_outdated_if_range_gets_the_whole_file(staff_client, video_asset):
    asset, data = video_asset
    response = staff_client.get(
        asset.get_absolute_url(), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"another-version"'
    )
    assert response.status_code == 200 and body(response) == data
    same = staff_client.get(
        asset.get_absolute_url(), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=f'"{asset.sha256}"'
    )
    assert same.status_code == 206 and body(same) == data[:10]


@pytest.mark.django_db
def test_posters_are_served_with_ranges_too(staff_client, video_asset):
    asset, _data = video_asset
    response = staff_client.get(asset.poster_url(), HTTP_RANGE="bytes=0-2")
    assert response.status_code == 206 and body(response) == b"\xff\xd8\xff"
    assert response["Content-Type"] == "image/jpeg"


@pytest.mark.django_db
def test_a_range_needs_the_login_first(client, video_asset):
    asset, _data = video_asset
    response = client.get(asset.get_absolute_url(), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_an_account_without_a_role_gets_no_byte(client, video_asset):
    from tests.conftest import person

    asset, _data = video_asset
    client.force_login(person("nobody"))
    response = client.get(asset.get_absolute_url(), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_front_server_sends_the_bytes_when_configured(staff_client, settings, video_asset):
    settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
    asset, _data = video_asset
    response = staff_client.get(asset.get_absolute_url(), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{asset.file.name}"
    assert response["Content-Type"] == "video/mp4"
    anonymous = Client()
    assert anonymous.get(asset.get_absolute_url()).status_code == 302  # behind the login still


@pytest.mark.django_db
def test_the_api_serves_a_file_in_ranges_so_the_pipeline_can_resume(staff, video_asset):
    from tests.api.conftest import token_client

    asset, data = video_asset
    api = token_client(staff)
    url = f"/api/v1/assets/{asset.pk}/file/"
    response = api.get(url, HTTP_RANGE="bytes=1000-")
    assert response.status_code == 206 and body(response) == data[1000:]
    assert response["Digest"] == f"sha-256={asset.sha256}"
    assert "attachment" in response["Content-Disposition"]
    assert Client().get(url, HTTP_RANGE="bytes=0-9").status_code == 401
