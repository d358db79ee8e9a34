"""4o Image (GPT-Image-1): /api/v1/gpt4o-image/* — generate, record-info, download-url,
and the callback of a finished task.

Records speak successFlag 0/1/2 with status GENERATING / SUCCESS / GENERATE_FAILED and
a `progress` string; kie allows 3 record-info reads per second per task. A magic word
fails the task with errorCode 400 (policy) or 500 (fail).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from generator.catalog import Family

from .api import (
    ApiError,
    Request,
    Route,
    compact,
    is_int,
    now_ms,
    optional_string,
    require_choice,
)
from .faults import CREATE, LINK, RECORD
from .files import signed
from .state import Task

if TYPE_CHECKING:
    from .app import SandboxApp

FAMILY = "4o"
_MAX_READ_WINDOWS = 1000  # 4o tasks with a read window before idle ones are dropped
_SIZES = {"1:1": (1024, 1024), "3:2": (1536, 1024), "2:3": (1024, 1536)}
# A failed task's (errorCode, errorMessage), by outcome.
FAILURES = {
    "policy": (400, "Your content was flagged by OpenAI as violating content policies"),
    "fail": (500, "Internal Error, Please try again later"),
}


def create(app: SandboxApp, request: Request) -> dict[str, str]:
    body = request.json(app.max_body_bytes)
    size = body.get("size")
    if size in (None, ""):
        raise ApiError(422, "size is required")
    require_choice(body, "size", _SIZES, "size")
    optional_string(body, "prompt", "prompt")
    files = body.get("filesUrl")
    if files is not None:
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise ApiError(422, "filesUrl must be a list of URL strings")
        if len(files) > 5:
            raise ApiError(422, "filesUrl takes at most 5 images")
    optional_string(body, "fileUrl", "fileUrl")
    optional_string(body, "maskUrl", "maskUrl")
    optional_string(body, "callBackUrl", "callBackUrl")
    sources = list(files or []) + ([body["fileUrl"]] if body.get("fileUrl") else [])
    prompt = body.get("prompt") or ""
    if not prompt.strip() and not sources:
        raise ApiError(422, "prompt or filesUrl is required")
    variants = body.get("nVariants", 1)
    if variants is None:
        variants = 1
    if isinstance(variants, str) and variants.strip().isdigit():
        variants = int(variants)
    if not is_int(variants) or variants not in (1, 2, 4):
        raise ApiError(422, "nVariants must be one of 1, 2, 4")
    base = next((n for n in map(app.state.base_for, sources) if n), None)
    return app.state.create_task(
        family=FAMILY,
        model="gpt4o-image",
        body=body,
        price_family=Family.GPT4O_IMAGE,
        api_model=None,
        price_params=body,
        prompt=prompt,
        title="4o Image",
        sizes=[_SIZES[size]] * variants,
        fmt="png",
        base_name=base,
    )


def _count_record_read(app: SandboxApp, task: Task) -> None:
    """kie's 4o details page allows 3 record-info queries per second per task."""
    with app.state.lock:
        now = app.config.clock()
        if len(app.state.record_reads) > _MAX_READ_WINDOWS:
            app.state.record_reads = {
                task_id: reads
                for task_id, reads in app.state.record_reads.items()
                if reads and reads[-1] > now - 1.0
            }
        window = app.state.record_reads.setdefault(task.task_id, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= app.config.record_reads_per_second:
            raise ApiError(
                429, "Too many requests for this task; query it at most 3 times a second"
            )
        window.append(now)


def record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task = app.state.requested_task(request, FAMILY)
    _count_record_read(app, task)
    app.state.ensure_rendered(task)
    with app.state.lock:
        app.state.settle_refunds()
        state = app.state.state_of(task)
        urls = [app.state.file_url(n) for n in task.file_names]
        done = state in ("success", "fail")
        flag, status, code, message, response = 0, "GENERATING", None, "", None
        if state == "success":
            flag, status = 1, "SUCCESS"
            response = {"resultUrls": urls, "result_urls": list(urls)}
        elif state == "fail":
            flag, status = 2, "GENERATE_FAILED"
            code, message = FAILURES[task.outcome]
        progress = 1.0 if state == "success" else min(app.state.fraction(task), 0.99)
        return {
            "taskId": task.task_id,
            "paramJson": compact(task.body),
            "completeTime": now_ms(app.state.finished_at(task)) if done else None,
            "response": response,
            "successFlag": flag,
            "status": status,
            "errorCode": code,
            "errorMessage": message,
            "createTime": now_ms(task.created_at),
            "progress": f"{progress:.2f}",
        }


def download_url(app: SandboxApp, request: Request) -> str:
    body = request.json(app.max_body_bytes)
    task_id, url = body.get("taskId"), body.get("url")
    if not isinstance(task_id, str) or not task_id:
        raise ApiError(422, "taskId is required")
    if not isinstance(url, str) or not url:
        raise ApiError(422, "url is required")
    with app.state.lock:
        task = app.state.tasks.get(task_id)
    if task is None or task.family != FAMILY:
        raise ApiError(422, "record is null")
    app.state.ensure_rendered(task)
    with app.state.lock:
        if app.state.state_of(task) != "success":
            raise ApiError(422, "record status is not success")
        name = app.state.own_name(url)
    if name is None or name not in task.file_names:
        raise ApiError(422, "url is not a result of this task")
    return signed(app, app.state.file_url(name), 1200)


def callback_body(app: SandboxApp, task: Task) -> dict[str, Any]:
    """What kie POSTs to a finished task's callBackUrl (lock held)."""
    if app.state.state_of(task) == "success":
        info = {"result_urls": [app.state.file_url(name) for name in task.file_names]}
        return {"code": 200, "msg": "success", "data": {"taskId": task.task_id, "info": info}}
    code, message = FAILURES[task.outcome]
    return {"code": code, "msg": message, "data": {"taskId": task.task_id, "info": None}}


ROUTES = {
    "/api/v1/gpt4o-image/generate": Route("POST", create, CREATE),
    "/api/v1/gpt4o-image/record-info": Route("GET", record, RECORD),
    "/api/v1/gpt4o-image/download-url": Route("POST", download_url, LINK),
}
