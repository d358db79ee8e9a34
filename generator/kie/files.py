"""The file upload API (its own base URL): reference images become URLs kie can read."""

from __future__ import annotations

from typing import BinaryIO

from .errors import MalformedResponseError


class Files:
    def __init__(self, client):
        self.client = client

    def upload(self, stream: BinaryIO, file_name: str, content_type: str, upload_path: str) -> str:
        """Upload a file and return the URL to give kie as an input."""
        data = self.client.request(
            "POST",
            "/api/file-stream-upload",
            files={"file": (file_name, stream, content_type)},
            data={"uploadPath": upload_path.strip("/"), "fileName": file_name},
            upload=True,
        )
        url = data.get("downloadUrl") or data.get("fileUrl") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise MalformedResponseError("the upload answered without a download URL")
        return url
