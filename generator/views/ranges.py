"""Byte ranges for players: an <audio> or <video> seeks by asking for part of the file
(`Range: bytes=START-END`); without a 206 answer a browser cannot jump ahead."""

from __future__ import annotations

import re

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def ranged_file_response(request, field_file, content_type: str, filename: str | None = None):
    """The whole file (with Accept-Ranges), or the one byte range asked for (206), or 416."""
    try:
        size = field_file.size
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing") from None
    asked = _RANGE.match(request.headers.get("Range", "").strip())
    if not asked or not (asked.group(1) or asked.group(2)):
        response = FileResponse(handle, content_type=content_type, filename=filename)
        response["Accept-Ranges"] = "bytes"
        return _private(response)
    start_text, end_text = asked.groups()
    if start_text:
        start = int(start_text)
        end = min(int(end_text), size - 1) if end_text else size - 1
    else:  # the last N bytes
        start, end = max(0, size - int(end_text)), size - 1
    if start >= size or start > end:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _private(response)
    handle.seek(start)
    length = end - start + 1

    def body():
        remaining = length
        try:
            while remaining > 0:
                chunk = handle.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    response = StreamingHttpResponse(body(), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    return _private(response)


def _private(response):
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
