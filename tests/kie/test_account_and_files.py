"""Account (credit balance, download-url) and the file upload API on its own base URL."""

import io
import json
from decimal import Decimal

import httpx
import pytest

from generator.kie import (
    AuthenticationError,
    InputError,
    KieError,
    MalformedResponseError,
)
from tests.kie.helpers import make_client, recording


def answering(body, status=200):
    return make_client(lambda request: httpx.Response(status, json=body))


@pytest.mark.parametrize("data", [100, "100"])
def test_credits_is_an_integer(data):
    assert answering({"code": 200, "msg": "success", "data": data}).account.credits() == 100


@pytest.mark.parametrize("data", [123.75, "123.75"])
def test_credits_keeps_a_fractional_balance(data):
    balance = answering({"code": 200, "msg": "success", "data": data}).account.credits()
    assert balance == Decimal("123.75")
    assert isinstance(balance, Decimal)


def test_credits_as_integral_float_reads_as_a_whole_number():
    balance = answering({"code": 200, "msg": "success", "data": 100.0}).account.credits()
    assert str(balance) == "100"


@pytest.mark.parametrize("data", [None, "lots", {"credits": 100}, True, "NaN", "Infinity"])
def test_credits_not_a_number_is_malformed(data):
    with pytest.raises(MalformedResponseError):
        answering({"code": 200, "msg": "success", "data": data}).account.credits()


def test_credits_with_bad_key_is_authentication_error():
    body = {"code": 401, "msg": "You do not have access permissions"}
    with pytest.raises(AuthenticationError):
        answering(body).account.credits()


def test_credits_calls_get_credit_endpoint():
    handler, seen = recording({"code": 200, "msg": "success", "data": 100})

    make_client(handler).account.credits()
    assert (seen[0].method, seen[0].url.path) == ("GET", "/api/v1/chat/credit")


def test_download_url_posts_url_and_returns_string():
    seen = []
    link = "https://tempfile.redpandaai.co/xxx/generated.png"

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"code": 200, "msg": "success", "data": link})

    url = "https://tempfile.aiquickdraw.com/s/generated.png"
    assert make_client(handler).account.download_url(url) == link
    assert seen[0].url.path == "/api/v1/common/download-url"
    assert json.loads(seen[0].content) == {"url": url}


def test_download_url_of_external_url_is_input_error():
    body = {"code": 422, "msg": "Only kie.ai generated URLs are supported", "data": None}
    with pytest.raises(InputError):
        answering(body).account.download_url("https://elsewhere.example/a.png")


def test_download_url_without_string_is_malformed():
    with pytest.raises(MalformedResponseError):
        answering({"code": 200, "msg": "success", "data": ""}).account.download_url("https://x/a")


UPLOADED = {
    "success": True,
    "code": 200,
    "msg": "File uploaded successfully",
    "data": {
        "fileName": "uploaded-image.png",
        "filePath": "images/user-uploads/uploaded-image.png",
        "downloadUrl": "https://tempfile.redpandaai.co/xxx/images/user-uploads/uploaded-image.png",
        "fileSize": 154832,
        "mimeType": "image/png",
        "uploadedAt": "2025-01-01T12:00:00.000Z",
    },
}


def test_upload_sends_multipart_to_upload_host_and_returns_download_url():
    seen = []

    def handler(request):
        request.read()
        seen.append(request)
        return httpx.Response(200, json=UPLOADED)

    url = make_client(handler).files.upload(
        io.BytesIO(b"\x89PNG fake bytes"),
        "uploaded-image.png",
        "image/png",
        "/images/user-uploads/",
    )
    assert url == UPLOADED["data"]["downloadUrl"]
    request = seen[0]
    assert request.method == "POST"
    assert request.url.host == "kieai.redpandaai.co"
    assert request.url.path == "/api/file-stream-upload"
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert request.headers["Authorization"] == "Bearer test-key"
    body = request.content
    assert b'name="uploadPath"\r\n\r\nimages/user-uploads\r\n' in body
    assert b'name="file"; filename="uploaded-image.png"' in body
    assert b"\x89PNG fake bytes" in body


def test_upload_falls_back_to_file_url():
    body = {**UPLOADED, "data": {"fileUrl": "https://tempfile.redpandaai.co/xxx/a.png"}}
    url = answering(body).files.upload(io.BytesIO(b"x"), "a.png", "image/png", "images")
    assert url == "https://tempfile.redpandaai.co/xxx/a.png"


@pytest.mark.parametrize(
    "data", [{"fileName": "a.png"}, None, {"downloadUrl": ""}, {"downloadUrl": "ftp://x/a.png"}]
)
def test_upload_answer_without_url_is_malformed(data):
    with pytest.raises(MalformedResponseError):
        answering({**UPLOADED, "data": data}).files.upload(
            io.BytesIO(b"x"), "a.png", "image/png", "images"
        )


def test_upload_success_false_raises():
    body = {"success": False, "code": 400, "msg": "uploadPath is required", "data": None}
    with pytest.raises(KieError):
        answering(body).files.upload(io.BytesIO(b"x"), "a.png", "image/png", "images")
