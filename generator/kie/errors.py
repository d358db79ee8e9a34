"""Exceptions raised by the kie.ai client, keyed on kie's envelope codes.

Callers act on the class: retry a RateLimitedError or MaintenanceError later, fail a
task on InputError, tell an admin about AuthenticationError. Messages are kie's own
text with the API key scrubbed; the key never reaches an exception.
"""

from __future__ import annotations


class KieError(Exception):
    """Base of every error the client raises."""

    #: True when the request certainly had no effect upstream, so it may be retried.
    safe_to_retry = False
    #: The envelope's `data` of an error answer (untrusted; Veo 4K puts a result there).
    data = None

    def __init__(self, message: str, *, code: int | None = None, http_status: int | None = None):
        self.message = message
        self.code = code
        self.http_status = http_status
        super().__init__(f"[{code}] {message}" if code is not None else message)


class AuthenticationError(KieError):
    """401: missing or wrong API key (or an IP not on the key's whitelist)."""


class FirewallRefusedError(KieError):
    """A bare HTTP 403 from the Cloudflare in front of kie.ai ("error code: 1010"): the
    client's signature (its User-Agent) was refused before kie.ai saw the request. Not a
    bad key; nothing happened upstream, so it is safe to send again (once fixed)."""

    safe_to_retry = True

    def __init__(self, *, http_status: int = 403):
        super().__init__(
            "kie.ai's firewall refused the request (not the API key): check the User-Agent",
            http_status=http_status,
        )


class InsufficientCreditsError(KieError):
    """402: the kie.ai account has too few credits."""


class InputError(KieError):
    """400/422 at create: kie refused the parameters."""


class AlreadyExistsError(InputError):
    """409: the result exists already (a track converted to WAV before, a song's cover
    made before). Nothing was made or charged; not retryable."""


class NotFoundError(KieError):
    """404, or 422 "recordInfo is null": kie does not know (or does not yet show) the task."""


class RateLimitedError(KieError):
    """429: refused and not queued, so not charged: safe to retry after a pause."""

    safe_to_retry = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class MaintenanceError(KieError):
    """455: kie.ai is under maintenance; the request was refused."""

    safe_to_retry = True


class UpstreamError(KieError):
    """500/505/550 or an answer we cannot read: kie had a problem of its own."""


class GenerationFailedError(UpstreamError):
    """501 (or Market's 408): the generation itself failed; final for that task."""


class TransportError(UpstreamError):
    """No usable answer: connection refused, timeout, broken stream."""

    def __init__(self, message: str, *, request_sent: bool):
        super().__init__(message)
        # A request that never left (connection refused) cannot have created anything.
        self.safe_to_retry = not request_sent


class MalformedResponseError(UpstreamError):
    """kie answered 200 but not in a shape we understand."""


# Envelope codes that are kie's final word on a task: the generation failed (501), or
# nothing came from upstream for 10 minutes (408, Market).
FINAL_TASK_CODES = (408, 501)


def error_for(code: int, message: str, http_status: int | None, retry_after: float | None = None):
    """The exception matching a kie envelope code."""
    kwargs = {"code": code, "http_status": http_status}
    if code == 401:
        return AuthenticationError(message or "kie.ai refused the API key", **kwargs)
    if code == 402:
        return InsufficientCreditsError(message or "Insufficient credits", **kwargs)
    if code == 404:
        return NotFoundError(message or "Not found", **kwargs)
    if code == 409:
        return AlreadyExistsError(message or "already exists", **kwargs)
    if code == 422 and _says_record_is_null(message):
        return NotFoundError(message, **kwargs)
    if code in (400, 413, 422, 451):
        return InputError(message or "kie.ai refused the request", **kwargs)
    if code in (429, 430):
        return RateLimitedError(message or "Rate limited", retry_after=retry_after, **kwargs)
    if code == 455:
        return MaintenanceError(message or "kie.ai is under maintenance", **kwargs)
    if code in FINAL_TASK_CODES:
        return GenerationFailedError(message or "Generation failed", **kwargs)
    return UpstreamError(message or f"kie.ai error {code}", **kwargs)


def _says_record_is_null(message: str) -> bool:
    """ "recordInfo is null", "record is null", in any case, with trailing punctuation."""
    words = " ".join((message or "").lower().split()).rstrip(" .!。")
    return words in ("recordinfo is null", "record is null")
