"""Random input at the review pages, the library and the review moves: never a server
error, and never a move the rules refuse."""

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from generator import catalog, review
from generator.models import AssetReview, ReviewState
from tests.factories import make_asset, make_task
from tests.fuzz.hostile import answer, extra_fields, ids, junk

htmx = st.fixed_dictionaries(
    {}, optional={"HTTP_HX_REQUEST": st.just("true"), "HTTP_HX_TARGET": junk}
)
texts = st.one_of(junk, st.just(""), st.just("x" * 2001))


@pytest.fixture
def people(staff, approver):
    submitted = make_asset(make_task(staff, state="SUCCEEDED"))
    review.submit(submitted, staff)
    approved = make_asset(make_task(staff, state="SUCCEEDED"))
    review.submit(approved, staff)
    review.decide(approved, approver, "approve")
    clients = {}
    for name, user in (("marketer", staff), ("approver", approver)):
        clients[name] = Client(raise_request_exception=False)
        clients[name].force_login(user)
    clients["submitted"], clients["approved"] = submitted, approved
    return clients


@pytest.mark.django_db
@given(
    query=st.fixed_dictionaries(
        {},
        optional={
            "kind": st.one_of(st.sampled_from(list(catalog.Kind)), junk),
            "model": st.one_of(st.sampled_from([m.key for m in catalog.MODELS]), junk),
            "q": junk,
            "since": st.one_of(st.dates().map(str), junk),
            "page": ids,
            "state": junk,
        },
    ),
    extra=extra_fields,
    headers=htmx,
)
def test_pages_with_query_strings(people, query, extra, headers):
    for url in ("/library/", "/review/mine/", "/review/"):
        answer(people["approver"], "get", url, data={**extra, **query}, **headers)


@pytest.mark.django_db
@given(chosen=st.lists(ids, max_size=30))
def test_library_zip(people, chosen):
    answer(people["marketer"], "get", "/library/zip/", data={"asset": chosen})


@pytest.mark.django_db
@given(
    decision=st.one_of(st.sampled_from(["approve", "changes", "reject"]), junk),
    reason=texts,
    source=st.sampled_from(["", "queue", "x"]),
    headers=htmx,
)
def test_decisions(people, decision, reason, source, headers):
    asset = people["submitted"]
    AssetReview.objects.filter(asset=asset).update(state=ReviewState.IN_REVIEW)
    data = {"decision": decision, "reason": reason, "from": source}
    answer(people["marketer"], "post", f"/assets/{asset.pk}/decision/", data=data, **headers)
    assert AssetReview.objects.get(asset=asset).state == ReviewState.IN_REVIEW  # no right
    answer(people["approver"], "post", f"/assets/{asset.pk}/decision/", data=data, **headers)
    state = AssetReview.objects.get(asset=asset).state
    if decision in ("changes", "reject") and not reason.replace("\x00", "").strip():
        assert state == ReviewState.IN_REVIEW  # no refusal without a reason
    if decision not in ("approve", "changes", "reject"):
        assert state == ReviewState.IN_REVIEW


@pytest.mark.django_db
@given(
    note=texts,
    text=texts,
    tasks=st.lists(ids, max_size=10),
    next_page=st.one_of(junk, st.just("//evil.example/")),
    headers=htmx,
)
def test_submissions_and_comments(people, note, text, tasks, next_page, headers):
    client, asset = people["marketer"], people["approved"]
    for url in ("submit", "withdraw", "comments"):
        data = {"note": note, "text": text, "next": next_page}
        response = answer(client, "post", f"/assets/{asset.pk}/{url}/", data=data, **headers)
        assert "evil.example" not in response.get("Location", "")
    answer(
        client, "post", "/gallery/submit/", data={"task": tasks, "note": note, "next": next_page}
    )
    assert AssetReview.objects.get(asset=asset).state == ReviewState.APPROVED  # final
    answer(Client(), "post", f"/assets/{asset.pk}/comments/", data={"text": text})
