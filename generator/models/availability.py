"""Whether a catalog model can be submitted: available, gone upstream, or switched off."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    UNAVAILABLE = "unavailable", _("Unavailable upstream")
    DISABLED = "disabled", _("Disabled by an admin")


class ModelAvailability(models.Model):
    """One row per catalog model whose availability is known; no row means available
    (unless the catalog marks the model retired)."""

    model_key = models.CharField(_("model"), max_length=60, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Availability.choices, default=Availability.AVAILABLE
    )
    reason = models.TextField(_("reason"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)
    checked_at = models.DateTimeField(_("checked upstream at"), null=True, blank=True)

    class Meta:
        verbose_name = _("model availability")
        verbose_name_plural = _("model availability")
        ordering = ["model_key"]

    def __str__(self) -> str:
        return f"{self.model_key}: {self.status}"
