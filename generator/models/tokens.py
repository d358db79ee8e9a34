"""API tokens: each one a person's key to the API, kept only as its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "ass_"  # AutoScale Studio: lets secret scanners and people recognise one
LAST_USED_PRECISION = timedelta(minutes=1)  # not one write per request


def token_digest(token: str) -> str:
    # A token carries 256 random bits: a fast hash is as good as a slow one here.
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the API. The token itself is shown once and never stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What it is for.")
    prefix = models.CharField(max_length=12, help_text="The token's first characters.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user, name: str = "") -> tuple[ApiToken, str]:
        """A new token for `user`: the row, and the token to show once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(
            user=user, name=name[:100], prefix=token[:12], digest=token_digest(token)
        )
        return row, token

    @classmethod
    def authenticate(cls, token: str) -> ApiToken | None:
        """The usable token row `token` names, or None (unknown, revoked, user inactive)."""
        if not token or len(token) > 200:
            return None
        row = cls.objects.usable().select_related("user").filter(digest=token_digest(token))
        found = row.first()
        if found:
            now = timezone.now()
            if not found.last_used_at or now - found.last_used_at > LAST_USED_PRECISION:
                cls.objects.filter(pk=found.pk).update(last_used_at=now)
        return found

    def revoke(self) -> None:
        if not self.revoked_at:
            self.revoked_at = timezone.now()
            ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
                revoked_at=self.revoked_at
            )
