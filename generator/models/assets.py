"""Result files, copied from kie.ai into our storage."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from generator import catalog


class Asset(models.Model):
    """A result file, copied from kie.ai into our storage (kie deletes it after 14 days)."""

    task = models.ForeignKey(
        "generator.GenerationTask", on_delete=models.CASCADE, related_name="assets"
    )
    index = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=[(k.value, k.value) for k in catalog.Kind])
    file = models.FileField(upload_to="assets/%Y/%m/", max_length=300)
    content_type = models.CharField(max_length=60)
    bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds (video, audio).")
    thumbnail = models.FileField(upload_to="thumbs/%Y/%m/", max_length=300, blank=True)
    source_url = models.URLField(max_length=2000)
    source_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "index"]
        constraints = [
            models.UniqueConstraint(fields=["task", "index"], name="unique_asset_index_per_task")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}/{self.index} {self.content_type}"

    def get_absolute_url(self) -> str:
        return reverse("generator:asset_file", args=[self.pk])

    def thumbnail_url(self) -> str:
        return reverse("generator:asset_thumbnail", args=[self.pk])

    @property
    def extension(self) -> str:
        return self.file.name.rsplit(".", 1)[-1] if "." in self.file.name else ""

    @property
    def aspect_ratio(self) -> str:
        if self.width and self.height:
            return f"{self.width} / {self.height}"
        return "1 / 1"
