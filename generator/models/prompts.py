"""Saved prompts, with the brand context added to every generation made from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Prompt(models.Model):
    """A named, reusable prompt; brand context is added to every generation made from it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompts"
    )
    name = models.CharField(max_length=120)
    text = models.TextField()
    brand_context = models.TextField(
        blank=True,
        help_text="Added after the prompt, e.g. 'AutoScale blue #1b5cff, clean, modern'.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="unique_prompt_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name

    def full_text(self) -> str:
        return f"{self.text.strip()}\n\n{self.brand_context.strip()}".strip()
