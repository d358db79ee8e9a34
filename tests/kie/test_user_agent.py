"""The client's own User-Agent (kie's hosts sit behind Cloudflare, which refuses none and
some library defaults with a bare 403 "error code: 1010"), and telling that firewall
answer apart from a bad key."""

import io
from importlib.metadata import version

import httpx
import pytest

from generator import upstream
from generator.kie import (
    AuthenticationError,
    FirewallRefusedError,
    KieClient,
    KieError,
    UpstreamError,
)
from generator.kie.downloads import download
from generator.sandbox import SandboxApp, SandboxConfig, SandboxTransport
from tests.kie.helpers import make_client

OURS = f"AutoScaleStudio/{version('autoscale-studio')} (+https://autoscale.ai)"
URL = "http://127.0.0.1:8001"


def seen_agents(client_factory) -> list[str]:
    agents = []

    def handler(request):
        agents.append(request.headers.get("User-Agent"))
        return httpx.Response(200, json={"code": 200, "msg": "success", "data": 5})

    client = client_factory(httpx.MockTransport(handler))
    client.account.credits()
    client.request("POST", "/api/file-base64-upload", json={}, upload=True)
    return agents


def test_every_request_names_the_product_and_its_version():
    def factory(transport):
        return KieClient("k", base_url="https://api.kie.ai", transport=transport)

    assert seen_agents(factory) == [OURS, OURS]  # both hosts


def test_the_user_agent_is_configurable():
    def factory(transport):
        return KieClient("k", transport=transport, user_agent="Studio-Test/2.0")

    assert seen_agents(factory) == ["Studio-Test/2.0", "Studio-Test/2.0"]


def test_downloads_send_it_too():
    agents = []

    def handler(request):
        agents.append(request.headers.get("User-Agent"))
        return httpx.Response(200, content=b"x", headers={"Content-Type": "image/png"})

    transport = httpx.MockTransport(handler)
    hosts = ["files.kie.ai"]
    download(
        "https://files.kie.ai/a.png",
        io.BytesIO(),
        allowed_hosts=hosts,
        max_bytes=10,
        transport=transport,
    )
    download(
        "https://files.kie.ai/a.png",
        io.BytesIO(),
        allowed_hosts=hosts,
        max_bytes=10,
        transport=transport,
        user_agent="Custom/1",
    )
    assert agents == [OURS, "Custom/1"]


def test_the_setting_reaches_the_client(settings):
    settings.KIE_USER_AGENT = "FromSettings/3"
    client = upstream.kie_client()
    assert client.user_agent == "FromSettings/3"
    settings.KIE_USER_AGENT = ""
    assert upstream.kie_client().user_agent == OURS


# --- against the sandbox -----------------------------------------------------------------


def sandbox_client(user_agent: str | None) -> KieClient:
    app = SandboxApp(SandboxConfig(api_key="test-key"))
    client = KieClient(
        "test-key", base_url=URL, upload_base_url=URL, transport=SandboxTransport(app)
    )
    if user_agent is None:
        client._http.headers.pop("User-Agent")
    else:
        client._http.headers["User-Agent"] = user_agent
    return client


@pytest.mark.parametrize("agent", [None, "", "Python-urllib/3.11", "python-urllib/3.9"])
def test_the_sandbox_refuses_no_or_a_python_urllib_user_agent(agent):
    with pytest.raises(FirewallRefusedError) as info:
        sandbox_client(agent).account.credits()
    error = info.value
    assert str(error) == (
        "kie.ai's firewall refused the request (not the API key): check the User-Agent"
    )
    assert error.safe_to_retry and error.http_status == 403
    assert isinstance(error, KieError) and not isinstance(error, AuthenticationError)


def test_ours_passes_the_sandbox_firewall():
    app = SandboxApp(SandboxConfig(api_key="test-key"))
    client = KieClient(
        "test-key", base_url=URL, upload_base_url=URL, transport=SandboxTransport(app)
    )
    assert client.account.credits() == 1000


@pytest.mark.parametrize(
    "body",
    [
        "error code: 1010",
        "<html><title>Attention Required! | Cloudflare</title></html>",
        "Error Code: 1010\n",
    ],
)
def test_a_bare_403_from_the_firewall(body):
    client = make_client(lambda request: httpx.Response(403, text=body))
    with pytest.raises(FirewallRefusedError):
        client.account.credits()


def test_a_bare_403_without_1010_is_an_upstream_error():
    client = make_client(lambda request: httpx.Response(403, text="Forbidden"))
    with pytest.raises(UpstreamError) as info:
        client.account.credits()
    assert not isinstance(info.value, FirewallRefusedError | AuthenticationError)


def test_an_envelope_401_is_still_a_bad_key():
    body = {"code": 401, "msg": "You do not have access permissions", "data": None}
    for status in (200, 401):
        client = make_client(lambda request, s=status: httpx.Response(s, json=body))
        with pytest.raises(AuthenticationError):
            client.account.credits()


def test_an_envelope_403_mentioning_cloudflare_is_not_the_firewall():
    body = {"code": 403, "msg": "blocked by cloudflare rule", "data": None}
    client = make_client(lambda request: httpx.Response(403, json=body))
    with pytest.raises(KieError) as info:
        client.account.credits()
    assert not isinstance(info.value, FirewallRefusedError)
