"""E-mails about reviews: to approvers when something is submitted, to the submitter when
it is decided. Sent by a django-q2 job after the move is saved, so a slow or broken mail
server never holds up (or undoes) a review."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from generator import roles
from generator.models import DECISIONS, ReviewAction, ReviewEvent

logger = logging.getLogger(__name__)


def review_event(event: ReviewEvent) -> None:
    """Queue the e-mails this review event calls for, once it is saved."""
    if event.action in (ReviewAction.SUBMIT, ReviewAction.RESUBMIT, *DECISIONS):
        transaction.on_commit(
            lambda: async_task(
                "generator.notifications.send_for_event",
                event.pk,
                task_name=f"review-mail-{event.pk}",
                group="review-mail",
            )
        )


def recipients(event: ReviewEvent) -> list:
    """Who hears of `event`: never the person who made it."""
    if event.action in (ReviewAction.SUBMIT, ReviewAction.RESUBMIT):
        people = roles.approvers(exclude=event.actor).exclude(pk=event.asset.task.created_by_id)
        return [person for person in people.order_by("pk") if person.email]
    submitter = event.asset.review.submitted_by
    if event.action in DECISIONS and submitter and submitter != event.actor and submitter.email:
        return [submitter]
    return []


def send_for_event(event_id: int) -> int:
    """The job: one e-mail per recipient (nobody sees the others' addresses). Returns how
    many were sent."""
    event = (
        ReviewEvent.objects.select_related("actor", "asset__task", "asset__review__submitted_by")
        .filter(pk=event_id)
        .first()
    )
    if not event:
        return 0
    people = recipients(event)
    if not people:
        return 0
    context = {
        "event": event,
        "asset": event.asset,
        "task": event.asset.task,
        "actor": _name(event.actor),
        "url": settings.STUDIO_URL.rstrip("/") + reverse("generator:asset", args=[event.asset_id]),
        "queue_url": settings.STUDIO_URL.rstrip("/") + reverse("generator:review_queue"),
    }
    if event.action in DECISIONS:
        subject = _("Asset #%(asset)s: %(decision)s by %(person)s") % {
            "asset": event.asset_id,
            "decision": event.get_action_display().lower(),
            "person": context["actor"],
        }
        body = render_to_string("generator/email/decided.txt", context)
    else:
        subject = _("Asset #%(asset)s awaits your review (from %(person)s)") % {
            "asset": event.asset_id,
            "person": context["actor"],
        }
        body = render_to_string("generator/email/submitted.txt", context)
    messages = [EmailMessage(subject, body, to=[person.email]) for person in people]
    sent = get_connection(fail_silently=False).send_messages(messages) or 0
    logger.info("review event %s: %s e-mail(s) sent", event.pk, sent)
    return sent


def _name(user) -> str:
    return user.get_full_name() or user.get_username()
