"""Callbacks the API sends when a generation ends, and the hosts an admin allows them to."""

from __future__ import annotations

from django.db import models


class CallbackHost(models.Model):
    """A host the API may call back. Nothing else is ever called."""

    host = models.CharField(
        max_length=253,
        unique=True,
        help_text="A host name such as hooks.autoscale.ai (any port); a leading dot, "
        "such as .autoscale.ai, allows its subdomains too.",
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["host"]
        verbose_name = "allowed callback host"

    def __str__(self) -> str:
        return self.host

    def save(self, *args, **kwargs):
        self.host = self.host.strip().lower()
        super().save(*args, **kwargs)

    @classmethod
    def allows(cls, host: str) -> bool:
        host = (host or "").lower().rstrip(".")
        if not host:
            return False
        for allowed in cls.objects.values_list("host", flat=True):
            if allowed.startswith("."):
                if host.endswith(allowed) or host == allowed[1:]:
                    return True
            elif host == allowed:
                return True
        return False


class ApiCallback(models.Model):
    """The URL an API client asked to be called when its generation ends.

    A delivery is due while `next_attempt_at` is set; it is retried with backoff until a
    2xx answer or the last attempt. A task that ends again (a download retried by an
    admin) is delivered again, with its new state.
    """

    task = models.OneToOneField(
        "generator.GenerationTask", on_delete=models.CASCADE, related_name="api_callback"
    )
    url = models.CharField(max_length=2000, help_text="Checked against the allow-list when sent.")
    sent_state = models.CharField(
        max_length=12, blank=True, help_text="The final state being (or last) delivered."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API callback"

    def __str__(self) -> str:
        return f"task {self.task_id} -> {self.url}"
