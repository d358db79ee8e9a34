"""Fault injection, seen through the real KieClient over the in-process SandboxTransport:
each fault by probability 1.0 and by prompt marker, where it applies, and what the
sandbox's stats count."""

import io

import httpx
import pytest

from generator.kie import (
    FirewallRefusedError,
    KieClient,
    MaintenanceError,
    MalformedResponseError,
    RateLimitedError,
    TransportError,
    UpstreamError,
)
from generator.kie.downloads import DownloadError, download
from generator.sandbox import SandboxApp, SandboxConfig, SandboxTransport
from generator.sandbox.faults import FAULTS, PROFILES, FaultError, fault_table

URL = "http://127.0.0.1:8001"
KEY = "test-key"
FOUR_O = {"size": "1:1"}


@pytest.fixture
def sandbox(clock):
    def factory(**options) -> tuple[KieClient, SandboxApp]:
        settings = {"api_key": KEY, "clock": clock, "duration_seconds": 10.0, "public_url": URL}
        settings.update(options)
        app = SandboxApp(SandboxConfig(**settings))
        client = KieClient(
            KEY, base_url=URL, upload_base_url=URL, transport=SandboxTransport(app), timeout=5
        )
        return client, app

    return factory


def create(client: KieClient, prompt: str = "a red kite") -> str:
    return client.gpt4o_image.create(None, {**FOUR_O, "prompt": prompt})


def raw(app: SandboxApp, method: str, path: str, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {KEY}", "User-Agent": "tests/1.0"}
    with httpx.Client(transport=SandboxTransport(app), base_url=URL, headers=headers) as http:
        return http.request(method, path, **kwargs)


# --- faults before processing -----------------------------------------------------------


def test_rate_limit_is_code_429_in_http_200(sandbox):
    client, app = sandbox(faults={"rate_limit": 1.0})
    with pytest.raises(RateLimitedError) as info:
        client.account.credits()
    assert (info.value.code, info.value.http_status) == (429, 200)
    assert "call frequency is too high" in info.value.message
    assert app.stats_snapshot()["faults_injected"] == {"rate_limit": 1}


def test_rate_limit_retry_after_is_http_429_with_the_header(sandbox):
    _, app = sandbox(faults={"rate_limit_retry_after": 1.0})
    response = raw(app, "GET", "/api/v1/chat/credit")
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert response.json()["code"] == 429
    client, _ = sandbox(faults={"rate_limit_retry_after": 1.0})
    with pytest.raises(RateLimitedError) as info:
        client.account.credits()
    assert info.value.retry_after == 2.0


def test_maintenance_is_code_455(sandbox):
    client, _ = sandbox(faults={"maintenance": 1.0})
    with pytest.raises(MaintenanceError) as info:
        create(client)
    assert info.value.code == 455


@pytest.mark.parametrize("status", [500, 502, 503])
def test_proxy_errors_are_bare_html_pages(sandbox, status):
    client, app = sandbox(faults={f"proxy_{status}": 1.0})
    response = raw(app, "GET", "/api/v1/chat/credit")
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert f"<h1>{status}" in response.text and "code" not in response.text
    with pytest.raises(UpstreamError) as info:
        client.account.credits()
    assert info.value.http_status == status


def test_envelope_500_comes_in_http_200(sandbox):
    client, app = sandbox(faults={"envelope_500": 1.0})
    response = raw(app, "GET", "/api/v1/chat/credit")
    assert response.status_code == 200
    assert response.json() == {
        "code": 500,
        "msg": "Internal Error, Please try again later",
        "data": None,
    }
    with pytest.raises(UpstreamError) as info:
        client.account.credits()
    assert (info.value.code, info.value.http_status) == (500, 200)


def test_cloudflare_1010_fault(sandbox):
    _, app = sandbox(faults={"cloudflare_1010": 1.0})
    response = raw(app, "GET", "/api/v1/chat/credit")
    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text == "error code: 1010"


def test_faults_before_processing_create_nothing(sandbox):
    for name in ("rate_limit", "maintenance", "proxy_502", "envelope_500", "drop_before"):
        client, app = sandbox(faults={name: 1.0})
        with pytest.raises((RateLimitedError, MaintenanceError, UpstreamError)):
            create(client)
        stats = app.stats_snapshot()
        assert stats["tasks_created"] == 0 and stats["charged"] == 0, name
        assert stats["balance"] == 1000


# --- transport faults -------------------------------------------------------------------


def test_drop_before_closes_the_connection_unprocessed(sandbox):
    client, app = sandbox(faults={"drop_before": 1.0})
    with pytest.raises(TransportError):
        create(client)
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        raw(app, "GET", "/api/v1/chat/credit")
    assert app.stats_snapshot()["tasks_created"] == 0


def test_drop_after_processing_leaves_a_charged_task(sandbox):
    client, app = sandbox(faults={"drop": 1.0})
    with pytest.raises(TransportError) as info:
        create(client, "lost answer")
    assert not info.value.safe_to_retry
    stats = app.stats_snapshot()
    assert stats["tasks_created"] == 1 and stats["by_prompt"] == {"lost answer": 1}
    assert stats["charged"] > 0 and stats["balance"] == 1000 - stats["charged"]


def test_timeout_raises_read_timeout_at_once_and_processes_nothing(sandbox):
    client, app = sandbox(faults={"timeout": 1.0}, hang_seconds=3600)
    with pytest.raises(httpx.ReadTimeout):
        raw(app, "GET", "/api/v1/chat/credit")
    with pytest.raises(TransportError, match="in time"):
        create(client)
    assert app.stats_snapshot()["tasks_created"] == 0


def test_refused_connection_while_the_sandbox_is_down(sandbox):
    client, app = sandbox()
    app.refuse_connections = True
    with pytest.raises(TransportError) as info:
        client.account.credits()
    assert info.value.safe_to_retry


def test_malformed_json_is_cut_off_after_processing(sandbox):
    client, app = sandbox(faults={"malformed_json": 1.0})
    response = raw(app, "GET", "/api/v1/chat/credit")
    assert response.status_code == 200 and response.text.startswith('{"code"')
    with pytest.raises(ValueError):
        response.json()
    with pytest.raises(MalformedResponseError):
        create(client)
    assert app.stats_snapshot()["tasks_created"] == 1


def test_slow_waits_then_answers(sandbox):
    waits = []
    client, app = sandbox(faults={"slow": 1.0}, slow_seconds=0.5, sleep=waits.append)
    assert client.account.credits() == 1000
    assert waits == [0.5]


def test_slow_past_the_clients_timeout_is_its_read_timeout_after_processing(sandbox):
    waits = []
    client, app = sandbox(faults={"slow": 1.0}, slow_seconds=30, sleep=waits.append)
    with pytest.raises(TransportError, match="in time"):
        create(client)  # the client's timeout is 5 s
    assert waits == [] and app.stats_snapshot()["tasks_created"] == 1


# --- task outcomes ----------------------------------------------------------------------


def test_fail_after_accept_fails_later_and_refunds(sandbox, clock):
    client, app = sandbox(faults={"fail_after_accept": 1.0})
    task_id = create(client)
    assert client.gpt4o_image.get_status(task_id).state == "running"
    clock.advance(11)
    assert client.gpt4o_image.get_status(task_id).state == "failed"
    stats = app.stats_snapshot()
    assert stats["refunded"] == stats["charged"] > 0 and stats["balance"] == 1000


def test_never_finish_by_marker(sandbox, clock):
    client, app = sandbox()
    task_id = create(client, "a kite [sandbox:never_finish]")
    other = create(client, "a kite")
    clock.advance(3600)
    assert client.gpt4o_image.get_status(task_id).state == "running"
    assert client.gpt4o_image.get_status(other).state == "succeeded"


def test_fail_after_accept_by_marker_in_any_field(sandbox, clock):
    client, _ = sandbox()
    task_id = client.market.create(
        "ideogram/v3-text-to-image",
        {"prompt": "a kite", "negative_prompt": "[sandbox:fail_after_accept]"},
    )
    clock.advance(11)
    assert client.market.get_status(task_id).state == "failed"


# --- markers ----------------------------------------------------------------------------


def test_a_marker_hits_the_first_request_of_its_task_only(sandbox):
    client, app = sandbox(visibility_delay_seconds=0)
    with pytest.raises(RateLimitedError):
        create(client, "kite [sandbox:rate_limit]")
    task_id = create(client, "kite [sandbox:rate_limit]")  # the retry goes through
    with pytest.raises(RateLimitedError):
        client.gpt4o_image.get_status(task_id)  # the task's first read
    assert client.gpt4o_image.get_status(task_id).state == "running"
    client.account.credits()  # other requests never see the marker
    assert app.stats_snapshot()["faults_injected"] == {"rate_limit": 2}


def test_marker_drop_creates_and_charges_the_first_create(sandbox):
    client, app = sandbox()
    with pytest.raises(TransportError):
        create(client, "unique-7 [sandbox:drop]")
    create(client, "unique-7 [sandbox:drop]")  # a blind retry: a second paid task
    assert app.stats_snapshot()["by_prompt"] == {"unique-7 [sandbox:drop]": 2}


def test_markers_are_exact_names(sandbox):
    client, app = sandbox()
    create(client, "[sandbox:dropped] [sandbox:nothing]")
    assert app.stats_snapshot()["faults_injected"] == {}


# --- result files -----------------------------------------------------------------------


def finished_result(client, clock) -> str:
    task_id = create(client)
    clock.advance(11)
    return client.gpt4o_image.get_status(task_id).result_urls[0]


def fetch_file(app, url: str):
    out = io.BytesIO()
    result = download(
        url, out, allowed_hosts=["127.0.0.1"], max_bytes=10**8, transport=SandboxTransport(app)
    )
    return result, out.getvalue()


def test_result_404_by_probability(sandbox, clock):
    client, app = sandbox(faults={"result_404": 1.0})
    url = finished_result(client, clock)
    response = raw(app, "GET", url)
    assert response.status_code == 404 and "NoSuchKey" in response.text
    with pytest.raises(DownloadError):
        fetch_file(app, url)


def test_result_expired_is_a_403_with_an_expired_signature(sandbox, clock):
    client, app = sandbox(faults={"result_expired": 1.0})
    response = raw(app, "GET", finished_result(client, clock))
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/xml"
    assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in response.text


def test_result_html_200_is_a_cdn_page_with_status_200(sandbox, clock):
    client, app = sandbox(faults={"result_html_200": 1.0})
    result, body = fetch_file(app, finished_result(client, clock))
    assert result.content_type == "text/html"
    assert b"Error" in body and b"1016" in body and b"Origin DNS error" in body


def test_result_fault_by_marker_hits_the_first_n_downloads(sandbox, clock):
    client, app = sandbox(marker_hits=2)
    task_id = create(client, "kite [sandbox:result_404]")
    clock.advance(11)
    url = client.gpt4o_image.get_status(task_id).result_urls[0]
    assert [raw(app, "GET", url).status_code for _ in range(3)] == [404, 404, 200]
    result, _ = fetch_file(app, url)
    assert result.content_type == "image/png"


def test_result_fault_by_marker_can_be_permanent(sandbox, clock):
    client, app = sandbox(marker_hits=1_000_000)
    task_id = create(client, "kite [sandbox:result_expired]")
    clock.advance(11)
    url = client.gpt4o_image.get_status(task_id).result_urls[0]
    assert {raw(app, "GET", url).status_code for _ in range(5)} == {403}


def test_result_faults_do_not_touch_api_calls_nor_api_faults_files(sandbox, clock):
    client, app = sandbox(faults={"result_404": 1.0, "result_html_200": 1.0})
    url = finished_result(client, clock)  # the create and the read went through
    app.config.faults = {"drop": 1.0, "drop_before": 1.0, "rate_limit": 1.0, "proxy_502": 1.0}
    assert raw(app, "GET", url).status_code == 200


def test_uploaded_files_are_never_faulted(sandbox):
    _, app = sandbox()
    url = app.put_file(b"bytes", "application/octet-stream", "upload.bin")
    app.config.faults = {"result_404": 1.0, "result_expired": 1.0}
    assert raw(app, "GET", url).status_code == 200


def test_sandbox_endpoints_are_never_faulted(sandbox):
    _, app = sandbox(faults={name: 1.0 for name in ("drop_before", "proxy_502", "timeout")})
    assert raw(app, "GET", "/_sandbox/stats").status_code == 200


# --- seeds and profiles -----------------------------------------------------------------


def test_a_seed_makes_fault_draws_repeatable(sandbox):
    def run() -> list[bool]:
        client, _ = sandbox(faults={"rate_limit": 0.5}, seed=42)
        outcomes = []
        for _ in range(20):
            try:
                client.account.credits()
                outcomes.append(True)
            except RateLimitedError:
                outcomes.append(False)
        return outcomes

    first = run()
    assert first == run() and True in first and False in first


def test_profiles():
    assert PROFILES["none"] == {}
    default, harsh = PROFILES["default"], PROFILES["harsh"]
    transient = {
        "rate_limit",
        "rate_limit_retry_after",
        "maintenance",
        "proxy_500",
        "proxy_502",
        "proxy_503",
        "envelope_500",
        "slow",
        "drop",
        "malformed_json",
        "result_404",
        "result_expired",
        "result_html_200",
        "callback_duplicate",
        "callback_out_of_order",
    }
    assert {name.split("@")[0] for name in default} == transient
    # A 5xx to a create leaves an outcome nobody can know: the survivable profiles keep
    # those off creates.
    unknowable = {"proxy_500", "proxy_502", "proxy_503", "envelope_500"}
    for table in (default, harsh):
        assert not unknowable & set(table)
        assert not {n for n in table if n.endswith("@create")}
    assert all(0.03 <= p <= 0.05 for p in default.values())
    assert not {"never_finish", "drop_before", "timeout"} & set(harsh)
    assert all(harsh[name] > p for name, p in default.items())
    assert set(FAULTS) >= {name.split("@")[0] for name in harsh}


def test_a_fault_aimed_at_one_kind_of_request_spares_the_others(sandbox):
    client, _ = sandbox(faults=fault_table({"proxy_502@record": 1.0}))
    task_id = create(client)  # creates are spared
    with pytest.raises(UpstreamError):
        client.gpt4o_image.get_status(task_id)


def test_a_fault_cannot_be_aimed_where_it_never_applies():
    with pytest.raises(FaultError, match="cannot hit"):
        fault_table({"result_404@create": 0.5})


@pytest.mark.parametrize(
    ("fault", "raised", "created"),
    [
        ("rate_limit", RateLimitedError, 0),
        ("rate_limit_retry_after", RateLimitedError, 0),
        ("maintenance", MaintenanceError, 0),
        ("proxy_500", UpstreamError, 0),
        ("proxy_502", UpstreamError, 0),
        ("proxy_503", UpstreamError, 0),
        ("envelope_500", UpstreamError, 0),
        ("cloudflare_1010", FirewallRefusedError, 0),
        ("drop_before", TransportError, 0),
        ("timeout", TransportError, 0),
        ("drop", TransportError, 1),
        ("malformed_json", MalformedResponseError, 1),
        ("slow", TransportError, 1),  # slower than the client waits
    ],
)
def test_each_api_fault_by_marker_hits_the_marked_create_once(sandbox, fault, raised, created):
    client, app = sandbox(slow_seconds=60, sleep=lambda seconds: None)
    prompt = f"kite [sandbox:{fault}]"
    with pytest.raises(raised):
        create(client, prompt)
    assert app.stats_snapshot()["tasks_created"] == created
    create(client, prompt)  # the marker's one hit is used: the same create goes through
    create(client, "no marker")
    stats = app.stats_snapshot()
    assert stats["tasks_created"] == created + 2
    assert stats["faults_injected"] == {fault: 1}


def test_result_html_200_by_marker(sandbox, clock):
    client, app = sandbox()
    task_id = create(client, "kite [sandbox:result_html_200]")
    clock.advance(11)
    url = client.gpt4o_image.get_status(task_id).result_urls[0]
    first, second = (fetch_file(app, url)[0].content_type for _ in range(2))
    assert (first, second) == ("text/html", "image/png")
