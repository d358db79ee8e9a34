"""Result downloads: allowed hosts, redirects, size cap, checksum, no Authorization header."""

import hashlib
import io

import httpx
import pytest

from generator.kie.downloads import DownloadError, download, host_allowed

ALLOWED = ["tempfile.aiquickdraw.com", ".redpandaai.co"]
URL = "https://tempfile.aiquickdraw.com/v/image1.png"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def fetch(handler, url=URL, max_bytes=1_000_000):
    destination = io.BytesIO()
    result = download(
        url,
        destination,
        allowed_hosts=ALLOWED,
        max_bytes=max_bytes,
        transport=httpx.MockTransport(handler),
    )
    return result, destination.getvalue()


def serving(content=PNG, status=200, **kwargs):
    return lambda request: httpx.Response(
        status, content=content, headers={"Content-Type": "image/png"}, **kwargs
    )


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://tempfile.aiquickdraw.com/v/a.png", True),
        ("https://TEMPFILE.aiquickdraw.com/v/a.png", True),
        ("https://redpandaai.co/a.png", True),
        ("https://tempfile.redpandaai.co/a.png", True),
        ("https://a.b.redpandaai.co/a.png", True),
        ("https://evilredpandaai.co/a.png", False),
        ("https://other.aiquickdraw.com/v/a.png", False),
        ("https://evil.example/a.png", False),
        ("https://tempfile.aiquickdraw.com@evil.example/a.png", False),
        ("ftp://tempfile.aiquickdraw.com/a.png", False),
        ("file:///etc/passwd", False),
        ("not a url", False),
    ],
)
def test_host_allowed(url, allowed):
    assert host_allowed(url, ALLOWED) is allowed


def test_streams_content_and_returns_size_and_sha256():
    result, written = fetch(serving())
    assert written == PNG
    assert result.size == len(PNG)
    assert result.sha256 == hashlib.sha256(PNG).hexdigest()
    assert result.content_type == "image/png"


def test_download_request_carries_no_authorization_header():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, content=PNG)

    fetch(handler)
    assert "Authorization" not in seen[0].headers


def test_disallowed_host_is_refused_without_a_request():
    with pytest.raises(DownloadError) as info:
        fetch(lambda request: pytest.fail("nothing should be sent"), url="https://evil.example/a")
    assert info.value.permanent is True


def test_non_http_scheme_is_refused():
    with pytest.raises(DownloadError) as info:
        fetch(serving(), url="file:///etc/passwd")
    assert info.value.permanent is True


def test_declared_content_length_over_cap_is_refused_before_writing():
    with pytest.raises(DownloadError) as info:
        destination = io.BytesIO()
        download(
            URL,
            destination,
            allowed_hosts=ALLOWED,
            max_bytes=100,
            transport=httpx.MockTransport(serving()),
        )
    assert info.value.permanent is True
    assert destination.getvalue() == b""


def test_streamed_bytes_over_cap_are_refused():
    def handler(request):  # chunked: no Content-Length to trust
        return httpx.Response(200, content=iter([PNG[:5000], PNG[5000:]]))

    with pytest.raises(DownloadError) as info:
        fetch(handler, max_bytes=6000)
    assert info.value.permanent is True


def test_exactly_at_the_cap_is_fine():
    result, _ = fetch(serving(), max_bytes=len(PNG))
    assert result.size == len(PNG)


def test_404_is_permanent():
    with pytest.raises(DownloadError) as info:
        fetch(serving(b"not found", status=404))
    assert info.value.permanent is True


def test_503_is_not_permanent():
    with pytest.raises(DownloadError) as info:
        fetch(serving(b"busy", status=503))
    assert info.value.permanent is False


def test_network_error_is_not_permanent():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(DownloadError) as info:
        fetch(handler)
    assert info.value.permanent is False


def test_redirect_to_allowed_host_is_followed():
    seen = []

    def handler(request):
        seen.append(str(request.url))
        if request.url.host == "tempfile.aiquickdraw.com":
            return httpx.Response(302, headers={"Location": "https://cdn.redpandaai.co/a.png"})
        return httpx.Response(200, content=PNG)

    result, written = fetch(handler)
    assert seen == [URL, "https://cdn.redpandaai.co/a.png"]
    assert written == PNG
    assert result.sha256 == hashlib.sha256(PNG).hexdigest()


def test_redirect_to_disallowed_host_is_refused():
    seen = []

    def handler(request):
        seen.append(request.url.host)
        return httpx.Response(302, headers={"Location": "https://evil.example/a.png"})

    with pytest.raises(DownloadError) as info:
        fetch(handler)
    assert info.value.permanent is True
    assert seen == ["tempfile.aiquickdraw.com"]


def test_endless_redirects_give_up():
    def handler(request):
        return httpx.Response(302, headers={"Location": URL})

    with pytest.raises(DownloadError) as info:
        fetch(handler)
    assert info.value.permanent is True
