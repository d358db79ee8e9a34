"""kie's file upload API (its second host, served here by the same app):
/api/file-stream-upload (multipart), /api/file-base64-upload and /api/file-url-upload.

Uploads take any file type, as kie's do: the type is sniffed from the bytes, else taken
from the request. The same uploadPath + fileName overwrites the earlier file and keeps
its URL. A URL upload only copies the sandbox's own files: nothing is ever fetched.
Answers come in the upload envelope (`success` next to `code`, `msg`, `data`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import uuid
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PIL import Image

from .api import ApiError, Request, Route
from .faults import UPLOAD

if TYPE_CHECKING:
    from .app import SandboxApp

_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
_EXT = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "video/mp4": "mp4",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
}
_MIME_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def _sniff_image(data: bytes) -> str | None:
    """The MIME type of an image Pillow can read, or None for anything else."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
    except Exception:  # Pillow raises many types for foreign bytes; all mean "not an image"
        return None
    return _MIME.get(kind) or Image.MIME.get(kind)


def _sniff_media(data: bytes) -> str | None:
    """video/mp4, audio/mpeg or audio/wav from the first bytes, else None."""
    if data[4:8] == b"ftyp":  # MP4 and QuickTime
        return "video/mp4"
    if data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3"):
        return "audio/mpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    return None


def _upload_mime(data: bytes, declared: str | None) -> str:
    """What the bytes are, else what the client said they are, else octet-stream."""
    sniffed = _sniff_image(data) or _sniff_media(data)
    if sniffed:
        return sniffed
    declared = (declared or "").split(";", 1)[0].strip().lower()
    return declared if _MIME_TYPE.match(declared) else "application/octet-stream"


def _safe_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return name[:120]


def _save_upload(
    app: SandboxApp,
    data: bytes,
    upload_path: Any,
    file_name: Any,
    original: str | None,
    declared_type: str | None = None,
) -> dict[str, Any]:
    if not isinstance(upload_path, str) or not upload_path.strip("/ "):
        raise ApiError(400, "uploadPath is required")
    if file_name is not None and not isinstance(file_name, str):
        raise ApiError(400, "fileName must be a string")
    if len(data) > app.config.max_upload_bytes:
        limit_mb = app.config.max_upload_bytes / (1024 * 1024)
        raise ApiError(400, f"File size exceeds the {limit_mb:g}MB limit")
    if not data:
        raise ApiError(400, "file is required")
    mime = _upload_mime(data, declared_type)
    upload_path = upload_path.strip("/ ")
    named = _safe_name(file_name or "")
    if named:
        # kie: the same uploadPath + fileName overwrites the earlier file (same URL).
        file_id = hashlib.sha256(f"{upload_path}\n{file_name}".encode()).hexdigest()[:32]
    else:
        file_id = uuid.uuid4().hex
    shown = named or _safe_name(original or "")
    if not shown:
        shown = f"{file_id[:12]}.{_EXT.get(mime, 'bin')}"
    name = f"{file_id[:16]}-{shown}"
    url = app.state.file_url(name)
    with app.state.lock:
        app.state.store(name, data, mime)
    return {
        "fileId": file_id,
        "fileName": shown,
        "originalName": original or shown,
        "fileSize": len(data),
        "mimeType": mime,
        "uploadPath": upload_path,
        "filePath": f"{upload_path}/{shown}",
        "fileUrl": url,
        "downloadUrl": url,
    }


def upload_stream(app: SandboxApp, request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    header = Message()
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        raise ApiError(400, "Content-Type must be multipart/form-data")
    fields, files = _parse_multipart(request.body(app.max_body_bytes), boundary)
    if "file" not in files:
        raise ApiError(400, "file is required")
    original, declared_type, data = files["file"]
    return _save_upload(
        app, data, fields.get("uploadPath"), fields.get("fileName") or None, original, declared_type
    )


def upload_base64(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = request.json(app.max_body_bytes)
    raw = body.get("base64Data")
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError(400, "base64Data is required")
    if raw.startswith("data:"):
        raw = raw.partition(",")[2]
    try:
        data = base64.b64decode("".join(raw.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "base64Data is not valid base64") from None
    return _save_upload(app, data, body.get("uploadPath"), body.get("fileName"), None)


def upload_url(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = request.json(app.max_body_bytes)
    url = body.get("fileUrl")
    if not isinstance(url, str) or not url.strip():
        raise ApiError(400, "fileUrl is required")
    if not isinstance(body.get("uploadPath"), str) or not body["uploadPath"].strip("/ "):
        raise ApiError(400, "uploadPath is required")
    with app.state.lock:
        name = app.state.own_name(url)
    stored = app.state.read_own(name) if name else None
    if stored is None:
        # Never fetched: the sandbox makes no outgoing requests.
        raise ApiError(400, "Failed to download file from URL")
    original = _safe_name(urlsplit(url).path) or None
    return _save_upload(app, stored.data, body.get("uploadPath"), body.get("fileName"), original)


def _parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, tuple]]:
    """Split a multipart/form-data body into text fields and (filename, type, bytes) files.

    Parts are cut at CRLF + "--boundary", which cannot occur inside a part by the
    format's rule; each part's headers are read with the email package.
    """
    fields: dict[str, str] = {}
    files: dict[str, tuple[str | None, str | None, bytes]] = {}
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    chunks = (b"\r\n" + body).split(delimiter)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise ApiError(400, "Malformed multipart body")
        message = Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                message[key.strip()] = value.strip()
        name = message.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = message.get_filename()
        if filename is not None:
            files[name] = (filename, message.get("content-type"), content)
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files


ROUTES = {
    "/api/file-stream-upload": Route("POST", upload_stream, UPLOAD),
    "/api/file-base64-upload": Route("POST", upload_base64, UPLOAD),
    "/api/file-url-upload": Route("POST", upload_url, UPLOAD),
}
