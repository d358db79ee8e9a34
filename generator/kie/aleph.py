"""Runway Aleph, video to video guided by a prompt: /api/v1/aleph/* (kie-api.md 6).

Its `successFlag` is only 0 or 1, and 0 means both "still running" and "failed": a 0
with an error (a non-zero `errorCode` or an `errorMessage`) is a failure, a 0 without
one is still running.
"""

from __future__ import annotations

from typing import Any

from .gpt4o_image import _task_id
from .parsing import as_dict, as_whole_number, first_present, url_list
from .status import TaskStatus, UpstreamState


class Aleph:
    def __init__(self, client):
        self.client = client

    def create(self, api_model: str | None, fields: dict[str, Any], callback_url: str = "") -> str:
        body = {name: value for name, value in fields.items() if value not in (None, "")}
        if callback_url:
            body["callBackUrl"] = callback_url
        return _task_id(self.client.request("POST", "/api/v1/aleph/generate", json=body))

    def get_status(self, task_id: str) -> TaskStatus:
        return self.client.task_status("/api/v1/aleph/record-info", task_id, parse_record)


def parse_record(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "record-info data")
    response = as_dict(record.get("response"), "response")
    flag = as_whole_number(record.get("successFlag"))
    code = as_whole_number(record.get("errorCode"))
    message = str(record.get("errorMessage") or "").strip()
    has_error = (code not in (None, 0, 200)) or bool(message)
    urls = url_list(first_present(response, "resultVideoUrl", "result_video_url"))
    if flag == 1 and urls:
        state = UpstreamState.SUCCEEDED
    elif has_error:
        state = UpstreamState.FAILED
    else:  # 0 without an error, or 1 whose video is not there yet
        state = UpstreamState.RUNNING
    return TaskStatus(
        task_id=task_id,
        state=state,
        progress=1.0 if state is UpstreamState.SUCCEEDED else None,
        result_urls=urls if state is UpstreamState.SUCCEEDED else (),
        error_code="" if code in (None, 0, 200) else str(code),
        error_message=message,
        raw=record,
    )
