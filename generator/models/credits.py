"""Credits: our ledger, the balances kie.ai reported, and admins' price overrides."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from generator import catalog


class CreditLedgerEntry(models.Model):
    """Our own account of credits: negative amounts are spent or reserved.

    Each entry names its task and whose it is (the task's creator; for a manual
    adjustment, the admin who made it)."""

    class Kind(models.TextChoices):
        RESERVE = "reserve", gettext_lazy("Reserved at submission")
        RELEASE = "release", gettext_lazy("Released (task failed)")
        UNKNOWN = "unknown", gettext_lazy("Charge unknown (reservation kept)")
        # kie.ai said what the task cost: the reservation is corrected to that figure.
        CHARGE = "charge", gettext_lazy("Charge booked (kie.ai's figure)")
        ADJUST = "adjust", gettext_lazy("Manual adjustment")

    at = models.DateTimeField(gettext_lazy("at"), default=timezone.now, db_index=True)
    kind = models.CharField(gettext_lazy("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(gettext_lazy("amount"), max_digits=10, decimal_places=2)
    task = models.ForeignKey(
        "generator.GenerationTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ledger_entries",
        verbose_name=gettext_lazy("task"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_ledger_entries",
        verbose_name=gettext_lazy("user"),
    )
    note = models.CharField(gettext_lazy("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = gettext_lazy("credit ledger entry")
        verbose_name_plural = gettext_lazy("credit ledger entries")

    def __str__(self) -> str:
        return f"{self.amount:+} {self.get_kind_display()}"


def in_sandbox_mode() -> bool:
    """Whether the studio talks to the sandbox (no KIE_API_KEY): its balances are its own."""
    return settings.KIE_USE_SANDBOX


class CreditBalanceSnapshot(models.Model):
    """The balance kie.ai reported at one moment (compared with the ledger to spot leaks).

    `at` is when kie.ai's answer came, `requested_at` when the question left: a credit
    movement between the two may or may not be in the balance."""

    at = models.DateTimeField(gettext_lazy("at"), default=timezone.now, db_index=True)
    requested_at = models.DateTimeField(gettext_lazy("asked at"), null=True, blank=True)
    balance = models.DecimalField(gettext_lazy("balance"), max_digits=12, decimal_places=2)
    sandbox = models.BooleanField(gettext_lazy("sandbox"), default=in_sandbox_mode)

    class Meta:
        ordering = ["-at", "-id"]
        get_latest_by = "at"
        verbose_name = gettext_lazy("credit balance snapshot")
        verbose_name_plural = gettext_lazy("credit balance snapshots")

    def __str__(self) -> str:
        return _("%(balance)s credits at %(at)s") % {
            "balance": self.balance,
            "at": date_format(timezone.localtime(self.at), "DATETIME_FORMAT"),
        }


def catalog_models() -> list[tuple[str, str]]:
    """Every catalog model, as choices: a callable, so that a model added to the catalog
    needs no migration."""
    return [(m.key, m.label) for m in catalog.MODELS]


class PriceOverride(models.Model):
    """An admin's price for a catalog unit price, taking effect without a deploy."""

    model_key = models.CharField(gettext_lazy("model"), max_length=60, choices=catalog_models)
    price_key = models.CharField(
        gettext_lazy("price key"),
        max_length=80,
        blank=True,
        help_text=gettext_lazy(
            "Empty for the model's unit price, or e.g. 'rendering_speed=QUALITY'."
        ),
    )
    credits = models.DecimalField(gettext_lazy("credits"), max_digits=10, decimal_places=2)
    note = models.CharField(gettext_lazy("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)

    class Meta:
        ordering = ["model_key", "price_key"]
        verbose_name = gettext_lazy("price override")
        verbose_name_plural = gettext_lazy("price overrides")
        constraints = [
            models.UniqueConstraint(fields=["model_key", "price_key"], name="unique_price_override")
        ]

    def __str__(self) -> str:
        return f"{self.model_key} {self.price_key or 'unit'} = {self.credits}"

    def clean(self):
        try:
            keys = [key for key, _ in catalog.get(self.model_key).pricing.price_keys()]
        except catalog.CatalogError:
            raise ValidationError({"model_key": _("Unknown model.")}) from None
        if self.price_key not in keys:
            shown = ", ".join(repr(k) if k else _("empty") for k in keys)
            raise ValidationError(
                {"price_key": _("This model's prices are: %(keys)s.") % {"keys": shown}}
            )
        if self.credits is not None and self.credits < 0:
            raise ValidationError({"credits": _("A price cannot be negative.")})

    @classmethod
    def for_model(cls, model_key: str) -> dict[str, Decimal]:
        return dict(cls.objects.filter(model_key=model_key).values_list("price_key", "credits"))


class PublishedPrice(models.Model):
    """A catalog price as kie.ai publishes it (the Market price endpoint), read daily; it
    replaces the catalog's estimate, and an admin's override replaces it."""

    model_key = models.CharField(gettext_lazy("model"), max_length=60, choices=catalog_models)
    price_key = models.CharField(gettext_lazy("price key"), max_length=80, blank=True)
    credits = models.DecimalField(gettext_lazy("credits"), max_digits=10, decimal_places=2)
    description = models.CharField(gettext_lazy("kie.ai's words"), max_length=500, blank=True)
    fetched_at = models.DateTimeField(gettext_lazy("read at"), default=timezone.now)

    class Meta:
        ordering = ["model_key", "price_key"]
        verbose_name = gettext_lazy("price published by kie.ai")
        verbose_name_plural = gettext_lazy("prices published by kie.ai")
        constraints = [
            models.UniqueConstraint(
                fields=["model_key", "price_key"], name="unique_published_price"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_key} {self.price_key or 'unit'} = {self.credits}"

    @classmethod
    def for_model(cls, model_key: str) -> dict[str, Decimal]:
        return dict(cls.objects.filter(model_key=model_key).values_list("price_key", "credits"))


class Reconciliation(models.Model):
    """kie.ai's balance movements compared with the ledger over one period (between two
    balance snapshots): what the balance lost, what the ledger explains, and the drops it
    does not explain (`flags`, each with its sub-period and the tasks around it)."""

    period_start = models.DateTimeField(gettext_lazy("from"))
    period_end = models.DateTimeField(gettext_lazy("to"), db_index=True)
    start_snapshot = models.ForeignKey(
        CreditBalanceSnapshot,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("first balance"),
    )
    end_snapshot = models.ForeignKey(
        CreditBalanceSnapshot,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("last balance"),
    )
    provider_spent = models.DecimalField(
        gettext_lazy("kie.ai's balance moved by"), max_digits=12, decimal_places=2
    )
    ledger_spent = models.DecimalField(
        gettext_lazy("the ledger explains"), max_digits=12, decimal_places=2
    )
    unexplained = models.DecimalField(gettext_lazy("unexplained"), max_digits=12, decimal_places=2)
    flags = models.JSONField(gettext_lazy("flags"), default=list, blank=True)
    sandbox = models.BooleanField(gettext_lazy("sandbox"), default=in_sandbox_mode)
    created_at = models.DateTimeField(gettext_lazy("done at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = gettext_lazy("reconciliation")
        verbose_name_plural = gettext_lazy("reconciliations")

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m-%d %H:%M} → {self.period_end:%Y-%m-%d %H:%M}"

    def flags_shown(self) -> list[dict]:
        """The flags for a page: their moments as datetimes (shown in the page's time
        zone), tasks' states and charges in words."""
        from django.utils.dateparse import parse_datetime

        from generator.models.tasks import State

        charges = {
            "charged": _("Charged"),
            "refunded": _("Refunded"),
            "not_charged": _("Not charged"),
            "unknown": _("Charge unknown"),
            "pending": _("pending"),
        }
        states = dict(State.choices)
        return [
            {
                **flag,
                "from": parse_datetime(flag["from"]),
                "to": parse_datetime(flag["to"]),
                "tasks": [
                    {
                        **task,
                        "state": states.get(task["state"], task["state"]),
                        "charge": charges.get(task["charge"], task["charge"]),
                    }
                    for task in flag["tasks"]
                ],
            }
            for flag in self.flags
        ]

    def as_json(self) -> dict:
        """What `kie reconcile --json` prints."""
        return {
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "provider_spent": _number(self.provider_spent),
            "ledger_spent": _number(self.ledger_spent),
            "unexplained": _number(self.unexplained),
            "flags": self.flags,
        }


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
