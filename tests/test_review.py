"""Review rules: every transition, the illegal ones, nobody deciding on their own work, a
reason for every refusal, the append-only trail, and the e-mails."""

import pytest
from django.core import mail

from generator import review
from generator.models import AssetReview, ReviewEvent, ReviewState, State
from tests.conftest import person
from tests.factories import make_asset, make_task
from tests.helpers import run_jobs


@pytest.fixture
def asset(staff):
    return make_asset(make_task(staff, state=State.SUCCEEDED))


def state(asset) -> str:
    return AssetReview.objects.get(asset=asset).state


@pytest.mark.django_db
def test_an_asset_nobody_submitted_is_a_draft(asset):
    assert review.state_of(asset) == ReviewState.DRAFT


@pytest.mark.django_db
def test_submit_then_approve(asset, staff, approver):
    review.submit(asset, staff, "for the launch post")
    assert state(asset) == ReviewState.IN_REVIEW
    review.decide(asset, approver, "approve")
    approval = AssetReview.objects.get(asset=asset)
    assert approval.state == ReviewState.APPROVED
    assert approval.decided_by == approver and approval.decided_at
    assert approval.submitted_by == staff and approval.note == "for the launch post"


@pytest.mark.django_db
def test_changes_requested_then_resubmitted_with_a_note(asset, staff, approver):
    review.submit(asset, staff)
    review.decide(asset, approver, "changes", "The logo is cut off")
    assert state(asset) == ReviewState.CHANGES_REQUESTED
    with pytest.raises(review.ReviewError, match="Say what changed"):
        review.submit(asset, staff, "  ")
    event = review.submit(asset, staff, "Logo moved inside the frame")
    assert event.action == "resubmit" and state(asset) == ReviewState.IN_REVIEW
    assert AssetReview.objects.get(asset=asset).reason == ""  # the old decision is done


@pytest.mark.django_db
def test_rejected_is_final(asset, staff, approver):
    review.submit(asset, staff)
    review.decide(asset, approver, "reject", "Off brand")
    assert state(asset) == ReviewState.REJECTED
    for move in (
        lambda: review.submit(asset, staff, "please"),
        lambda: review.withdraw(asset, staff),
        lambda: review.decide(asset, approver, "approve"),
    ):
        with pytest.raises(review.ReviewError) as refused:
            move()
        assert not isinstance(refused.value, review.NotAllowed)
    assert state(asset) == ReviewState.REJECTED


@pytest.mark.django_db
def test_withdrawn_goes_back_to_draft_and_can_be_submitted_again(asset, staff):
    review.submit(asset, staff)
    review.withdraw(asset, staff)
    assert state(asset) == ReviewState.DRAFT
    review.submit(asset, staff)
    assert state(asset) == ReviewState.IN_REVIEW


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "move", "message"),
    [
        ([], lambda a, s, p: review.decide(a, p, "approve"), "Only an asset in review"),
        ([], lambda a, s, p: review.withdraw(a, s), "Only a submission in review"),
        (["submit"], lambda a, s, p: review.submit(a, s), "cannot be submitted: it is in review"),
        (["submit", "approve"], lambda a, s, p: review.submit(a, s, "x"), "it is approved"),
        (["submit", "approve"], lambda a, s, p: review.decide(a, p, "reject", "x"), "approved"),
        (["submit", "approve"], lambda a, s, p: review.withdraw(a, s), "approved"),
    ],
)
def test_illegal_moves_are_refused_with_a_message(asset, staff, approver, setup, move, message):
    if "submit" in setup:
        review.submit(asset, staff)
    if "approve" in setup:
        review.decide(asset, approver, "approve")
    before = ReviewEvent.objects.count()
    with pytest.raises(review.ReviewError, match=message):
        move(asset, staff, approver)
    assert ReviewEvent.objects.count() == before


@pytest.mark.django_db
def test_nobody_approves_their_own_submission(staff):
    lead = person("lena", "approver")
    asset = make_asset(make_task(staff, state=State.SUCCEEDED))
    review.submit(asset, lead)  # Lena submits Marie's image, then tries to approve it
    with pytest.raises(review.NotAllowed, match="own work"):
        review.decide(asset, lead, "approve")
    assert state(asset) == ReviewState.IN_REVIEW


@pytest.mark.django_db
def test_nobody_approves_what_they_generated(approver, staff):
    asset = make_asset(make_task(approver, state=State.SUCCEEDED))
    review.submit(asset, staff)  # submitted by someone else, made by the approver
    with pytest.raises(review.NotAllowed):
        review.decide(asset, approver, "approve")


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["changes", "reject"])
def test_a_refusal_needs_a_reason(asset, staff, approver, decision):
    review.submit(asset, staff)
    with pytest.raises(review.ReviewError, match="Give a reason"):
        review.decide(asset, approver, decision, " \n ")
    assert state(asset) == ReviewState.IN_REVIEW


@pytest.mark.django_db
def test_an_unknown_decision_is_refused(asset, staff, approver):
    review.submit(asset, staff)
    with pytest.raises(review.ReviewError, match="approve, changes or reject"):
        review.decide(asset, approver, "maybe")


@pytest.mark.django_db
def test_marketers_cannot_decide_and_people_without_a_role_cannot_submit(asset, staff):
    review.submit(asset, staff)
    other_marketer = person("mona", "marketer")
    with pytest.raises(review.NotAllowed):
        review.decide(asset, other_marketer, "approve")
    with pytest.raises(review.NotAllowed):
        review.submit(make_asset(asset.task, index=1), person("visitor"))
    with pytest.raises(review.NotAllowed):
        review.comment(asset, person("nobody"), "nice")


@pytest.mark.django_db
def test_only_the_submitter_withdraws(asset, staff):
    review.submit(asset, staff)
    with pytest.raises(review.NotAllowed, match="Only the person who submitted"):
        review.withdraw(asset, person("mona", "marketer"))
    assert state(asset) == ReviewState.IN_REVIEW


@pytest.mark.django_db
def test_texts_are_bounded_and_cleaned(asset, staff):
    with pytest.raises(review.ReviewError, match="limit is 2000"):
        review.submit(asset, staff, "x" * 2001)
    review.submit(asset, staff, "  a note\x00 ")
    assert AssetReview.objects.get(asset=asset).note == "a note"


@pytest.mark.django_db
def test_every_move_is_recorded_with_who_when_from_to_and_why(asset, staff, approver):
    review.submit(asset, staff, "first try")
    review.decide(asset, approver, "changes", "Too dark")
    review.submit(asset, staff, "Brighter now")
    review.decide(asset, approver, "approve")
    trail = [
        (e.actor.username, e.action, e.from_state, e.to_state, e.text)
        for e in ReviewEvent.objects.filter(asset=asset)
    ]
    assert trail == [
        ("marie", "submit", "draft", "in_review", "first try"),
        ("paul", "changes", "in_review", "changes_requested", "Too dark"),
        ("marie", "resubmit", "changes_requested", "in_review", "Brighter now"),
        ("paul", "approve", "in_review", "approved", ""),
    ]
    assert all(e.at for e in ReviewEvent.objects.all())


@pytest.mark.django_db
def test_history_mixes_events_and_comments_in_time_order(asset, staff, approver):
    review.submit(asset, staff)
    review.comment(asset, approver, "Could the phone be bigger?")
    review.decide(asset, approver, "changes", "Bigger phone")
    entries = review.history(asset)
    assert [e.is_comment for e in entries] == [False, True, False]
    assert entries[1].text == "Could the phone be bigger?" and entries[1].person == approver
    with pytest.raises(review.ReviewError, match="Write something"):
        review.comment(asset, staff, "   ")


@pytest.mark.django_db
def test_submit_many_submits_drafts_and_says_why_others_were_not(staff):
    task = make_task(staff, state=State.SUCCEEDED)
    first, second = make_asset(task, 0), make_asset(task, 1)
    review.submit(second, staff)
    done, refused = review.submit_many([first, second], staff, "campaign A")
    assert done == [first]
    assert [(a, "in review" in why) for a, why in refused] == [(second, True)]


# --- e-mails --------------------------------------------------------------------------


@pytest.mark.django_db
def test_approvers_hear_of_a_submission_and_the_submitter_of_the_decision(
    asset, staff, approver, django_capture_on_commit_callbacks
):
    person("ada", "admin", email="ada@example.com")
    person("quiet", "approver")  # no address: no e-mail
    with django_capture_on_commit_callbacks(execute=True):
        review.submit(asset, staff, "for Monday")
    run_jobs()
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "paul@example.com"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees the others' addresses
    message = mail.outbox[0]
    assert f"Asset #{asset.pk} awaits your review" in message.subject
    assert "for Monday" in message.body and f"/assets/{asset.pk}/" in message.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review.decide(asset, approver, "reject", "Off brand colours")
    run_jobs()
    assert [m.to for m in mail.outbox] == [["marie@example.com"]]
    assert "rejected" in mail.outbox[0].subject
    assert "Off brand colours" in mail.outbox[0].body


@pytest.mark.django_db
def test_nobody_is_mailed_about_their_own_move(approver, django_capture_on_commit_callbacks):
    asset = make_asset(make_task(approver, state=State.SUCCEEDED))
    with django_capture_on_commit_callbacks(execute=True):
        review.submit(asset, approver)  # Paul submits his own image: no mail to himself
    run_jobs()
    assert mail.outbox == []
