"""The real client against a sandbox that answers every error with HTTP 200 (kie-api.md 11.4).

The class of each exception must come from the body code, whatever the HTTP status says.
"""

import io

import pytest

from generator.kie import (
    AuthenticationError,
    InputError,
    InsufficientCreditsError,
    KieClient,
    NotFoundError,
)
from tests.kie.helpers import sandbox_client

IDEOGRAM = "ideogram/v3-text-to-image"


@pytest.fixture
def kie(clock):
    client, app = sandbox_client(errors_in_http_200=True, clock=clock)
    with client:
        yield client, app


def test_wrong_key_is_authentication_error(kie):
    client, _ = kie
    intruder = KieClient("wrong", base_url=client.base_url, transport=client.transport)
    with pytest.raises(AuthenticationError) as info:
        intruder.account.credits()
    assert (info.value.code, info.value.http_status) == (401, 200)


def test_empty_balance_is_insufficient_credits_error(kie):
    client, app = kie
    app.set_balance(0)
    with pytest.raises(InsufficientCreditsError) as info:
        client.market.create(IDEOGRAM, {"prompt": "a cat"})
    assert (info.value.code, info.value.http_status) == (402, 200)


def test_unknown_task_is_not_found_error(kie):
    client, _ = kie
    with pytest.raises(NotFoundError) as info:
        client.market.get_status("0" * 32)
    assert (info.value.code, info.value.http_status) == (404, 200)


def test_record_info_is_null_is_not_found_error(clock):
    client, _ = sandbox_client(errors_in_http_200=True, visibility_delay_seconds=1.0, clock=clock)
    task_id = client.market.create(IDEOGRAM, {"prompt": "a cat"})
    with pytest.raises(NotFoundError) as info:
        client.market.get_status(task_id)
    assert (info.value.code, info.value.http_status) == (422, 200)
    assert info.value.message == "recordInfo is null"


@pytest.mark.parametrize(
    ("family", "model", "fields"),
    [
        ("market", IDEOGRAM, {"prompt": "a cat", "style": "CUBIST"}),
        ("market", "no/such-model", {"prompt": "a cat"}),
        ("gpt4o_image", None, {"prompt": "a cat"}),
        ("flux_kontext", "flux-kontext-max", {"prompt": "a cat", "aspectRatio": "5:1"}),
    ],
)
def test_invalid_input_is_input_error(kie, family, model, fields):
    client, _ = kie
    with pytest.raises(InputError) as info:
        client.family(family).create(model, fields)
    assert (info.value.code, info.value.http_status) == (422, 200)


def test_failed_upload_is_input_error(kie):
    client, _ = kie
    with pytest.raises(InputError) as info:
        client.files.upload(io.BytesIO(b""), "empty.png", "image/png", "refs")
    assert (info.value.code, info.value.http_status) == (400, 200)
