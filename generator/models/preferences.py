"""What each person chose for themselves: the language they read the studio in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class UserPreference(models.Model):
    """Stored on the user, so a choice made on one device follows them to the next."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="studio_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"


def is_studio_language(code) -> bool:
    return code in dict(settings.LANGUAGES)


def stored_language(user_id) -> str | None:
    """The language this user chose, or None when they never did."""
    if not user_id:
        return None
    code = UserPreference.objects.filter(user_id=user_id).values_list("language", flat=True).first()
    return code if is_studio_language(code) else None


def remember_language(user, code: str) -> None:
    if is_studio_language(code):
        UserPreference.objects.update_or_create(user=user, defaults={"language": code})


def in_language_of(user_id):
    """Write what this user will read (a task's failure, its events) in their language:
    their choice, else the site's default; never the language of whoever runs the code."""
    return translation.override(stored_language(user_id) or settings.LANGUAGE_CODE)
