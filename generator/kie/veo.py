"""Veo 3.1: /api/v1/veo/* — generate, extend, record-info, and the 1080p and 4K upgrades.

Operations reach `create` with the catalog's `api_model`: "<model>|<generationType>" for a
generation, "extend|<fast|quality|lite>", "1080p" or "4k" for a follow-up, whose fields
carry the source's `taskId` and `index` (jobs.submit adds them).

The upgrades have no task of their own at kie.ai: their endpoint answers "still
processing" (1080p: code 400; 4K: code 422) until the file is ready, then the result
(4K: again a 422, *with* the result in `data`). So an upgrade is given an id of ours,
"<source id>#<1080p|4k>/<index>/<nonce>", and its status is read by asking the upgrade
endpoint again (kie-api.md 4.4, 4.5); the nonce keeps a second ask after a failed one
apart from the first.
"""

from __future__ import annotations

import uuid
from typing import Any

from .errors import InputError, KieError, MalformedResponseError, NotFoundError
from .gpt4o_image import _task_id
from .parsing import as_dict, as_whole_number, first_present, url_list
from .status import TaskStatus, UpstreamState, failed_status

UPGRADE_MARK = "#"
UPGRADES = ("1080p", "4k")
_NOT_SENT = ("taskId", "index")


class Veo:
    def __init__(self, client):
        self.client = client

    def create(self, api_model: str | None, fields: dict[str, Any], callback_url: str = "") -> str:
        head, _, tail = (api_model or "").partition("|")
        if head in UPGRADES:
            return self._start_upgrade(head, fields, callback_url)
        if head == "extend":
            body: dict[str, Any] = {
                "taskId": fields["taskId"],
                "prompt": fields.get("prompt", ""),
                "model": tail or "fast",
            }
            for name in ("seeds", "watermark"):
                if fields.get(name) not in (None, ""):
                    body[name] = fields[name]
            path = "/api/v1/veo/extend"
        else:
            body = {
                name: value
                for name, value in fields.items()
                if name not in _NOT_SENT and value not in (None, "", [])
            }
            body["model"] = head or "veo3_fast"
            if tail:
                body["generationType"] = tail
            path = "/api/v1/veo/generate"
        if callback_url:
            body["callBackUrl"] = callback_url
        return _task_id(refused_if_unknown(self.client.request, "POST", path, json=body))

    def get_status(self, task_id: str) -> TaskStatus:
        if UPGRADE_MARK in task_id:
            source, kind, index = parse_upgrade_id(task_id)
            try:
                return self._ask_upgrade(kind, source, index, "", task_id)
            except InputError as exc:  # kie's refusal of this upgrade: final
                return failed_status(task_id, exc)
        return self.client.task_status("/api/v1/veo/record-info", task_id, parse_record)

    def _start_upgrade(self, kind: str, fields: dict[str, Any], callback_url: str) -> str:
        source, index = str(fields["taskId"]), int(fields.get("index") or 0)
        upgrade_id = f"{source}{UPGRADE_MARK}{kind}/{index}/{uuid.uuid4().hex[:8]}"
        # A refusal (the source is unknown, or not finished) raises, as any create's does;
        # "record is null" here is a refusal too: nothing was started, nothing charged.
        refused_if_unknown(self._ask_upgrade, kind, source, index, callback_url, upgrade_id)
        return upgrade_id

    def _ask_upgrade(
        self, kind: str, source: str, index: int, callback_url: str, upgrade_id: str
    ) -> TaskStatus:
        try:
            if kind == "1080p":
                data = self.client.request(
                    "GET",
                    "/api/v1/veo/get-1080p-video",
                    params={"taskId": source, "index": index},
                )
            else:
                body: dict[str, Any] = {"taskId": source, "index": index}
                if callback_url:
                    body["callBackUrl"] = callback_url
                data = self.client.request("POST", "/api/v1/veo/get-4k-video", json=body)
        except KieError as exc:
            status = _upgrade_answer_in_error(kind, exc, upgrade_id)
            if status is None:
                raise
            return status
        return _upgrade_status(upgrade_id, data)


def refused_if_unknown(call, *args, **kwargs):
    """A follow-up's create answered "record is null" (or 404): kie does not know the
    source, so nothing was made nor charged. A refusal, not a lost answer."""
    try:
        return call(*args, **kwargs)
    except NotFoundError as exc:
        raise InputError(exc.message, code=exc.code, http_status=exc.http_status) from None


def parse_upgrade_id(upgrade_id: str) -> tuple[str, str, int]:
    """(source task id, "1080p" or "4k", index) from an upgrade's id of ours."""
    source, _, rest = upgrade_id.rpartition(UPGRADE_MARK)
    kind, _, tail = rest.partition("/")
    index = as_whole_number(tail.partition("/")[0])
    if not source or kind not in UPGRADES or index is None:
        raise MalformedResponseError(f"not a Veo upgrade id: {upgrade_id!r}")
    return source, kind, index


def _upgrade_status(upgrade_id: str, data: Any) -> TaskStatus:
    """A 200 answer of an upgrade endpoint: the result, or (4K's first answer) accepted."""
    record = data if isinstance(data, dict) else {}
    urls = url_list(first_present(record, "resultUrl", "resultUrls", "result_urls"))
    state = UpstreamState.SUCCEEDED if urls else UpstreamState.RUNNING
    return TaskStatus(
        task_id=upgrade_id,
        state=state,
        progress=1.0 if urls else None,
        result_urls=urls,
        raw=record,
    )


def _upgrade_answer_in_error(kind: str, exc: KieError, upgrade_id: str) -> TaskStatus | None:
    """The "still processing" answers (1080p: 400; 4K: 422 naming the task) and the
    repeated 4K call's 422 *with* the result; None for a real error."""
    data = exc.data if isinstance(exc.data, dict) else {}
    if kind == "4k" and exc.code == 422:
        urls = url_list(first_present(data, "resultUrls", "result_urls"))
        if urls:
            return TaskStatus(
                task_id=upgrade_id,
                state=UpstreamState.SUCCEEDED,
                progress=1.0,
                result_urls=urls,
                raw=data,
            )
        if data.get("taskId") or "processing" in exc.message.lower():
            return TaskStatus(task_id=upgrade_id, state=UpstreamState.RUNNING, raw=data)
    # 1080p's only sign is its documented text ("1080P is processing...").
    if kind == "1080p" and exc.code in (400, 422) and "processing" in exc.message.lower():
        return TaskStatus(task_id=upgrade_id, state=UpstreamState.RUNNING)
    return None


def parse_record(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "record-info data")
    response = as_dict(record.get("response"), "response")
    flag = as_whole_number(record.get("successFlag"))
    results = url_list(first_present(response, "resultUrls", "result_urls")) or url_list(
        record.get("resultUrls")  # the quickstart reads them at the top
    )
    full = url_list(response.get("fullResultUrls"))
    # kie-api.md 4.3 (our choice): an extend's output is the whole video so far.
    urls = full if full and _is_extend(record) else (results or full)
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
        result_urls=urls if state is UpstreamState.SUCCEEDED else (),
        error_code="" if error_code in (None, "", 0, 200) else str(error_code),
        error_message=str(record.get("errorMessage") or ""),
        raw=record,
    )


def _is_extend(record: dict[str, Any]) -> bool:
    """An extend's request names the task it extends."""
    try:
        params = as_dict(record.get("paramJson"), "paramJson")
    except MalformedResponseError:
        return False
    return bool(params.get("taskId"))
