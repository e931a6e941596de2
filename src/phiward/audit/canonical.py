"""The bytes an audit entry contributes to the Merkle tree (no Django here).

A leaf is the entry's columns (everything but its stored leaf hash and database id) as
compact JSON with sorted keys, UTF-8, no ASCII escaping. ``v`` names this format so it can
change without making old leaves unverifiable. An independent verifier rebuilds exactly these
bytes from an exported entry (see docs/audit-log.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from phiward.audit.merkle import leaf_hash

FORMAT_VERSION = 1

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def timestamp_text(moment: dt.datetime) -> str:
    """UTC with microseconds and a Z: the one spelling of a time in a leaf."""
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class LeafEntry:
    """The columns of one audit entry that the tree commits to."""

    seq: int
    timestamp: dt.datetime
    action: str
    organization_id: int | None = None
    actor_id: int | None = None
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    summary: str = ""
    changes: Mapping[str, JsonValue] = field(default_factory=dict)
    source: str = ""

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "v": FORMAT_VERSION,
            "seq": self.seq,
            "timestamp": timestamp_text(self.timestamp),
            "organization_id": self.organization_id,
            "actor_id": self.actor_id,
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "summary": self.summary,
            "changes": dict(self.changes),
            "source": self.source,
        }

    def data(self) -> bytes:
        return leaf_data(self.as_json())

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.data())


def leaf_data(document: Mapping[str, JsonValue]) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")
