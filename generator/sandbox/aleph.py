"""Runway Aleph, video to video: /api/v1/aleph/* (kie-api.md 6) — generate, record-info
(and record-detail, the path the docs' own example polls), and the callback.

Its record says `successFlag` 1 on success and 0 otherwise — while running *and* after
a failure, which only `errorCode` / `errorMessage` tell apart — with ISO timestamps.
The callback carries `taskId` at the top level and snake_case result keys. The result
is a real MP4: the input video itself when it is one of ours (restyled by the prompt's
overlay), else a new 5-second one, at the asked aspect ratio.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from generator.catalog import Family

from .api import ApiError, Request, Route, compact, is_int, optional_string, require_choice
from .faults import CREATE, RECORD
from .media import render_image
from .state import Task

if TYPE_CHECKING:
    from .app import SandboxApp

FAMILY = "aleph"
_SIZES = {
    "16:9": (1280, 720),
    "9:16": (720, 1280),
    "4:3": (960, 720),
    "3:4": (720, 960),
    "1:1": (720, 720),
    "21:9": (1680, 720),
}
# A failed task's (errorCode, errorMessage), by outcome.
FAILURES = {
    "policy": (400, "Your prompt was caught by our AI moderator. Please adjust it and try again!"),
    "fail": (500, "Internal Error, Please try again later"),
}


def create(app: SandboxApp, request: Request) -> dict[str, str]:
    body = request.json(app.max_body_bytes)
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(422, "prompt is required")
    video_url = body.get("videoUrl")
    if not isinstance(video_url, str) or not video_url.strip().startswith(("http://", "https://")):
        raise ApiError(422, "videoUrl is required")
    require_choice(body, "aspectRatio", _SIZES, "aspectRatio")
    for name in ("callBackUrl", "waterMark", "referenceImage"):
        optional_string(body, name, name)
    if body.get("seed") is not None and not is_int(body["seed"]):
        raise ApiError(422, "seed must be an integer")
    if body.get("uploadCn") is not None and not isinstance(body["uploadCn"], bool):
        raise ApiError(422, "uploadCn must be a boolean")
    base = app.state.base_for(video_url)
    return app.state.create_task(
        family=FAMILY,
        model="runway-aleph",
        body=body,
        price_family=Family.ALEPH,
        api_model=None,
        price_params=body,
        prompt=prompt,
        title="Runway Aleph",
        sizes=[_SIZES[body.get("aspectRatio") or "16:9"]],
        fmt="mp4",
        base_name=base,
        seconds=0.0 if base else 5.0,  # a video of ours is restyled whole
    )


def record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task = app.state.requested_task(request, FAMILY)
    app.state.ensure_rendered(task)
    poster = _poster_url(app, task)
    with app.state.lock:
        app.state.settle_refunds()
        state = app.state.state_of(task)
        flag, code, message, response = 0, 0, "", None
        if state == "success":
            flag = 1
            response = {
                "taskId": task.task_id,
                "resultVideoUrl": app.state.file_url(task.file_names[0]),
                "resultImageUrl": poster,
            }
        elif state == "fail":
            code, message = FAILURES[task.outcome]  # successFlag stays 0
        done = state in ("success", "fail")
        return {
            "taskId": task.task_id,
            "paramJson": compact(task.body),
            "response": response,
            "completeTime": _iso(app.state.finished_at(task)) if done else None,
            "createTime": _iso(task.created_at),
            "successFlag": flag,
            "errorCode": code,
            "errorMessage": message,
        }


def _poster_url(app: SandboxApp, task: Task) -> str:
    """A still of a finished video (kie's resultImageUrl), drawn once."""
    if app.state.state_of(task) != "success":
        return ""
    name = f"{task.file_names[0]}.jpg"
    if app.state.read_own(name) is None:
        width, height = task.sizes[0]
        still = render_image(task.prompt, width, height, "jpeg", task.title)
        with app.state.lock:
            app.state.store(name, still, "image/jpeg")
    return app.state.file_url(name)


def _iso(seconds: float) -> str:
    return (
        datetime.fromtimestamp(seconds, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def callback_body(app: SandboxApp, task: Task) -> dict[str, Any]:
    """What kie POSTs to a finished task's callBackUrl (lock held): `taskId` at the top."""
    if app.state.state_of(task) == "success":
        name = task.file_names[0]
        poster = f"{name}.jpg"
        data = {
            "result_video_url": app.state.file_url(name),
            "result_image_url": app.state.file_url(poster) if poster in app.state.files else "",
        }
        return {"code": 200, "msg": "success", "data": data, "taskId": task.task_id}
    code, message = FAILURES[task.outcome]
    return {"code": code, "msg": message, "data": None, "taskId": task.task_id}


ROUTES = {
    "/api/v1/aleph/generate": Route("POST", create, CREATE),
    "/api/v1/aleph/record-info": Route("GET", record, RECORD),
    # The generate page's own example polls this path (a doc bug, kie-api.md 6.1).
    "/api/v1/aleph/record-detail": Route("GET", record, RECORD),
}
