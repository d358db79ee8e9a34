"""POST /_sandbox/control and GET /_sandbox/stats: auth, validation, each field, and what
the stats count."""

import json

import httpx
import pytest

from generator.sandbox import SandboxApp, SandboxConfig, SandboxTransport
from generator.sandbox.faults import PROFILES

URL = "http://127.0.0.1:8001"
KEY = "test-key"


@pytest.fixture
def app(clock):
    return SandboxApp(
        SandboxConfig(api_key=KEY, clock=clock, duration_seconds=10.0, public_url=URL)
    )


@pytest.fixture
def http(app):
    headers = {"Authorization": f"Bearer {KEY}", "User-Agent": "tests/1.0"}
    with httpx.Client(transport=SandboxTransport(app), base_url=URL, headers=headers) as c:
        yield c


def control(http, body, **kwargs) -> httpx.Response:
    return http.post("/_sandbox/control", json=body, **kwargs)


def stats(http) -> dict:
    response = http.get("/_sandbox/stats")
    assert response.status_code == 200, response.text
    return response.json()


def create(http, prompt="a kite", model="ideogram/v3-text-to-image") -> str:
    response = http.post(
        "/api/v1/jobs/createTask", json={"model": model, "input": {"prompt": prompt}}
    )
    assert response.json()["code"] == 200, response.text
    return response.json()["data"]["taskId"]


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/_sandbox/control"), ("GET", "/_sandbox/stats")]
)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic test-key", "test-key"])
def test_both_endpoints_need_the_sandbox_key(http, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {"Authorization": ""}
    response = http.request(method, path, headers=headers, json={})
    assert response.status_code == 401
    assert "Bearer" in response.json()["error"]


def test_wrong_method_and_unknown_path(http):
    assert http.get("/_sandbox/control").status_code == 405
    assert http.post("/_sandbox/stats").status_code == 405
    assert http.get("/_sandbox/other").status_code == 404


def test_control_answers_the_configuration(http):
    response = control(http, {})
    assert response.status_code == 200
    assert response.json() == {
        "faults": {},
        "seed": None,
        "duration": 10.0,
        "slow_seconds": 2.0,
        "hang_seconds": 65.0,
        "marker_hits": 1,
        "callbacks": False,
        "balance": 1000,
    }


def test_faults_by_table_and_by_profile(http, app):
    answer = control(http, {"faults": {"drop": 0.1, "rate_limit": 0, "slow": 1}}).json()
    assert answer["faults"] == {"drop": 0.1, "slow": 1.0}
    assert app.config.faults == {"drop": 0.1, "slow": 1.0}
    assert control(http, {"faults": "harsh"}).json()["faults"] == PROFILES["harsh"]
    assert control(http, {"faults": "none"}).json()["faults"] == {}


def test_fault_table_replaces_the_previous_one(http):
    control(http, {"faults": {"drop": 0.5}})
    assert control(http, {"faults": {"slow": 0.5}}).json()["faults"] == {"slow": 0.5}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"faults": {"explode": 0.1}}, "unknown fault 'explode'"),
        ({"faults": {"drop": 1.5}}, "from 0 to 1"),
        ({"faults": {"drop": -0.1}}, "from 0 to 1"),
        ({"faults": {"drop": "x"}}, "from 0 to 1"),
        ({"faults": {"drop": True}}, "from 0 to 1"),
        ({"faults": "chaos"}, "unknown fault profile"),
        ({"faults": 3}, "profile name or an object"),
        ({"seed": "1"}, "seed must be an integer"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"duration": -1}, "duration must be a number"),
        ({"duration": "5"}, "duration must be a number"),
        ({"credits": -5}, "credits must be a number"),
        ({"credits": True}, "credits must be a number"),
        ({"deduct_credits": 0}, "deduct_credits must be more than 0"),
        ({"deduct_credits": 5000}, "more than the balance"),
        ({"reset": "yes"}, "reset must be true or false"),
        ({"marker_hits": 0}, "marker_hits must be a whole number"),
        ({"slow_seconds": 1e9}, "slow_seconds must be a number"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_bad_fields_are_400_with_a_clear_message_and_change_nothing(http, app, body, says):
    response = control(http, {"duration": 3, **body})
    assert response.status_code == 400
    assert says in response.json()["error"]
    assert app.config.duration_seconds == 10.0 and app.balance == 1000


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1, 2]", b'"text"', b'{"duration": NaN}', b'{"duration": Infinity}', b"\xff"],
)
def test_bodies_that_are_not_a_json_object(http, raw):
    response = http.post("/_sandbox/control", content=raw)
    assert response.status_code == 400
    assert "error" in response.json()


def test_deep_and_big_bodies_are_refused(http):
    deep = '{"faults": ' + "[" * 5000 + "]" * 5000 + "}"
    response = http.post("/_sandbox/control", content=deep.encode())
    assert response.status_code == 400 and "nested deeper" in response.json()["error"]
    big = json.dumps({"faults": {"drop": 0.1}, "x": "a" * 70000}).encode()
    response = http.post("/_sandbox/control", content=big)
    assert response.status_code == 400 and "over" in response.json()["error"]


def test_brackets_inside_strings_do_not_count_as_depth(http):
    response = control(http, {"faults": "[[[[[[[[[[[[[[{{{{{{{{{{"})
    assert response.status_code == 400 and "unknown fault profile" in response.json()["error"]


def test_seed_reseeds_the_draws(http):
    def draws() -> list[int]:
        control(http, {"seed": 7, "faults": {"rate_limit": 0.5}})
        return [http.get("/api/v1/chat/credit").json()["code"] for _ in range(16)]

    first = draws()
    assert first == draws() and {200, 429} == set(first)


def test_duration(http, app, clock):
    assert control(http, {"duration": 2}).json()["duration"] == 2
    task_id = create(http)
    clock.advance(2.5)
    assert app.task(task_id)["state"] == "success"


def test_credits_set_the_balance_and_keep_the_books_balanced(http):
    create(http)
    answer = control(http, {"credits": 50.5}).json()
    assert answer["balance"] == 50.5
    numbers = stats(http)
    assert numbers["balance"] == 50.5
    movement = numbers["charged"] - numbers["refunded"] + numbers["deducted"]
    assert numbers["initial_balance"] - numbers["balance"] == pytest.approx(movement)


def test_deduct_credits_vanish_with_no_task(http):
    answer = control(http, {"deduct_credits": 2.5}).json()
    assert answer["balance"] == 997.5
    numbers = stats(http)
    assert numbers["deducted"] == 2.5 and numbers["tasks_created"] == 0
    assert http.get("/api/v1/chat/credit").json()["data"] == 997.5


def test_reset_forgets_everything(http, app):
    task_id = create(http)
    control(http, {"faults": {"drop": 0.5}, "deduct_credits": 1})
    answer = control(http, {"reset": True}).json()
    assert answer["balance"] == 1000
    assert app.task(task_id) is None
    assert stats(http)["tasks_created"] == 0 and stats(http)["deducted"] == 0
    assert answer["faults"] == {"drop": 0.5}  # the configuration stays; only state goes


def test_stats_count_tasks_by_model_and_prompt_and_money(http, clock):
    create(http, "one")
    create(http, "two")
    create(http, "two [sandbox:fail]")
    response = http.post(
        "/api/v1/flux/kontext/generate", json={"prompt": "one", "model": "flux-kontext-max"}
    )
    assert response.json()["code"] == 200
    clock.advance(11)
    numbers = stats(http)
    assert numbers["tasks_created"] == 4
    assert numbers["by_model"] == {"ideogram/v3-text-to-image": 3, "flux-kontext-max": 1}
    assert numbers["by_prompt"] == {"one": 2, "two": 1, "two [sandbox:fail]": 1}
    assert numbers["refunded"] > 0 and numbers["charged"] > numbers["refunded"]
    assert numbers["initial_balance"] == 1000
    assert numbers["balance"] == pytest.approx(1000 - numbers["charged"] + numbers["refunded"])
    assert set(numbers) >= {"faults_injected", "callbacks_sent", "callbacks_failed"}


def test_refused_creates_are_not_counted(http):
    control(http, {"credits": 0})
    response = http.post(
        "/api/v1/jobs/createTask",
        json={"model": "ideogram/v3-text-to-image", "input": {"prompt": "x"}},
    )
    assert response.json()["code"] == 402
    assert stats(http)["tasks_created"] == 0


def test_faults_set_by_control_take_effect(http):
    control(http, {"faults": {"maintenance": 1}})
    assert http.get("/api/v1/chat/credit").json()["code"] == 455
    assert stats(http)["faults_injected"] == {"maintenance": 1}
