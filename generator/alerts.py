"""E-mails about credits, to the people who may approve spending (superusers, and anyone
holding generator.approve_spending): a budget passing 50/80/95 %, a drop in kie.ai's
balance the ledger does not explain, a task waiting for approval. Each is written in its
reader's language and sent by a django-q2 job, so a slow mail server never holds up a page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django_q.tasks import async_task

from generator.models.preferences import in_language_of

logger = logging.getLogger(__name__)


def approvers():
    """Active people who may approve spending, with an e-mail address."""
    permission = Permission.objects.filter(
        content_type__app_label="generator", codename="approve_spending"
    )
    who = Q(is_superuser=True) | Q(user_permissions__in=permission)
    who |= Q(groups__permissions__in=permission)
    people = get_user_model().objects.filter(is_active=True).filter(who).exclude(email="")
    return get_user_model().objects.filter(pk__in=people.values("pk")).order_by("pk")


def notify(kind: str, *args) -> None:
    """Queue the e-mail `kind` (a function of this module's WRITERS) once the current
    transaction is saved."""

    def queue():
        try:
            async_task(
                "generator.alerts.send", kind, *args, task_name=f"credit-mail-{kind}", group="mail"
            )
        except Exception:  # a queue that is down loses a mail, never the work
            logger.warning("could not queue the %s e-mail", kind, exc_info=True)

    transaction.on_commit(queue)


def send(kind: str, *args) -> int:
    """The job: one e-mail per approver, in their language. Returns how many were sent."""
    write = WRITERS[kind]
    messages = []
    for person in approvers():
        with in_language_of(person.pk):
            written = write(*args)
        if written:
            subject, body = written
            messages.append(EmailMessage(subject, body, to=[person.email]))
    if not messages:
        return 0
    sent = get_connection(fail_silently=False).send_messages(messages) or 0
    logger.info("%s: %s e-mail(s) sent", kind, sent)
    return sent


def studio_url(path: str) -> str:
    return getattr(settings, "STUDIO_URL", "").rstrip("/") + path


def _budget_alert(alert_id: int):
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from generator.models import BudgetAlert
    from generator.templatetags.studio import credit_amount

    alert = BudgetAlert.objects.select_related("budget__user").filter(pk=alert_id).first()
    if not alert:
        return None
    values = {
        "budget": alert.budget.name,
        "percent": alert.percent,
        "spent": credit_amount(alert.spent),
        "limit": credit_amount(alert.budget.monthly_credits),
    }
    subject = _("%(budget)s: %(percent)s %% spent this month") % values
    body = _(
        "%(budget)s has reached %(percent)s %%: %(spent)s of %(limit)s spent or reserved "
        "this month.\n\nBudgets, spending and the forecast: %(url)s"
    ) % {**values, "url": studio_url(reverse("generator:credits"))}
    return subject, body


def _unexplained_drop(reconciliation_id: int):
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    from generator.models import Reconciliation
    from generator.templatetags.studio import credit_amount

    done = Reconciliation.objects.filter(pk=reconciliation_id).first()
    if not done or not done.flags:
        return None
    subject = _("kie.ai's balance dropped by %(amount)s the ledger does not explain") % {
        "amount": credit_amount(done.unexplained)
    }
    lines = [
        _(
            "From %(start)s to %(end)s, kie.ai's balance moved by %(moved)s and the ledger "
            "explains %(explained)s: %(amount)s are not explained."
        )
        % {
            "start": date_format(timezone.localtime(done.period_start), "DATETIME_FORMAT"),
            "end": date_format(timezone.localtime(done.period_end), "DATETIME_FORMAT"),
            "moved": credit_amount(done.provider_spent),
            "explained": credit_amount(done.ledger_spent),
            "amount": credit_amount(done.unexplained),
        },
        "",
    ]
    for flag in done.flags_shown():
        tasks = ", ".join(f"#{task['id']}" for task in flag["tasks"]) or "-"
        lines.append(
            _("%(amount)s between %(start)s and %(end)s (tasks around it: %(tasks)s)")
            % {
                "amount": credit_amount(flag["unexplained"]),
                "start": date_format(timezone.localtime(flag["from"]), "DATETIME_FORMAT"),
                "end": date_format(timezone.localtime(flag["to"]), "DATETIME_FORMAT"),
                "tasks": tasks,
            }
        )
    lines += [
        "",
        _("Reconciliation: %(url)s") % {"url": studio_url(reverse("generator:reconciliation"))},
    ]
    return subject, "\n".join(lines)


WRITERS = {"budget_alert": _budget_alert, "unexplained_drop": _unexplained_drop}
