"""Random input at every form of the studio: never a server error, never a task by accident."""

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from generator import catalog
from generator.models import GenerationTask
from tests.fuzz.hostile import answer, extra_fields, ids, junk, value_for

OPERATIONS = [(model, operation) for model in catalog.MODELS for operation in model.operations]


@st.composite
def generate_posts(draw) -> dict:
    model, operation = draw(st.sampled_from(OPERATIONS))
    post = {"model": model.key, "operation": operation.key}
    for param in operation.params:
        if draw(st.booleans()):
            post[param.name] = draw(value_for(param))
    for name in ("input_asset", "saved_prompt", "submission_token", "save_as"):
        if draw(st.booleans()):
            post[name] = draw(ids if name != "save_as" else junk)
    if draw(st.booleans()):
        post["earlier_inputs"] = draw(st.lists(ids, max_size=3))
    if draw(st.integers(0, 9)) == 0:  # now and then, a model or operation that is not one
        post[draw(st.sampled_from(["model", "operation"]))] = draw(junk)
    return {**draw(extra_fields), **post}


@pytest.fixture
def staff_browser(staff):
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    return client


@pytest.mark.django_db
@given(post=generate_posts(), htmx=st.booleans())
def test_generate_post(staff_browser, post, htmx):
    before = GenerationTask.objects.count()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = answer(staff_browser, "post", "/generate/", data=post, **headers)
    if response.status_code != 302 and "HX-Redirect" not in response:
        assert GenerationTask.objects.count() == before


@pytest.mark.django_db
@given(post=generate_posts())
def test_estimate(staff_browser, post):
    post = {key: value for key, value in post.items() if isinstance(value, str)}
    answer(staff_browser, "get", "/generate/estimate/", data=post)


@pytest.mark.django_db
@given(username=junk, password=junk, extra=extra_fields)
def test_login(username, password, extra):
    client = Client(raise_request_exception=False)
    data = {**extra, "username": username, "password": password}
    answer(client, "post", "/login/", data=data)
    answer(client, "post", "/admin/login/", data=data)
