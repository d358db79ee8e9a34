"""Runway (Gen-4 Turbo): /api/v1/runway/* — generate, extend, and record-detail.

Status lives at `record-detail` (not record-info) with its own `state` words: wait,
queueing, generating, success, fail (kie-api.md 5.3). The extend follow-up reaches
`create` with api_model "extend" and the source's `taskId` in its fields.
"""

from __future__ import annotations

from typing import Any

from .gpt4o_image import _task_id
from .parsing import as_dict, url_list
from .status import TaskStatus, UpstreamState
from .veo import refused_if_unknown

_PENDING = {"wait", "waiting", "queueing", "queuing"}
_FAILED = {"fail", "failed"}
_NOT_SENT = ("taskId", "index")


class Runway:
    def __init__(self, client):
        self.client = client

    def create(self, api_model: str | None, fields: dict[str, Any], callback_url: str = "") -> str:
        if api_model == "extend":
            body: dict[str, Any] = {
                "taskId": fields["taskId"],
                "prompt": fields.get("prompt", ""),
                "quality": fields.get("quality") or "720p",
            }
            if fields.get("waterMark") not in (None, ""):
                body["waterMark"] = fields["waterMark"]
            path = "/api/v1/runway/extend"
        else:
            body = {
                name: value
                for name, value in fields.items()
                if name not in _NOT_SENT and value not in (None, [])
            }
            body.setdefault("waterMark", "")  # empty: no watermark
            path = "/api/v1/runway/generate"
        if callback_url:
            body["callBackUrl"] = callback_url
        return _task_id(refused_if_unknown(self.client.request, "POST", path, json=body))

    def get_status(self, task_id: str) -> TaskStatus:
        return self.client.task_status("/api/v1/runway/record-detail", task_id, parse_record)


def parse_record(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "record-detail data")
    video = as_dict(record.get("videoInfo"), "videoInfo")
    word = str(record.get("state") or "").strip().lower()
    if word == "success":
        state = UpstreamState.SUCCEEDED
    elif word in _FAILED:
        state = UpstreamState.FAILED
    elif word in _PENDING:
        state = UpstreamState.PENDING
    else:  # generating, or a word we do not know yet: still running
        state = UpstreamState.RUNNING
    fail_code = record.get("failCode")
    return TaskStatus(
        task_id=task_id,
        state=state,
        progress=1.0 if state is UpstreamState.SUCCEEDED else None,
        result_urls=url_list(video.get("videoUrl")) if state is UpstreamState.SUCCEEDED else (),
        error_code="" if fail_code in (None, "", 0, 200) else str(fail_code),
        error_message=str(record.get("failMsg") or ""),
        raw=record,
    )
