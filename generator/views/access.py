"""Who may see what: each view asks for a permission (generator.roles); htmx requests of an
ended session move the whole page."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import (
    HttpResponseClientRedirect,
    HttpResponseClientRefresh,
)


def requires(permission: str):
    """Logged-in people holding `permission` only: anonymous users go to the login page,
    others get 403.

    An htmx request (a live poll, a form swap) moves the whole page instead, so a session
    that ended in another tab never puts the login form or the 403 page inside a card."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(permission):
                if request.htmx:
                    return HttpResponseClientRefresh()  # the reloaded page says "Not allowed"
                raise PermissionDenied(_("Your role in the studio does not allow this."))
            return view(request, *args, **kwargs)

        @wraps(view)
        def htmx_aware(request, *args, **kwargs):
            if request.htmx and not request.user.is_authenticated:
                page = request.htmx.current_url_abs_path or reverse("generator:gallery")
                return HttpResponseClientRedirect(redirect_to_login(page).url)
            return wrapper(request, *args, **kwargs)

        return htmx_aware

    return decorator
