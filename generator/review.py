"""Review and approval: the rules the pages, the API and the CLI share.

Submitting, withdrawing, deciding and commenting each check the person's permission and
the rules here (nobody decides on their own work, a refusal needs a reason), then make
the move through `AssetReview.move()`, which records it. Bad input raises ReviewError
(a 400 with its message), a person without the right NotAllowed (a 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from generator import notifications, roles
from generator.models import (
    DECISIONS,
    Asset,
    AssetComment,
    AssetReview,
    IllegalMove,
    ReviewAction,
    ReviewEvent,
    ReviewState,
)

MAX_TEXT = 2000
DECISION_NAMES = {
    "approve": ReviewAction.APPROVE,
    "changes": ReviewAction.REQUEST_CHANGES,
    "reject": ReviewAction.REJECT,
}


class ReviewError(Exception):
    """A move the rules refuse; its message says why, to the person who tried."""


class NotAllowed(ReviewError):
    """The person may not make this move at all."""


def state_of(asset: Asset) -> str:
    """The asset's review state; an asset nobody has submitted is a draft."""
    try:
        return asset.review.state
    except AssetReview.DoesNotExist:
        return ReviewState.DRAFT


def submit(asset: Asset, user, note: str = "") -> ReviewEvent:
    """Send a draft to the approvers, or resubmit one whose changes were requested (a
    resubmission says what changed)."""
    _require(user, roles.SUBMIT, _("Your role does not allow submitting assets for review."))
    note = _clean(note, _("note"))
    review = AssetReview.of(asset)
    action = ReviewAction.SUBMIT
    if review.state == ReviewState.CHANGES_REQUESTED:
        action = ReviewAction.RESUBMIT
        if not note:
            raise ReviewError(_("Say what changed in a note when you resubmit."))
    event = _move(review, action, user, note)
    notifications.review_event(event)
    return event


def submit_many(assets, user, note: str = "") -> tuple[list[Asset], list[tuple[Asset, str]]]:
    """Submit several assets at once: those submitted, and those refused with why."""
    done, refused = [], []
    for asset in assets:
        try:
            submit(asset, user, note)
        except NotAllowed:
            raise
        except ReviewError as exc:
            refused.append((asset, str(exc)))
        else:
            done.append(asset)
    return done, refused


def withdraw(asset: Asset, user) -> ReviewEvent:
    """Take a submission back before anyone decides (only its submitter may)."""
    _require(user, roles.SUBMIT, _("Your role does not allow submitting assets for review."))
    review = AssetReview.of(asset)

    def only_the_submitter(current: AssetReview) -> None:
        if current.state == ReviewState.IN_REVIEW and current.submitted_by_id != user.pk:
            raise NotAllowed(_("Only the person who submitted it can withdraw it."))

    return _move(review, ReviewAction.WITHDRAW, user, "", check=only_the_submitter)


def decide(asset: Asset, user, decision: str, reason: str = "") -> ReviewEvent:
    """Approve, request changes or reject (`decision`: approve, changes, reject). Refusals
    need a reason; nobody decides on an asset they made or submitted."""
    _require(user, roles.REVIEW, _("Your role does not allow approving or rejecting."))
    action = DECISION_NAMES.get(decision)
    if action is None:
        raise ReviewError(_("The decision must be approve, changes or reject."))
    reason = _clean(reason, _("reason"))
    if action != ReviewAction.APPROVE and not reason:
        raise ReviewError(_("Give a reason when you reject or request changes."))
    review = AssetReview.of(asset)

    def not_their_own(current: AssetReview) -> None:
        if user.pk in (current.submitted_by_id, asset.task.created_by_id):
            raise NotAllowed(_("Nobody decides on their own work: another approver must."))

    event = _move(review, action, user, reason, check=not_their_own)
    notifications.review_event(event)
    return event


def comment(asset: Asset, user, text: str) -> AssetComment:
    _require(user, roles.COMMENT, _("Your role does not allow commenting."))
    text = _clean(text, _("comment"))
    if not text:
        raise ReviewError(_("Write something to comment."))
    return AssetComment.objects.create(asset=asset, author=user, text=text)


def may_decide(asset: Asset, user) -> bool:
    """Whether `user` may decide on this asset now (what the pages offer)."""
    if not user.has_perm(roles.REVIEW) or state_of(asset) != ReviewState.IN_REVIEW:
        return False
    return user.pk not in (asset.review.submitted_by_id, asset.task.created_by_id)


@dataclass(frozen=True)
class HistoryEntry:
    """A review event or a comment, as the asset's thread shows them."""

    at: datetime
    person: object
    text: str
    event: ReviewEvent | None = None

    @property
    def is_comment(self) -> bool:
        return self.event is None


def history(asset: Asset) -> list[HistoryEntry]:
    """Review events and comments, oldest first."""
    entries = [
        HistoryEntry(at=e.at, person=e.actor, text=e.text, event=e)
        for e in asset.review_events.select_related("actor")
    ]
    entries += [
        HistoryEntry(at=c.at, person=c.author, text=c.text)
        for c in asset.comments.select_related("author")
    ]
    return sorted(entries, key=lambda entry: entry.at)


def _move(review: AssetReview, action: str, user, text: str, check=None) -> ReviewEvent:
    try:
        return review.move(action, user, text, check=check)
    except IllegalMove as exc:
        raise ReviewError(_illegal(exc)) from None


def _illegal(exc: IllegalMove) -> str:
    state = ReviewState(exc.state).label
    if exc.action == ReviewAction.WITHDRAW:
        return _("Only a submission in review can be withdrawn; this asset is %(state)s.") % {
            "state": state.lower()
        }
    if exc.action in DECISIONS:
        return _("Only an asset in review can be decided on; this one is %(state)s.") % {
            "state": state.lower()
        }
    return _("This asset cannot be submitted: it is %(state)s.") % {"state": state.lower()}


def _require(user, permission: str, message: str) -> None:
    if not (user and user.is_active and user.has_perm(permission)):
        raise NotAllowed(message)


def _clean(text, name: str) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ReviewError(_("The %(name)s must be text.") % {"name": name})
    text = text.replace("\x00", "").strip()
    if len(text) > MAX_TEXT:
        raise ReviewError(
            _("The %(name)s is %(length)d characters long; the limit is %(limit)d.")
            % {"name": name, "length": len(text), "limit": MAX_TEXT}
        )
    return text


@dataclass(frozen=True)
class Versions:
    """An asset's lineage: the versions it follows (oldest first), the assets it was made
    from as input images, and the later versions made from it."""

    earlier: list[Asset]
    inputs: list[Asset]
    later: list[Asset]


def versions(asset: Asset, limit: int = 20) -> Versions:
    earlier, current = [], asset
    while len(earlier) < limit:
        lineage = getattr(current.task, "lineage", None)
        if lineage is None or lineage.made_from_id in {a.pk for a in earlier} | {asset.pk}:
            break
        current = lineage.made_from
        earlier.insert(0, current)
    inputs = [
        task_input.source_asset
        for task_input in asset.task.inputs.select_related("source_asset")
        if task_input.source_asset_id and task_input.source_asset_id != asset.pk
    ]
    later = list(
        Asset.objects.filter(task__lineage__made_from=asset)
        .select_related("task", "review")
        .order_by("task_id", "index")[:limit]
    )
    return Versions(earlier=earlier, inputs=inputs, later=later)
