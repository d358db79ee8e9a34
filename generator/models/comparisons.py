"""Model comparisons: one prompt sent to 2-4 models of the same kind at once, side by side,
and the winner the marketer picked (counted in the analytics)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy


class Comparison(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="comparisons",
        verbose_name=gettext_lazy("created by"),
    )
    prompt_text = models.TextField(gettext_lazy("prompt"))
    kind = models.CharField(gettext_lazy("kind"), max_length=10)
    submission_key = models.CharField(
        gettext_lazy("submission key"), max_length=64, blank=True, editable=False
    )
    created_at = models.DateTimeField(gettext_lazy("created at"), auto_now_add=True, db_index=True)
    winner = models.ForeignKey(
        "generator.GenerationTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("winner"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("winner picked by"),
    )
    decided_at = models.DateTimeField(gettext_lazy("winner picked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("model comparison")
        verbose_name_plural = gettext_lazy("model comparisons")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "submission_key"],
                condition=~Q(submission_key=""),
                name="one_comparison_per_form_post",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.prompt_text[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("generator:comparison", args=[self.pk])


class ComparisonEntry(models.Model):
    """One model's task in a comparison."""

    comparison = models.ForeignKey(
        Comparison,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=gettext_lazy("comparison"),
    )
    task = models.OneToOneField(
        "generator.GenerationTask",
        on_delete=models.PROTECT,
        related_name="comparison_entry",
        verbose_name=gettext_lazy("task"),
    )
    position = models.PositiveSmallIntegerField(gettext_lazy("position"), default=0)

    class Meta:
        ordering = ["comparison", "position"]
        verbose_name = gettext_lazy("compared model")
        verbose_name_plural = gettext_lazy("compared models")

    def __str__(self) -> str:
        return f"{self.comparison_id}/{self.position}"
