"""The one call every part of phiward uses to put an event on the audit log.

``record(...)`` appends an entry in the caller's transaction. The audit app installs the real
recorder at start-up (``install``); until then (and in code that runs before Django is set up)
events go nowhere. Callers never build audit rows themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AuditAction(StrEnum):
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    MFA_CHANGE = "mfa_change"
    PERMISSION_DENIED = "permission_denied"
    EXPORT = "export"
    DOWNLOAD = "download"
    KEY_USE = "key_use"
    ADMIN = "admin"


@dataclass(frozen=True)
class AuditEvent:
    action: AuditAction
    organization_id: int | None = None
    actor_id: int | None = None
    actor: str = ""  # username at the time, kept even if the user is later deleted
    object_type: str = ""  # e.g. "inventory.asset"
    object_id: str = ""
    summary: str = ""  # names the object and what happened; never field values that may be PHI
    changes: Mapping[str, Any] = field(default_factory=dict)  # field -> {"before":…, "after":…}
    source: str = ""  # "web", "api", "cli", "system"


Recorder = Callable[[AuditEvent], None]

_recorder: Recorder | None = None


def install(recorder: Recorder) -> None:
    global _recorder
    _recorder = recorder


def record(event: AuditEvent) -> None:
    if _recorder is not None:
        _recorder(event)
