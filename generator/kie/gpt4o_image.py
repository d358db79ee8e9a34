"""4o Image (GPT-Image-1): /api/v1/gpt4o-image/*."""

from __future__ import annotations

from typing import Any

from .errors import MalformedResponseError
from .parsing import as_dict, as_progress, as_whole_number, first_present, url_list
from .status import TaskStatus, UpstreamState

_FAILED_STATUSES = {"CREATE_TASK_FAILED", "GENERATE_FAILED"}


def _task_id(data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("taskId"), str) and data["taskId"]:
        return data["taskId"]
    raise MalformedResponseError("kie.ai accepted the task but sent no taskId")


class Gpt4oImage:
    def __init__(self, client):
        self.client = client

    def create(self, api_model: str | None, fields: dict[str, Any], callback_url: str = "") -> str:
        body = dict(fields)
        if callback_url:
            body["callBackUrl"] = callback_url
        return _task_id(self.client.request("POST", "/api/v1/gpt4o-image/generate", json=body))

    def get_status(self, task_id: str) -> TaskStatus:
        return self.client.task_status("/api/v1/gpt4o-image/record-info", task_id, parse_record)

    def download_url(self, task_id: str, url: str) -> str:
        data = self.client.request(
            "POST", "/api/v1/gpt4o-image/download-url", json={"taskId": task_id, "url": url}
        )
        if not isinstance(data, str) or not data:
            raise MalformedResponseError("download-url answered without a URL")
        return data


def parse_record(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "record-info data")
    response = as_dict(record.get("response"), "response")
    flag = as_whole_number(record.get("successFlag"))
    status = str(record.get("status") or "").upper()
    urls = url_list(first_present(response, "resultUrls", "result_urls"))
    if flag == 1 or status == "SUCCESS":
        state = UpstreamState.SUCCEEDED
    elif flag == 2 or status in _FAILED_STATUSES:
        state = UpstreamState.FAILED
    else:  # 0, GENERATING, or a value we do not know yet: still running
        state = UpstreamState.RUNNING
    error_code = record.get("errorCode")
    return TaskStatus(
        task_id=task_id,
        state=state,
        progress=1.0 if state is UpstreamState.SUCCEEDED else as_progress(record.get("progress")),
        result_urls=urls,
        error_code="" if error_code in (None, "", 0, 200) else str(error_code),
        error_message=str(record.get("errorMessage") or ""),
        raw=record,
    )
