"""Transport faults over a real socket: the sandbox served by server.py on a random
loopback port, reached by the real KieClient."""

import threading
import time
import urllib.request
from urllib.error import HTTPError

import httpx
import pytest

from generator.kie import KieClient, MalformedResponseError, TransportError
from generator.sandbox import SandboxApp, SandboxConfig
from generator.sandbox.server import make_sandbox_server

KEY = "test-key"


@pytest.fixture
def served():
    started = []

    def start(**options) -> tuple[str, SandboxApp]:
        app = SandboxApp(SandboxConfig(api_key=KEY, duration_seconds=10.0, **options))
        server = make_sandbox_server("127.0.0.1", 0, app)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config.public_url = url
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        started.append((server, thread))
        return url, app

    yield start
    for server, thread in started:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def kie(url: str, timeout: float = 5.0) -> KieClient:
    return KieClient(KEY, base_url=url, upload_base_url=url, timeout=timeout)


def test_drop_closes_the_socket_after_creating_the_task(served):
    url, app = served(faults={"drop": 1.0})
    with pytest.raises(TransportError):
        kie(url).gpt4o_image.create(None, {"size": "1:1", "prompt": "lost"})
    with (
        httpx.Client() as http,
        pytest.raises(httpx.RemoteProtocolError, match="without sending a response"),
    ):
        http.get(url + "/api/v1/chat/credit", headers={"Authorization": f"Bearer {KEY}"})
    assert app.stats_snapshot()["by_prompt"] == {"lost": 1}


def test_drop_before_closes_the_socket_without_creating(served):
    url, app = served(faults={"drop_before": 1.0})
    with pytest.raises(TransportError):
        kie(url).gpt4o_image.create(None, {"size": "1:1", "prompt": "never"})
    assert app.stats_snapshot()["tasks_created"] == 0


def test_timeout_hangs_past_the_clients_timeout(served):
    url, app = served(faults={"timeout": 1.0}, hang_seconds=1.0)
    started = time.monotonic()
    with pytest.raises(TransportError, match="in time"):
        kie(url, timeout=0.3).account.credits()
    assert 0.25 < time.monotonic() - started < 0.9
    assert app.stats_snapshot()["faults_injected"] == {"timeout": 1}


def test_malformed_json_over_http(served):
    url, _ = served(faults={"malformed_json": 1.0})
    with pytest.raises(MalformedResponseError):
        kie(url).account.credits()


def test_python_urllib_gets_cloudflare_1010(served):
    url, _ = served()
    request = urllib.request.Request(
        url + "/api/v1/chat/credit", headers={"Authorization": f"Bearer {KEY}"}
    )
    with pytest.raises(HTTPError) as info:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310 - loopback only
    assert info.value.code == 403
    assert info.value.read() == b"error code: 1010"


def test_control_over_http(served):
    url, app = served()
    headers = {"Authorization": f"Bearer {KEY}"}
    response = httpx.post(url + "/_sandbox/control", json={"faults": "default"}, headers=headers)
    assert response.status_code == 200 and response.json()["faults"]["drop"] > 0
    assert httpx.get(url + "/_sandbox/stats", headers=headers).json()["tasks_created"] == 0
