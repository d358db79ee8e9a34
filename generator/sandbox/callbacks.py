"""Delivering kie's callbacks: loopback addresses only, a short timeout, a daemon thread.

The sandbox is pointed at by clients nobody here wrote, with callBackUrls that may name
any host: it never contacts anything but this machine.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

Send = Callable[[str, dict[str, Any]], Any]

USER_AGENT = "kie.ai-sandbox-callback/1.0"


def is_loopback(url: str) -> bool:
    """http(s) to localhost, 127.0.0.0/8 or ::1; anything else is never contacted."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def delivered(outcome: Any) -> bool:
    """A `send` result that means the receiver took it: a 2xx status (or no status)."""
    status = getattr(outcome, "status_code", outcome)
    if status is None:
        return True
    return isinstance(status, int) and 200 <= status < 300


class HttpSender:
    """POSTs a callback with a short timeout; no proxy, no redirect (both could leave
    the machine)."""

    def __init__(self, timeout: float):
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
        )

    def __call__(self, url: str, body: dict[str, Any]) -> int:
        return self._http.post(url, json=body).status_code


def start_delivery_thread(app, interval: float = 0.2) -> threading.Event:
    """Send due callbacks every `interval` seconds until the returned event is set."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                app.deliver_due_callbacks()
            except Exception as exc:  # the thread must outlive any one bad delivery
                sys.stderr.write(f"sandbox callback delivery failed: {exc!r}\n")

    threading.Thread(target=run, name="sandbox-callbacks", daemon=True).start()
    return stop
