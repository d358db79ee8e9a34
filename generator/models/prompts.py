"""Saved prompts, with the brand context added to every generation made from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Prompt(models.Model):
    """A named, reusable prompt; brand context is added to every generation made from it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="prompts",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=120)
    text = models.TextField(_("text"))
    brand_context = models.TextField(
        _("brand context"),
        blank=True,
        help_text=_("Added after the prompt, e.g. 'AutoScale blue #1b5cff, clean, modern'."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("saved prompt")
        verbose_name_plural = _("saved prompts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="unique_prompt_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name

    def full_text(self) -> str:
        return f"{self.text.strip()}\n\n{self.brand_context.strip()}".strip()
