"""The API's typed shapes: what it takes and what it answers (the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils.dateparse import parse_datetime
from ninja import Field, Schema
from pydantic import ConfigDict, model_validator


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in a sentence.")
    errors: Any = Field(None, description="Per-field messages, when there are some.")


class Body(Schema):
    """A request body: a JSON object, nothing else (a list or a number is a 400)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value):
        given = getattr(value, "_obj", value)  # ninja hands it over wrapped (DjangoGetter)
        if not isinstance(given, dict):
            raise ValueError("the body must be a JSON object")
        return value


def iso_time(value):
    """An ISO 8601 date and time, never a bare number (pydantic reads those as epochs)."""
    if value is None or not isinstance(value, str):
        if value is None:
            return None
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-11-28T09:30:00Z")
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-11-28T09:30:00Z")
    return moment


class AssetOut(Schema):
    id: int
    url: str = Field(description="The file (needs the token).")
    content_type: str
    bytes: int
    sha256: str
    width: int | None
    height: int | None
    review_state: Literal["draft", "in_review", "approved", "changes_requested", "rejected"]
    review_url: str


class TaskOut(Schema):
    """A generation: the same fields as `manage.py kie generate --json`."""

    id: int
    model: str
    operation: str
    state: str = Field(
        description="QUEUED, UNCONFIRMED, SUBMITTED, RUNNING, DOWNLOADING, "
        "SUCCEEDED, FAILED, TIMED_OUT or CANCELED."
    )
    progress: float | None
    error: str | None = Field(description="Why it failed, in plain words; null otherwise.")
    failure_kind: str | None
    credits: float | None = Field(description="What kie.ai kept; null while not known.")
    credits_estimated: float
    charge: Literal["charged", "refunded", "not_charged", "unknown", "pending"]
    upstream_task_id: str | None
    created_at: datetime
    made_from: int | None = Field(description="The asset this is a new version of.")
    source_asset: int | None = Field(
        None, description="The video a follow-up (extend, 1080p, 4K) acts on."
    )
    url: str
    assets: list[AssetOut]


class GenerationIn(Body):
    model_config = ConfigDict(populate_by_name=True)

    model: str = Field(max_length=60, examples=["flux-kontext-pro"])
    operation: str | None = Field(
        None, max_length=40, description="Default: the model's first operation."
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="kie.ai's own parameter names, as `manage.py kie models` lists them.",
        examples=[{"prompt": "Reception desk, morning light", "aspectRatio": "16:9"}],
    )
    made_from: int | None = Field(
        None,
        alias="from",
        ge=1,
        le=2**63 - 1,
        description="An asset this makes a new version of; an operation that takes an "
        "image uses it as its input.",
    )
    source_asset: int | None = Field(
        None,
        ge=1,
        le=2**63 - 1,
        description="A follow-up's source: the finished video that `extend`, `1080p` or "
        "`4k` acts on (required by those operations, refused by the others).",
    )
    callback_url: str | None = Field(
        None,
        max_length=2000,
        description="Called (POST, signed) when the task ends; its host must be on the "
        "admins' allow-list.",
    )


class HistoryOut(Schema):
    kind: Literal["event", "comment"]
    action: str | None
    from_state: str | None
    to_state: str | None
    by: str | None
    at: datetime
    text: str


class ReviewOut(Schema):
    id: int
    review_state: Literal["draft", "in_review", "approved", "changes_requested", "rejected"]
    submitted_by: str | None
    submitted_at: datetime | None
    note: str
    decided_by: str | None
    decided_at: datetime | None
    reason: str
    url: str
    provenance_url: str
    history: list[HistoryOut]


class SubmitIn(Body):
    note: str = Field("", max_length=10_000)


class DecisionIn(Body):
    decision: Literal["approve", "changes", "reject"]
    reason: str = Field("", max_length=10_000, description="Required to reject or ask changes.")


class CommentIn(Body):
    text: str = Field(max_length=10_000)


class ApprovedOut(Schema):
    id: int
    url: str = Field(description="The file (needs the token).")
    content_type: str
    kind: str
    bytes: int
    sha256: str
    width: int | None
    height: int | None
    model: str
    prompt: str
    task_id: int
    submitted_by: str | None
    approved_by: str | None
    approved_at: datetime
    provenance_url: str


class ApprovedPage(Schema):
    results: list[ApprovedOut]
    next: str | None = Field(description="The next page, or null on the last one.")
