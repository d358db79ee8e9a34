"""The one normalised task status every family adapter returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class UpstreamState(StrEnum):
    PENDING = "pending"  # accepted, waiting or queued upstream
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class TaskStatus:
    task_id: str
    state: UpstreamState
    progress: float | None = None  # 0..1 when the family reports it
    result_urls: tuple[str, ...] = ()
    # Links that expire within minutes (Flux's originImageUrl): a last resort when a
    # finished task gives no lasting result URL.
    short_lived_urls: tuple[str, ...] = ()
    error_code: str = ""
    error_message: str = ""
    # What kie.ai says the task cost, where it says so (Market's creditsConsumed).
    credits_consumed: Decimal | None = None
    # A family's stage word while it runs (Suno: "pending", "text", "first"; "complete").
    stage: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def finished(self) -> bool:
        return self.state in (UpstreamState.SUCCEEDED, UpstreamState.FAILED)


def failed_status(task_id: str, error) -> TaskStatus:
    """The status of a task whose record-info answered with a final error code (a
    GenerationFailedError): kie's verdict that the generation failed."""
    return TaskStatus(
        task_id=task_id,
        state=UpstreamState.FAILED,
        error_code=str(error.code or ""),
        error_message=error.message,
    )
