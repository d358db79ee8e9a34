"""GET /api/v1/approved/: approved assets only, newest approval first, `since`, pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from generator import review
from generator.models import AssetReview, State
from tests.factories import make_asset, make_task


def approve(staff, approver, prompt, minutes_ago=0, model="flux-kontext-pro"):
    asset = make_asset(make_task(staff, state=State.SUCCEEDED, prompt=prompt, model=model))
    review.submit(asset, staff)
    review.decide(asset, approver, "approve")
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    AssetReview.objects.filter(asset=asset).update(decided_at=moment)
    return asset


@pytest.mark.django_db
def test_the_feed_lists_approved_assets_only_newest_first(marketer_api, staff, approver):
    older = approve(staff, approver, "older", minutes_ago=30)
    newer = approve(staff, approver, "newer", minutes_ago=5)
    rejected = make_asset(make_task(staff, state=State.SUCCEEDED, prompt="rejected"))
    review.submit(rejected, staff)
    review.decide(rejected, approver, "reject", "no")
    make_asset(make_task(staff, state=State.SUCCEEDED, prompt="draft"))
    page = marketer_api.get("/api/v1/approved/").json()
    assert [item["id"] for item in page["results"]] == [newer.pk, older.pk]
    assert page["next"] is None
    item = page["results"][0]
    assert item["prompt"] == "newer" and item["approved_by"] == "paul"
    assert item["model"] == "flux-kontext-pro" and item["sha256"] == newer.sha256
    assert item["url"] == f"http://testserver/api/v1/assets/{newer.pk}/file/"
    assert item["provenance_url"].endswith(f"/api/v1/assets/{newer.pk}/provenance/")
    assert marketer_api.get(item["url"]).status_code == 200


@pytest.mark.django_db
def test_since_gives_only_what_is_new(marketer_api, staff, approver):
    approve(staff, approver, "old", minutes_ago=60)
    fresh = approve(staff, approver, "fresh", minutes_ago=1)
    since = (timezone.now() - timedelta(minutes=10)).isoformat()
    page = marketer_api.get("/api/v1/approved/", {"since": since}).json()
    assert [item["id"] for item in page["results"]] == [fresh.pk]
    latest = page["results"][0]["approved_at"]
    assert marketer_api.get("/api/v1/approved/", {"since": latest}).json()["results"] == []


@pytest.mark.django_db
def test_pages_follow_next_without_gaps_or_repeats(marketer_api, staff, approver):
    made = [approve(staff, approver, f"image {n}", minutes_ago=n % 3) for n in range(7)]
    seen, url = [], "/api/v1/approved/?limit=3"
    while url:
        page = marketer_api.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(a.pk for a in made) and len(seen) == len(set(seen))


@pytest.mark.django_db
def test_filter_by_kind_and_model(marketer_api, staff, approver):
    flux = approve(staff, approver, "flux")
    approve(staff, approver, "4o", model="4o-image")
    by_model = marketer_api.get("/api/v1/approved/?model=flux-kontext-pro").json()["results"]
    assert [item["id"] for item in by_model] == [flux.pk]
    assert len(marketer_api.get("/api/v1/approved/?kind=image").json()["results"]) == 2
    assert marketer_api.get("/api/v1/approved/?kind=video").json()["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "since=2026-02-31T00:00:00",
        "limit=0",
        "limit=1000",
        "limit=x",
        "cursor=nonsense",
        "cursor=%00",
        "cursor=MjAyNi0wMS0wMXww",
    ],
)
def test_bad_query_strings_are_400s(marketer_api, query):
    response = marketer_api.get(f"/api/v1/approved/?{query}")
    assert response.status_code == 400 and response.json()["detail"]
