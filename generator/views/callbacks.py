"""kie.ai's callbacks: a nudge to poll, and the evidence that re-attaches a lost create."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from decimal import Decimal

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from generator import generations, safejson
from generator.kie.parsing import as_decimal

CALLBACK_MAX_AGE_SECONDS = 600
CALLBACK_MAX_BYTES = safejson.MAX_BYTES


@csrf_exempt
@require_POST
def kie_callback(request):
    """kie.ai's callback moves the task's next poll forward and, through the signed `ref`
    we put in every callback URL, re-attaches a task whose create answer was lost. The body
    is never trusted beyond the task id (the status is re-read from record-info), and,
    when kie.ai signs its callbacks, the credits it says the task consumed. Duplicates
    are harmless."""
    try:
        # Read no further than the limit: a body past it is refused unread.
        body = safejson.loads(request.read(CALLBACK_MAX_BYTES + 1) or b"{}")
    except safejson.JSONTooLarge as exc:
        return JsonResponse({"ok": False, "error": f"body {exc}"}, status=413)
    except safejson.JSONRefused as exc:
        return JsonResponse({"ok": False, "error": f"body {exc}"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"ok": False, "error": "body is not a JSON object"}, status=400)
    upstream_id = _callback_task_id(body)
    signed = bool(settings.KIE_WEBHOOK_HMAC_KEY)
    if signed and not _signed_by_kie(request, upstream_id):
        return JsonResponse({"ok": False, "error": "bad signature"}, status=401)
    if upstream_id:
        # What the task cost (Market's consumeCredits) is taken from kie.ai only.
        consumed = _consumed_credits(body) if signed else None
        generations.callback_arrived(upstream_id, request.GET.get("ref", "")[:200], consumed)
    return JsonResponse({"ok": True})


def _consumed_credits(body: dict) -> Decimal | None:
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    consumed = as_decimal(data.get("consumeCredits"))
    if consumed is None or not 0 <= consumed < 10**7:
        return None
    return consumed


def _signed_by_kie(request, upstream_id: str) -> bool:
    """kie-api.md 1.9: base64(HMAC-SHA256(taskId + "." + timestamp)), a recent timestamp."""
    stamp = request.headers.get("X-Webhook-Timestamp", "")
    signature = request.headers.get("X-Webhook-Signature", "")
    # Seconds since 1970 in ASCII digits (isdigit alone also takes "²"), short enough
    # to be a time at all.
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return False
    if not (signature and upstream_id):
        return False
    if abs(time.time() - int(stamp)) > CALLBACK_MAX_AGE_SECONDS:
        return False  # an old, replayed delivery
    expected = hmac.new(
        settings.KIE_WEBHOOK_HMAC_KEY.encode(), f"{upstream_id}.{stamp}".encode(), hashlib.sha256
    ).digest()
    given = signature.strip().encode("utf-8", "replace")  # compare_digest takes ASCII str only
    return hmac.compare_digest(base64.b64encode(expected), given)


def _callback_task_id(body) -> str:
    """Families put the id in different places (kie-api.md 1.9)."""
    if not isinstance(body, dict):
        return ""
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    for value in (data.get("taskId"), data.get("task_id"), body.get("taskId"), body.get("task_id")):
        if isinstance(value, str) and 0 < len(value) <= 120:
            return value
    return ""
