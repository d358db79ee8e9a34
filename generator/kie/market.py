"""Market / jobs API (Ideogram, Sora 2, Kling, ...): /api/v1/jobs/*."""

from __future__ import annotations

from typing import Any

from .gpt4o_image import _task_id
from .parsing import as_decimal, as_dict, as_progress, url_list
from .status import TaskStatus, UpstreamState

_PENDING = {"waiting", "queuing", "queueing", "wait"}


class Market:
    def __init__(self, client):
        self.client = client

    def create(self, api_model: str | None, fields: dict[str, Any], callback_url: str = "") -> str:
        if not api_model:
            raise ValueError("a Market task needs a model id")
        body: dict[str, Any] = {"model": api_model, "input": dict(fields)}
        if callback_url:
            body["callBackUrl"] = callback_url
        return _task_id(self.client.request("POST", "/api/v1/jobs/createTask", json=body))

    def get_status(self, task_id: str) -> TaskStatus:
        return self.client.task_status("/api/v1/jobs/recordInfo", task_id, parse_record)


def parse_record(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "recordInfo data")
    state_word = str(record.get("state") or "").lower()
    result = as_dict(record.get("resultJson"), "resultJson")
    urls = url_list(result.get("resultUrls"))
    if state_word == "success":
        state = UpstreamState.SUCCEEDED
    elif state_word == "fail":
        state = UpstreamState.FAILED
    elif state_word in _PENDING:
        state = UpstreamState.PENDING
    else:  # generating, or a state we do not know yet
        state = UpstreamState.RUNNING
    progress = record.get("progress")  # 0-100, Sora 2 only
    consumed = as_decimal(record.get("creditsConsumed"))
    return TaskStatus(
        task_id=task_id,
        state=state,
        progress=1.0
        if state is UpstreamState.SUCCEEDED
        else (as_progress(progress, 100) if progress is not None else None),
        result_urls=urls,
        error_code=str(record.get("failCode") or ""),
        error_message=str(record.get("failMsg") or ""),
        credits_consumed=consumed if consumed is not None and consumed >= 0 else None,
        raw=record,
    )
