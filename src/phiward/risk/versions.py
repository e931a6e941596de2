"""Comparing analysis snapshots: what changed between versions, and the trend across them.

Pure: no Django. Works on the JSON snapshots of ``phiward.risk.snapshot`` (approved versions
keep theirs; the live analysis's is built on demand). Risks are matched by R-number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from phiward.risk.scoring import Level

RISK_FIELDS = (
    "title",
    "description",
    "threat",
    "vulnerability",
    "assets",
    "vendor",
    "data_flow",
    "current_controls",
    "likelihood",
    "impact",
    "inherent_level",
    "residual_likelihood",
    "residual_impact",
    "residual_level",
    "owner",
    "status",
    "close_reason",
    "needs_reassessment",
    "treatments",
)
ANALYSIS_FIELDS = ("title", "method", "scope", "participants", "started_on", "next_review_on")
UNRATED = "unrated"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class RiskSummary:
    reference: str
    title: str
    level: str  # residual when rated, else inherent, else "unrated"


@dataclass(frozen=True, slots=True)
class RiskChange:
    reference: str
    title: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class SnapshotDiff:
    analysis: tuple[FieldChange, ...]
    added: tuple[RiskSummary, ...]
    removed: tuple[RiskSummary, ...]
    changed: tuple[RiskChange, ...]
    answers: tuple[FieldChange, ...]  # field = question id
    dismissed: tuple[str, ...]  # proposals dismissed since ("subject: threat")

    @property
    def is_empty(self) -> bool:
        return not (
            self.analysis
            or self.added
            or self.removed
            or self.changed
            or self.answers
            or self.dismissed
        )


def current_level(risk: Mapping[str, Any]) -> str:
    return str(risk.get("residual_level") or risk.get("inherent_level") or UNRATED)


def _summary(risk: Mapping[str, Any]) -> RiskSummary:
    return RiskSummary(risk["reference"], risk["title"], current_level(risk))


def _treatment_words(treatment: Mapping[str, Any]) -> str:
    details = [str(treatment["status"])]
    if treatment.get("due_on"):
        details.append(f"due {treatment['due_on']}")
    if treatment.get("expires_on"):
        details.append(f"expires {treatment['expires_on']}")
    if treatment["strategy"] == "accept":
        approver = treatment.get("approved_by")
        details.append(f"approved by {approver}" if approver else "not approved")
    return f"{treatment['strategy']}: {treatment['description']} ({', '.join(details)})"


def _field_value(risk: Mapping[str, Any], field: str) -> Any:
    value = risk.get(field)
    if field in ("threat", "vulnerability") and isinstance(value, Mapping):
        return value.get("name")
    if field == "treatments":
        return [_treatment_words(t) for t in value or ()]
    return value


def diff_snapshots(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> SnapshotDiff:
    """What changed from ``before`` (None: nothing approved yet) to ``after``."""
    old = before or {}
    old_analysis, new_analysis = old.get("analysis", {}), after.get("analysis", {})
    analysis = tuple(
        FieldChange(name, old_analysis.get(name), new_analysis.get(name))
        for name in ANALYSIS_FIELDS
        if before is not None and old_analysis.get(name) != new_analysis.get(name)
    )
    old_risks = {r["reference"]: r for r in old.get("risks", ())}
    new_risks = {r["reference"]: r for r in after.get("risks", ())}
    added = tuple(_summary(new_risks[ref]) for ref in sorted(set(new_risks) - set(old_risks)))
    removed = tuple(_summary(old_risks[ref]) for ref in sorted(set(old_risks) - set(new_risks)))
    changed = []
    for ref in sorted(set(old_risks) & set(new_risks)):
        changes = tuple(
            FieldChange(
                name, _field_value(old_risks[ref], name), _field_value(new_risks[ref], name)
            )
            for name in RISK_FIELDS
            if _field_value(old_risks[ref], name) != _field_value(new_risks[ref], name)
        )
        if changes:
            changed.append(RiskChange(ref, new_risks[ref]["title"], changes))
    old_answers = {a["question_id"]: a["answer"] for a in old.get("answers", ())}
    new_answers = {a["question_id"]: a["answer"] for a in after.get("answers", ())}
    answers = tuple(
        FieldChange(qid, old_answers.get(qid), new_answers.get(qid))
        for qid in sorted(set(old_answers) | set(new_answers))
        if old_answers.get(qid) != new_answers.get(qid)
    )

    def dismissals(snapshot: Mapping[str, Any]) -> set[str]:
        return {f"{p['subject']}: {p['threat']}" for p in snapshot.get("dismissed_proposals", ())}

    return SnapshotDiff(
        analysis=analysis,
        added=added,
        removed=removed,
        changed=tuple(changed),
        answers=answers,
        dismissed=tuple(sorted(dismissals(after) - dismissals(old))),
    )


# --- trend --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendPoint:
    label: str  # "v1", "v2", ..., "now"
    approved_at: dt.datetime | None
    counts: Mapping[str, int]  # level value (or "unrated") -> open risks


def level_counts(snapshot: Mapping[str, Any], levels: Iterable[str] = ()) -> dict[str, int]:
    """Open risks per level (residual when rated, else inherent); every given level appears."""
    counts = dict.fromkeys(levels, 0)
    for risk in snapshot.get("risks", ()):
        if risk.get("status") != "open":
            continue
        level = current_level(risk)
        counts[level] = counts.get(level, 0) + 1
    return counts


def trend(points: Sequence[tuple[str, dt.datetime | None, Mapping[str, Any]]]) -> list[TrendPoint]:
    """Counts per level for each (label, approved_at, snapshot), oldest first; every point has
    the same levels (all of ``Level`` that occur anywhere, in severity order, then unrated)."""
    raw = [level_counts(snapshot) for _, _, snapshot in points]
    seen = {name for counts in raw for name in counts}
    order = [lv.value for lv in sorted(Level, key=lambda lv: lv.severity) if lv.value in seen]
    if UNRATED in seen:
        order.append(UNRATED)
    return [
        TrendPoint(label, approved_at, {name: counts.get(name, 0) for name in order})
        for (label, approved_at, _), counts in zip(points, raw, strict=True)
    ]
