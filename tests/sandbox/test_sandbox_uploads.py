"""The upload API (kie's second host) and the file route."""

from __future__ import annotations

import base64

import pytest

FIELDS = {
    "fileId",
    "fileName",
    "originalName",
    "fileSize",
    "mimeType",
    "uploadPath",
    "filePath",
    "fileUrl",
    "downloadUrl",
}


def _upload_envelope(response, h, code=200):
    body = response.json()
    assert body["success"] is (code == 200)
    if code == 200:
        return h.ok(response)
    return h.error(response, code)


def test_stream_upload(client, h):
    png = h.image_bytes((80, 60))
    response = client.post(
        "/api/file-stream-upload",
        files={"file": ("photo one.png", png, "image/png")},
        data={"uploadPath": "/studio/refs/", "fileName": "ref.png"},
    )
    data = _upload_envelope(response, h)
    assert response.json()["msg"] == "File uploaded successfully"
    assert set(data) >= FIELDS
    assert data["fileName"] == "ref.png" and data["originalName"] == "photo one.png"
    assert data["uploadPath"] == "studio/refs" and data["filePath"] == "studio/refs/ref.png"
    assert data["fileSize"] == len(png) and data["mimeType"] == "image/png"
    assert data["fileUrl"] == data["downloadUrl"]
    fetched = h.fetch(client, data["downloadUrl"])
    assert fetched.content == png and fetched.headers["content-type"] == "image/png"


def test_stream_upload_binary_survives_crlf_bytes(client, h):
    jpeg = h.image_bytes((120, 90), (13, 10, 45), fmt="JPEG")
    payload = jpeg + b"\r\n--not-the-boundary\r\n\r\n"  # trailing junk JPEG readers ignore
    response = client.post(
        "/api/file-stream-upload", files={"file": ("x.jpg", payload)}, data={"uploadPath": "p"}
    )
    data = _upload_envelope(response, h)
    assert data["mimeType"] == "image/jpeg"
    assert h.fetch(client, data["downloadUrl"]).content == payload


@pytest.mark.parametrize("prefix", ["", "data:image/webp;base64,"])
def test_base64_upload(client, h, prefix):
    webp = h.image_bytes(fmt="WEBP")
    body = {"base64Data": prefix + base64.b64encode(webp).decode(), "uploadPath": "b64"}
    data = _upload_envelope(client.post("/api/file-base64-upload", json=body), h)
    assert data["mimeType"] == "image/webp" and data["fileName"].endswith(".webp")
    assert h.fetch(client, data["fileUrl"]).content == webp


def test_url_upload_only_copies_own_files(client, h):
    source = h.upload(client)
    data = _upload_envelope(
        client.post(
            "/api/file-url-upload",
            json={"fileUrl": source, "uploadPath": "copies", "fileName": "c.png"},
        ),
        h,
    )
    assert data["downloadUrl"] != source and data["fileName"] == "c.png"
    assert h.fetch(client, data["downloadUrl"]).content == h.fetch(client, source).content
    failure = _upload_envelope(
        client.post(
            "/api/file-url-upload",
            json={"fileUrl": "https://example.com/cat.png", "uploadPath": "copies"},
        ),
        h,
        400,
    )
    assert failure["msg"] == "Failed to download file from URL"


def test_uploads_accept_any_file_type(client, h):
    pdf = b"%PDF-1.4 definitely not a picture"
    declared = client.post(
        "/api/file-stream-upload",
        files={"file": ("brief.pdf", pdf, "application/pdf")},
        data={"uploadPath": "docs"},
    )
    data = _upload_envelope(declared, h)
    assert data["mimeType"] == "application/pdf" and data["fileName"] == "brief.pdf"
    fetched = h.fetch(client, data["downloadUrl"])
    assert fetched.content == pdf and fetched.headers["content-type"] == "application/pdf"
    undeclared = client.post(
        "/api/file-base64-upload",
        json={"base64Data": base64.b64encode(pdf).decode(), "uploadPath": "docs"},
    )
    data = _upload_envelope(undeclared, h)
    assert data["mimeType"] == "application/octet-stream" and data["fileName"].endswith(".bin")


@pytest.mark.parametrize("declared", ["not a type", "", "text/", "image/png; charset=x"])
def test_upload_declared_type_is_used_only_when_it_looks_like_one(client, h, declared):
    response = client.post(
        "/api/file-stream-upload",
        files={"file": ("blob", b"\x00\x01 plain bytes", declared)},
        data={"uploadPath": "x"},
    )
    expected = "image/png" if declared.startswith("image/png") else "application/octet-stream"
    assert _upload_envelope(response, h)["mimeType"] == expected


def test_upload_sniffed_image_type_beats_the_declared_one(client, h):
    response = client.post(
        "/api/file-stream-upload",
        files={"file": ("a.bin", h.image_bytes(fmt="JPEG"), "application/octet-stream")},
        data={"uploadPath": "x"},
    )
    assert _upload_envelope(response, h)["mimeType"] == "image/jpeg"


@pytest.mark.parametrize(
    ("head", "mime", "ext"),
    [
        (b"\x00\x00\x00\x18ftypmp42", "video/mp4", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  ", "video/mp4", "mp4"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg", "mp3"),
        (b"\xff\xfb\x90\x64", "audio/mpeg", "mp3"),
        (b"\xff\xf3\x90\x64", "audio/mpeg", "mp3"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav", "wav"),
    ],
)
def test_uploads_sniff_video_and_audio(client, h, head, mime, ext):
    media = head + bytes(range(256)) * 4
    body = {"base64Data": base64.b64encode(media).decode(), "uploadPath": "media"}
    data = _upload_envelope(client.post("/api/file-base64-upload", json=body), h)
    assert data["mimeType"] == mime and data["fileName"].endswith("." + ext)
    fetched = h.fetch(client, data["downloadUrl"])
    assert fetched.content == media and fetched.headers["content-type"] == mime


def test_same_upload_path_and_file_name_overwrite_the_earlier_file(client, h):
    def put(data, path="refs", name="ref.png"):
        response = client.post(
            "/api/file-stream-upload",
            files={"file": ("local.png", data, "image/png")},
            data={"uploadPath": path, "fileName": name},
        )
        return _upload_envelope(response, h)

    red, blue = h.image_bytes(colour=(255, 0, 0)), h.image_bytes(colour=(0, 0, 255))
    first, second = put(red), put(blue)
    assert second["downloadUrl"] == first["downloadUrl"]
    assert h.fetch(client, first["downloadUrl"]).content == blue
    assert put(red, path="/refs/")["downloadUrl"] == first["downloadUrl"]
    assert put(red, path="other")["downloadUrl"] != first["downloadUrl"]
    assert put(red, name="other.png")["downloadUrl"] != first["downloadUrl"]


def test_uploads_without_file_name_never_overwrite(client, h):
    first, second = h.upload(client), h.upload(client)
    assert first != second
    assert h.fetch(client, first).status_code == 200


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/api/file-stream-upload", {"files": {"file": ("a.png", b"x")}}),
        (
            "/api/file-stream-upload",
            {"data": {"uploadPath": "x"}, "files": {"file": ("a.png", b"")}},
        ),
        ("/api/file-base64-upload", {"json": {"base64Data": "", "uploadPath": "x"}}),
        (
            "/api/file-stream-upload",
            {"data": {"uploadPath": "x"}, "files": {"other": ("a.png", b"x")}},
        ),
        ("/api/file-base64-upload", {"json": {"base64Data": "not base64!!", "uploadPath": "x"}}),
        ("/api/file-base64-upload", {"json": {"uploadPath": "x"}}),
        ("/api/file-url-upload", {"json": {"uploadPath": "x"}}),
        ("/api/file-url-upload", {"json": {"fileUrl": "https://x.test/a.png"}}),
        (
            "/api/file-base64-upload",
            {"content": b"nope", "headers": {"Content-Type": "application/json"}},
        ),
    ],
)
def test_upload_parameter_errors(client, h, path, kwargs):
    _upload_envelope(client.post(path, **kwargs), h, 400)


def test_upload_size_limit(make_app, h):
    app = make_app(max_upload_bytes=1000)
    with h.client_for(app) as client:
        big = h.image_bytes((300, 300), fmt="BMP")
        response = client.post(
            "/api/file-base64-upload",
            json={"base64Data": base64.b64encode(big).decode(), "uploadPath": "x"},
        )
        assert "limit" in _upload_envelope(response, h, 400)["msg"]


def test_upload_auth_error_carries_success_false(app, h):
    with h.client_for(app, key=None) as client:
        response = client.post("/api/file-base64-upload", json={})
        assert _upload_envelope(response, h, 401)["msg"] == "You do not have access permissions"


def test_file_route_needs_no_auth_and_supports_head(app, h):
    with h.client_for(app) as client:
        url = h.upload(client)
    with h.client_for(app, key=None) as anonymous:
        assert anonymous.get(url + "?X-Amz-Expires=1200").status_code == 200
        head = anonymous.head(url)
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) > 0
        assert anonymous.post(url).status_code == 405
