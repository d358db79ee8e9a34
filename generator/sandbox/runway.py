"""Runway (Gen-4 Turbo): /api/v1/runway/* — generate, extend, record-detail, and the
callback of a finished task (kie-api.md section 5).

Status is read at `record-detail` with Runway's own `state` words (wait, queueing,
generating, success, fail), task ids are UUIDs and callbacks are snake_case. Videos are
real H.264 MP4s without sound, 5 or 10 s, at 720p or 1080p (not 1080p at 10 s). A task
lasts 1.5 times the sandbox's duration (Runway takes about a minute). An extension is
the whole video: the source, then 5 more seconds.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from generator.catalog import Family, get

from .api import ApiError, Request, Route, optional_string, require_choice
from .faults import CREATE, RECORD
from .state import Task

if TYPE_CHECKING:
    from .app import SandboxApp

FAMILY = "runway"
TITLE = "Runway Gen-4 Turbo"
_SCALE = 1.5
_EXTEND_SECONDS = 5
_SIZES_720 = {
    "16:9": (1280, 720),
    "4:3": (960, 720),
    "1:1": (720, 720),
    "3:4": (720, 960),
    "9:16": (720, 1280),
}
_STATES = {"waiting": "wait", "queuing": "queueing"}  # the sandbox's words -> Runway's
FAILURES = {
    "policy": (400, "Inappropriate content detected. Please replace the image or video."),
    "fail": (400, "Reached the limit for concurrent generations."),
}


def _size(ratio: str, quality: str) -> tuple[int, int]:
    width, height = _SIZES_720[ratio]
    if quality == "1080p":
        return width * 3 // 2, height * 3 // 2
    return width, height


def _extension_size(source: tuple[int, int], quality: str) -> tuple[int, int]:
    """An extension keeps the original's aspect ratio, at the quality it asks for."""
    width, height = source
    for ratio, (w, h) in _SIZES_720.items():
        if w * height == h * width:
            return _size(ratio, quality)
    return source


def _prompt(body: dict[str, Any]) -> str:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(422, "prompt is required")
    if len(prompt) > 1800:
        raise ApiError(422, "prompt must be at most 1800 characters")
    return prompt


def _quality(body: dict[str, Any]) -> str:
    quality = body.get("quality")
    if quality not in ("720p", "1080p"):
        raise ApiError(422, "quality is required: 720p or 1080p")
    return quality


def create(app: SandboxApp, request: Request) -> dict[str, str]:
    body = request.json(app.max_body_bytes)
    prompt = _prompt(body)
    duration = body.get("duration")
    if isinstance(duration, str) and duration.strip() in ("5", "10"):
        duration = int(duration)  # the docs' own example sends "5"
    if duration not in (5, 10) or isinstance(duration, bool):
        raise ApiError(422, "duration is required: 5 or 10")
    quality = _quality(body)
    if quality == "1080p" and duration == 10:
        raise ApiError(422, "1080p cannot be combined with a 10-second duration")
    for name in ("imageUrl", "waterMark", "callBackUrl"):
        optional_string(body, name, name)
    image = body.get("imageUrl") or None
    require_choice(body, "aspectRatio", _SIZES_720, "aspectRatio")
    if not image and not body.get("aspectRatio"):
        raise ApiError(422, "aspectRatio is required without an imageUrl")
    ratio = "16:9" if image else body["aspectRatio"]  # ignored with an image
    return app.state.create_task(
        family=FAMILY,
        model="runway",
        body=body,
        price_family=Family.RUNWAY,
        api_model=None,
        price_params=body,
        prompt=prompt,
        title=TITLE,
        sizes=[_size(ratio, quality)],
        fmt="mp4",
        base_name=app.state.base_for(image) if image else None,
        price=get("runway").estimate({"duration": duration, "quality": quality}),
        task_id=str(uuid.uuid4()),
        scale=_SCALE,
        extra={"seconds": duration, "audio": False, "parent": ""},
    )


def extend(app: SandboxApp, request: Request) -> dict[str, str]:
    body = request.json(app.max_body_bytes)
    prompt = _prompt(body)
    quality = _quality(body)
    for name in ("waterMark", "callBackUrl"):
        optional_string(body, name, name)
    task_id = body.get("taskId")
    with app.state.lock:
        source = app.state.tasks.get(task_id) if isinstance(task_id, str) else None
        state = app.state.state_of(source) if source else None
    if source is None or source.family != FAMILY:
        raise ApiError(422, "record is null")
    if state != "success":
        raise ApiError(422, "record status is not success")
    return app.state.create_task(
        family=FAMILY,
        model="runway",
        body=body,
        price_family=Family.RUNWAY,
        api_model=None,
        price_params=body,
        prompt=prompt,
        title=TITLE,
        sizes=[_extension_size(source.sizes[0], quality)],
        fmt="mp4",
        base_name=source.file_names[0],
        price=get("runway").estimate({"quality": quality}, operation_key="extend"),
        task_id=str(uuid.uuid4()),
        scale=_SCALE,
        extra={
            "seconds": _EXTEND_SECONDS,
            "audio": False,
            "continue": [True],
            "parent": source.task_id,
        },
    )


def record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task = app.state.requested_task(request, FAMILY)
    app.state.ensure_rendered(task)
    with app.state.lock:
        app.state.settle_refunds()
        state = app.state.state_of(task)
        video = {"videoId": "", "taskId": task.task_id, "videoUrl": "", "imageUrl": ""}
        fail_code, fail_message = None, ""
        if state == "success":
            video["videoId"] = task.file_names[0].rsplit(".", 1)[0]
            video["videoUrl"] = app.state.file_url(task.file_names[0])
        elif state == "fail":
            fail_code, fail_message = FAILURES[task.outcome]
        return {
            "taskId": task.task_id,
            "parentTaskId": task.extra.get("parent", ""),
            "generateParam": {
                "prompt": task.prompt,
                "imageUrl": task.body.get("imageUrl") or "",
                "expandPrompt": False,
            },
            "state": _STATES.get(state, state),
            "generateTime": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(task.created_at)),
            "videoInfo": video,
            "failCode": fail_code,
            "failMsg": fail_message,
            "expireFlag": 0,
        }


def callback_body(app: SandboxApp, task: Task) -> dict[str, Any]:
    """What kie POSTs to a finished task's callBackUrl: snake_case keys, and on failure
    the same four keys with empty strings (lock held)."""
    data = {"task_id": task.task_id, "video_id": "", "video_url": "", "image_url": ""}
    if app.state.state_of(task) == "success":
        data["video_id"] = task.file_names[0].rsplit(".", 1)[0]
        data["video_url"] = app.state.file_url(task.file_names[0])
        return {"code": 200, "msg": "All generated successfully.", "data": data}
    code, message = FAILURES[task.outcome]
    return {"code": code, "msg": message, "data": data}


ROUTES = {
    "/api/v1/runway/generate": Route("POST", create, CREATE),
    "/api/v1/runway/extend": Route("POST", extend, CREATE),
    "/api/v1/runway/record-detail": Route("GET", record, RECORD),
}
