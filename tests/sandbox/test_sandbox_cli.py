"""`manage.py kie sandbox` and `python -m generator.sandbox`: --faults, --fault, --seed."""

import pytest
from django.core.management import CommandError, call_command

from generator.sandbox import server
from generator.sandbox.faults import PROFILES, FaultError


@pytest.fixture
def served(monkeypatch):
    """The configuration `serve` would have run with (nothing is served)."""
    seen = {}
    monkeypatch.setattr(
        "generator.sandbox.serve", lambda host, port, config: seen.update(config=config)
    )
    monkeypatch.setattr(server, "serve", lambda host, port, config: seen.update(config=config))
    return seen


def test_default_is_no_fault_with_callbacks_on(served):
    call_command("kie", "sandbox", "--port", "18999")
    config = served["config"]
    assert config.faults == {} and config.seed is None and config.callbacks


def test_profile_single_faults_seed_and_slow_seconds(served):
    call_command(
        "kie",
        "sandbox",
        "--faults",
        "default",
        "--fault",
        "drop=0.5",
        "--fault",
        "rate_limit=0",
        "--fault",
        "never_finish=0.01",
        "--seed",
        "9",
        "--slow-seconds",
        "0.5",
    )
    config = served["config"]
    expected = {**PROFILES["default"], "drop": 0.5, "never_finish": 0.01}
    expected.pop("rate_limit")
    assert config.faults == expected
    assert (config.seed, config.slow_seconds) == (9, 0.5)


def test_a_json_profile(served):
    call_command("kie", "sandbox", "--faults", '{"timeout": 0.2, "drop": 0}')
    assert served["config"].faults == {"timeout": 0.2}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--faults", "chaos"], "unknown fault profile"),
        (["--faults", "{not json"], "not valid JSON"),
        (["--faults", '{"drop": 2}'], "from 0 to 1"),
        (["--fault", "drop"], "NAME=P"),
        (["--fault", "explode=0.1"], "NAME=P"),
        (["--fault", "drop=nan"], "from 0 to 1"),
        (["--fault", "result_404@create=0.1"], "cannot hit"),
    ],
)
def test_bad_faults_are_a_clear_error(served, args, says):
    with pytest.raises(CommandError, match=says):
        call_command("kie", "sandbox", *args)
    assert "config" not in served


def test_the_standalone_server_takes_the_same_flags(served):
    server.main(["--port", "18998", "--faults", "harsh", "--fault", "timeout=0.1", "--seed", "3"])
    config = served["config"]
    assert config.faults == {**PROFILES["harsh"], "timeout": 0.1} and config.seed == 3
    assert config.callbacks


def test_the_standalone_server_refuses_a_bad_profile(served, capsys):
    with pytest.raises(SystemExit):
        server.main(["--faults", "nope"])
    assert "unknown fault profile" in capsys.readouterr().err


def test_fault_options_errors_are_fault_errors():
    with pytest.raises(FaultError):
        server.fault_options("none", ["slow=-1"])


def test_a_single_fault_aimed_at_one_kind(served):
    call_command("kie", "sandbox", "--fault", "proxy_502@record=0.25")
    assert served["config"].faults == {"proxy_502@record": 0.25}
