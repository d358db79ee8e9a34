"""Spending rules: monthly budgets (the team's, and per person), the alerts they raised,
and the studio's credit policy (the low-balance warning, the price above which a task
waits for an admin's approval)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class CreditPolicy(models.Model):
    """One row: when the balance is low, and when one task needs an admin's approval."""

    low_balance = models.DecimalField(
        gettext_lazy("low balance"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("500"),
        validators=[MinValueValidator(0)],
        help_text=gettext_lazy(
            "Below this many credits, every page warns that the balance is low."
        ),
    )
    approval_threshold = models.DecimalField(
        gettext_lazy("approval threshold"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=gettext_lazy(
            "A task costing more credits than this waits for an admin's approval before "
            "anything is sent. Empty: no task needs one."
        ),
    )
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("credit policy")
        verbose_name_plural = gettext_lazy("credit policy")
        permissions = [("approve_spending", "Can approve a task above the approval threshold")]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> CreditPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class Budget(models.Model):
    """A monthly limit in credits: the team's (one, `is_team`), or one person's. A task
    that would take the month's spending past it is refused before anything is sent."""

    is_team = models.BooleanField(gettext_lazy("the team's"), default=False, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="credit_budget",
        verbose_name=gettext_lazy("person"),
        help_text=gettext_lazy("Empty: the whole team's budget."),
    )
    monthly_credits = models.DecimalField(
        gettext_lazy("credits a month"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    note = models.CharField(gettext_lazy("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)

    class Meta:
        ordering = ["-is_team", "user__username"]
        verbose_name = gettext_lazy("monthly budget")
        verbose_name_plural = gettext_lazy("monthly budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["is_team"], condition=Q(is_team=True), name="one_team_budget"
            ),
            models.CheckConstraint(
                condition=Q(is_team=True, user__isnull=True) | Q(is_team=False, user__isnull=False),
                name="budget_is_the_teams_or_a_persons",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.is_team = self.user_id is None
        super().save(*args, **kwargs)

    def clean(self):
        self.is_team = self.user_id is None
        others = Budget.objects.exclude(pk=self.pk)
        if self.is_team and others.filter(is_team=True).exists():
            raise ValidationError(
                {"user": _("The team has a budget already: change that one, or name a person.")}
            )

    @property
    def name(self) -> str:
        """ "The team's monthly budget", "Marie's monthly budget" (page's language)."""
        if self.is_team or self.user_id is None:
            return _("The team's monthly budget")
        person = self.user.get_full_name() or self.user.get_username()
        return _("%(name)s's monthly budget") % {"name": person}


class BudgetAlert(models.Model):
    """A budget's month passed 50, 80 or 95 %: raised once, and e-mailed to the admins."""

    LEVELS = (50, 80, 95)

    budget = models.ForeignKey(
        Budget, on_delete=models.CASCADE, related_name="alerts", verbose_name=gettext_lazy("budget")
    )
    month = models.DateField(gettext_lazy("month"))
    percent = models.PositiveSmallIntegerField(gettext_lazy("percent"))
    spent = models.DecimalField(gettext_lazy("spent"), max_digits=12, decimal_places=2)
    at = models.DateTimeField(gettext_lazy("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = gettext_lazy("budget alert")
        verbose_name_plural = gettext_lazy("budget alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "month", "percent"], name="one_alert_per_level_and_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.budget} {self.percent}% {self.month:%Y-%m}"
