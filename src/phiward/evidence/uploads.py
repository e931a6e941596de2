"""How evidence uploads reach phiward: their own size limit, and never plaintext on disk.

Every other route refuses bodies over the general limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``, 20
MiB) from the Content-Length, before reading them. The two routes that take evidence files —
the upload page and the API's multipart upload — are registered with the request gate
(``phiward.web.middleware.allow_large_uploads``) with ``PHIWARD_EVIDENCE_MAX_BYTES`` (default 50
MiB) plus the same allowance for the form around the file; a file between the limit and the
allowance reaches the form and is refused there with a message naming the field.

Django spools uploads over ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary file; on these routes
the files are read with ``InMemoryUpload`` instead, so the plaintext stays in memory (at most
the limit, per request) until it is sealed into the data directory.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, MemoryFileUploadHandler
from django.http import HttpRequest

from phiward.evidence import storage
from phiward.web.middleware import UploadRoute, allow_large_uploads

# The web upload page and the API's multipart operation (test_uploads checks they match).
WEB_UPLOAD = re.compile(r"/o/[^/]+/evidence/upload/")
API_UPLOAD = re.compile(r"/api/organizations/[^/]+/evidence/files")


class InMemoryUpload(MemoryFileUploadHandler):
    """Keeps every uploaded file in memory whatever its size: the request gate has already
    capped the body at the evidence limit, and a temporary file would hold plaintext."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self.activated = True


def in_memory_handlers(request: HttpRequest) -> list[FileUploadHandler]:
    return [InMemoryUpload(request)]


def register() -> None:
    for path in (WEB_UPLOAD, API_UPLOAD):
        allow_large_uploads(UploadRoute(path, storage.max_bytes, in_memory_handlers))
