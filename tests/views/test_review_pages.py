"""The review pages: an asset's page, the queue, my submissions, bulk submission, the
navigation's counts, and decisions made with htmx."""

import pytest
from django.test import Client

from generator import review
from generator.models import AssetReview, GenerationTask, Lineage, ReviewState, State
from tests.conftest import person
from tests.factories import make_asset, make_task


def fresh_state(asset) -> str:
    review_row = AssetReview.objects.filter(asset=asset).first()
    return review_row.state if review_row else ReviewState.DRAFT


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def asset(staff):
    return make_asset(make_task(staff, state=State.SUCCEEDED, prompt="Receptionist at dawn"))


@pytest.fixture
def approver_client(approver):
    return client_for(approver)


@pytest.mark.django_db
def test_the_asset_page_offers_a_draft_for_review(staff_client, asset):
    html = staff_client.get(f"/assets/{asset.pk}/").content.decode()
    assert "Receptionist at dawn" in html and "Draft" in html
    assert f'action="/assets/{asset.pk}/submit/"' in html
    assert "/decision/" not in html  # a marketer cannot decide


@pytest.mark.django_db
def test_submitting_from_the_asset_page(staff_client, asset):
    response = staff_client.post(f"/assets/{asset.pk}/submit/", {"note": "for Monday"})
    assert response.status_code == 302 and response["Location"] == f"/assets/{asset.pk}/"
    assert fresh_state(asset) == ReviewState.IN_REVIEW
    html = staff_client.get(f"/assets/{asset.pk}/").content.decode()
    assert "In review" in html and "for Monday" in html
    assert f'action="/assets/{asset.pk}/withdraw/"' in html


@pytest.mark.django_db
def test_the_queue_lists_what_awaits_me_oldest_first_never_my_own(staff, approver, approver_client):
    older = make_asset(make_task(staff, state=State.SUCCEEDED, prompt="older one"))
    newer = make_asset(make_task(staff, state=State.SUCCEEDED, prompt="newer one"))
    mine = make_asset(make_task(approver, state=State.SUCCEEDED, prompt="paul's own"))
    draft = make_asset(make_task(staff, state=State.SUCCEEDED, prompt="still a draft"))
    review.submit(older, staff, "please check the logo")
    review.submit(newer, staff)
    review.submit(mine, approver)
    html = approver_client.get("/review/").content.decode()
    assert html.index("older one") < html.index("newer one")
    assert "paul's own" not in html and "still a draft" not in html and draft
    assert "please check the logo" in html
    assert "1 asset of yours is in review" in html
    assert '<span id="review-count" class="nav-count"' in html and ">2</span>" in html


@pytest.mark.django_db
def test_a_decision_in_the_queue_swaps_the_item_and_the_count(staff, approver_client, asset):
    review.submit(asset, staff)
    response = approver_client.post(
        f"/assets/{asset.pk}/decision/",
        {"decision": "approve", "from": "queue"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="queue-{asset.pk}"' in html and "data-decided" in html and "Approved" in html
    assert 'id="review-count"' in html and 'hx-swap-oob="true"' in html and ">0</span>" in html
    assert fresh_state(asset) == ReviewState.APPROVED


@pytest.mark.django_db
def test_a_refusal_without_reason_in_the_queue_says_so_and_keeps_the_item(
    staff, approver_client, asset
):
    review.submit(asset, staff)
    response = approver_client.post(
        f"/assets/{asset.pk}/decision/",
        {"decision": "reject", "reason": "", "from": "queue"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "Give a reason" in html and "data-queue-item" in html
    assert fresh_state(asset) == ReviewState.IN_REVIEW


@pytest.mark.django_db
def test_deciding_on_my_own_work_is_forbidden(approver, approver_client):
    asset = make_asset(make_task(approver, state=State.SUCCEEDED))
    review.submit(asset, approver)
    response = approver_client.post(f"/assets/{asset.pk}/decision/", {"decision": "approve"})
    assert response.status_code == 403
    assert fresh_state(asset) == ReviewState.IN_REVIEW
    html = approver_client.get(f"/assets/{asset.pk}/").content.decode()
    assert "another approver must decide" in html and "/decision/" not in html


@pytest.mark.django_db
def test_a_marketer_cannot_post_a_decision(staff_client, staff, asset):
    review.submit(asset, person("mona", "marketer"))
    response = staff_client.post(f"/assets/{asset.pk}/decision/", {"decision": "approve"})
    assert response.status_code == 403
    assert fresh_state(asset) == ReviewState.IN_REVIEW


@pytest.mark.django_db
def test_the_asset_page_shows_the_whole_history_with_comments(
    staff, staff_client, approver_client, asset
):
    staff_client.post(f"/assets/{asset.pk}/submit/", {"note": "v1"})
    approver_client.post(f"/assets/{asset.pk}/comments/", {"text": "Nice light"})
    approver_client.post(
        f"/assets/{asset.pk}/decision/", {"decision": "changes", "reason": "Crop tighter"}
    )
    html = staff_client.get(f"/assets/{asset.pk}/").content.decode()
    for text in ("Submitted", "Nice light", "Changes requested", "Crop tighter", "Paul", "Marie"):
        assert text in html
    thread = html.split('class="thread"')[1]
    assert thread.index("v1") < thread.index("Nice light") < thread.index("Crop tighter")
    assert "Make a new version" in html and f"version_of={asset.pk}" in html
    assert "What changed (required)" in html  # the resubmit form


@pytest.mark.django_db
def test_an_htmx_move_on_the_asset_page_returns_the_review_panel(staff_client, asset):
    response = staff_client.post(
        f"/assets/{asset.pk}/comments/", {"text": ""}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="review-panel"')
    assert "Write something to comment." in html


@pytest.mark.django_db
def test_a_refused_plain_post_goes_back_with_the_message(staff_client, asset):
    response = staff_client.post(f"/assets/{asset.pk}/withdraw/", follow=True)
    assert "Only a submission in review can be withdrawn" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "not-a-path", "/x\r\nSet-Cookie: a=b", "/é\x00"],
)
def test_next_never_leads_off_the_site_nor_fails(asset, target):
    client = Client(raise_request_exception=False)
    client.force_login(asset.task.created_by)
    response = client.post(f"/assets/{asset.pk}/submit/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == f"/assets/{asset.pk}/"


@pytest.mark.django_db
def test_next_leads_back_to_a_page_of_the_site(staff_client, asset):
    response = staff_client.post(f"/assets/{asset.pk}/submit/", {"next": "/gallery/?q=phone"})
    assert response["Location"] == "/gallery/?q=phone"


@pytest.mark.django_db
def test_my_submissions_show_states_and_reasons(staff, staff_client, approver, asset):
    other = make_asset(make_task(staff, state=State.SUCCEEDED, prompt="second image"))
    review.submit(asset, staff)
    review.submit(other, staff)
    review.decide(asset, approver, "reject", "Wrong product shown")
    html = staff_client.get("/review/mine/").content.decode()
    assert "Rejected" in html and "Wrong product shown" in html and "In review" in html
    filtered = staff_client.get("/review/mine/?state=in_review").content.decode()
    assert "second image" in filtered and "Wrong product shown" not in filtered
    assert staff_client.get("/review/mine/?state=nonsense").status_code == 200


@pytest.mark.django_db
def test_the_navigation_counts_what_awaits_me_and_what_i_must_rework(
    staff, staff_client, approver, approver_client, asset
):
    review.submit(asset, staff)
    assert (
        '<span id="review-count" class="nav-count"'
        in approver_client.get("/gallery/").content.decode()
    )
    review.decide(asset, approver, "changes", "Bigger logo")
    html = staff_client.get("/gallery/").content.decode()
    assert 'class="nav-count nav-count-warn"' in html
    assert "/review/" in html and 'href="/review/"' not in html  # marketers have no queue


@pytest.mark.django_db
def test_bulk_submission_from_the_gallery(staff, staff_client):
    tasks = [make_task(staff, state=State.SUCCEEDED, prompt=f"image {n}") for n in range(3)]
    assets = [make_asset(task) for task in tasks]
    running = make_task(staff, state=State.RUNNING)
    html = staff_client.get("/gallery/").content.decode()
    assert html.count('form="bulk-submit"') == 3  # finished tasks only
    response = staff_client.post(
        "/gallery/submit/",
        {
            "task": [tasks[0].pk, tasks[2].pk, running.pk, "junk"],
            "note": "batch",
            "next": "/gallery/",
        },
        follow=True,
    )
    assert "2 assets were submitted for review." in response.content.decode()
    states = [fresh_state(a) for a in assets]
    assert states == [ReviewState.IN_REVIEW, ReviewState.DRAFT, ReviewState.IN_REVIEW]
    assert AssetReview.objects.get(asset=assets[0]).note == "batch"


@pytest.mark.django_db
def test_bulk_submission_with_nothing_ticked_says_so(staff_client):
    response = staff_client.post("/gallery/submit/", {}, follow=True)
    assert "Tick the finished images" in response.content.decode()


@pytest.mark.django_db
def test_a_new_version_from_the_generate_page_records_its_lineage(staff, staff_client, asset):
    form = staff_client.get(f"{asset.task.change_and_rerun_url}&version_of={asset.pk}")
    assert f'name="version_of" value="{asset.pk}"' in form.content.decode()
    staff_client.post(
        "/generate/",
        {
            "model": "flux-kontext-pro",
            "operation": "text-to-image",
            "prompt": "Receptionist at dawn, logo bigger",
            "aspectRatio": "16:9",
            "submission_token": "a" * 32,
            "version_of": asset.pk,
        },
    )
    task = GenerationTask.objects.latest("pk")
    assert Lineage.objects.get(task=task).made_from == asset
    newer = make_asset(task)
    assert [a.pk for a in review.versions(newer).earlier] == [asset.pk]
    assert [a.pk for a in review.versions(asset).later] == [newer.pk]
    html = staff_client.get(f"/assets/{newer.pk}/").content.decode()
    assert "New version of" in html and f'href="/assets/{asset.pk}/"' in html
