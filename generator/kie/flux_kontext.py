"""Flux Kontext (Pro and Max): /api/v1/flux/kontext/*."""

from __future__ import annotations

from typing import Any

from .gpt4o_image import _task_id
from .parsing import as_dict, as_whole_number, url_list
from .status import TaskStatus, UpstreamState


class FluxKontext:
    def __init__(self, client):
        self.client = client

    def create(self, api_model: str | None, fields: dict[str, Any], callback_url: str = "") -> str:
        body = dict(fields)
        if api_model:
            body["model"] = api_model
        if callback_url:
            body["callBackUrl"] = callback_url
        return _task_id(self.client.request("POST", "/api/v1/flux/kontext/generate", json=body))

    def get_status(self, task_id: str) -> TaskStatus:
        return self.client.task_status("/api/v1/flux/kontext/record-info", task_id, parse_record)


def parse_record(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "record-info data")
    response = as_dict(record.get("response"), "response")
    flag = as_whole_number(record.get("successFlag"))
    # resultImageUrl is ours for 14 days; originImageUrl dies after 10 minutes.
    urls = url_list(response.get("resultImageUrl")) or url_list(response.get("resultUrls"))
    if flag == 1:
        state = UpstreamState.SUCCEEDED
    elif flag in (2, 3):
        state = UpstreamState.FAILED
    else:
        state = UpstreamState.RUNNING
    error_code = record.get("errorCode")
    return TaskStatus(
        task_id=task_id,
        state=state,
        progress=1.0 if state is UpstreamState.SUCCEEDED else None,
        result_urls=urls,
        short_lived_urls=url_list(response.get("originImageUrl"))
        if state is UpstreamState.SUCCEEDED
        else (),
        error_code="" if error_code in (None, "", 0, 200) else str(error_code),
        error_message=str(record.get("errorMessage") or ""),
        raw=record,
    )
