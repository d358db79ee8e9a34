"""Review and approval: each asset's review state, its append-only trail, comments, lineage.

`AssetReview.move()` is the one place a review state changes; it checks the move against
MOVES and writes a ReviewEvent in the same transaction. Who may make a move (roles, nobody
deciding on their own work, a reason for a refusal) is `generator.review`'s business.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REJECTED = "rejected", _("Rejected")


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    WITHDRAW = "withdraw", _("Withdrawn")
    APPROVE = "approve", _("Approved")
    REQUEST_CHANGES = "changes", _("Changes requested")
    REJECT = "reject", _("Rejected")
    RESUBMIT = "resubmit", _("Resubmitted")


# (from, action) -> to. Approved and rejected are final for an asset: a rejected one
# lives on as a new version made from it.
MOVES: dict[tuple[str, str], str] = {
    (ReviewState.DRAFT, ReviewAction.SUBMIT): ReviewState.IN_REVIEW,
    (ReviewState.IN_REVIEW, ReviewAction.WITHDRAW): ReviewState.DRAFT,
    (ReviewState.IN_REVIEW, ReviewAction.APPROVE): ReviewState.APPROVED,
    (ReviewState.IN_REVIEW, ReviewAction.REQUEST_CHANGES): ReviewState.CHANGES_REQUESTED,
    (ReviewState.IN_REVIEW, ReviewAction.REJECT): ReviewState.REJECTED,
    (ReviewState.CHANGES_REQUESTED, ReviewAction.RESUBMIT): ReviewState.IN_REVIEW,
}
DECISIONS = (ReviewAction.APPROVE, ReviewAction.REQUEST_CHANGES, ReviewAction.REJECT)


class IllegalMove(Exception):
    def __init__(self, state: str, action: str):
        self.state, self.action = state, action
        super().__init__(f"{action} is not possible from {state}")


class AssetReviewQuerySet(models.QuerySet):
    def in_review(self):
        return self.filter(state=ReviewState.IN_REVIEW)

    def approved(self):
        return self.filter(state=ReviewState.APPROVED)

    def awaiting(self, user):
        """In review, and not the work of `user` (nobody decides on their own work)."""
        return self.in_review().exclude(submitted_by=user).exclude(asset__task__created_by=user)


class AssetReview(models.Model):
    """Where one asset stands in review. An asset without one is a draft."""

    asset = models.OneToOneField("generator.Asset", on_delete=models.CASCADE, related_name="review")
    state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submitted_reviews",
    )
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    note = models.TextField(blank=True, help_text="The submitter's note to the approvers.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_reviews",
    )
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reason = models.TextField(blank=True, help_text="The approver's reason.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssetReviewQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "id"]
        # The roles (generator.roles) are made of these.
        permissions = [
            ("view_studio", "Can see the studio: gallery, tasks, assets, library"),
            ("generate", "Can generate (spends credits)"),
            ("submit_asset", "Can submit assets for review"),
            ("comment_asset", "Can comment on assets"),
            ("review_asset", "Can approve, request changes or reject assets"),
        ]

    def __str__(self) -> str:
        return f"asset {self.asset_id}: {self.state}"

    @classmethod
    def of(cls, asset) -> AssetReview:
        """The asset's review, created as a draft the first time it is asked for."""
        review, _created = cls.objects.get_or_create(asset=asset)
        return review

    def move(self, action: str, actor, text: str = "", check=None) -> ReviewEvent:
        """Make `action`, or raise IllegalMove. The one place a review state changes.

        `check(current)`, given, runs on the locked row first and may raise to refuse."""
        with transaction.atomic():
            current = AssetReview.objects.select_for_update().get(pk=self.pk)
            if check:
                check(current)
            to = MOVES.get((current.state, action))
            if to is None:
                raise IllegalMove(current.state, action)
            now = timezone.now()
            if action in (ReviewAction.SUBMIT, ReviewAction.RESUBMIT):
                current.submitted_by, current.submitted_at, current.note = actor, now, text
                current.decided_by, current.decided_at, current.reason = None, None, ""
            elif action in DECISIONS:
                current.decided_by, current.decided_at, current.reason = actor, now, text
            event = ReviewEvent.objects.create(
                asset_id=current.asset_id,
                actor=actor,
                action=action,
                from_state=current.state,
                to_state=to,
                text=text,
                at=now,
            )
            current.state = to
            current.save()
        self.refresh_from_db()
        return event


class ReviewEvent(models.Model):
    """One review move: who, when, from, to, and the note or reason. Never edited."""

    asset = models.ForeignKey(
        "generator.Asset", on_delete=models.CASCADE, related_name="review_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_events"
    )
    action = models.CharField(max_length=10, choices=ReviewAction.choices)
    from_state = models.CharField(max_length=20, choices=ReviewState.choices)
    to_state = models.CharField(max_length=20, choices=ReviewState.choices)
    text = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"asset {self.asset_id}: {self.from_state} -> {self.to_state} ({self.action})"


class AssetComment(models.Model):
    """A comment in an asset's thread, shown among its review events. Never edited."""

    asset = models.ForeignKey("generator.Asset", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="asset_comments"
    )
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"comment on asset {self.asset_id} by {self.author_id}"


class Lineage(models.Model):
    """A generation made as a new version of an earlier asset."""

    task = models.OneToOneField(
        "generator.GenerationTask", on_delete=models.CASCADE, related_name="lineage"
    )
    made_from = models.ForeignKey(
        "generator.Asset", on_delete=models.CASCADE, related_name="later_versions"
    )

    def __str__(self) -> str:
        return f"task {self.task_id} from asset {self.made_from_id}"
