"""Random bodies at the kie callback: a JSON answer every time, never a server error."""

import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.hostile import answer, junk

json_trees = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)
callbacks = st.builds(
    lambda task_id, tree: {"code": 200, "data": {"taskId": task_id, "info": tree}},
    st.one_of(st.just("abc"), junk, st.integers()),
    json_trees,
)


@st.composite
def bodies(draw) -> bytes:
    kind = draw(st.sampled_from(["tree", "callback", "bytes", "deep", "huge"]))
    if kind == "tree":
        return json.dumps(draw(json_trees)).encode()
    if kind == "callback":
        return json.dumps(draw(callbacks)).encode()
    if kind == "bytes":
        return draw(st.binary(max_size=500))
    if kind == "deep":
        depth = draw(st.integers(min_value=60, max_value=50_000))
        opener = draw(st.sampled_from(["[", '{"a":', '{"data":']))
        return (opener * depth).encode()
    return b'{"data": {"taskId": "abc", "pad": "' + b"x" * draw(st.integers(60_000, 300_000))


@pytest.mark.django_db
@given(
    body=bodies(),
    content_type=st.sampled_from(["application/json", "text/plain", "multipart/form-data"]),
    headers=st.fixed_dictionaries(
        {},
        optional={
            "HTTP_X_WEBHOOK_TIMESTAMP": st.one_of(st.integers().map(str), junk),
            "HTTP_X_WEBHOOK_SIGNATURE": junk,
        },
    ),
    signing_key=st.sampled_from(["", "hmac-test-key"]),
)
def test_kie_callback(settings, body, content_type, headers, signing_key):
    settings.KIE_WEBHOOK_HMAC_KEY = signing_key
    client = Client(raise_request_exception=False)
    response = answer(
        client, "post", "/kie/callback/", data=body, content_type=content_type, **headers
    )
    assert response.status_code in (200, 400, 401, 413)
    assert response.json()["ok"] is (response.status_code == 200)
