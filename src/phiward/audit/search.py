"""Finding and exporting audit entries: one filter for the web page, the API and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from phiward.audit.canonical import JsonValue, timestamp_text
from phiward.audit.models import AuditEntry
from phiward.core.spreadsheet import safe_cell

EXPORT_CHUNK = 2000  # entries per query when exporting

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


def chunks(
    found: QuerySet[AuditEntry], size: int | None = None, limit: int | None = None
) -> Iterator[list[AuditEntry]]:
    """``found`` newest first in lists of at most ``size``, one query each (``limit``: stop
    after that many entries).

    Keyset pagination on ``seq``: memory stays at one chunk however long the log, no cursor or
    transaction stays open between chunks, and entries appended meanwhile (larger ``seq``) do
    not shift the pages.
    """
    size = size or EXPORT_CHUNK
    below: int | None = None
    left = limit
    while left is None or left > 0:
        take = size if left is None else min(size, left)
        page = found if below is None else found.filter(seq__lt=below)
        batch = list(page.order_by("-seq")[:take])
        if not batch:
            return
        yield batch
        if len(batch) < take:
            return
        below = batch[-1].seq
        left = None if left is None else left - len(batch)


def json_chunks(batches: Iterable[Iterable[AuditEntry]]) -> Iterator[str]:
    """A JSON array of the entries, piece by piece: the same text as ``to_json``."""
    first = True
    for batch in batches:
        parts = []
        for entry in batch:
            item = json.dumps(as_json(entry), indent=2, ensure_ascii=False)
            parts.append(("[\n" if first else ",\n") + _indented(item))
            first = False
        if parts:
            yield "".join(parts)
    yield "[]\n" if first else "\n]\n"


def _indented(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n"))


def csv_chunks(batches: Iterable[Iterable[AuditEntry]]) -> Iterator[str]:
    """CSV with a header row, piece by piece: the same text as ``to_csv``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for batch in batches:
        for entry in batch:
            row = as_json(entry)
            row["changes"] = json.dumps(entry.changes, sort_keys=True, ensure_ascii=False)
            writer.writerow([_cell(row[c]) for c in EXPORT_COLUMNS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    if out.getvalue():
        yield out.getvalue()


def to_json(found: Iterable[AuditEntry]) -> str:
    return "".join(json_chunks([found]))


def to_csv(found: Iterable[AuditEntry]) -> str:
    return "".join(csv_chunks([found]))


def _cell(value: JsonValue) -> str:
    return safe_cell("" if value is None else str(value))


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
