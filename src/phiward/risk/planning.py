"""The prioritized remediation plan: which open risks to treat first (S8).

Pure: no Django. Open risks are ordered by

1. severity of the level that counts now: residual when rated, else inherent
   (``Level.severity``, so risks rated on three- and five-level methods order together);
   unrated risks come last, as their severity is unknown;
2. ePHI volume: the largest record count among the assets the risk concerns;
3. clinical criticality: the highest among those assets;

then by R-number, so the order is total and stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from phiward.risk.facts import criticality_rank
from phiward.risk.scoring import Level


@dataclass(frozen=True, slots=True)
class PlanItem:
    risk_id: int
    number: int
    title: str
    level: Level | None  # residual when rated, else inherent; None when unrated
    residual: bool  # whether ``level`` is the residual level
    record_count: int | None
    criticality: str | None
    owner: str = ""
    open_treatments: int = 0
    overdue_treatments: int = 0

    @property
    def reference(self) -> str:
        return f"R-{self.number:03d}"


def priority(item: PlanItem) -> tuple[float, int, int, int]:
    """The sort key: the smaller, the sooner."""
    severity = item.level.severity if item.level is not None else -1.0
    volume = item.record_count if item.record_count is not None else -1
    criticality = criticality_rank(item.criticality) if item.criticality else -1
    return (-severity, -volume, -criticality, item.number)


def prioritize(items: Iterable[PlanItem]) -> list[PlanItem]:
    return sorted(items, key=priority)
