"""Callbacks the API sends when a generation ends.

Only to hosts on the admins' allow-list (and, in the sandbox world, only to this machine),
signed with HMAC-SHA256 over the timestamp and the body, with a short timeout and never
following a redirect. A delivery without a 2xx answer is retried with backoff by a
django-q2 job; the task object it carries is read when it is sent, so a retry says what
is true then.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from generator.models import FINAL_STATES, ApiCallback, CallbackHost, GenerationTask

logger = logging.getLogger(__name__)

EVENT = "generation.finished"
TIMEOUT_SECONDS = 5.0
# Waits before the 2nd, 3rd ... attempt; after the last one the delivery is given up.
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
CLAIM = timedelta(seconds=60)  # a delivery claimed by a worker that died is redone then
DUE_PER_RUN = 50


class CallbackRefused(ValueError):
    """A callback URL the API will not call; the message says why, for the client."""


def connect() -> None:
    post_save.connect(_task_saved, sender=GenerationTask, dispatch_uid="api-callback-due")


def check_url(url: str) -> str:
    """The callback URL, or CallbackRefused saying why it may not be called."""
    if not settings.API_CALLBACK_SECRET:
        raise CallbackRefused(
            _("Callbacks are off on this studio (no signing secret is set): poll instead.")
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a port that is no number
    except ValueError:
        raise CallbackRefused(_("callback_url is not a valid URL.")) from None
    if parts.scheme not in ("http", "https") or not host:
        raise CallbackRefused(_("callback_url must be an http or https URL."))
    if parts.username or parts.password:
        raise CallbackRefused(_("callback_url must not carry a user name or password."))
    if settings.API_CALLBACK_LOOPBACK_ONLY and not _is_loopback(host):
        raise CallbackRefused(_("In sandbox mode callbacks only go to this machine (127.0.0.1)."))
    if not CallbackHost.allows(host):
        raise CallbackRefused(
            _("%(host)s is not on the callback allow-list; an admin can add it.") % {"host": host}
        )
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _task_saved(sender, instance: GenerationTask, **kwargs) -> None:
    """A task reached a final state: its callback (if any) becomes due, once per state."""
    if instance.state not in FINAL_STATES:
        return
    due = ApiCallback.objects.filter(task_id=instance.pk).exclude(sent_state=instance.state)
    pks = list(due.values_list("pk", flat=True))
    if not pks:
        return
    due.update(
        sent_state=instance.state,
        attempts=0,
        next_attempt_at=timezone.now(),
        delivered_at=None,
        last_error="",
    )
    for pk in pks:
        transaction.on_commit(lambda pk=pk: enqueue(pk))


def enqueue(callback_id: int) -> None:
    async_task(
        "generator.api.callbacks.deliver",
        callback_id,
        task_name=f"api-callback-{callback_id}",
        group="api-callback",
    )


def deliver_due() -> int:
    """Scheduled every minute: deliveries whose retry time has come (or whose job was
    lost). Returns how many were attempted."""
    now = timezone.now()
    due = ApiCallback.objects.filter(next_attempt_at__lte=now).order_by("next_attempt_at")
    count = 0
    for pk in due.values_list("pk", flat=True)[:DUE_PER_RUN]:
        count += deliver(pk)
    return count


def deliver(callback_id: int) -> bool:
    """One attempt, if it is due and nobody else is making it. True when attempted."""
    from generator.api.objects import task_object

    now = timezone.now()
    claimed = ApiCallback.objects.filter(pk=callback_id, next_attempt_at__lte=now).update(
        next_attempt_at=now + CLAIM
    )
    if not claimed:
        return False
    callback = ApiCallback.objects.get(pk=callback_id)
    task = GenerationTask.objects.prefetch_related("assets__review").get(pk=callback.task_id)
    payload = {
        "event": EVENT,
        "delivery": f"{callback.pk}-{callback.sent_state}",
        "task": task_object(task, _absolute),
    }
    body = json.dumps(payload, separators=(",", ":"), default=_iso_time).encode()
    problem = send(callback.url, body, delivery=payload["delivery"])
    attempts = callback.attempts + 1
    if problem is None:
        changes = {"delivered_at": timezone.now(), "next_attempt_at": None, "last_error": ""}
    elif attempts >= MAX_ATTEMPTS:
        changes = {"next_attempt_at": None, "last_error": f"{problem}; gave up"}
        logger.warning("callback %s for task %s given up: %s", callback.pk, task.pk, problem)
    else:
        changes = {"next_attempt_at": timezone.now() + BACKOFF[attempts - 1], "last_error": problem}
    # Only if the task did not end again meanwhile (that starts a new delivery).
    ApiCallback.objects.filter(pk=callback.pk, sent_state=callback.sent_state).update(
        attempts=attempts, **changes
    )
    return True


def send(url: str, body: bytes, delivery: str) -> str | None:
    """POST the body once; None on a 2xx answer, else what went wrong (plain English)."""
    try:
        check_url(url)  # the allow-list may have changed since the task was made
    except CallbackRefused as exc:
        return f"not sent: {exc}"
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "AutoScaleStudio-Callback/1",
        "X-AutoScale-Event": EVENT,
        "X-AutoScale-Delivery": delivery,
        "X-AutoScale-Signature": f"t={stamp},v1={signature(stamp, body)}",
    }
    try:
        with httpx.Client(
            timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
        ) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"no answer ({type(exc).__name__})"
    if 200 <= response.status_code < 300:
        return None
    if response.is_redirect:
        return f"answered {response.status_code}: redirects are not followed"
    return f"answered {response.status_code}"


def signature(stamp: str, body: bytes) -> str:
    """hex HMAC-SHA256 of "<timestamp>." + body, with API_CALLBACK_SECRET."""
    key = settings.API_CALLBACK_SECRET.encode()
    return hmac.new(key, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _iso_time(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _absolute(path: str) -> str:
    return settings.STUDIO_URL.rstrip("/") + path
