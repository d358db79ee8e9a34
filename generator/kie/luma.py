"""Luma "modify video" (Ray 2): /api/v1/modify/* (kie-api.md 7). Retired at kie.ai: the
catalog keeps it behind its `retired` flag, so the studio never sends it; the adapter
stays for the day it returns, and for the sandbox's 2025 contract.

`successFlag` 0 generating, 1 success, 2 create failed, 3 generation failed, and 4
"callback failed" — the generation itself succeeded, so 4 is a success.
"""

from __future__ import annotations

from typing import Any

from .gpt4o_image import _task_id
from .parsing import as_dict, as_whole_number, url_list
from .status import TaskStatus, UpstreamState


class Luma:
    def __init__(self, client):
        self.client = client

    def create(self, api_model: str | None, fields: dict[str, Any], callback_url: str = "") -> str:
        body = {name: value for name, value in fields.items() if value not in (None, "")}
        if callback_url:
            body["callBackUrl"] = callback_url
        return _task_id(self.client.request("POST", "/api/v1/modify/generate", json=body))

    def get_status(self, task_id: str) -> TaskStatus:
        return self.client.task_status("/api/v1/modify/record-info", task_id, parse_record)


def parse_record(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "record-info data")
    response = as_dict(record.get("response"), "response")
    flag = as_whole_number(record.get("successFlag"))
    urls = url_list(response.get("resultUrls"))
    if flag in (1, 4) and urls:
        state = UpstreamState.SUCCEEDED
    elif flag in (2, 3):
        state = UpstreamState.FAILED
    else:
        state = UpstreamState.RUNNING
    code = as_whole_number(record.get("errorCode"))
    return TaskStatus(
        task_id=task_id,
        state=state,
        progress=1.0 if state is UpstreamState.SUCCEEDED else None,
        result_urls=urls if state is UpstreamState.SUCCEEDED else (),
        error_code="" if code in (None, 0, 200) else str(code),
        error_message=str(record.get("errorMessage") or ""),
        raw=record,
    )
