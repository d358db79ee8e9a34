"""The header's language switcher: FR / EN, on every page, the login page included."""

from __future__ import annotations

from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from generator.models.preferences import remember_language


@require_POST
def set_language(request):
    """Django's own view (the cookie, and back to `next`), and for a logged-in user the
    choice is stored on them, so it follows them to every device."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        remember_language(request.user, request.POST.get("language", ""))
    return response
