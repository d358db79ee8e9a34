"""The kie.ai client: one httpx client, an adapter per API family, typed results.

Nothing here imports Django, so the CLI, the jobs and the tests share it.
"""

from .client import KieClient
from .errors import (
    AuthenticationError,
    FirewallRefusedError,
    GenerationFailedError,
    InputError,
    InsufficientCreditsError,
    KieError,
    MaintenanceError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    TransportError,
    UpstreamError,
)
from .status import TaskStatus, UpstreamState

__all__ = [
    "AuthenticationError",
    "FirewallRefusedError",
    "GenerationFailedError",
    "InputError",
    "InsufficientCreditsError",
    "KieClient",
    "KieError",
    "MaintenanceError",
    "MalformedResponseError",
    "NotFoundError",
    "RateLimitedError",
    "TaskStatus",
    "TransportError",
    "UpstreamError",
    "UpstreamState",
]
