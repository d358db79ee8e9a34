"""The studio's own error pages: 404 for strangers even in debug, 503 when SQLite is busy."""

import logging

from django.conf import settings
from django.db import OperationalError
from django.http import Http404, HttpResponse
from django.template import loader
from django.views.defaults import page_not_found

from autoscale.error_reports import sees_technical_errors

log = logging.getLogger(__name__)

BUSY_RETRY_AFTER_SECONDS = 5


class ErrorPagesMiddleware:
    """Goes before CommonMiddleware, so an APPEND_SLASH redirect is not taken for a 404.

    Django's technical 404 page (DEBUG) is kept for a local superuser; others get the
    studio's 404 page. Technical 500 pages are decided by StudioExceptionReporter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.resolver_match is None  # no URL matched: Django's technical 404
            and self._hide_technical_pages(request)
        ):
            return page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and self._hide_technical_pages(request):
            return page_not_found(request, exception)
        if isinstance(exception, OperationalError) and "database is locked" in str(exception):
            log.warning("Database busy on %s %s: answered 503", request.method, request.path)
            return busy_response()
        return None

    @staticmethod
    def _hide_technical_pages(request) -> bool:
        return settings.DEBUG and not sees_technical_errors(request)


def busy_response() -> HttpResponse:
    """Rendered without the request: its context processors may need the busy database."""
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    return response


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token (an expired page, cookies refused): the
    studio's page, never Django's technical one, even in debug."""
    log.info("CSRF refused %s: %s", request.path, reason)
    return HttpResponse(loader.render_to_string("403_csrf.html", request=request), status=403)
