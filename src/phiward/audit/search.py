"""Finding and exporting audit entries: one filter for the web page, the API and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from phiward.audit.canonical import JsonValue, timestamp_text
from phiward.audit.models import AuditEntry

EXPORT_COLUMNS = (
    "seq",
    "timestamp",
    "organization_id",
    "actor_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "summary",
    "changes",
    "source",
    "leaf_hash",
)


@dataclass(frozen=True)
class LogFilter:
    organization_id: int | None = None  # None: every organization (CLI only)
    user: str = ""  # actor username, exact
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def is_empty(self) -> bool:
        return not (
            self.user
            or self.action
            or self.object_type
            or self.object_id
            or self.since
            or self.until
        )


def entries(chosen: LogFilter) -> QuerySet[AuditEntry]:
    found = AuditEntry.objects.all()
    if chosen.organization_id is not None:
        found = found.filter(organization_id=chosen.organization_id)
    if chosen.user:
        found = found.filter(actor=chosen.user)
    if chosen.action:
        found = found.filter(action=chosen.action)
    if chosen.object_type:
        found = found.filter(object_type=chosen.object_type)
    if chosen.object_id:
        found = found.filter(object_id=chosen.object_id)
    # In UTC: any offset Python accepts (up to ±24 h) then means the same to every database.
    if chosen.since is not None:
        found = found.filter(timestamp__gte=_utc(chosen.since))
    if chosen.until is not None:
        found = found.filter(timestamp__lt=_utc(chosen.until))
    return found.order_by("-seq")


def as_json(entry: AuditEntry) -> dict[str, JsonValue]:
    return {
        "seq": entry.seq,
        "timestamp": timestamp_text(entry.timestamp),
        "organization_id": entry.organization_id,
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "changes": entry.changes,
        "source": entry.source,
        "leaf_hash": entry.leaf_hash,
    }


def to_json(found: Iterable[AuditEntry]) -> str:
    return json.dumps([as_json(e) for e in found], indent=2, ensure_ascii=False) + "\n"


def to_csv(found: Iterable[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for entry in found:
        row = as_json(entry)
        row["changes"] = json.dumps(entry.changes, sort_keys=True, ensure_ascii=False)
        writer.writerow([_cell(row[c]) for c in EXPORT_COLUMNS])
    return out.getvalue()


def _cell(value: JsonValue) -> str:
    text = "" if value is None else str(value)
    # A cell a spreadsheet would run as a formula is quoted (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        return (
            dt.datetime.min.replace(tzinfo=dt.UTC)
            if moment.year < 2
            else dt.datetime.max.replace(tzinfo=dt.UTC)
        )
