"""Generation tasks: the state machine, its events, and the reference images given to a task."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from generator import catalog
from generator.models.credits import CreditBalanceSnapshot, CreditLedgerEntry
from generator.models.preferences import in_language_of
from generator.templatetags.studio import credit_amount


class State(models.TextChoices):
    # Above the approval threshold: nothing is reserved or sent until an admin approves.
    AWAITING_APPROVAL = "HELD", gettext_lazy("Awaiting approval")
    QUEUED = "QUEUED", gettext_lazy("Queued")
    # The create was sent but its answer was lost: kie.ai may have made (and charged) it.
    UNCONFIRMED = "UNCONFIRMED", gettext_lazy("Awaiting kie.ai")
    SUBMITTED = "SUBMITTED", gettext_lazy("Submitted")
    RUNNING = "RUNNING", gettext_lazy("Generating")
    DOWNLOADING = "DOWNLOADING", gettext_lazy("Saving")
    SUCCEEDED = "SUCCEEDED", gettext_lazy("Done")
    FAILED = "FAILED", gettext_lazy("Failed")
    TIMED_OUT = "TIMED_OUT", gettext_lazy("Timed out")
    CANCELED = "CANCELED", gettext_lazy("Canceled")


class FailureKind(models.TextChoices):
    CREDITS = "credits", gettext_lazy("Not enough credits")
    INPUT = "input", gettext_lazy("Input refused")
    POLICY = "policy", gettext_lazy("Content policy")
    UPSTREAM = "upstream", gettext_lazy("kie.ai problem")
    TIMEOUT = "timeout", gettext_lazy("Took too long")
    DOWNLOAD = "download", gettext_lazy("Download failed")
    AUTH = "auth", gettext_lazy("API key refused")
    UNKNOWN = "unknown", gettext_lazy("Outcome unknown")


ACTIVE_STATES = (
    State.QUEUED,
    State.UNCONFIRMED,
    State.SUBMITTED,
    State.RUNNING,
    State.DOWNLOADING,
)
FINAL_STATES = (State.SUCCEEDED, State.FAILED, State.TIMED_OUT, State.CANCELED)
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    State.AWAITING_APPROVAL: frozenset({State.QUEUED, State.CANCELED}),
    State.QUEUED: frozenset({State.SUBMITTED, State.UNCONFIRMED, State.FAILED, State.CANCELED}),
    # Evidence (a callback naming our task) re-attaches it; none in time fails it unknown.
    State.UNCONFIRMED: frozenset({State.SUBMITTED, State.FAILED}),
    State.SUBMITTED: frozenset({State.RUNNING, State.DOWNLOADING, State.FAILED, State.TIMED_OUT}),
    State.RUNNING: frozenset({State.DOWNLOADING, State.FAILED, State.TIMED_OUT}),
    State.DOWNLOADING: frozenset({State.SUCCEEDED, State.FAILED}),
    # A failed download may be retried (the files still wait at kie.ai), and an unknown
    # outcome re-attached when late evidence names its kie.ai task.
    State.FAILED: frozenset({State.DOWNLOADING, State.SUBMITTED}),
}
# From FAILED, the failure kind decides which of those moves is open.
REOPENING: dict[str, str] = {State.DOWNLOADING: "download", State.SUBMITTED: "unknown"}


class IllegalTransition(Exception):
    pass


# A submit claim not renewed for this long belongs to a dead worker (a live one renews it
# between uploads, and the create itself times out well within it).
SUBMIT_LEASE = timedelta(seconds=60)


class GenerationTaskQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state__in=ACTIVE_STATES)

    def due_for_poll(self, now=None):
        now = now or timezone.now()
        return self.filter(
            state__in=(State.SUBMITTED, State.RUNNING), next_poll_at__lte=now
        ).order_by("next_poll_at")

    def due_for_submit(self, now=None):
        """Queued tasks whose submission was deferred (rate limit) or whose job was lost."""
        now = now or timezone.now()
        return self.filter(state=State.QUEUED, submit_claimed_at__isnull=True).filter(
            Q(next_poll_at__lte=now)
            | Q(next_poll_at__isnull=True, created_at__lte=now - timedelta(seconds=30))
        )

    def interrupted_submissions(self, now=None):
        """Claimed for submission but the claim's lease ran out: its worker died. Before
        the create left (no create_sent_at) it is simply sent again; after, kie.ai may or
        may not have the task."""
        now = now or timezone.now()
        return self.filter(state=State.QUEUED, submit_claimed_at__lt=now - SUBMIT_LEASE)

    def unconfirmed_past_deadline(self, now=None):
        """Unknown outcomes that no evidence has named within their wait."""
        now = now or timezone.now()
        return self.filter(state=State.UNCONFIRMED, next_poll_at__lte=now)

    def unknown_outcomes(self):
        """Every task kie.ai may have made without our knowing: still waiting for
        evidence, or finished with its charge unknown."""
        return self.filter(
            Q(state=State.UNCONFIRMED) | Q(state=State.FAILED, failure_kind=FailureKind.UNKNOWN)
        )

    def stalled_downloads(self, now=None):
        now = now or timezone.now()
        return self.filter(state=State.DOWNLOADING).filter(
            Q(download_claimed_until__lt=now)
            | Q(download_claimed_until__isnull=True, updated_at__lte=now - timedelta(seconds=60))
        )

    def for_gallery(self):
        return self.select_related("created_by").prefetch_related("assets")

    def filtered(self, *, kind="", model="", state="", search=""):
        tasks = self
        if kind:
            tasks = tasks.filter(kind=kind)
        if model:
            tasks = tasks.filter(model_key=model)
        if state == "active":
            tasks = tasks.active()
        elif state == "failed":
            tasks = tasks.filter(state__in=(State.FAILED, State.TIMED_OUT, State.CANCELED))
        elif state:
            tasks = tasks.filter(state=state)
        if search:
            tasks = tasks.filter(prompt_text__icontains=search)
        return tasks


class GenerationTask(models.Model):
    """One request to kie.ai, from the form to the stored files.

    `state` only changes through `transition()`, which checks the move, records a
    TaskEvent and applies the credit effects in one transaction.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="generation_tasks",
        verbose_name=gettext_lazy("created by"),
    )
    prompt = models.ForeignKey(
        "generator.Prompt",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=gettext_lazy("saved prompt"),
    )
    model_key = models.CharField(gettext_lazy("model"), max_length=60, db_index=True)
    operation = models.CharField(gettext_lazy("operation"), max_length=40)
    kind = models.CharField(
        gettext_lazy("kind"),
        max_length=10,
        choices=[(k.value, catalog.KIND_LABELS[k]) for k in catalog.Kind],
        db_index=True,
    )
    params = models.JSONField(
        gettext_lazy("parameters"),
        default=dict,
        help_text=gettext_lazy("Validated parameters, as sent to kie.ai."),
    )
    prompt_text = models.TextField(gettext_lazy("prompt"), blank=True)
    submission_key = models.CharField(
        gettext_lazy("submission key"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=gettext_lazy(
            "Fingerprint of the form post that made it: a repeated post makes no new task."
        ),
    )

    state = models.CharField(
        gettext_lazy("state"),
        max_length=12,
        choices=State.choices,
        default=State.QUEUED,
        db_index=True,
    )
    progress = models.FloatField(gettext_lazy("progress"), null=True, blank=True)
    failure_kind = models.CharField(
        gettext_lazy("failure"), max_length=10, choices=FailureKind.choices, blank=True
    )
    failure_message = models.TextField(gettext_lazy("failure message"), blank=True)
    last_error = models.TextField(
        gettext_lazy("last error"),
        blank=True,
        help_text=gettext_lazy("Latest transient problem (retried)."),
    )

    upstream_task_id = models.CharField(
        gettext_lazy("kie.ai task id"), max_length=120, blank=True, db_index=True
    )
    upstream_id_source = models.CharField(
        gettext_lazy("kie.ai task id from"),
        max_length=10,
        blank=True,
        choices=[
            ("create", gettext_lazy("the create's answer")),
            ("callback", gettext_lazy("a callback")),
            ("admin", gettext_lazy("an admin")),
        ],
        help_text=gettext_lazy(
            "Where the kie.ai task id came from: one not from the create's answer is "
            "evidence, and only record-info can confirm it."
        ),
    )
    upstream_record = models.JSONField(gettext_lazy("kie.ai record"), default=dict, blank=True)
    result_urls = models.JSONField(gettext_lazy("result URLs"), default=list, blank=True)

    credits_estimated = models.DecimalField(
        gettext_lazy("estimated credits"), max_digits=10, decimal_places=2, default=Decimal(0)
    )
    credits_charged = models.DecimalField(
        gettext_lazy("charged credits"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    credits_reported = models.DecimalField(
        gettext_lazy("credits kie.ai reported"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=gettext_lazy("What kie.ai said this task consumed (a signed callback)."),
    )

    next_poll_at = models.DateTimeField(
        gettext_lazy("next poll at"), null=True, blank=True, db_index=True
    )
    poll_count = models.PositiveIntegerField(gettext_lazy("polls"), default=0)
    poll_failures = models.PositiveSmallIntegerField(
        gettext_lazy("failed polls"),
        default=0,
        help_text=gettext_lazy("Status checks that failed in a row (they back off)."),
    )
    submit_claimed_at = models.DateTimeField(
        gettext_lazy("submission claimed at"), null=True, blank=True
    )
    submit_claim = models.CharField(
        gettext_lazy("submission claim"), max_length=32, blank=True, editable=False
    )
    create_sent_at = models.DateTimeField(
        gettext_lazy("create sent at"),
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "Set just before the create request left: after it, kie.ai may have the "
            "task even if no answer came."
        ),
    )
    submit_attempts = models.PositiveSmallIntegerField(
        gettext_lazy("submission attempts"), default=0
    )
    download_claimed_until = models.DateTimeField(
        gettext_lazy("download claimed until"), null=True, blank=True
    )
    download_attempts = models.PositiveSmallIntegerField(
        gettext_lazy("download attempts"), default=0
    )

    # The asset a follow-up (extend, 1080p, stems...) or derived task (soundtrack) acts on.
    source_asset = models.ForeignKey(
        "Asset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived_tasks",
        verbose_name=gettext_lazy("made from"),
    )
    # A family's own stage word where it reports stages (Suno: TEXT_SUCCESS, FIRST_SUCCESS).
    stage = models.CharField(gettext_lazy("stage"), max_length=40, blank=True)
    created_at = models.DateTimeField(gettext_lazy("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(gettext_lazy("submitted at"), null=True, blank=True)
    finished_at = models.DateTimeField(gettext_lazy("finished at"), null=True, blank=True)

    objects = GenerationTaskQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("generation task")
        verbose_name_plural = gettext_lazy("generation tasks")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_poll_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "submission_key"],
                condition=~Q(submission_key=""),
                name="one_task_per_form_post",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.model_label} {self.get_state_display()}"

    def get_absolute_url(self) -> str:
        return reverse("generator:task", args=[self.pk])

    # --- catalog ---------------------------------------------------------------------
    @property
    def catalog_model(self) -> catalog.CatalogModel:
        return catalog.get(self.model_key)

    @property
    def model_label(self) -> str:
        try:
            return self.catalog_model.label
        except catalog.CatalogError:
            return self.model_key

    @property
    def operation_label(self) -> str:
        try:
            return self.catalog_model.operation(self.operation).label
        except catalog.CatalogError:
            return self.operation

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def awaits_approval(self) -> bool:
        return self.state == State.AWAITING_APPROVAL

    @property
    def display_progress(self) -> int | None:
        """Percent for the progress bar; None draws an indeterminate bar."""
        if self.state == State.QUEUED:
            return 3
        if self.state == State.UNCONFIRMED:
            return None  # waiting for evidence: no progress to show
        if self.state == State.SUBMITTED:
            return 8
        if self.state == State.DOWNLOADING:
            return 96
        if self.state == State.RUNNING:
            return None if self.progress is None else max(10, min(int(self.progress * 90), 90))
        return 100

    @property
    def rerun_is_the_next_step(self) -> bool:
        """Whether "Re-run" is the button to press: not after a refusal of the prompt or
        input (change it first), nor while kie.ai may have made this one (paying twice),
        nor when kie.ai refused our key or its balance was too low, until a balance read
        since says it now covers the task (it would only be refused again)."""
        if self.state in (State.UNCONFIRMED, State.AWAITING_APPROVAL):
            return False
        if self.failure_kind == FailureKind.UNKNOWN:
            return False
        if self.failure_kind == FailureKind.CREDITS:
            since = CreditBalanceSnapshot.objects.filter(at__gt=self.finished_at or self.updated_at)
            latest = since.order_by("-at", "-id").first()
            return latest is not None and latest.balance >= self.credits_estimated
        return self.failure_kind not in (FailureKind.POLICY, FailureKind.INPUT, FailureKind.AUTH)

    @property
    def charge(self) -> str:
        """What kie.ai kept, in one word: "charged", "refunded" (a failed generation kie
        gave back), "not_charged" (refused or never sent), "unknown" (kie.ai may have made
        it), or "pending" while the task is not finished."""
        if self.state == State.UNCONFIRMED or self.failure_kind == FailureKind.UNKNOWN:
            return "unknown"
        if not self.is_final:
            return "pending"
        if self.credits_charged is None:
            return "unknown"
        if self.credits_charged == 0 and self._made_here:
            return "not_charged"  # never sent to kie.ai (a soundtrack is made here)
        if self.credits_charged > 0 or not _releases_credits(self.state, self.failure_kind):
            return "charged"
        if self.state == State.FAILED and self.upstream_task_id:
            return "refunded"
        return "not_charged"

    @property
    def _made_here(self) -> bool:
        try:
            return self.catalog_model.family is catalog.Family.LOCAL
        except catalog.CatalogError:
            return False

    @property
    def credits_shown(self) -> Decimal:
        return self.credits_charged if self.credits_charged is not None else self.credits_estimated

    @property
    def change_and_rerun_url(self) -> str:
        """The generate form, filled with this task's model, operation and settings."""
        query = f"?model={self.model_key}&operation={self.operation}&from_task={self.pk}"
        return reverse("generator:generate") + query

    def edit_operation(self) -> catalog.Operation | None:
        """The operation of this model that takes an image, for "use as input" (of an
        image: a video result is restyled instead, see the task page)."""
        if self.kind != catalog.Kind.IMAGE:
            return None
        try:
            return self.catalog_model.image_operation()
        except catalog.CatalogError:
            return None

    @property
    def version(self) -> str:
        """Changes exactly when the card would look different (the live update compares
        it): a poll that learns nothing new sends no card."""
        progress = self.display_progress
        credits = Decimal(self.credits_shown).quantize(Decimal("0.01"))
        return f"{self.state}.{'x' if progress is None else progress}.{credits}.{self.stage}"

    # --- the state machine -----------------------------------------------------------
    def transition(self, to: str, *, message: str = "", failure_kind: str = "", **fields) -> None:
        """Move to state `to`, or raise IllegalTransition. The one place `state` changes.

        The ledger follows: a task is reserved once kie.ai may have it (see
        `mark_create_sent`), and released when kie.ai refunds it or never had it.
        """
        with transaction.atomic():
            current = GenerationTask.objects.select_for_update().get(pk=self.pk)
            allowed = to in ALLOWED_TRANSITIONS.get(current.state, frozenset())
            if current.state == State.FAILED and current.failure_kind != REOPENING.get(to):
                allowed = False
            if not allowed:
                raise IllegalTransition(f"task {self.pk}: {current.state} -> {to} is not allowed")
            now = timezone.now()
            from_state = current.state
            for name, value in fields.items():
                setattr(current, name, value)
            current.state = to
            if from_state == State.FAILED:
                current.failure_kind, current.failure_message = "", ""
                current.finished_at = None
                if "credits_charged" not in fields:
                    current.credits_charged = None
            if to == State.FAILED or to == State.TIMED_OUT:
                current.failure_kind = failure_kind or (
                    FailureKind.TIMEOUT if to == State.TIMED_OUT else FailureKind.UPSTREAM
                )
                current.failure_message = message
            if to in FINAL_STATES or to == State.DOWNLOADING:
                current.next_poll_at = None  # only submitted and running tasks are polled
            if to in FINAL_STATES:
                current.finished_at = now
            if to == State.SUCCEEDED:
                current.progress = 1.0
            if to in FINAL_STATES and "credits_charged" not in fields:
                current.credits_charged = _charged_at_end(current, to)
            current.save()
            TaskEvent.objects.create(
                task=current, from_state=from_state, to_state=to, message=message[:2000]
            )
            if to == State.SUBMITTED:
                current.reserve_credits(gettext_lazy("reserved at submission"))
            elif to == State.UNCONFIRMED:
                CreditLedgerEntry.objects.create(
                    task=current,
                    user_id=current.created_by_id,
                    kind=CreditLedgerEntry.Kind.UNKNOWN,
                    amount=Decimal(0),
                    note=current.ledger_note(
                        gettext_lazy(
                            "no answer to the create; the reservation stays until "
                            "kie.ai's answer is found"
                        )
                    ),
                )
            elif _releases_credits(to, current.failure_kind):
                reserved = current.reserved_credits()
                if reserved:
                    CreditLedgerEntry.objects.create(
                        task=current,
                        user_id=current.created_by_id,
                        kind=CreditLedgerEntry.Kind.RELEASE,
                        amount=reserved,
                        note=current.ledger_note(
                            gettext_lazy("canceled, reservation released")
                            if to == State.CANCELED
                            else gettext_lazy("failed, reservation released")
                        ),
                    )
        self.refresh_from_db()

    def reserve_credits(self, why: str) -> None:
        """Reserve the estimate unless this task holds a reservation already."""
        if self.credits_estimated and not self.reserved_credits():
            CreditLedgerEntry.objects.create(
                task=self,
                user_id=self.created_by_id,
                kind=CreditLedgerEntry.Kind.RESERVE,
                amount=-self.credits_estimated,
                note=self.ledger_note(why),
            )

    def book_charge(self, credits: Decimal) -> bool:
        """kie.ai said what this task cost: the ledger's hold on it becomes that figure (a
        CHARGE entry corrects the reservation, by nothing when they agree), and a finished
        task's charged credits say so. Saying the same figure again books nothing."""
        credits = Decimal(credits).quantize(Decimal("0.01"))
        with transaction.atomic():
            current = GenerationTask.objects.select_for_update().get(pk=self.pk)
            held = current.reserved_credits()
            booked = current.ledger_entries.filter(kind=CreditLedgerEntry.Kind.CHARGE).exists()
            if held == credits and booked:
                return False
            with in_language_of(current.created_by_id):
                said = _("kie.ai charged %(amount)s") % {"amount": credit_amount(credits)}
            CreditLedgerEntry.objects.create(
                task=current,
                user_id=current.created_by_id,
                kind=CreditLedgerEntry.Kind.CHARGE,
                amount=held - credits,
                note=current.ledger_note(said),
            )
            if current.is_final and current.charge != "unknown":
                GenerationTask.objects.filter(pk=self.pk).update(credits_charged=credits)
        self.refresh_from_db()
        return True

    def ledger_note(self, what) -> str:
        """A ledger line about this task, in its creator's language (lazy `what`)."""
        with in_language_of(self.created_by_id):
            return (_("%(model)s: %(what)s") % {"model": self.model_label, "what": what})[:200]

    def mark_create_sent(self, claim: str) -> bool:
        """Record, just before the create request leaves, that kie.ai may from now on have
        this task, and reserve its credits. False when our submit claim was taken over
        (a slow worker's successor): then this worker must not send."""
        with transaction.atomic():
            now = timezone.now()
            marked = GenerationTask.objects.filter(
                pk=self.pk, state=State.QUEUED, submit_claim=claim, create_sent_at__isnull=True
            ).update(create_sent_at=now, submit_claimed_at=now, updated_at=now)
            if marked:
                self.create_sent_at = now
                self.reserve_credits(gettext_lazy("reserved as the create was sent"))
        return bool(marked)

    def reserved_credits(self) -> Decimal:
        total = self.ledger_entries.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        return -total if total < 0 else Decimal(0)

    def record_progress(self, progress: float | None, next_poll_at, upstream_record=None) -> None:
        """Poll bookkeeping that is not a state change (no event)."""
        changes = {
            "next_poll_at": next_poll_at,
            "poll_count": F("poll_count") + 1,
            "poll_failures": 0,
            "last_error": "",
            "updated_at": timezone.now(),
        }
        if progress is not None and progress != self.progress:
            changes["progress"] = progress
        if upstream_record is not None:
            changes["upstream_record"] = upstream_record
        GenerationTask.objects.filter(pk=self.pk).update(**changes)


def _releases_credits(to: str, failure_kind: str) -> bool:
    """kie refunds failed generations and never charges a refused create; a failed
    download or a timeout was still spent, and an unknown outcome may have been."""
    if to == State.CANCELED:
        return True
    return to == State.FAILED and failure_kind not in (FailureKind.DOWNLOAD, FailureKind.UNKNOWN)


def _charged_at_end(task: GenerationTask, to: str):
    """What kie kept: nothing when it never had the task or refunded it, what the ledger
    holds for it after a success, a timeout or a failed download (the reservation, or
    kie's own figure once booked), unknown (None) when nobody can tell."""
    if to == State.FAILED and task.failure_kind == FailureKind.UNKNOWN:
        return None
    if _releases_credits(to, task.failure_kind):
        return Decimal(0)
    return task.reserved_credits()


class TaskEvent(models.Model):
    task = models.ForeignKey(
        GenerationTask,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=gettext_lazy("task"),
    )
    from_state = models.CharField(
        gettext_lazy("from state"), max_length=12, choices=State.choices, blank=True
    )
    to_state = models.CharField(gettext_lazy("to state"), max_length=12, choices=State.choices)
    at = models.DateTimeField(gettext_lazy("at"), default=timezone.now, db_index=True)
    message = models.TextField(gettext_lazy("message"), blank=True)

    class Meta:
        verbose_name = gettext_lazy("task event")
        verbose_name_plural = gettext_lazy("task events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_state_display() or '-'} → {self.get_to_state_display()}"


class TaskInput(models.Model):
    """A reference image given to a task: stored here, uploaded to kie at submission."""

    task = models.ForeignKey(
        GenerationTask,
        on_delete=models.CASCADE,
        related_name="inputs",
        verbose_name=gettext_lazy("task"),
    )
    param = models.CharField(gettext_lazy("parameter"), max_length=40)
    position = models.PositiveSmallIntegerField(gettext_lazy("position"), default=0)
    file = models.FileField(gettext_lazy("file"), upload_to="inputs/%Y/%m/")
    content_type = models.CharField(gettext_lazy("content type"), max_length=60)
    source_asset = models.ForeignKey(
        "Asset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reused_as_input",
        verbose_name=gettext_lazy("source asset"),
    )
    upstream_url = models.URLField(gettext_lazy("copy at kie.ai"), max_length=2000, blank=True)
    uploaded_at = models.DateTimeField(gettext_lazy("uploaded at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("reference image")
        verbose_name_plural = gettext_lazy("reference images")
        ordering = ["param", "position"]

    def __str__(self) -> str:
        return f"{self.param}[{self.position}]"
