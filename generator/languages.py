"""Which language a page is in: the user's stored choice, else the browser's.

Django's LocaleMiddleware picks the language cookie, else the browser's Accept-Language
(English for anything that is neither French nor English). After it, this middleware
gives a logged-in user the language they chose, wherever they log in. The header's
switcher stores a choice on the user and in the cookie (views/language.py); someone who
never chose adopts the language they logged in with.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from generator.models.preferences import remember_language, stored_language


class UserLanguageMiddleware:
    """Goes after AuthenticationMiddleware and LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = stored_language(user.pk) if user and user.is_authenticated else None
        if chosen:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        cookie = settings.LANGUAGE_COOKIE_NAME
        # The cookie follows the stored choice, so the login page after a log-out speaks
        # it too; a response that sets the cookie itself (the switcher) is left alone.
        if chosen and request.COOKIES.get(cookie) != chosen and cookie not in response.cookies:
            set_language_cookie(response, chosen)
        return response


def set_language_cookie(response, code: str) -> None:
    """The cookie as Django's own set_language view writes it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def adopt_login_language(sender, request, user, **kwargs):
    """user_logged_in: someone who never chose keeps the language they logged in with.
    A stored choice wins over it (the middleware applies it from the next page on)."""
    code = getattr(request, "LANGUAGE_CODE", None)  # none for a login made in code
    if code and stored_language(user.pk) is None:
        remember_language(user, code)
