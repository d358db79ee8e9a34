"""Login lockout (django-axes): who the client is, and the page a locked-out login gets."""

import math

from django.conf import settings
from django.shortcuts import render


def client_ip(request) -> str:
    """The visitor's address. Behind our proxy it is the one the proxy appended last to
    X-Forwarded-For (earlier entries come from the client and can be forged)."""
    if settings.BEHIND_PROXY:
        forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def username(request, credentials=None) -> str:
    """The username a login tried, as axes records it: cut to what a username can be (150
    characters), so a long junk one is counted, not a database error."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return str(value or "")[:150]


def locked_out(request, original_response=None, credentials=None):
    """The project's own page for a login refused because of too many failures (both the
    studio's and the admin's login form)."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "login_url": request.path},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
