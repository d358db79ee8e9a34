"""KieClient: the {code,msg,data} envelope, error classes, auth header, key hygiene, transport."""

import httpx
import pytest

from generator.kie import (
    AuthenticationError,
    GenerationFailedError,
    InputError,
    InsufficientCreditsError,
    KieClient,
    KieError,
    MaintenanceError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    TransportError,
    UpstreamError,
)
from tests.kie.helpers import make_client, recording

KEY = "test-key"  # the key tests.kie.helpers.make_client uses
CREDIT = "/api/v1/chat/credit"


def answering(status=200, **kwargs):
    """A client whose every request gets this one response."""
    return make_client(lambda request: httpx.Response(status, **kwargs))


def test_code_200_returns_data():
    client = answering(json={"code": 200, "msg": "success", "data": {"taskId": "task12345"}})
    assert client.request("GET", "/x") == {"taskId": "task12345"}


def test_code_as_string_200_returns_data():
    client = answering(json={"code": "200", "msg": "success", "data": 100})
    assert client.request("GET", CREDIT) == 100


@pytest.mark.parametrize("code", [200.0, "200.0", " 200 "])
def test_integral_float_code_returns_data(code):
    client = answering(json={"code": code, "msg": "success", "data": 100})
    assert client.request("GET", CREDIT) == 100


@pytest.mark.parametrize("code", [402.0, "402.0"])
def test_integral_float_error_code_raises_its_class(code):
    client = answering(json={"code": code, "msg": "Insufficient credits", "data": None})
    with pytest.raises(InsufficientCreditsError) as info:
        client.request("GET", CREDIT)
    assert info.value.code == 402


@pytest.mark.parametrize("code", [200.5, "200.5", "nan", "inf"])
def test_non_integral_code_is_malformed(code):
    client = answering(json={"code": code, "msg": "success", "data": 100})
    with pytest.raises(MalformedResponseError):
        client.request("GET", CREDIT)


def test_error_inside_http_200_raises():
    client = answering(json={"code": 402, "msg": "Insufficient credits", "data": None})
    with pytest.raises(InsufficientCreditsError) as info:
        client.request("GET", CREDIT)
    assert info.value.code == 402
    assert info.value.http_status == 200
    assert info.value.message == "Insufficient credits"


def test_error_code_as_string_inside_http_200_raises():
    client = answering(json={"code": "402", "msg": "Insufficient credits", "data": None})
    with pytest.raises(InsufficientCreditsError):
        client.request("GET", CREDIT)


@pytest.mark.parametrize(
    ("code", "msg", "error_class"),
    [
        (401, "You do not have access permissions", AuthenticationError),
        (402, "Insufficient credits", InsufficientCreditsError),
        (404, "Task not found", NotFoundError),
        (422, "recordInfo is null", NotFoundError),
        (429, "Rate limited", RateLimitedError),
        (500, "Internal Error, Please try again later", UpstreamError),
    ],
)
def test_matching_http_status_and_envelope_raise_that_class(code, msg, error_class):
    client = answering(code, json={"code": code, "msg": msg, "data": None})
    with pytest.raises(error_class) as info:
        client.request("GET", "/api/v1/jobs/recordInfo")
    assert type(info.value) is error_class
    assert (info.value.code, info.value.http_status) == (code, code)


def test_http_error_with_code_200_envelope_still_raises():
    client = answering(500, json={"code": 200, "msg": "success", "data": None})
    with pytest.raises(UpstreamError):
        client.request("GET", CREDIT)


def test_non_json_http_500_is_upstream_error():
    client = answering(500, text="<html>Bad Gateway</html>")
    with pytest.raises(UpstreamError) as info:
        client.request("GET", CREDIT)
    assert not isinstance(info.value, MalformedResponseError)
    assert info.value.http_status == 500


def test_non_json_http_200_is_malformed():
    client = answering(200, text="<html>hello</html>")
    with pytest.raises(MalformedResponseError):
        client.request("GET", CREDIT)


def test_json_without_code_on_http_200_is_malformed():
    client = answering(json={"msg": "success", "data": 1})
    with pytest.raises(MalformedResponseError):
        client.request("GET", CREDIT)


def test_non_numeric_code_is_malformed():
    client = answering(json={"code": "ok", "msg": "success", "data": 1})
    with pytest.raises(MalformedResponseError):
        client.request("GET", CREDIT)


@pytest.mark.parametrize(
    "body",
    [
        {"success": False, "code": 200, "msg": "upload failed", "data": None},
        {"success": False, "code": 400, "msg": "uploadPath is required", "data": None},
    ],
)
def test_upload_success_false_raises(body):
    client = answering(json=body)
    with pytest.raises(KieError):
        client.request("POST", "/api/file-stream-upload", upload=True)


@pytest.mark.parametrize("flag", ["false", "False", 0, "0"])
def test_upload_success_false_as_string_or_zero_raises(flag):
    client = answering(json={"success": flag, "code": 200, "msg": "upload failed", "data": None})
    with pytest.raises(UpstreamError):
        client.request("POST", "/api/file-stream-upload", upload=True)


@pytest.mark.parametrize("flag", [True, "true", 1])
def test_upload_success_true_returns_data(flag):
    client = answering(json={"success": flag, "code": 200, "msg": "ok", "data": {"a": 1}})
    assert client.request("POST", "/api/file-stream-upload", upload=True) == {"a": 1}


@pytest.mark.parametrize(
    "msg", ["recordInfo is null.", "RecordInfo is null", "record is null!", " RECORD IS  NULL. "]
)
def test_record_is_null_in_any_case_or_punctuation_is_not_found(msg):
    client = answering(json={"code": 422, "msg": msg, "data": None})
    with pytest.raises(NotFoundError):
        client.request("GET", "/api/v1/jobs/recordInfo")


def test_other_422_mentioning_null_is_input_error():
    client = answering(json={"code": 422, "msg": "input.prompt is null or empty", "data": None})
    with pytest.raises(InputError):
        client.request("GET", "/api/v1/jobs/recordInfo")


@pytest.mark.parametrize(
    ("code", "msg", "error_class"),
    [
        (401, "You do not have access permissions", AuthenticationError),
        (402, "Insufficient credits", InsufficientCreditsError),
        (400, "Format Error", InputError),
        (422, "The page does not exist or is not published", InputError),
        (422, "Temporarily supports records within 14 days", InputError),
        (404, "Task not found", NotFoundError),
        (422, "recordInfo is null", NotFoundError),
        (422, "record is null", NotFoundError),
        (429, "Rate limited", RateLimitedError),
        (455, "service unavailable", MaintenanceError),
        (500, "Internal Error, Please try again later", UpstreamError),
        (501, "Generation failed", GenerationFailedError),
        (505, "feature disabled", UpstreamError),
        (550, "connection denied, queue is full", UpstreamError),
    ],
)
def test_each_code_maps_to_its_class(code, msg, error_class):
    client = answering(json={"code": code, "msg": msg, "data": None})
    with pytest.raises(error_class) as info:
        client.request("GET", "/api/v1/jobs/recordInfo")
    assert type(info.value) is error_class
    assert info.value.code == code
    assert info.value.message == msg


def test_rate_limit_parses_retry_after_and_is_safe_to_retry():
    client = answering(429, json={"code": 429, "msg": "Rate limited"}, headers={"Retry-After": "7"})
    with pytest.raises(RateLimitedError) as info:
        client.request("POST", "/api/v1/jobs/createTask", json={})
    assert info.value.retry_after == 7.0
    assert info.value.safe_to_retry is True


def test_rate_limit_without_envelope_is_still_rate_limited():
    client = answering(429, text="Too Many Requests", headers={"Retry-After": "3"})
    with pytest.raises(RateLimitedError) as info:
        client.request("GET", CREDIT)
    assert info.value.retry_after == 3.0


def test_maintenance_inside_http_200_is_safe_to_retry():
    client = answering(json={"code": 455, "msg": "service unavailable - maintenance"})
    with pytest.raises(MaintenanceError) as info:
        client.request("GET", CREDIT)
    assert info.value.safe_to_retry is True


def test_server_error_is_not_safe_to_retry():
    client = answering(json={"code": 500, "msg": "Timeout"})
    with pytest.raises(UpstreamError) as info:
        client.request("POST", "/api/v1/jobs/createTask", json={})
    assert info.value.safe_to_retry is False


def _raising(exc_class):
    def handler(request):
        raise exc_class("boom", request=request)

    return make_client(handler)


def test_connect_error_is_transport_error_safe_to_retry():
    with pytest.raises(TransportError) as info:
        _raising(httpx.ConnectError).request("POST", "/api/v1/jobs/createTask", json={})
    assert info.value.safe_to_retry is True


def test_read_timeout_is_transport_error_not_safe_to_retry():
    with pytest.raises(TransportError) as info:
        _raising(httpx.ReadTimeout).request("POST", "/api/v1/jobs/createTask", json={})
    assert info.value.safe_to_retry is False


@pytest.mark.parametrize(
    ("exc_class", "safe"),
    [(httpx.ConnectTimeout, True), (httpx.WriteTimeout, False), (httpx.RemoteProtocolError, False)],
)
def test_other_transport_failures_say_whether_the_request_left(exc_class, safe):
    with pytest.raises(TransportError) as info:
        _raising(exc_class).request("POST", "/api/v1/jobs/createTask", json={})
    assert info.value.safe_to_retry is safe


def test_bearer_header_is_sent_to_api_host():
    handler, seen = recording({"code": 200, "msg": "success", "data": 5})

    make_client(handler).request("GET", CREDIT)
    assert seen[0].url.host == "api.kie.ai"
    assert seen[0].url.path == CREDIT
    assert seen[0].headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("code", [401, 402, 400, 422, 429, 455, 500, 501])
def test_key_echoed_in_msg_never_reaches_the_exception(code):
    client = answering(json={"code": code, "msg": f"Invalid API key Bearer {KEY}", "data": None})
    with pytest.raises(KieError) as info:
        client.request("GET", CREDIT)
    exc = info.value
    for text in (str(exc), repr(exc), exc.message, str(exc.args)):
        assert KEY not in text


def test_key_echoed_in_code_never_reaches_the_exception():
    client = answering(json={"code": f"bad key {KEY}", "msg": "", "data": None})
    with pytest.raises(MalformedResponseError) as info:
        client.request("GET", CREDIT)
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)


def test_key_never_reaches_transport_errors():
    with pytest.raises(TransportError) as info:
        _raising(httpx.ConnectError).request("GET", CREDIT)
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)


def test_repr_of_client_hides_the_key():
    client = answering(json={})
    assert KEY not in repr(client)
    assert "api.kie.ai" in repr(client)


def test_empty_api_key_is_refused():
    with pytest.raises(ValueError):
        KieClient("")


def test_family_returns_adapters_and_refuses_unknown():
    client = answering(json={})
    assert client.family("gpt4o_image") is client.gpt4o_image
    assert client.family("flux_kontext") is client.flux_kontext
    assert client.family("market") is client.market
    assert client.family("suno", "wav").api_model == "wav"  # one endpoint per operation
    with pytest.raises(ValueError):
        client.family("no_such_family")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # deep enough to crash a recursive parser
        b'{"code": 200, "msg": "success", "data": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"code": 200, "msg": "success", "data": NaN}',
    ],
)
def test_a_hostile_answer_is_malformed_not_a_crash(body):
    from generator.kie import KieClient, UpstreamError

    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    client = KieClient("k", base_url="http://kie.test", transport=transport)
    with client, pytest.raises(UpstreamError):
        client.account.credits()


def test_a_hostile_json_string_field_is_malformed_not_a_crash():
    from generator.kie import MalformedResponseError
    from generator.kie.parsing import as_dict

    with pytest.raises(MalformedResponseError):
        as_dict("[" * 100_000, "resultJson")
