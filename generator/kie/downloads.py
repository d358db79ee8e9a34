"""Streaming a result file from kie's CDN: allowed hosts only, a size cap, a checksum.

The download client sends no Authorization header: the API key is for api.kie.ai,
never for whatever host a result URL names.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

import httpx

from .client import default_user_agent


class DownloadError(Exception):
    def __init__(self, message: str, *, permanent: bool, gone: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.gone = gone  # the host answered that the file is not there (now)


@dataclass(frozen=True)
class Downloaded:
    content_type: str
    size: int
    sha256: str


def host_allowed(url: str, allowed_hosts: list[str]) -> bool:
    """True when the URL is http(s) and its host is listed (".example.com" allows subdomains)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    for allowed in allowed_hosts:
        allowed = allowed.lower()
        if allowed.startswith("."):
            if host == allowed[1:] or host.endswith(allowed):
                return True
        elif host == allowed:
            return True
    return False


def download(
    url: str,
    destination: BinaryIO,
    *,
    allowed_hosts: list[str],
    max_bytes: int,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 60.0,
    deadline: float | None = None,
    user_agent: str | None = None,
) -> Downloaded:
    """Stream `url` into `destination`; refuse other hosts, off-site redirects, oversize files.

    `timeout` bounds each network wait; `deadline` (a time.monotonic() value) bounds the
    whole transfer, so a slow trickle cannot outlive the job that runs it. The request
    names us (`user_agent`, else the client's default): CDNs refuse some library defaults.
    """
    if not host_allowed(url, allowed_hosts):
        host = urlsplit(url).hostname
        raise DownloadError(f"refused to download from {host!r}", permanent=True)
    digest = hashlib.sha256()
    size = 0
    try:
        headers = {"User-Agent": user_agent or default_user_agent()}
        with httpx.Client(
            transport=transport, timeout=timeout, follow_redirects=False, headers=headers
        ) as http:
            for _hop in range(4):
                with http.stream("GET", url) as response:
                    if response.is_redirect:
                        url = str(response.url.join(response.headers.get("Location", "")))
                        if not host_allowed(url, allowed_hosts):
                            raise DownloadError(
                                "the file redirected to a host we do not trust", permanent=True
                            )
                        continue
                    if response.status_code in (403, 404, 410):
                        raise DownloadError(
                            f"the file is gone (HTTP {response.status_code})",
                            permanent=True,
                            gone=True,
                        )
                    if not response.is_success:
                        raise DownloadError(f"HTTP {response.status_code}", permanent=False)
                    declared = response.headers.get("Content-Length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise DownloadError(
                            f"the file is {int(declared)} bytes, over the {max_bytes}-byte limit",
                            permanent=True,
                        )
                    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
                    for chunk in response.iter_bytes(64 * 1024):
                        size += len(chunk)
                        if size > max_bytes:
                            raise DownloadError(
                                f"the file is over the {max_bytes}-byte limit", permanent=True
                            )
                        if deadline is not None and time.monotonic() > deadline:
                            raise DownloadError("the transfer took too long", permanent=False)
                        digest.update(chunk)
                        destination.write(chunk)
                    return Downloaded(
                        content_type=content_type.lower(), size=size, sha256=digest.hexdigest()
                    )
            raise DownloadError("too many redirects", permanent=True)
    except httpx.HTTPError as exc:
        raise DownloadError(f"network error ({type(exc).__name__})", permanent=False) from None
