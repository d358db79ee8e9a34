"""Veo 3.1: /api/v1/veo/* — generate, extend, record-info, get-1080p-video, get-4k-video,
and the callbacks of a finished generation, extension or 4K (kie-api.md section 4).

Videos are real H.264 MP4s with sound (video.py) at the asked aspect ratio, resolution
and duration. Veo takes minutes where an image takes seconds: a generation lasts 3
times the sandbox's duration, an extension 4 times. An extend task's `resultUrls` is the
new clip and its `fullResultUrls` the whole video so far.

An upgrade's first call starts it (and charges it; kie shows it in record-info as
"<source>-<kind>-<index>"), later calls say "still processing" — 1080p with code 400, 4K
with 422 naming the source — until it is ready 1 (1080p) or 2.5 (4K) durations later;
then 1080p answers its `resultUrl`, and 4K a 422 *with* the result, as kie does on a
repeated call (and its callBackUrl is called). A video that went through 1080p cannot be
extended.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from generator.catalog import Family, get

from .api import ApiError, Request, Route, compact, is_int, optional_string
from .faults import CREATE, RECORD
from .media import render_image
from .state import Task

if TYPE_CHECKING:
    from .app import SandboxApp

FAMILY = "veo"
# kie model -> (catalog key, title)
_MODELS = {
    "veo3": ("veo3-quality", "Veo 3.1 Quality"),
    "veo3_fast": ("veo3-fast", "Veo 3.1 Fast"),
    "veo3_lite": ("veo3-lite", "Veo 3.1 Lite"),
}
_EXTEND_MODELS = {"quality": "veo3", "fast": "veo3_fast", "lite": "veo3_lite"}
_TYPES = ("TEXT_2_VIDEO", "FIRST_AND_LAST_FRAMES_2_VIDEO", "REFERENCE_2_VIDEO")
_RATIOS = ("16:9", "9:16", "Auto")
_HEIGHTS = {"720p": 720, "1080p": 1080, "4k": 2160}
_GENERATE_SCALE = 3.0
_EXTEND_SCALE = 4.0
_EXTEND_SECONDS = 7
_UPGRADE_SCALE = {"1080p": 1.0, "4k": 2.5}
FAILURES = {
    "policy": (2, 400, "Your prompt was flagged by Website as violating content policies."),
    "fail": (3, 501, "Generation failed"),
}
PROCESSING_1080P = "1080P is processing. It should be ready in 1-2 minutes."
PROCESSING_4K = "4k is processing. It should be ready in 5-10 minutes. Please check back shortly."
DONE_4K = "The video has been generated successfully"


def _size(ratio: str, resolution: str) -> tuple[int, int]:
    short = _HEIGHTS[resolution]
    long = short * 16 // 9
    return (short, long) if ratio == "9:16" else (long, short)


def _prompt(body: dict[str, Any]) -> str:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(422, "prompt is required")
    return prompt


def _check_seeds(body: dict[str, Any]) -> None:
    seeds = body.get("seeds")
    if seeds is not None and not (is_int(seeds) and 10000 <= seeds <= 99999):
        raise ApiError(422, "seeds must be an integer from 10000 to 99999")


def create(app: SandboxApp, request: Request) -> dict[str, str]:
    body = request.json(app.max_body_bytes)
    prompt = _prompt(body)
    model = body.get("model") or "veo3_fast"
    if model not in _MODELS:
        raise ApiError(422, "model must be one of veo3, veo3_fast, veo3_lite")
    # The docs spell it both ways (kie-api.md 4.1).
    ratio = body.get("aspectRatio", body.get("aspect_ratio")) or "16:9"
    if ratio not in _RATIOS:
        raise ApiError(422, "aspectRatio must be one of 16:9, 9:16, Auto")
    resolution = body.get("resolution") or "720p"
    if resolution not in _HEIGHTS:
        raise ApiError(422, "resolution must be one of 720p, 1080p, 4k")
    duration = body.get("duration", 8)
    if isinstance(duration, str) and duration.strip().isdigit():
        duration = int(duration)
    if duration not in (4, 6, 8) or isinstance(duration, bool):
        raise ApiError(422, "duration must be one of 4, 6, 8")
    images = body.get("imageUrls") or []
    if not isinstance(images, list) or not all(isinstance(url, str) for url in images):
        raise ApiError(422, "imageUrls must be a list of URLs")
    kind = body.get("generationType") or (
        "FIRST_AND_LAST_FRAMES_2_VIDEO" if images else "TEXT_2_VIDEO"
    )
    if kind not in _TYPES:
        raise ApiError(422, "generationType must be one of " + ", ".join(_TYPES))
    if kind == "FIRST_AND_LAST_FRAMES_2_VIDEO" and not 1 <= len(images) <= 2:
        raise ApiError(422, "FIRST_AND_LAST_FRAMES_2_VIDEO takes 1 or 2 images")
    if kind == "REFERENCE_2_VIDEO":
        if model == "veo3":
            raise ApiError(422, "REFERENCE_2_VIDEO supports only veo3_fast and veo3_lite")
        if not 1 <= len(images) <= 3:
            raise ApiError(422, "REFERENCE_2_VIDEO takes 1 to 3 images")
        if ratio == "Auto":
            raise ApiError(422, "REFERENCE_2_VIDEO supports only 16:9 and 9:16")
        if duration != 8:
            raise ApiError(422, "REFERENCE_2_VIDEO videos are 8 seconds long")
    _check_seeds(body)
    for name in ("watermark", "callBackUrl"):
        optional_string(body, name, name)
    key, title = _MODELS[model]
    shape = "16:9" if ratio == "Auto" else ratio
    return app.state.create_task(
        family=FAMILY,
        model=model,
        body=body,
        price_family=Family.VEO,
        api_model=None,
        price_params=body,
        prompt=prompt,
        title=title,
        sizes=[_size(shape, resolution)],
        fmt="mp4",
        base_name=app.state.base_for(images[0]) if images else None,
        price=get(key).estimate({"resolution": resolution}),
        scale=_GENERATE_SCALE,
        extra={"seconds": duration, "audio": True, "resolution": resolution, "ratio": shape},
    )


def _source(app: SandboxApp, task_id: Any) -> Task:
    """A finished Veo task named by a follow-up's taskId."""
    if not isinstance(task_id, str) or not task_id:
        raise ApiError(422, "taskId is required")
    with app.state.lock:
        task = app.state.tasks.get(task_id)
        state = app.state.state_of(task) if task else None
    if task is None or task.family != FAMILY or task.extra.get("upgrade_of"):
        raise ApiError(422, "record is null")
    if state != "success":
        raise ApiError(422, "record status is not success")
    return task


def _full_name(task: Task) -> str:
    """The file holding the whole video (an extend's second file)."""
    return task.file_names[task.extra.get("full_index", 0)]


def extend(app: SandboxApp, request: Request) -> dict[str, str]:
    body = request.json(app.max_body_bytes)
    prompt = _prompt(body)
    model_word = body.get("model") or "fast"
    if model_word not in _EXTEND_MODELS:
        raise ApiError(422, "model must be one of fast, quality, lite")
    _check_seeds(body)
    for name in ("watermark", "callBackUrl"):
        optional_string(body, name, name)
    source = _source(app, body.get("taskId"))
    if source.extra.get("upgraded_1080p"):
        raise ApiError(422, "A video that has gone through 1080P generation cannot be extended")
    key, title = _MODELS[_EXTEND_MODELS[model_word]]
    size = source.sizes[source.extra.get("full_index", 0)]
    return app.state.create_task(
        family=FAMILY,
        model=_EXTEND_MODELS[model_word],
        body=body,
        price_family=Family.VEO,
        api_model=None,
        price_params=body,
        prompt=prompt,
        title=title,
        sizes=[size, size],
        fmt="mp4",
        base_name=_full_name(source),
        price=get(key).estimate({}, operation_key="extend"),
        scale=_EXTEND_SCALE,
        extra={
            "seconds": _EXTEND_SECONDS,
            "audio": True,
            "continue": [False, True],
            "full_index": 1,
            "resolution": source.extra.get("resolution", "720p"),
            "ratio": source.extra.get("ratio", "16:9"),
        },
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
            first = app.state.file_url(task.file_names[0])
            response = {
                "taskId": task.task_id,
                "resultUrls": [first],
                "fullResultUrls": [app.state.file_url(_full_name(task))],
                "resolution": task.extra.get("resolution", "720p"),
            }
            if task.extra.get("ratio") != "16:9":
                response["originUrls"] = [first]
            if task.extra.get("upgrade_of") and task.extra.get("resolution") == "4k":
                response["mediaIds"] = [task.file_names[0].rsplit(".", 1)[0]]
        elif state == "fail":
            flag, code, message = FAILURES[task.outcome]
        done = state in ("success", "fail")
        return {
            "taskId": task.task_id,
            "paramJson": compact(task.body),
            "completeTime": _clock(app.state.finished_at(task)) if done else None,
            "response": response,
            "successFlag": flag,
            "errorCode": code,
            "errorMessage": message,
            "createTime": _clock(task.created_at),
        }


def _clock(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))


def get_1080p(app: SandboxApp, request: Request) -> dict[str, Any]:
    source = _source(app, request.param("taskId"))
    url = _upgrade(app, source, "1080p", request.param("index"))
    if url is None:
        raise ApiError(400, PROCESSING_1080P)
    return {"resultUrl": url}


def get_4k(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = request.json(app.max_body_bytes)
    optional_string(body, "callBackUrl", "callBackUrl")
    source = _source(app, body.get("taskId"))
    with app.state.lock:
        first_call = f"{source.task_id}-4k-{body.get('index') or 0}" not in app.state.tasks
    url = _upgrade(app, source, "4k", body.get("index"), body.get("callBackUrl") or "")
    waiting = {"taskId": source.task_id, "resultUrls": None, "imageUrls": None}
    if first_call:
        return waiting
    if url is None:
        raise ApiError(422, PROCESSING_4K, data=waiting)
    raise ApiError(422, DONE_4K, data={"taskId": source.task_id, **_upgrade_files(app, url)})


def _upgrade_files(app: SandboxApp, url: str) -> dict[str, list[str]]:
    return {"resultUrls": [url], "imageUrls": [url.rsplit(".", 1)[0] + ".jpg"]}


def _upgrade(
    app: SandboxApp, source: Task, kind: str, raw_index: Any, callback_url: str = ""
) -> str | None:
    """Start (and charge) the upgrade on the first call; its URL once it is ready.

    An upgrade is kept as a task of its own (id "<source>-<kind>-<index>"), so its file
    is drawn on demand, result faults reach it, record-info shows it (kie: "4K task status
    is also visible in record-info") and, for 4K, its callback goes when it is ready."""
    index = raw_index if raw_index not in (None, "") else 0
    if isinstance(index, str) and index.strip().isdigit():
        index = int(index)
    if not is_int(index) or index != 0:  # a Veo task makes one video
        raise ApiError(422, "index out of range")
    upgrade_id = f"{source.task_id}-{kind}-{index}"
    with app.state.lock:
        app.state.settle_refunds()
        upgrade = app.state.tasks.get(upgrade_id)
        if upgrade is None:
            upgrade = _start_upgrade(app, source, kind, index, upgrade_id, callback_url)
        if app.state.state_of(upgrade) != "success":
            return None
        name = upgrade.file_names[0]
    if app.state.read_own(name) is None:  # drawn now, from the source's whole video
        raise ApiError(422, "record result data is blank")
    return app.state.file_url(name)


def _start_upgrade(
    app: SandboxApp, source: Task, kind: str, index: int, upgrade_id: str, callback_url: str
) -> Task:
    """Charge the upgrade and record it as a task (lock held)."""
    price = get(_MODELS[source.model][0]).estimate({}, operation_key=kind)
    if app.state.balance < price:
        raise ApiError(402, "Insufficient credits")
    app.state.balance -= price
    app.state.stats.charged += price
    app.state.stats.by_model[f"{source.model}:{kind}"] += 1
    now = app.config.clock()
    name = f"{uuid.uuid4().hex}.mp4"
    body: dict[str, Any] = {"taskId": source.task_id, "index": index}
    if callback_url:
        body["callBackUrl"] = callback_url
    upgrade = Task(
        task_id=upgrade_id,
        family=FAMILY,
        model=source.model,
        body=body,
        prompt=source.prompt,
        title=source.title,
        sizes=[_size(source.extra.get("ratio", "16:9"), kind)],
        fmt="mp4",
        file_names=[name],
        base_name=_full_name(source),
        price=price,
        outcome="success",
        created_at=now,
        markers=source.markers,
        scale=_UPGRADE_SCALE[kind],
        extra={
            "upscale": True,
            "upgrade_of": source.task_id,
            "resolution": kind,
            "ratio": source.extra.get("ratio", "16:9"),
        },
    )
    state = app.state
    state.tasks[upgrade_id] = upgrade
    state.pending[name] = upgrade_id
    state.file_task[name] = upgrade_id
    poster = name.rsplit(".", 1)[0] + ".jpg"
    state.store(poster, render_image(source.prompt, 640, 360, "jpeg", source.title), "image/jpeg")
    if kind == "1080p":
        source.extra["upgraded_1080p"] = True
    elif callback_url and app.config.callbacks:
        upgrade.callback_url = callback_url
        upgrade.callback_due = state.finished_at(upgrade)
        state.callbacks_due[upgrade_id] = upgrade
    return upgrade


def callback_body(app: SandboxApp, task: Task) -> dict[str, Any]:
    """What kie POSTs to a finished generation's, extension's or 4K's callBackUrl (lock
    held). The 4K one names the source task, in the callback guide's shape."""
    if task.extra.get("upgrade_of"):
        files = _upgrade_files(app, app.state.file_url(task.file_names[0]))
        data = {"taskId": task.extra["upgrade_of"], "info": files}
        return {"code": 200, "msg": "4K Video generated successfully.", "data": data}
    extension = "full_index" in task.extra
    if app.state.state_of(task) == "success":
        info = {
            "resultUrls": [app.state.file_url(task.file_names[0])],
            "originUrls": [],
            "resolution": task.extra.get("resolution", "720p"),
        }
        message = (
            "Veo3.1 video extension successful."
            if extension
            else "Veo3.1 video generated successfully."
        )
        data = {"taskId": task.task_id, "info": info, "fallbackFlag": False}
        if not extension:
            data["promptJson"] = compact(task.body)
        return {"code": 200, "msg": message, "data": data}
    _flag, code, message = FAILURES[task.outcome]
    return {"code": code, "msg": message, "data": {"taskId": task.task_id, "fallbackFlag": False}}


ROUTES = {
    "/api/v1/veo/generate": Route("POST", create, CREATE),
    "/api/v1/veo/extend": Route("POST", extend, CREATE),
    "/api/v1/veo/record-info": Route("GET", record, RECORD),
    "/api/v1/veo/get-1080p-video": Route("GET", get_1080p, RECORD),
    "/api/v1/veo/get-4k-video": Route("POST", get_4k, CREATE),
}
