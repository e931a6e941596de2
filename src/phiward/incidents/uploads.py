"""The affected-individuals list upload never reaches the disk in plaintext.

The list (state, deceased, contact_ok — and often the names a system exported beside them) is
summarised into counts and dropped. Django spools uploads over ``FILE_UPLOAD_MAX_MEMORY_SIZE``
to a temporary file; the two routes that take the list (the web page and the API's multipart
operation) are registered with the request gate to read it in memory instead, up to
``affected.MAX_BYTES``.
"""

from __future__ import annotations

import re

from phiward.evidence.uploads import in_memory_handlers
from phiward.incidents import affected
from phiward.web.middleware import UploadRoute, allow_large_uploads

WEB_UPLOAD = re.compile(r"/o/[^/]+/incidents/\d+/affected/")
API_UPLOAD = re.compile(r"/api/organizations/[^/]+/incidents/\d+/affected/list")


def _max_bytes() -> int:
    return affected.MAX_BYTES


def register() -> None:
    for path in (WEB_UPLOAD, API_UPLOAD):
        allow_large_uploads(UploadRoute(path, _max_bytes, in_memory_handlers))
