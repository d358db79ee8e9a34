"""One httpx client for kie.ai: base URLs, Bearer auth, timeouts, the {code,msg,data} envelope.

The family adapters (gpt4o_image, flux_kontext, market, account, discovery, files) hang
off it.
No Django here: give it URLs, a key and optionally an httpx transport (the tests pass
the in-process sandbox's).
"""

from __future__ import annotations

import logging
import math
import re
import time
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx

from generator import safejson

from .errors import (
    FINAL_TASK_CODES,
    FirewallRefusedError,
    GenerationFailedError,
    KieError,
    MalformedResponseError,
    TransportError,
    UpstreamError,
    error_for,
)
from .parsing import UPSTREAM_JSON_BYTES, as_whole_number
from .status import TaskStatus, failed_status

logger = logging.getLogger(__name__)
MAX_RETRY_AFTER_SECONDS = 3600.0  # a longer wait asked for is taken as an hour

DEFAULT_BASE_URL = "https://api.kie.ai"
DEFAULT_UPLOAD_BASE_URL = "https://kieai.redpandaai.co"
_FIREWALL_PAGE = re.compile(r"error code:?\s*1010|cloudflare", re.IGNORECASE)


@cache
def default_user_agent() -> str:
    """Ours, named with the installed version: kie's Cloudflare refuses none and some
    library defaults (kie-api.md 1.1)."""
    try:
        release = version("autoscale-studio")
    except PackageNotFoundError:
        release = "dev"
    return f"AutoScaleStudio/{release} (+https://autoscale.ai)"


class KieClient:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        upload_base_url: str = DEFAULT_UPLOAD_BASE_URL,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        user_agent: str | None = None,
    ):
        if not api_key:
            raise ValueError("a kie.ai API key is required")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.upload_base_url = upload_base_url.rstrip("/")
        self.transport = transport
        self.user_agent = user_agent or default_user_agent()
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=10.0),
            transport=transport,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "User-Agent": self.user_agent,
            },
            follow_redirects=False,
        )
        from .account import Account
        from .aleph import Aleph
        from .discovery import Discovery
        from .files import Files
        from .flux_kontext import FluxKontext
        from .gpt4o_image import Gpt4oImage
        from .luma import Luma
        from .market import Market
        from .runway import Runway
        from .suno import Suno
        from .veo import Veo

        self.gpt4o_image = Gpt4oImage(self)
        self.flux_kontext = FluxKontext(self)
        self.market = Market(self)
        self.veo = Veo(self)
        self.runway = Runway(self)
        self.aleph = Aleph(self)
        self.luma = Luma(self)
        self.suno = Suno(self)
        self.account = Account(self)
        self.discovery = Discovery(self)
        self.files = Files(self)

    def __repr__(self) -> str:  # never show the key
        return f"KieClient(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KieClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def family(self, name: str, api_model: str | None = None):
        """The adapter for a catalog Family value ("gpt4o_image", "flux_kontext", "market",
        "veo", ...). Suno's endpoints differ per operation: `api_model` names it."""
        if name == "suno":
            return self.suno.endpoint(api_model)
        adapter = {
            "gpt4o_image": self.gpt4o_image,
            "flux_kontext": self.flux_kontext,
            "market": self.market,
            "veo": self.veo,
            "runway": self.runway,
            "aleph": self.aleph,
            "luma": self.luma,
        }.get(name)
        if adapter is None:
            raise ValueError(f"no kie adapter for family {name!r}")
        return adapter

    def task_status(self, path: str, task_id: str, parse) -> TaskStatus:
        """Read one task's record (GET `path`?taskId=) and `parse` it. kie's final 408/501
        answer there is its verdict on the task, so it comes back as a FAILED status."""
        try:
            data = self.request("GET", path, params={"taskId": task_id})
        except GenerationFailedError as exc:
            return failed_status(task_id, exc)
        return parse(task_id, data)

    def scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***") if text else text

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: Any = None,
        data: Any = None,
        upload: bool = False,
    ) -> Any:
        """Send one request and return the envelope's `data`, or raise a KieError."""
        url = (self.upload_base_url if upload else self.base_url) + path
        started = time.monotonic()
        try:
            response = self._http.request(
                method, url, json=json, params=params, files=files, data=data
            )
        except httpx.ConnectError as exc:
            raise TransportError(
                f"could not connect to kie.ai ({type(exc).__name__})", request_sent=False
            ) from None
        except httpx.TimeoutException as exc:
            sent = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            raise TransportError("kie.ai did not answer in time", request_sent=sent) from None
        except httpx.HTTPError as exc:
            raise TransportError(
                f"kie.ai connection failed ({type(exc).__name__})", request_sent=True
            ) from None
        elapsed_ms = (time.monotonic() - started) * 1000
        try:
            return self._unwrap(response)
        except KieError as exc:
            logger.info("kie %s %s -> %s in %.0f ms", method, path, exc, elapsed_ms)
            raise
        finally:
            logger.debug("kie %s %s http %s", method, path, response.status_code)

    def _unwrap(self, response: httpx.Response) -> Any:
        retry_after = _retry_after(response)
        try:
            # Bounded: an upstream answer is not trusted to be small or shallow.
            body = safejson.loads(response.content, max_bytes=UPSTREAM_JSON_BYTES)
        except ValueError:
            body = None
        if not isinstance(body, dict) or "code" not in body:
            if response.status_code == 403 and _FIREWALL_PAGE.search(response.text[:4096]):
                raise FirewallRefusedError(http_status=403)
            if response.is_success:
                raise MalformedResponseError("kie.ai answered without the {code,msg,data} envelope")
            if response.status_code in FINAL_TASK_CODES:
                # A bare 408 or 501 comes from a proxy in between, not from kie's verdict
                # on the task: a problem of the moment, not a failed generation.
                raise UpstreamError(
                    f"HTTP {response.status_code} {response.reason_phrase}",
                    code=response.status_code,
                    http_status=response.status_code,
                )
            raise error_for(
                response.status_code,
                f"HTTP {response.status_code} {response.reason_phrase}",
                response.status_code,
                retry_after,
            )
        code = as_whole_number(body.get("code"))
        message = self.scrub(str(body.get("msg") or ""))
        if code is None:
            raise MalformedResponseError(
                self.scrub(f"kie.ai answered with a non-numeric code {body['code']!r}")
            )
        # An error may come inside HTTP 200, and uploads add a `success` flag.
        if code != 200 or _says_failure(body.get("success")) or not response.is_success:
            if code == 200:
                code = response.status_code if not response.is_success else 500
            error = error_for(code, message, response.status_code, retry_after)
            error.data = body.get("data")  # Veo 4K: a 422 that carries the result
            raise error
        return body.get("data")


def _says_failure(flag: Any) -> bool:
    """An upload's `success` flag reads false: False, 0, "false" or "0" (absent is fine)."""
    if isinstance(flag, str):
        return flag.strip().lower() in ("false", "0")
    return flag is not None and flag == 0


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date, or junk: our own backoff decides
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
