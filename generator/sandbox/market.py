"""The Market (jobs) API: /api/v1/jobs/createTask and recordInfo, and the callback of a
finished task. Models today: Ideogram V3 text-to-image, remix, edit and reframe; Kling's
videos (market_videos.py).

Every Market model shares the envelope (`model`, `callBackUrl`, `input`) and the record
(state waiting / queuing / generating / success / fail, `resultJson`, `failCode`); what
a model accepts in `input` is its own function in `_MODELS`, so a new Market model is
one function and one entry there. A new task answers "recordInfo is null" for
`visibility_delay_seconds`, as kie's do. A magic word fails the task with failCode "400"
(policy) or "501" (fail).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from generator.catalog import Family

from . import control, market_videos
from .api import (
    ApiError,
    Request,
    Route,
    compact,
    is_int,
    is_number,
    now_ms,
    optional_string,
    require_choice,
)
from .faults import CREATE, RECORD
from .state import Task

if TYPE_CHECKING:
    from .app import SandboxApp

FAMILY = "market"
# A failed task's (failCode, failMsg), by outcome.
FAILURES = {
    "policy": (400, "Your content was flagged as violating content policies"),
    "fail": (501, "Generation failed"),
}
_IDEOGRAM_SIZES = {
    "square": (512, 512),
    "square_hd": (1024, 1024),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
_IDEOGRAM_SPEEDS = ("TURBO", "BALANCED", "QUALITY")
_IDEOGRAM_STYLES = ("AUTO", "GENERAL", "REALISTIC", "DESIGN")


def _ideogram_v3(app: SandboxApp, model: str, data: dict[str, Any]) -> dict[str, Any]:
    """Ideogram V3's `input` checks; answers what to draw (create_task's arguments)."""
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(422, "input.prompt is required")
    if len(prompt) > 5000:
        raise ApiError(422, "input.prompt must be at most 5000 characters")
    require_choice(data, "rendering_speed", _IDEOGRAM_SPEEDS, "input.rendering_speed")
    require_choice(data, "style", _IDEOGRAM_STYLES, "input.style")
    require_choice(data, "image_size", _IDEOGRAM_SIZES, "input.image_size")
    optional_string(data, "negative_prompt", "input.negative_prompt", 5000)
    if data.get("expand_prompt") is not None and not isinstance(data["expand_prompt"], bool):
        raise ApiError(422, "input.expand_prompt must be a boolean")
    if data.get("seed") is not None and not is_int(data["seed"]):
        raise ApiError(422, "input.seed must be an integer")
    count = 1
    base = None
    if model == "ideogram/v3-remix":
        image_url = data.get("image_url")
        if not isinstance(image_url, str) or not image_url.strip():
            raise ApiError(422, "input.image_url is required")
        strength = data.get("strength")
        if strength is not None and (not is_number(strength) or not 0.01 <= strength <= 1):
            raise ApiError(422, "input.strength must be a number from 0.01 to 1")
        num = data.get("num_images")
        if num is not None:
            if str(num) not in ("1", "2", "3", "4") or isinstance(num, bool | float):
                raise ApiError(422, "input.num_images must be one of 1, 2, 3, 4")
            count = int(num)
        base = app.state.base_for(image_url)
    size = _IDEOGRAM_SIZES[data.get("image_size") or "square_hd"]
    return {
        "prompt": prompt,
        "title": "Ideogram V3",
        "sizes": [size] * count,
        "fmt": "png",
        "base_name": base,
    }


def _ideogram_edit(app: SandboxApp, model: str, data: dict[str, Any]) -> dict[str, Any]:
    """Ideogram V3 edit: repaint the masked area of an image; the result keeps its size."""
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(422, "input.prompt is required")
    if len(prompt) > 5000:
        raise ApiError(422, "input.prompt must be at most 5000 characters")
    image_url = _required_url(data, "image_url")
    _required_url(data, "mask_url")
    require_choice(data, "rendering_speed", _IDEOGRAM_SPEEDS, "input.rendering_speed")
    _optional_bool(data, "expand_prompt")
    if data.get("seed") is not None and not is_int(data["seed"]):
        raise ApiError(422, "input.seed must be an integer")
    size = app.state.image_size(image_url) or _IDEOGRAM_SIZES["square_hd"]
    return {
        "prompt": prompt,
        "title": "Ideogram V3 edit",
        "sizes": [size],
        "fmt": "png",
        "base_name": app.state.base_for(image_url),
    }


def _ideogram_reframe(app: SandboxApp, model: str, data: dict[str, Any]) -> dict[str, Any]:
    """Ideogram V3 reframe: the image extended to a new size; no prompt."""
    image_url = _required_url(data, "image_url")
    if data.get("image_size") is None:
        raise ApiError(422, "input.image_size is required")
    require_choice(data, "image_size", _IDEOGRAM_SIZES, "input.image_size")
    require_choice(data, "rendering_speed", _IDEOGRAM_SPEEDS, "input.rendering_speed")
    require_choice(data, "style", _IDEOGRAM_STYLES, "input.style")
    if data.get("seed") is not None and not is_number(data["seed"]):
        raise ApiError(422, "input.seed must be a number")
    count = _num_images(data)
    return {
        "prompt": "reframed",
        "title": "Ideogram V3 reframe",
        "sizes": [_IDEOGRAM_SIZES[data["image_size"]]] * count,
        "fmt": "png",
        "base_name": app.state.base_for(image_url),
    }


def _required_url(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip().startswith(("http://", "https://")):
        raise ApiError(422, f"input.{name} is required")
    return value


def _optional_bool(data: dict[str, Any], name: str) -> None:
    if data.get(name) is not None and not isinstance(data[name], bool):
        raise ApiError(422, f"input.{name} must be a boolean")


def _num_images(data: dict[str, Any]) -> int:
    num = data.get("num_images")
    if num is None:
        return 1
    if str(num) not in ("1", "2", "3", "4") or isinstance(num, bool | float):
        raise ApiError(422, "input.num_images must be one of 1, 2, 3, 4")
    return int(num)


# Market model id -> the checks of its `input`. A model kie.ai removed (Sora 2) is not
# here: it answers as any unknown model does.
_MODELS: dict[str, Callable[[SandboxApp, str, dict[str, Any]], dict[str, Any]]] = {
    "ideogram/v3-text-to-image": _ideogram_v3,
    "ideogram/v3-remix": _ideogram_v3,
    "ideogram/v3-edit": _ideogram_edit,
    "ideogram/v3-reframe": _ideogram_reframe,
    **market_videos.MODELS,
}
UNKNOWN_MODEL = "The page does not exist or is not published"


def create(app: SandboxApp, request: Request) -> dict[str, str]:
    body = request.json(app.max_body_bytes)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(422, "model is required")
    if model not in _MODELS:
        raise ApiError(422, UNKNOWN_MODEL)
    optional_string(body, "callBackUrl", "callBackUrl")
    data = body.get("input")
    if not isinstance(data, dict):
        raise ApiError(422, "input is required")
    drawing = _MODELS[model](app, model, data)
    created = app.state.create_task(
        family=FAMILY,
        model=model,
        body=body,
        price_family=Family.MARKET,
        api_model=model,
        price_params=data,
        **drawing,
    )
    # kie's 2026 answer adds recordId (equal to taskId); tasks are polled by taskId.
    return {**created, "recordId": created["taskId"]}


def record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task = app.state.requested_task(request, FAMILY)
    with app.state.lock:
        visible_at = task.created_at + app.config.visibility_delay_seconds
        if app.config.clock() < visible_at:
            raise ApiError(422, "recordInfo is null")
    app.state.ensure_rendered(task)
    with app.state.lock:
        app.state.settle_refunds()
        return _record_data(app, task)


def _record_data(app: SandboxApp, task: Task) -> dict[str, Any]:
    """A Market task's recordInfo `data` (lock held)."""
    state = app.state.state_of(task)
    created = task.created_at
    duration = max(0.0, app.config.duration_seconds)
    done = state in ("success", "fail")
    if done:
        updated = app.state.finished_at(task)
    elif state == "waiting":
        updated = created
    elif state == "queuing":
        updated = created + 0.10 * duration
    else:
        updated = created + 0.25 * duration
    result, fail_code, fail_msg = "", "", ""
    if state == "success":
        result = compact({"resultUrls": [app.state.file_url(n) for n in task.file_names]})
    elif state == "fail":
        number, fail_msg = FAILURES[task.outcome]
        fail_code = str(number)
    return {
        "taskId": task.task_id,
        "model": task.model,
        "state": state,
        "param": compact(task.body),
        "resultJson": result,
        "failCode": fail_code,
        "failMsg": fail_msg,
        "costTime": now_ms(duration) if done else None,
        # What the task cost in the end: its price, or nothing once refunded (kie-api.md 9.2).
        "creditsConsumed": _consumed(task) if done else None,
        "completeTime": now_ms(app.state.finished_at(task)) if done else None,
        "createTime": now_ms(created),
        "updateTime": now_ms(updated),
    }


def _consumed(task: Task) -> int | float:
    return control.json_number(Decimal(0) if task.refunded else task.price)


def callback_body(app: SandboxApp, task: Task) -> dict[str, Any]:
    """What kie POSTs to a finished task's callBackUrl: the record plus the credits
    (lock held)."""
    success = app.state.state_of(task) == "success"
    data = _record_data(app, task)
    data["consumeCredits"] = _consumed(task)
    data["remainedCredits"] = control.json_number(app.state.balance)
    if success:
        return {"code": 200, "msg": "Playground task completed successfully.", "data": data}
    return {"code": 501, "msg": "Playground task failed.", "data": data}


ROUTES = {
    "/api/v1/jobs/createTask": Route("POST", create, CREATE),
    "/api/v1/jobs/recordInfo": Route("GET", record, RECORD),
}
