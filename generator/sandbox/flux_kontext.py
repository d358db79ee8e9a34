"""Flux Kontext (Pro and Max): /api/v1/flux/kontext/* — generate, record-info, and the
callback of a finished task.

Records speak successFlag 0/1/3 and carry `originImageUrl` (a 10-minute signed link)
next to `resultImageUrl`. Outputs are Black Forest Labs' own sizes; an edit without an
aspect ratio keeps the input image's. A magic word fails the task with errorCode 400
(policy) or 501 (fail).
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

from PIL import Image

from generator.catalog import Family

from .api import ApiError, Request, Route, compact, is_int, now_ms, optional_string, require_choice
from .faults import CREATE, RECORD
from .files import signed
from .state import Task

if TYPE_CHECKING:
    from .app import SandboxApp

FAMILY = "flux"
# Black Forest Labs' own Kontext output sizes: about one megapixel, multiples of 16.
_SIZES = {
    "21:9": (1568, 672),
    "16:9": (1392, 752),
    "4:3": (1184, 880),
    "1:1": (1024, 1024),
    "3:4": (880, 1184),
    "9:16": (752, 1392),
}
_MODELS = {"flux-kontext-pro": "Flux Kontext Pro", "flux-kontext-max": "Flux Kontext Max"}
# A failed task's (errorCode, errorMessage), by outcome.
FAILURES = {
    "policy": (400, "Your prompt was flagged by Website as violating content policies"),
    "fail": (501, "Generation failed"),
}


def create(app: SandboxApp, request: Request) -> dict[str, str]:
    body = request.json(app.max_body_bytes)
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(422, "prompt is required")
    model = body.get("model") or "flux-kontext-pro"
    if model not in _MODELS:
        raise ApiError(422, "model must be one of flux-kontext-pro, flux-kontext-max")
    require_choice(body, "aspectRatio", _SIZES, "aspectRatio")
    require_choice(body, "outputFormat", ("jpeg", "png"), "outputFormat")
    for name in ("inputImage", "callBackUrl", "watermark"):
        optional_string(body, name, name)
    editing = bool(body.get("inputImage"))
    tolerance = body.get("safetyTolerance")
    if tolerance is not None:
        top = 2 if editing else 6
        if not is_int(tolerance) or not 0 <= tolerance <= top:
            raise ApiError(422, f"safetyTolerance must be an integer from 0 to {top}")
    base = app.state.base_for(body.get("inputImage")) if editing else None
    ratio = body.get("aspectRatio")
    if ratio:
        size = _SIZES[ratio]
    elif not editing:
        size = _SIZES["16:9"]
    else:
        size = _kept_ratio_size(app, base)
    return app.state.create_task(
        family=FAMILY,
        model=model,
        body=body,
        price_family=Family.FLUX_KONTEXT,
        api_model=model,
        price_params=body,
        prompt=prompt,
        title=_MODELS[model],
        sizes=[size],
        fmt=body.get("outputFormat") or "jpeg",
        base_name=base,
    )


def _kept_ratio_size(app: SandboxApp, base: str | None) -> tuple[int, int]:
    """About one megapixel at the ratio of our own input image (1:1 otherwise)."""
    stored = app.state.read_own(base) if base else None
    ratio = 1.0
    if stored is not None:
        try:
            with Image.open(io.BytesIO(stored.data)) as image:
                ratio = image.width / image.height
        except OSError:
            ratio = 1.0
    ratio = min(4.0, max(0.25, ratio))
    width = math.sqrt(1024 * 1024 * ratio)
    height = width / ratio
    return max(16, round(width / 16) * 16), max(16, round(height / 16) * 16)


def record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task = app.state.requested_task(request, FAMILY)
    app.state.ensure_rendered(task)
    with app.state.lock:
        app.state.settle_refunds()
        state = app.state.state_of(task)
        flag, code, message, response = 0, None, "", None
        if state == "success":
            url = app.state.file_url(task.file_names[0])
            flag = 1
            # kie's originImageUrl is the upstream link that lives 10 minutes.
            response = {"originImageUrl": signed(app, url, 600), "resultImageUrl": url}
        elif state == "fail":
            flag = 3
            code, message = FAILURES[task.outcome]
        done = state in ("success", "fail")
        return {
            "taskId": task.task_id,
            "paramJson": compact(task.body),
            "completeTime": now_ms(app.state.finished_at(task)) if done else None,
            "response": response,
            "successFlag": flag,
            "errorCode": code,
            "errorMessage": message,
            "createTime": now_ms(task.created_at),
        }


def callback_body(app: SandboxApp, task: Task) -> dict[str, Any]:
    """What kie POSTs to a finished task's callBackUrl (lock held)."""
    if app.state.state_of(task) == "success":
        url = app.state.file_url(task.file_names[0])
        info = {"originImageUrl": signed(app, url, 600), "resultImageUrl": url}
        return {"code": 200, "msg": "success", "data": {"taskId": task.task_id, "info": info}}
    code, message = FAILURES[task.outcome]
    info = {"originImageUrl": "", "resultImageUrl": ""}
    return {"code": code, "msg": message, "data": {"taskId": task.task_id, "info": info}}


ROUTES = {
    "/api/v1/flux/kontext/generate": Route("POST", create, CREATE),
    "/api/v1/flux/kontext/record-info": Route("GET", record, RECORD),
}
