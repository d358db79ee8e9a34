"""Sending a stored file with HTTP Range (RFC 9110 section 14), so a player can seek.

One range is answered 206 with exactly those bytes; several ranges are answered 200 with
the whole file (allowed, and simpler than multipart/byteranges); a range that starts past
the end is 416. With MEDIA_ACCEL_REDIRECT set, the front server sends the bytes instead.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class Unsatisfiable(Exception):
    pass


def requested_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of the one range asked, None to send the whole file.

    Raises Unsatisfiable when the range cannot be served. A header we do not understand,
    or several ranges, is ignored (the whole file), as RFC 9110 allows.
    """
    match = _RANGE.match(header.strip()) if header else None
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: ignored
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size - 1)


def file_response(request, field_file, content_type, as_attachment, filename, etag=""):
    """The stored file, whole or the range asked; 404 when it is missing from storage."""
    if settings.MEDIA_ACCEL_REDIRECT:
        return _accel_redirect(field_file, content_type, as_attachment, filename)
    try:
        size = field_file.size
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("The stored file is missing") from None
    tag = f'"{etag}"' if etag else ""
    header = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range", "")
    if if_range and if_range != tag:
        header = ""  # the file changed since the client's first part: all of it
    try:
        wanted = requested_range(header, size)
    except Unsatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _common(response, tag)
    if wanted is None:
        response = FileResponse(
            handle, content_type=content_type, as_attachment=as_attachment, filename=filename
        )
        return _common(response, tag)
    start, end = wanted
    response = StreamingHttpResponse(
        _slice(handle, start, end - start + 1), status=206, content_type=content_type
    )
    response["Content-Length"] = str(end - start + 1)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if filename:
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return _common(response, tag)


def _slice(handle, start: int, length: int):
    try:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _accel_redirect(field_file, content_type, as_attachment, filename):
    if not field_file.name:
        raise Http404("The stored file is missing")
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT + quote(field_file.name)
    if filename:
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _common(response, tag: str):
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    if tag:
        response["ETag"] = tag
    return response
