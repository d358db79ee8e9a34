"""Spending rules: the studio's credit policy (the low-balance warning, the price above
which a task waits for an admin's approval)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
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

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> CreditPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
