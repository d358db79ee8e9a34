"""Error reports (the technical page, e-mails to admins, log lines) without credentials.

Django hides settings whose *name* looks secret (PASSWORD, KEY...), not a password inside
a URL such as DATABASE_URL or REDIS_URL: these are cleansed here, wherever they appear.
"""

import logging
import re

from django.template import loader
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from autoscale.lockout import client_ip

URL_PASSWORD_MASK = "********"
# scheme://user:password@host — the password runs to the last "@" before the path.
_URL_WITH_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^/\s:@'\"]*:)[^/\s'\"]*@", re.I)
LOOPBACK = {"127.0.0.1", "::1"}


# A password given as a query parameter (redis://host/0?password=...).
_QUERY_PASSWORD = re.compile(
    r"(?P<head>[?&](?:password|passwd|pass|pwd|secret|token|key)=)[^&\s'\"]*", re.I
)


def mask_url_passwords(text: str) -> str:
    text = _URL_WITH_PASSWORD.sub(rf"\g<head>{URL_PASSWORD_MASK}@", text)
    return _QUERY_PASSWORD.sub(rf"\g<head>{URL_PASSWORD_MASK}", text)


class CredentialsFilter(SafeExceptionReporterFilter):
    """Django's filter, plus passwords inside URL-valued settings, environment values
    (request.META) and cookies, at any depth (Q_CLUSTER's redis URL, DATABASES...)."""

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):  # str subclasses too (lazy strings)
            text = str(cleansed)
            masked = mask_url_passwords(text)
            return masked if masked != text else cleansed
        return cleansed


def sees_technical_errors(request) -> bool:
    """Django's debug pages are for a logged-in superuser on this machine only."""
    if request is None or client_ip(request) not in LOOPBACK:
        return False
    try:
        return request.user.is_superuser
    except Exception:  # no user yet (a crash before authentication) or no database
        return False


class StudioExceptionReporter(ExceptionReporter):
    """With DEBUG on, the technical 500 page goes to a local superuser only; everyone
    else gets the studio's 500 page. Admin e-mails keep the full (cleansed) report."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        for frame in data["frames"]:
            if "vars" in frame:
                frame["vars"] = [(name, mask_url_passwords(v)) for name, v in frame["vars"]]
        if "exception_value" in data:
            data["exception_value"] = mask_url_passwords(data["exception_value"])
        return data

    def _for_a_stranger(self) -> bool:
        return not self.is_email and not sees_technical_errors(self.request)

    def get_traceback_html(self):
        if self._for_a_stranger():
            return loader.get_template("500.html").render()
        return super().get_traceback_html()

    def get_traceback_text(self):
        if self._for_a_stranger():
            return "Server error: something went wrong on our side. It has been logged.\n"
        return super().get_traceback_text()


class MaskCredentialsLogFilter(logging.Filter):
    """Log lines and their tracebacks without passwords inside URLs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_url_passwords(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_url_passwords(record.exc_text)
        return True
