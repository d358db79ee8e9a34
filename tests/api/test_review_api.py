"""The review through the API: submit, decide, the review object; 403 for self-review or
a missing permission, 400 for a refusal without reason or an illegal move."""

import pytest

from generator.models import AssetReview, State
from tests.api.conftest import token_client
from tests.conftest import person
from tests.factories import make_asset, make_task


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


@pytest.fixture
def asset(staff):
    return make_asset(make_task(staff, state=State.SUCCEEDED, prompt="a phone on a desk"))


@pytest.mark.django_db
def test_submit_then_approve_through_the_api(marketer_api, approver_api, asset):
    submitted = post(marketer_api, f"/api/v1/assets/{asset.pk}/submit/", {"note": "for Monday"})
    assert submitted.status_code == 200
    body = submitted.json()
    assert body["id"] == asset.pk and body["review_state"] == "in_review"
    assert body["submitted_by"] == "marie" and body["note"] == "for Monday"
    decided = post(approver_api, f"/api/v1/assets/{asset.pk}/decision/", {"decision": "approve"})
    assert decided.status_code == 200
    review = decided.json()
    assert review["review_state"] == "approved" and review["decided_by"] == "paul"
    assert [
        (h["kind"], h["action"], h["from_state"], h["to_state"]) for h in review["history"]
    ] == [
        ("event", "submit", "draft", "in_review"),
        ("event", "approve", "in_review", "approved"),
    ]


@pytest.mark.django_db
def test_self_review_is_a_403(approver, approver_api):
    own = make_asset(make_task(approver, state=State.SUCCEEDED))
    post(approver_api, f"/api/v1/assets/{own.pk}/submit/")
    response = post(approver_api, f"/api/v1/assets/{own.pk}/decision/", {"decision": "approve"})
    assert response.status_code == 403 and "own work" in response.json()["detail"]
    assert AssetReview.objects.get(asset=own).state == "in_review"


@pytest.mark.django_db
def test_a_marketer_deciding_is_a_403(marketer_api, asset):
    post(token_client(person("mona", "marketer")), f"/api/v1/assets/{asset.pk}/submit/")
    response = post(marketer_api, f"/api/v1/assets/{asset.pk}/decision/", {"decision": "approve"})
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["reject", "changes"])
def test_a_refusal_without_a_reason_is_a_400(marketer_api, approver_api, asset, decision):
    post(marketer_api, f"/api/v1/assets/{asset.pk}/submit/")
    response = post(approver_api, f"/api/v1/assets/{asset.pk}/decision/", {"decision": decision})
    assert response.status_code == 400 and "reason" in response.json()["detail"]


@pytest.mark.django_db
def test_an_illegal_move_is_a_400(approver_api, asset):
    response = post(
        approver_api, f"/api/v1/assets/{asset.pk}/decision/", {"decision": "reject", "reason": "x"}
    )
    assert response.status_code == 400 and "in review" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [{}, {"decision": "maybe"}, {"decision": 3}, {"decision": "approve", "reason": ["x"]}]
)
def test_a_bad_decision_body_is_a_400(approver_api, asset, body):
    response = post(approver_api, f"/api/v1/assets/{asset.pk}/decision/", body)
    assert response.status_code == 400 and response.json()["detail"]


@pytest.mark.django_db
def test_rejected_resubmitted_as_a_new_version_with_comments(
    marketer_api, approver_api, staff, asset
):
    post(marketer_api, f"/api/v1/assets/{asset.pk}/submit/")
    post(approver_api, f"/api/v1/assets/{asset.pk}/comments/", {"text": "The phone is tiny"})
    post(
        approver_api,
        f"/api/v1/assets/{asset.pk}/decision/",
        {"decision": "changes", "reason": "Bigger phone"},
    )
    refused = post(marketer_api, f"/api/v1/assets/{asset.pk}/submit/")
    assert refused.status_code == 400 and "Say what changed" in refused.json()["detail"]
    again = post(marketer_api, f"/api/v1/assets/{asset.pk}/submit/", {"note": "Phone bigger"})
    assert again.json()["review_state"] == "in_review"
    kinds = [h["kind"] for h in marketer_api.get(f"/api/v1/assets/{asset.pk}/").json()["history"]]
    assert kinds == ["event", "comment", "event", "event"]


@pytest.mark.django_db
def test_withdraw_and_unknown_assets(marketer_api, asset):
    post(marketer_api, f"/api/v1/assets/{asset.pk}/submit/")
    assert (
        post(marketer_api, f"/api/v1/assets/{asset.pk}/withdraw/").json()["review_state"] == "draft"
    )
    assert marketer_api.get("/api/v1/assets/987654/").status_code == 404
    assert post(marketer_api, "/api/v1/assets/987654/submit/").status_code == 404


@pytest.mark.django_db
def test_provenance_through_the_api(marketer_api, asset):
    facts = marketer_api.get(f"/api/v1/assets/{asset.pk}/provenance/").json()
    assert facts["asset"]["sha256"] == asset.sha256 and facts["generation"]["prompt"]


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"[null, null]", b"7", b'"note"', b"null", b"{"])
def test_a_body_that_is_no_json_object_is_a_400(marketer_api, asset, raw):
    response = marketer_api.post(
        f"/api/v1/assets/{asset.pk}/submit/", raw, content_type="application/json"
    )
    assert response.status_code == 400
    assert not AssetReview.objects.filter(asset=asset, state="in_review").exists()
