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


def test_uploads_reject_non_images(client, h):
    text = b"%PDF-1.4 definitely not a picture"
    responses = [
        client.post(
            "/api/file-stream-upload", files={"file": ("a.png", text)}, data={"uploadPath": "x"}
        ),
        client.post(
            "/api/file-base64-upload",
            json={"base64Data": base64.b64encode(text).decode(), "uploadPath": "x"},
        ),
    ]
    for response in responses:
        assert _upload_envelope(response, h, 400)["msg"] == "Unsupported file type"


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/api/file-stream-upload", {"files": {"file": ("a.png", b"x")}}),
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
