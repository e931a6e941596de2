"""Jobs for the runner tests: they count their runs, change something or fail on demand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.jobs.registry import Job, Registry

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
PATIENT = "Jane Roe, MRN 4242"


@dataclass
class Calls:
    seen: list[tuple[str, dt.datetime]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.seen]


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def registry(calls: Calls) -> Registry:
    def quiet(now: dt.datetime) -> str:
        calls.seen.append(("test-quiet", now))
        return "nothing to do"

    def busy(now: dt.datetime) -> str:
        calls.seen.append(("test-busy", now))
        record(AuditEvent(action=AuditAction.ADMIN, object_type="test.thing", summary="tidied"))
        return "tidied 1 thing"

    def broken(now: dt.datetime) -> str:
        calls.seen.append(("test-broken", now))
        raise ValueError(f"patient {PATIENT}")  # a message that quotes data

    return Registry(
        [
            Job("test-quiet", dt.timedelta(hours=1), quiet, "Does nothing."),
            Job("test-busy", dt.timedelta(minutes=10), busy, "Changes something."),
            Job("test-broken", dt.timedelta(hours=1), broken, "Always fails."),
        ]
    )
