"""Background work, run by django-q2: submit, the poll sweep, download, credits.

Every job is short and idempotent. It claims its row with a conditional UPDATE before
acting, so two workers never submit, poll or download the same task, and running a
job again after a crash does no harm. No worker sleeps per task: one sweep at a time
(held by a JobLease) polls every task that is due, then hands over to a fresh job.

What a job writes on a task for people (its failure, last error, events) is in the
language of the task's creator (@in_creators_language); log lines stay in English.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import time
import uuid
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_q.tasks import async_task

from generator import availability, catalog, credits, followups, music, soundtrack
from generator.heartbeat import heartbeat
from generator.kie import (
    AuthenticationError,
    FirewallRefusedError,
    InputError,
    InsufficientCreditsError,
    KieError,
    NotFoundError,
    RateLimitedError,
    TaskStatus,
    UpstreamState,
    downloads,
)
from generator.kie.downloads import DownloadError, host_allowed
from generator.kie.errors import AlreadyExistsError
from generator.media import MediaError, as_django_file, examine, max_download_bytes, spooled_file
from generator.models import (
    Asset,
    CreditBalanceSnapshot,
    FailureKind,
    GenerationTask,
    IllegalTransition,
    JobLease,
    State,
)
from generator.models.preferences import in_language_of
from generator.templatetags.studio import credits as credit_number
from generator.upstream import download_hosts, kie_client

logger = logging.getLogger(__name__)

SWEEP_LEASE = "poll-sweep"
SWEEP_LEASE_MARGIN = 15  # seconds a sweep's lease outlives its last sign of life
POLL_LEASE = timedelta(seconds=45)  # a claimed poll not finished by then is redone
DOWNLOAD_LEASE = timedelta(seconds=60)  # renewed every DOWNLOAD_HEARTBEAT while it runs
DOWNLOAD_HEARTBEAT = 15.0
UNCONFIRMED_MARGIN_SECONDS = 5 * 60
MAX_BACKOFF_SECONDS = 3600.0  # kie retries a callback for a few minutes
DOWNLOAD_JOB_SECONDS = 480  # a download job stops by then; the next attempt starts the
# unfinished file again (files already saved are kept)
NOT_VISIBLE_GRACE = timedelta(minutes=3)  # kie may not show a task right after create
MAX_SUBMIT_ATTEMPTS = 6
MAX_DOWNLOAD_ATTEMPTS = 4
RESULT_LIFETIME = timedelta(days=14)
RESUME_AGAIN_AFTER = timedelta(seconds=30)  # a lost job is re-enqueued at most this often
SWEEP_NAP = 0.1  # the shortest pause between two sweep rounds
WEB_PAGE_TYPES = ("text/html", "application/xhtml+xml")


def in_creators_language(job):
    """Run `job(task_or_task_id, ...)` in the language of the task's creator: what it
    stores on the task is what they will read (the CLI prints it as stored)."""

    @wraps(job)
    def in_their_language(task, *args, **kwargs):
        if isinstance(task, GenerationTask):
            creator = task.created_by_id
        else:
            creator = (
                GenerationTask.objects.filter(pk=task).values_list("created_by", flat=True).first()
            )
        with in_language_of(creator):
            return job(task, *args, **kwargs)

    return in_their_language


def enqueue(job: str, *args) -> None:
    async_task(
        f"generator.jobs.{job}",
        *args,
        task_name=f"{job}{'-' if args else ''}{'-'.join(map(str, args))}",
        group=job,
    )


# --- submit ---------------------------------------------------------------------------


@in_creators_language
def submit(task_id: int) -> None:
    """Create the task upstream, once.

    Its claim names this worker. Uploads renew it; `mark_create_sent` records the moment
    before the create leaves, so a worker that dies before it is simply replaced, and one
    that dies after leaves an unknown outcome that is never sent again.
    """
    now = timezone.now()
    if _creates_in_last_10s(now) >= settings.KIE_CREATE_RATE_LIMIT:
        GenerationTask.objects.filter(
            pk=task_id, state=State.QUEUED, submit_claimed_at__isnull=True
        ).update(
            next_poll_at=now + timedelta(seconds=5),
            updated_at=now,
            last_error=_("waiting for a free slot (kie.ai takes 20 requests per 10 s)"),
        )
        ensure_sweep()
        return
    claim = uuid.uuid4().hex
    claimed = GenerationTask.objects.filter(
        pk=task_id, state=State.QUEUED, submit_claimed_at__isnull=True, create_sent_at__isnull=True
    ).update(submit_claimed_at=now, submit_claim=claim, next_poll_at=None, updated_at=now)
    if not claimed:
        return
    task = GenerationTask.objects.get(pk=task_id)
    model = task.catalog_model
    operation = model.operation(task.operation)
    status = availability.status_of(model)
    if not status.available:  # switched off (or refused by kie) since it was queued
        task.transition(
            State.FAILED,
            failure_kind=FailureKind.INPUT,
            message=_("Not sent to kie.ai, nothing was charged: %(reason)s")
            % {"reason": status.reason},
        )
        return
    if model.family is catalog.Family.LOCAL:  # made here, nothing sent to kie.ai
        soundtrack.make(task)
        return
    with kie_client() as client:
        fields = dict(task.params)
        if operation.is_followup and model.family is catalog.Family.SUNO:
            fields.update(music.source_fields(task))
        elif operation.is_followup:
            source = followups.upstream_fields(task)
            if source is None:
                _source_gone(task)
                return
            fields.update(source)
        if operation.file_params:
            try:
                urls = _upload_inputs(client, task, claim)
            except KieError as exc:
                _upload_failed(task, exc)
                return
            if urls is None:
                return  # our claim was taken over meanwhile
            fields.update(file_fields(operation, urls))
        if not task.mark_create_sent(claim):
            return
        try:
            upstream_id = client.family(model.family, operation.api_model).create(
                operation.api_model, fields, callback_url_for(task)
            )
        except KieError as exc:
            _submit_refused(task, exc)
            return
    record_created(task, upstream_id, gettext_lazy("kie.ai task %(id)s"))
    ensure_sweep()


@in_creators_language
def record_created(
    task: GenerationTask, upstream_id: str, how, source: str = "create", **values
) -> bool:
    """kie.ai has this task: keep its id at once (it is paid for), then mark it submitted.

    Whoever learns the id first (the create's answer, or a callback naming our task)
    records it; the other finds it recorded. False if the task already names another, or
    the id already belongs to another task (evidence naming it twice is not to be trusted).
    `source` says where the id came from; `how` is the event's message: lazy, with %(id)s
    for kie's task id and a %(name)s for each of `values`.
    """
    if GenerationTask.objects.filter(upstream_task_id=upstream_id).exclude(pk=task.pk).exists():
        logger.error(
            "task %s: kie.ai task %s already belongs to another task", task.pk, upstream_id
        )
        return False
    first = GenerationTask.objects.filter(pk=task.pk, upstream_task_id="").update(
        upstream_task_id=upstream_id, upstream_id_source=source
    )
    if not first and source == "create":
        # The create's own answer confirms an id a callback brought first.
        GenerationTask.objects.filter(pk=task.pk, upstream_task_id=upstream_id).update(
            upstream_id_source=source
        )
    if (
        not first
        and not GenerationTask.objects.filter(pk=task.pk, upstream_task_id=upstream_id).exists()
    ):
        logger.error(
            "task %s: kie.ai task %s named, but the task already has another", task.pk, upstream_id
        )
        return False
    now = timezone.now()
    with contextlib.suppress(IllegalTransition):  # recorded by the other side already
        task.transition(
            State.SUBMITTED,
            message=str(how) % {**values, "id": upstream_id},
            upstream_task_id=upstream_id,
            submitted_at=task.create_sent_at or now,
            next_poll_at=now
            + timedelta(seconds=first_poll_delay(task.catalog_model, task.operation)),
            last_error="",
        )
    return True


def callback_url_for(task: GenerationTask) -> str:
    """The callback URL sent with a create, carrying a signed reference to our task, so
    kie's callback re-attaches a task whose create answer we never got."""
    if not settings.KIE_CALLBACK_URL:
        return ""
    base = settings.KIE_CALLBACK_URL
    return f"{base}{'&' if '?' in base else '?'}ref={callback_reference(task.pk)}"


CALLBACK_SALT = "generator.kie-callback"


def callback_reference(task_pk: int) -> str:
    return signing.Signer(salt=CALLBACK_SALT).sign(str(task_pk))


def task_from_reference(reference: str) -> int | None:
    try:
        value = signing.Signer(salt=CALLBACK_SALT).unsign(reference)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() and len(value) < 19 else None


def _creates_in_last_10s(now) -> int:
    return GenerationTask.objects.filter(submit_claimed_at__gte=now - timedelta(seconds=10)).count()


def _upload_inputs(client, task: GenerationTask, claim: str) -> dict[str, list[str]] | None:
    """Input files (images, videos) become kie URLs, by parameter; uploads are free, so
    a retry may redo them. Each upload renews our claim; None when it was taken over
    (we were too slow)."""
    urls: dict[str, list[str]] = {}
    for task_input in task.inputs.all():
        renewed = GenerationTask.objects.filter(
            pk=task.pk, state=State.QUEUED, submit_claim=claim
        ).update(submit_claimed_at=timezone.now())
        if not renewed:
            return None
        if not task_input.upstream_url:
            with task_input.file.open("rb") as stream:
                task_input.upstream_url = client.files.upload(
                    stream,
                    file_name=task_input.file.name.rsplit("/", 1)[-1],
                    content_type=task_input.content_type,
                    upload_path=f"autoscale/task-{task.pk}",
                )
            task_input.uploaded_at = timezone.now()
            task_input.save(update_fields=["upstream_url", "uploaded_at"])
        urls.setdefault(task_input.param, []).append(task_input.upstream_url)
    return urls


def _source_gone(task: GenerationTask) -> None:
    task.transition(
        State.FAILED,
        failure_kind=FailureKind.INPUT,
        message=_(
            "The video this follow-up acts on is gone (deleted, or unknown to kie.ai). "
            "Nothing was sent or charged."
        ),
    )


def file_fields(operation: catalog.Operation, urls: dict[str, list[str]]) -> dict[str, Any]:
    """kie's fields for the uploaded files: a list where kie takes one (its name says
    URLs, or it holds several), else the one URL. A parameter with no file is left out."""
    fields: dict[str, Any] = {}
    for param in operation.file_params:
        given = urls.get(param.name) or []
        if not given:
            continue
        listed = param.max_items != 1 or param.name.lower().endswith("urls")
        fields[param.name] = given if listed else given[0]
    return fields


def _release_submit_claim(task_id: int, seconds: float, reason: str) -> None:
    """Give back our own claim: the request was refused (nothing was made), so it is safe
    to send again. Its reservation, if any, waits for that send."""
    GenerationTask.objects.filter(pk=task_id, state=State.QUEUED).update(
        submit_claimed_at=None,
        submit_claim="",
        create_sent_at=None,
        next_poll_at=timezone.now() + timedelta(seconds=seconds),
        last_error=reason,
        updated_at=timezone.now(),
    )
    ensure_sweep()


def _upload_failed(task: GenerationTask, exc: KieError) -> None:
    """Uploads are free and create nothing, so any failure but a refusal is retried."""
    attempts = task.submit_attempts + 1
    GenerationTask.objects.filter(pk=task.pk).update(submit_attempts=attempts)
    if not isinstance(exc, InputError | AuthenticationError) and attempts < MAX_SUBMIT_ATTEMPTS:
        _release_submit_claim(
            task.pk,
            backoff(attempts, getattr(exc, "retry_after", None)),
            _("reference image upload failed (%(error)s); retrying") % {"error": exc.message},
        )
        return
    if isinstance(exc, InputError | AuthenticationError):
        kind, message = describe_submit_failure(task, exc)
    else:
        kind, message = (
            FailureKind.UPSTREAM,
            _(
                "The reference images could not be uploaded to kie.ai (%(error)s). "
                "Nothing was charged; try again later."
            )
            % {"error": exc.message},
        )
    task.transition(State.FAILED, failure_kind=kind, message=message)


def _submit_refused(task: GenerationTask, exc: KieError) -> None:
    attempts = task.submit_attempts + 1
    GenerationTask.objects.filter(pk=task.pk).update(submit_attempts=attempts)
    if exc.safe_to_retry and attempts < MAX_SUBMIT_ATTEMPTS:
        wait = backoff(attempts, getattr(exc, "retry_after", None))
        _release_submit_claim(
            task.pk,
            wait,
            _("kie.ai refused for now (%(error)s); retrying") % {"error": exc.message},
        )
        return
    if not (exc.safe_to_retry or is_refusal(exc)):
        _create_unconfirmed(task, exc)
        return
    kind, message = describe_submit_failure(task, exc)
    if isinstance(exc, InputError) and availability.says_unknown_model(exc.message):
        model = task.catalog_model
        availability.mark_unavailable(
            model.key,
            _("kie.ai answered “%(answer)s” for %(model)s")
            % {
                "answer": exc.message[:200],
                "model": model.operation(task.operation).api_model or model.label,
            },
            availability.SOURCE_REFUSAL,
        )
        message = _(
            "kie.ai no longer offers %(model)s (it answered “%(answer)s”). Nothing was "
            "charged; the model is now shown as unavailable until an admin re-enables it."
        ) % {"model": model.label, "answer": exc.message[:200]}
    task.transition(State.FAILED, failure_kind=kind, message=message)


def is_refusal(exc: KieError) -> bool:
    """kie.ai answered no: nothing was made and nothing charged."""
    return isinstance(exc, InsufficientCreditsError | AuthenticationError | InputError)


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """Seconds before retry `attempt`: exponential with full jitter, at least what the
    server asked for."""
    ceiling = min(2.0 * 2**attempt, 120.0)
    asked = retry_after if retry_after and math.isfinite(retry_after) else 0.0
    return min(max(random.uniform(ceiling / 2, ceiling), asked), MAX_BACKOFF_SECONDS)


@in_creators_language
def _create_unconfirmed(task: GenerationTask, exc: KieError | None) -> None:
    """The create may have reached kie.ai and its answer was lost: never send it again;
    wait for evidence (a callback names our task) until the model's timeout."""
    wait = task.catalog_model.timeout_seconds + UNCONFIRMED_MARGIN_SECONDS
    reason = exc.message if exc else _("the worker stopped mid-request")
    message = _("no answer to the create (%(reason)s)") % {"reason": reason}
    with contextlib.suppress(IllegalTransition):  # its answer was recorded meanwhile
        task.transition(
            State.UNCONFIRMED,
            message=message,
            last_error=message[:1000],
            next_poll_at=(task.create_sent_at or timezone.now()) + timedelta(seconds=wait),
        )


def describe_submit_failure(task: GenerationTask, exc: KieError) -> tuple[str, str]:
    """A failure kind and a sentence a marketer can act on."""
    if isinstance(exc, InsufficientCreditsError):
        return FailureKind.CREDITS, _(
            "kie.ai has too few credits for this (%(needed)s needed). "
            "Ask an admin to top up the account, then re-run."
        ) % {"needed": credit_number(task.credits_estimated)}
    if isinstance(exc, AuthenticationError):
        return FailureKind.AUTH, _("kie.ai refused our API key. Ask an admin to check KIE_API_KEY.")
    if isinstance(exc, AlreadyExistsError):
        return FailureKind.INPUT, _(
            "kie.ai already made this from the same track (%(error)s); the earlier task "
            "holds the result. Nothing was charged."
        ) % {"error": exc.message}
    if isinstance(exc, InputError):
        return FailureKind.INPUT, _("kie.ai refused the settings: %(error)s") % {
            "error": exc.message
        }
    if isinstance(exc, FirewallRefusedError):
        return FailureKind.UPSTREAM, _(
            "kie.ai's firewall kept refusing our requests (this is not the API key). Nothing "
            "was charged. Ask an admin to check KIE_USER_AGENT, then re-run."
        )
    return FailureKind.UPSTREAM, _(
        "kie.ai kept refusing the request (%(error)s). Nothing was charged; try again later."
    ) % {"error": exc.message}


# --- polling --------------------------------------------------------------------------


# Each model's usual time sets its pace: about ten polls in a usual run (a 20 s image
# every 2 s, a 5-minute Veo video every 30 s), the first one sooner (a refusal comes
# early), and when a task runs late, longer gaps that stay a fraction of the usual
# time (a late 40 s image is asked every 13 s at most, not every minute).
POLL_FLOOR_SECONDS = 2.0
POLL_CEILING_SECONDS = 30.0
LATE_POLL_CEILING_SECONDS = 120.0


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def first_poll_delay(model: catalog.CatalogModel, operation_key: str | None = None) -> float:
    expected = model.expected_seconds_for(operation_key)
    first = _clamp(expected / 8, POLL_FLOOR_SECONDS, POLL_CEILING_SECONDS)
    return max(first, _min_poll_seconds(model, operation_key))


def _min_poll_seconds(model: catalog.CatalogModel, operation_key: str | None) -> float:
    """The pace kie.ai asks for on this operation (Veo 4K: every 30 s or more)."""
    if not operation_key:
        return 0.0
    return model.operation(operation_key).min_poll_seconds or 0.0


def next_poll_delay(task: GenerationTask, now) -> float:
    """Poll often near the expected finish, less and less once a task runs late."""
    model = task.catalog_model
    expected = model.expected_seconds_for(task.operation)
    floor = _min_poll_seconds(model, task.operation)
    base = max(_clamp(expected / 10, POLL_FLOOR_SECONDS, POLL_CEILING_SECONDS), floor)
    if not task.submitted_at:
        return base
    elapsed = (now - task.submitted_at).total_seconds()
    if elapsed <= expected:
        return base
    overdue = elapsed / max(expected, 1)
    late_ceiling = _clamp(expected / 3, 10, LATE_POLL_CEILING_SECONDS)
    return max(base, min(base * overdue, late_ceiling))


def poll_sweep() -> None:
    """Poll every due task for up to POLL_SWEEP_WINDOW_SECONDS, then hand over.

    Holding the lease makes this the only sweep running. It is renewed before each
    poll, so it never runs out while this sweep works, and runs out soon after a
    worker dies; the scheduled watchdog then starts a new sweep.
    """
    window = settings.POLL_SWEEP_WINDOW_SECONDS
    lease_seconds = settings.KIE_TIMEOUT_SECONDS + SWEEP_LEASE_MARGIN  # one request, and more
    token = JobLease.acquire(SWEEP_LEASE, seconds=lease_seconds)
    if not token:
        return

    deadline = time.monotonic() + window
    stop_polling_at = deadline + lease_seconds  # a slow round hands over, too
    renewed_at = time.monotonic()

    def still_ours() -> bool:
        """Renew the lease (a write, so at most every 2 s) while this sweep may go on."""
        nonlocal renewed_at
        if time.monotonic() > stop_polling_at:
            return False
        if time.monotonic() - renewed_at < 2:
            return True
        renewed_at = time.monotonic()
        return JobLease.renew(SWEEP_LEASE, token, seconds=lease_seconds)

    try:
        while still_ours():
            poll_due_tasks(keep_alive=still_ours)
            resume_stalled_tasks()
            _refresh_balance_after_completions()
            wait = _seconds_until_next_poll()
            if wait is None or time.monotonic() + min(wait, 1.0) > deadline:
                break
            time.sleep(min(wait, 1.0))
    finally:
        JobLease.release(SWEEP_LEASE, token)
    # Released before this check, so a task created meanwhile is seen here or by
    # its creator's ensure_sweep(): no wake-up is lost.
    if GenerationTask.objects.active().exists():
        enqueue("poll_sweep")
    else:  # all done: the last completions' balance, however recent the latest read
        _refresh_balance_after_completions(min_age=timedelta(0))


def ensure_sweep() -> None:
    if not JobLease.is_held(SWEEP_LEASE):
        enqueue("poll_sweep")


def watchdog() -> None:
    """Scheduled every minute: restart the sweep if tasks are in flight and nobody polls."""
    if GenerationTask.objects.active().exists():
        ensure_sweep()


def _seconds_until_next_poll() -> float | None:
    """How long the sweep may nap: until the next poll is due, at most 1 s while tasks
    wait for a submit or a download (whose lost jobs it resumes); None when all is done."""
    tasks = GenerationTask.objects
    if not tasks.active().exists():
        return None
    # A poll, or an unconfirmed task's deadline.
    soonest = tasks.filter(
        state__in=(State.SUBMITTED, State.RUNNING, State.UNCONFIRMED), next_poll_at__isnull=False
    ).aggregate(at=Min("next_poll_at"))["at"]
    wait = (soonest - timezone.now()).total_seconds() if soonest else 1.0
    if tasks.filter(state__in=(State.QUEUED, State.DOWNLOADING)).exists():
        wait = min(wait, 1.0)
    return max(wait, SWEEP_NAP)


def poll_due_tasks(limit: int = 25, only: list[int] | None = None, keep_alive=None) -> int:
    """Claim and poll the tasks whose poll is due; returns how many were polled.

    `keep_alive` (the sweep's lease renewal) is called before each poll; when it answers
    False the sweep has lost its lease and stops here.
    """
    now = timezone.now()
    polled = 0
    candidates = GenerationTask.objects.due_for_poll(now)
    if only is not None:
        candidates = candidates.filter(pk__in=only)
    due = list(candidates.values_list("pk", "next_poll_at")[:limit])
    if not due:
        return 0
    with kie_client() as client:
        for pk, due_at in due:
            if keep_alive and not keep_alive():
                break
            claimed = GenerationTask.objects.filter(pk=pk, next_poll_at=due_at).update(
                next_poll_at=timezone.now() + POLL_LEASE  # now, not when the round began
            )
            if claimed:
                try:
                    poll_task(GenerationTask.objects.get(pk=pk), client)
                except IllegalTransition as exc:  # changed meanwhile (e.g. by an admin)
                    logger.info("poll of task %s skipped: %s", pk, exc)
                polled += 1
    return polled


@in_creators_language
def poll_task(task: GenerationTask, client) -> None:
    model = task.catalog_model
    now = timezone.now()
    if model.family is catalog.Family.LOCAL:  # its worker died mid-way: make it again
        soundtrack.make(task)
        return
    try:
        api_model = model.operation(task.operation).api_model
        status = client.family(model.family, api_model).get_status(task.upstream_task_id)
    except NotFoundError as exc:
        if task.upstream_id_source in ("callback", "admin"):
            _evidence_refuted(task, exc)
        elif task.submitted_at and now - task.submitted_at < NOT_VISIBLE_GRACE:
            _retry_poll(
                task,
                now,
                3,
                _("kie.ai does not show the task yet (%(error)s)") % {"error": exc.message},
            )
        else:
            task.transition(
                State.FAILED,
                failure_kind=FailureKind.UPSTREAM,
                message=_(
                    "kie.ai no longer knows this task; it may have been lost upstream. Re-run it."
                ),
            )
        return
    except AuthenticationError as exc:
        _retry_poll(
            task, now, 60, _("kie.ai refused our API key (%(error)s)") % {"error": exc.message}
        )
        return
    except KieError as exc:
        # Reads are safe to repeat: back off (with jitter, honouring Retry-After) while
        # kie.ai is rate-limiting, in maintenance or failing.
        failures = task.poll_failures + 1
        GenerationTask.objects.filter(pk=task.pk).update(poll_failures=failures)
        wait = max(
            next_poll_delay(task, now),
            backoff(failures, getattr(exc, "retry_after", None)),
        )
        _retry_poll(task, now, min(wait, 300), _("status check failed: %(error)s") % {"error": exc})
        return
    apply_status(task, status, now)


@in_creators_language
def _evidence_refuted(task: GenerationTask, exc: KieError) -> None:
    """The id a callback or an admin attached is not a task of ours at kie.ai: the real
    one may still exist, so the outcome stays unknown (credits kept) and the task can be
    attached again."""
    wrong = task.upstream_task_id
    task.transition(
        State.FAILED,
        failure_kind=FailureKind.UNKNOWN,
        message=_(
            "kie.ai does not know the task id %(id)s that was attached (%(error)s). kie.ai "
            "may still have made this generation: its credits stay counted as spent, and "
            "the right task can still be attached."
        )
        % {"id": wrong, "error": exc.message},
        upstream_task_id="",
        upstream_id_source="",
        credits_charged=None,
    )


def _retry_poll(task: GenerationTask, now, seconds: float, problem: str) -> None:
    if _timed_out(task, now):
        _time_out(task)
        return
    GenerationTask.objects.filter(pk=task.pk).update(
        next_poll_at=now + timedelta(seconds=seconds),
        last_error=problem[:1000],
        updated_at=now,
    )


def _timed_out(task: GenerationTask, now) -> bool:
    started = task.submitted_at or task.created_at
    return (now - started).total_seconds() > task.catalog_model.timeout_seconds


def _time_out(task: GenerationTask) -> None:
    minutes = task.catalog_model.timeout_seconds // 60
    task.transition(
        State.TIMED_OUT,
        message=ngettext(
            "kie.ai gave no result within %(minutes)d minute. Credits may have been spent "
            "upstream; check the balance before re-running.",
            "kie.ai gave no result within %(minutes)d minutes. Credits may have been spent "
            "upstream; check the balance before re-running.",
            minutes,
        )
        % {"minutes": minutes},
    )


def apply_status(task: GenerationTask, status: TaskStatus, now) -> None:
    """Move a task on according to one normalised upstream status."""
    record = _trim(status.raw)
    # A short-lived link will do if its host is one we download from: the download job
    # runs at once, well within its life.
    result_urls = status.result_urls or tuple(
        url for url in status.short_lived_urls if host_allowed(url, download_hosts())
    )
    if status.stage and status.stage != task.stage:
        # Suno's stages: text, first track, all tracks (the card shows each).
        GenerationTask.objects.filter(pk=task.pk).update(stage=status.stage)
        task.stage = status.stage
    if status.state is UpstreamState.SUCCEEDED and not result_urls:
        # kie's record can lag behind its own success (kie-api.md 11.6): the task was
        # paid for, so keep asking until the timeout rather than give up now.
        _retry_poll(
            task, now, next_poll_delay(task, now), _("kie.ai reported success but no file yet")
        )
        return
    if status.state is UpstreamState.SUCCEEDED:
        with transaction.atomic():
            task.transition(
                State.DOWNLOADING,
                result_urls=list(result_urls),
                upstream_record=record,
                progress=1.0,
                download_claimed_until=None,
            )
            # kie.ai's charge is final once it made the result, whatever our download does.
            consumed = status.credits_consumed
            if consumed is None:
                consumed = task.credits_reported
            if consumed is not None:
                task.book_charge(consumed)
        enqueue("download", task.pk)
        return
    if status.state is UpstreamState.FAILED:
        kind, message = describe_generation_failure(status, task)
        with transaction.atomic():
            task.transition(
                State.FAILED, failure_kind=kind, message=message, upstream_record=record
            )
            if status.credits_consumed:  # kie kept something of a failed generation
                task.book_charge(status.credits_consumed)
        return
    if _timed_out(task, now):
        _time_out(task)
        return
    if status.state is UpstreamState.RUNNING and task.state == State.SUBMITTED:
        task.transition(State.RUNNING, upstream_record=record)
    task.record_progress(
        status.progress, now + timedelta(seconds=next_poll_delay(task, now)), record
    )


_POLICY_WORDS = ("policy", "policies", "flagged", "nsfw", "moderat", "inappropriate", "sensitive")


def describe_generation_failure(status: TaskStatus, task: GenerationTask) -> tuple[str, str]:
    upstream = status.error_message.strip().rstrip(".")
    lowered = upstream.lower()
    upstream = upstream or _("no reason given")
    if any(word in lowered for word in _POLICY_WORDS):
        edits = task.catalog_model.operation(task.operation).image_param is not None
        if edits:
            return FailureKind.POLICY, _(
                "kie.ai refused the content: %(reason)s. Change the prompt or the reference "
                "image (press “Change and re-run”) and try again. Failed generations are "
                "refunded by kie.ai."
            ) % {"reason": upstream}
        return FailureKind.POLICY, _(
            "kie.ai refused the content: %(reason)s. Change the prompt (press “Change and "
            "re-run”) and try again. Failed generations are refunded by kie.ai."
        ) % {"reason": upstream}
    if status.error_code in ("400", "451", "413") or "english" in lowered:
        return FailureKind.INPUT, _("kie.ai could not use the input: %(reason)s.") % {
            "reason": upstream
        }
    return FailureKind.UPSTREAM, _(
        "The generation failed at kie.ai (%(code)s: %(reason)s). "
        "Re-running usually works; failed generations are refunded by kie.ai."
    ) % {"code": status.error_code or _("no code"), "reason": upstream}


def _trim(record: dict) -> dict:
    """Keep the upstream record for admins, without unbounded blobs."""
    return {k: (v[:4000] if isinstance(v, str) else v) for k, v in (record or {}).items()}


def resume_stalled_tasks() -> None:
    """Re-enqueue work whose job was lost (deferred submits, dead download workers)."""
    now = timezone.now()
    tasks = GenerationTask.objects
    for pk in tasks.due_for_submit(now).values_list("pk", flat=True)[:20]:
        # Pushed forward first, so a sweep round never queues the same submit twice.
        if tasks.due_for_submit(now).filter(pk=pk).update(next_poll_at=now + RESUME_AGAIN_AFTER):
            enqueue("submit", pk)
    for pk in tasks.stalled_downloads(now).values_list("pk", flat=True)[:20]:
        # Unclaimed and touched: the job can claim it, and the sweep waits before resuming
        # it again.
        if (
            tasks.stalled_downloads(now)
            .filter(pk=pk)
            .update(download_claimed_until=None, updated_at=now)
        ):
            enqueue("download", pk)
    for task in tasks.interrupted_submissions(now)[:20]:
        _resume_interrupted_submission(task, now)
    for task in tasks.unconfirmed_past_deadline(now)[:20]:
        _give_up_on_unconfirmed(task)


def _resume_interrupted_submission(task: GenerationTask, now) -> None:
    """A submit whose worker died: send it again if the create never left, record it if
    its id was kept, else it is an unknown outcome."""
    if not task.create_sent_at:
        released = GenerationTask.objects.filter(
            pk=task.pk, state=State.QUEUED, submit_claim=task.submit_claim, create_sent_at=None
        ).update(submit_claimed_at=None, submit_claim="", next_poll_at=now, updated_at=now)
        if released:
            enqueue("submit", task.pk)
        return
    if task.upstream_task_id:  # created upstream; only the bookkeeping was lost
        record_created(
            task,
            task.upstream_task_id,
            gettext_lazy("kie.ai task %(id)s (recorded after an interruption)"),
        )
        return
    _create_unconfirmed(task, None)


@in_creators_language
def _give_up_on_unconfirmed(task: GenerationTask) -> None:
    with contextlib.suppress(IllegalTransition):  # re-attached meanwhile
        task.transition(
            State.FAILED,
            failure_kind=FailureKind.UNKNOWN,
            message=_(
                "kie.ai never confirmed this generation and nothing since has named it. "
                "It may have been made and charged there; its credits stay counted as spent. "
                "An admin can look it up in kie.ai's logs and attach it, or re-run it."
            ),
        )


# --- download -------------------------------------------------------------------------


@in_creators_language
def download(task_id: int) -> None:
    """Copy every result file into storage, then mark the task SUCCEEDED.

    Each run is one counted attempt; files saved by an earlier attempt are kept. Its
    lease is short and renewed while it works, so a killed worker's download is taken
    over within about a minute.
    """
    now = timezone.now()
    lease_until = now + DOWNLOAD_LEASE
    claimed = (
        GenerationTask.objects.filter(pk=task_id, state=State.DOWNLOADING)
        .filter(Q(download_claimed_until__isnull=True) | Q(download_claimed_until__lt=now))
        .update(
            download_claimed_until=lease_until,
            download_attempts=F("download_attempts") + 1,
        )
    )
    if not claimed:
        return
    task = GenerationTask.objects.get(pk=task_id)
    done = set(task.assets.values_list("index", flat=True))
    if task.download_attempts > MAX_DOWNLOAD_ATTEMPTS:
        missing = min(set(range(len(task.result_urls))) - done, default=0)
        _download_failed(
            task, missing, DownloadError(_("too many failed attempts"), permanent=True)
        )
        return

    def renew() -> bool:
        nonlocal lease_until
        renewed = timezone.now() + DOWNLOAD_LEASE
        kept = GenerationTask.objects.filter(
            pk=task_id, state=State.DOWNLOADING, download_claimed_until=lease_until
        ).update(download_claimed_until=renewed)
        if kept:
            lease_until = renewed
        return bool(kept)

    deadline = time.monotonic() + DOWNLOAD_JOB_SECONDS
    with heartbeat(renew, DOWNLOAD_HEARTBEAT), kie_client() as client:
        for index, url in enumerate(task.result_urls):
            if index in done:
                continue
            try:
                store_result(task, index, url, client, deadline)
            except (DownloadError, MediaError) as exc:
                _download_failed(task, index, exc)
                return
            except Exception as exc:  # a bug or a storage error: retried, and counted
                logger.exception("download of task %s file %s failed", task.pk, index)
                _download_failed(task, index, DownloadError(type(exc).__name__, permanent=False))
                return
    task.transition(
        State.SUCCEEDED,
        message=ngettext("%(count)d file saved", "%(count)d files saved", len(task.result_urls))
        % {"count": len(task.result_urls)},
    )


def store_result(task: GenerationTask, index: int, url: str, client, deadline: float) -> Asset:
    """Stream one result into storage: allowed hosts, size caps, content named by its bytes,
    its facts and pictures (thumbnail; a video's poster; a track's waveform)."""
    if music.is_suno(task):
        return music.store_result(task, index, url, _suno_fetcher(client, deadline, task.kind))
    with spooled_file() as stream:
        try:
            fetched = _fetch(url, stream, client, deadline, task.kind)
        except DownloadError as exc:
            if not exc.gone:
                raise
            # kie's links can expire before we get to them; ask for a fresh one once.
            # Gone for good or for now (a CDN's 404 may be passing): the next attempt
            # asks again.
            fresh = _fresh_link(task, url, client)
            if not fresh:
                raise DownloadError(str(exc), permanent=False) from None
            stream.seek(0)
            stream.truncate()
            try:
                fetched = _fetch(fresh, stream, client, deadline, task.kind)
            except DownloadError as fresh_exc:
                if not fresh_exc.gone:
                    raise
                raise DownloadError(str(fresh_exc), permanent=False) from None
        if fetched.content_type in WEB_PAGE_TYPES:
            # A CDN's error page served with HTTP 200: a problem of the moment.
            raise DownloadError(
                _("the server sent a web page instead of the file"), permanent=False
            )
        found = examine(stream, fetched.size)  # by its bytes; pictures made here
        name = f"task-{task.pk}-{index}.{found.extension}"
        asset = Asset(
            task=task,
            index=index,
            kind=found.kind,
            content_type=found.content_type,
            bytes=fetched.size,
            sha256=fetched.sha256,
            width=found.width,
            height=found.height,
            duration=found.duration,
            codec=found.codec,
            has_audio=found.has_audio,
            source_url=url,
            source_expires_at=(task.submitted_at or timezone.now()) + RESULT_LIFETIME,
        )
        pictures = [
            (asset.thumbnail, found.thumbnail, "webp"),
            (asset.poster, found.poster, "jpg"),
            (asset.waveform, found.waveform, "png"),
        ]
        try:
            asset.file.save(name, as_django_file(stream, name), save=False)
            for stored, content, extension in pictures:
                if content is not None:
                    stored.save(f"task-{task.pk}-{index}.{extension}", content, save=False)
            asset.save()
        except BaseException:
            for stored in (asset.file, asset.thumbnail, asset.poster, asset.waveform):
                if stored.name:  # leave no orphan file behind
                    stored.storage.delete(stored.name)
            raise
        return asset


def _suno_fetcher(client, deadline: float, task_kind: str):
    def fetch(url: str, stream):
        try:
            fetched = _fetch(url, stream, client, deadline, task_kind)
        except DownloadError as exc:
            if exc.gone:  # an expired or passing 404: retried, never final at once
                raise DownloadError(str(exc), permanent=False) from None
            raise
        if fetched.content_type in WEB_PAGE_TYPES:
            raise DownloadError(
                _("the server sent a web page instead of the file"), permanent=False
            )
        return fetched.size, fetched.sha256, fetched.content_type

    return fetch


def _fetch(url: str, stream, client, deadline: float, task_kind: str) -> downloads.Downloaded:
    return downloads.download(
        url,
        stream,
        allowed_hosts=download_hosts(),
        max_bytes=max_download_bytes(task_kind),
        transport=client.transport,
        deadline=deadline,
        user_agent=client.user_agent,
    )


def _fresh_link(task: GenerationTask, url: str, client) -> str | None:
    try:
        if task.catalog_model.family is catalog.Family.GPT4O_IMAGE:
            return client.gpt4o_image.download_url(task.upstream_task_id, url)
        return client.account.download_url(url)
    except KieError:
        return None


def _download_failed(task: GenerationTask, index: int, exc: Exception) -> None:
    """Retried with backoff up to MAX_DOWNLOAD_ATTEMPTS: a missing, expired or damaged
    file is often a CDN's passing fault. Only what no retry can change (a host we do not
    trust, a file over the size limit) fails at once."""
    permanent = getattr(exc, "permanent", False)
    attempts = task.download_attempts
    if not permanent and attempts < MAX_DOWNLOAD_ATTEMPTS:
        GenerationTask.objects.filter(pk=task.pk).update(
            download_claimed_until=timezone.now() + timedelta(seconds=backoff(attempts)),
            last_error=_("download of file %(number)d failed (%(error)s); retrying")
            % {"number": index + 1, "error": exc},
            updated_at=timezone.now(),
        )
        return
    task.transition(
        State.FAILED,
        failure_kind=FailureKind.DOWNLOAD,
        message=_(
            "kie.ai made the result, but file %(number)d could not be saved: %(error)s. "
            "The credits were spent; an admin can retry the download while kie keeps the file "
            "(14 days)."
        )
        % {"number": index + 1, "error": exc},
    )


# --- credits --------------------------------------------------------------------------


def refresh_credits() -> CreditBalanceSnapshot | None:
    """Record kie's balance (free to ask): scheduled, and queued by the header when the
    latest is old; the ledger is reconciled against these snapshots."""
    return credits.refresh_balance()


def reconcile_credits() -> None:
    """Scheduled hourly: kie.ai's balance movements against the ledger (a drop the ledger
    does not explain is flagged and e-mailed); then the budgets' alerts."""
    from generator import reconciliation

    try:
        reconciliation.reconcile()
    except reconciliation.ReconcileError as exc:
        logger.warning("reconciliation skipped: %s", exc)
    credits.check_budget_alerts()


def refresh_prices(sleep=time.sleep) -> int:
    """Scheduled daily: the prices kie.ai publishes replace the catalog's estimates."""
    from generator import prices

    return prices.refresh(sleep=sleep)


# Pauses before asking for the model list again after a 429: it shares kie.ai's one
# discovery request per second with the price refresh, which both schedules start together.
AVAILABILITY_RETRY_SECONDS = (5, 10, 20)


def refresh_availability(sleep=time.sleep) -> None:
    """Scheduled: kie.ai's model list marks the Market models it no longer has as
    unavailable (and those it has again as available); see generator.availability."""
    for pause in (*AVAILABILITY_RETRY_SECONDS, None):
        try:
            with kie_client() as client:
                availability.refresh_from_discovery(client)
            return
        except RateLimitedError as exc:
            if pause is None:
                logger.warning("model availability not refreshed: %s", exc)
                return
            sleep(pause)
        except KieError as exc:
            logger.warning("model availability not refreshed: %s", exc)
            return


def _refresh_balance_after_completions(min_age=credits.BALANCE_MIN_AGE) -> None:
    """Tasks finished since the balance was read: read it again (coalesced, see
    generator.credits). A failure here never stops the sweep."""
    try:
        credits.refresh_balance_if_stale(min_age)
    except Exception:
        logger.warning("balance refresh after completions failed", exc_info=True)
