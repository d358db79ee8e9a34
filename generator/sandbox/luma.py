"""Luma "modify video": /api/v1/modify/* (kie-api.md 7). kie.ai retired it, so by default
its create answers as kie does for a model it does not have; with the sandbox's
`retired_models` switch on, the 2025 contract is served: successFlag 0 generating,
1 success, 3 generation failed; ms timestamps; `response` {taskId, originUrls,
resultUrls}; a callback with `data.taskId`, `promptJson` and `resultUrls`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from generator.catalog import Family

from .api import ApiError, Request, Route, compact, now_ms, optional_string
from .faults import CREATE, RECORD
from .market import UNKNOWN_MODEL
from .state import Task

if TYPE_CHECKING:
    from .app import SandboxApp

FAMILY = "luma"
FAILURES = {
    "policy": (400, "Your prompt was flagged as violating content policies"),
    "fail": (501, "Generation failed"),
}


def create(app: SandboxApp, request: Request) -> dict[str, str]:
    if not app.config.retired_models:
        raise ApiError(422, UNKNOWN_MODEL)
    body = request.json(app.max_body_bytes)
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(422, "prompt is required")
    video_url = body.get("videoUrl")
    if not isinstance(video_url, str) or not video_url.strip().startswith(("http://", "https://")):
        raise ApiError(422, "Invalid video URL")
    for name in ("callBackUrl", "watermark"):
        optional_string(body, name, name)
    base = app.state.base_for(video_url)
    return app.state.create_task(
        family=FAMILY,
        model="luma-modify",
        body=body,
        price_family=Family.LUMA,
        api_model=None,
        price_params=body,
        prompt=prompt,
        title="Luma Modify",
        sizes=[(1280, 720)],
        fmt="mp4",
        base_name=base,
        seconds=0.0 if base else 5.0,
    )


def record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task = app.state.requested_task(request, FAMILY)
    app.state.ensure_rendered(task)
    with app.state.lock:
        app.state.settle_refunds()
        state = app.state.state_of(task)
        flag, code, message, response = 0, None, "", None
        if state == "success":
            flag = 1
            url = app.state.file_url(task.file_names[0])
            response = {"taskId": task.task_id, "originUrls": [], "resultUrls": [url]}
        elif state == "fail":
            flag = 3
            code, message = FAILURES[task.outcome]
        done = state in ("success", "fail")
        return {
            "taskId": task.task_id,
            "paramJson": compact({**task.body, "waterMark": task.body.get("watermark", "")}),
            "completeTime": now_ms(app.state.finished_at(task)) if done else None,
            "response": response,
            "successFlag": flag,
            "createTime": now_ms(task.created_at),
            "errorCode": code,
            "errorMessage": message,
        }


def callback_body(app: SandboxApp, task: Task) -> dict[str, Any]:
    """What kie POSTs to a finished task's callBackUrl (lock held)."""
    data: dict[str, Any] = {"taskId": task.task_id, "promptJson": compact(task.body)}
    if app.state.state_of(task) == "success":
        data["resultUrls"] = [app.state.file_url(task.file_names[0])]
        return {"code": 200, "msg": "Modify record generated successfully.", "data": data}
    return {"code": 500, "msg": FAILURES[task.outcome][1], "data": data}


ROUTES = {
    "/api/v1/modify/generate": Route("POST", create, CREATE),
    "/api/v1/modify/record-info": Route("GET", record, RECORD),
}
