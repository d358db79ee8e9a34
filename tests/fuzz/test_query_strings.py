"""Random query strings at every view that reads one: never a server error."""

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from generator import catalog
from tests.factories import make_asset, make_task
from tests.fuzz.hostile import answer, extra_fields, ids, junk

cards = st.lists(st.tuples(ids, junk).map(":".join), max_size=60).map(",".join)
htmx = st.fixed_dictionaries(
    {},
    optional={"HTTP_HX_REQUEST": st.just("true"), "HTTP_HX_TARGET": junk, "HTTP_HX_TRIGGER": junk},
)


@pytest.fixture
def staff_browser(staff):
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    client.asset = make_asset(make_task(staff, state="SUCCEEDED"))
    make_task(staff, state="RUNNING")
    return client


@pytest.mark.django_db
@given(
    query=st.fixed_dictionaries(
        {},
        optional={
            "kind": st.one_of(st.sampled_from(list(catalog.Kind)), junk),
            "model": st.one_of(st.sampled_from([m.key for m in catalog.MODELS]), junk),
            "state": st.one_of(st.sampled_from(["active", "SUCCEEDED", "failed"]), junk),
            "q": junk,
            "page": ids,
            "new": ids,
        },
    ),
    extra=extra_fields,
    headers=htmx,
)
def test_gallery(staff_browser, query, extra, headers):
    answer(staff_browser, "get", "/gallery/", data={**extra, **query}, **headers)


@pytest.mark.django_db
@given(value=st.one_of(cards, junk), headers=htmx)
def test_gallery_live(staff_browser, value, headers):
    answer(staff_browser, "get", "/gallery/live/", data={"cards": value}, **headers)


@pytest.mark.django_db
@given(
    query=st.fixed_dictionaries(
        {},
        optional={
            "model": st.one_of(st.sampled_from([m.key for m in catalog.MODELS]), junk),
            "operation": st.one_of(st.sampled_from(["text-to-image", "edit", "remix"]), junk),
            "from_task": ids,
            "input_asset": ids,
            "saved_prompt": ids,
            "earlier_inputs": st.lists(ids, max_size=3),
            "prompt": junk,
            "aspectRatio": junk,
            "nVariants": junk,
            "strength": junk,
        },
    ),
    extra=extra_fields,
    headers=htmx,
)
def test_generate_page(staff_browser, query, extra, headers):
    answer(staff_browser, "get", "/generate/", data={**extra, **query}, **headers)


@pytest.mark.django_db
@given(pk=ids, query=extra_fields, headers=htmx)
def test_task_and_file_pages(staff_browser, pk, query, headers):
    asset = staff_browser.asset
    for url in (f"/tasks/{asset.task_id}/", asset.get_absolute_url(), asset.thumbnail_url()):
        answer(staff_browser, "get", url, data=query, **headers)
    answer(staff_browser, "get", f"/tasks/{pk}/", **headers)
