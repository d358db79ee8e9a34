"""Result files, copied from kie.ai into our storage."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from generator import catalog


class Asset(models.Model):
    """A result file, copied from kie.ai into our storage (kie deletes it after 14 days)."""

    task = models.ForeignKey(
        "generator.GenerationTask",
        on_delete=models.CASCADE,
        related_name="assets",
        verbose_name=_("task"),
    )
    index = models.PositiveSmallIntegerField(_("index"), default=0)
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=[(k.value, catalog.KIND_LABELS[k]) for k in catalog.Kind],
    )
    file = models.FileField(_("file"), upload_to="assets/%Y/%m/", max_length=300)
    content_type = models.CharField(_("content type"), max_length=60)
    bytes = models.PositiveBigIntegerField(_("bytes"))
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    duration = models.FloatField(
        _("duration"), null=True, blank=True, help_text=_("Seconds (video, audio).")
    )
    thumbnail = models.FileField(
        _("thumbnail"), upload_to="thumbs/%Y/%m/", max_length=300, blank=True
    )
    poster = models.FileField(
        _("poster"), upload_to="posters/%Y/%m/", max_length=300, blank=True
    )  # a video's frame, or a track's cover art
    waveform = models.FileField(
        _("waveform"), upload_to="waveforms/%Y/%m/", max_length=300, blank=True
    )
    codec = models.CharField(_("codec"), max_length=40, blank=True)
    has_audio = models.BooleanField(_("has sound"), null=True, blank=True)
    # kie's own id for this result where follow-ups need it (a Suno track's audioId).
    upstream_id = models.CharField(_("kie.ai id"), max_length=100, blank=True)
    # What this file is among its task's results: "", "stem:vocals", "wav", "midi", "cover"...
    role = models.CharField(_("role"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    tags = models.CharField(_("tags"), max_length=500, blank=True)
    lyrics = models.TextField(_("lyrics"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    source_url = models.URLField(_("source URL"), max_length=2000)
    source_expires_at = models.DateTimeField(_("source expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
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

    def poster_url(self) -> str:
        return reverse("generator:asset_poster", args=[self.pk])

    def waveform_url(self) -> str:
        return reverse("generator:asset_waveform", args=[self.pk])

    @property
    def extension(self) -> str:
        return self.file.name.rsplit(".", 1)[-1] if "." in self.file.name else ""

    @property
    def aspect_ratio(self) -> str:
        if self.width and self.height:
            return f"{self.width} / {self.height}"
        return "1 / 1"
