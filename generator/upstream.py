"""Where the Django side gets its kie.ai client: the real API, or the sandbox.

With no KIE_API_KEY the studio talks to the sandbox: over HTTP to `kie sandbox` (make
run), or in this very process through an httpx transport (the tests).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from django.conf import settings

from generator.kie import KieClient

_inprocess_sandbox = None


def inprocess_sandbox():
    """The sandbox living in this process (KIE_SANDBOX_INPROCESS), created on first use."""
    global _inprocess_sandbox
    if _inprocess_sandbox is None:
        from generator.sandbox import SandboxApp, SandboxConfig

        _inprocess_sandbox = SandboxApp(
            SandboxConfig(api_key=settings.KIE_SANDBOX_KEY, public_url=settings.KIE_SANDBOX_URL)
        )
    return _inprocess_sandbox


def transport() -> httpx.BaseTransport | None:
    if settings.KIE_USE_SANDBOX and settings.KIE_SANDBOX_INPROCESS:
        from generator.sandbox import SandboxTransport

        return SandboxTransport(inprocess_sandbox())
    return None


def kie_client() -> KieClient:
    return KieClient(
        settings.KIE_API_KEY or settings.KIE_SANDBOX_KEY,
        base_url=settings.KIE_BASE_URL,
        upload_base_url=settings.KIE_UPLOAD_BASE_URL,
        timeout=settings.KIE_TIMEOUT_SECONDS,
        transport=transport(),
        user_agent=settings.KIE_USER_AGENT or None,
    )


def download_hosts() -> list[str]:
    hosts = list(settings.KIE_DOWNLOAD_HOSTS)
    if settings.KIE_USE_SANDBOX:
        hosts.append(urlsplit(settings.KIE_SANDBOX_URL).hostname or "127.0.0.1")
    return hosts


def mode_label() -> str:
    return "sandbox" if settings.KIE_USE_SANDBOX else "kie.ai"
