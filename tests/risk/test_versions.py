"""Pure comparisons of snapshots, the trend, the heat map counts and the plan's order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from phiward.risk.heatmap import count_cells
from phiward.risk.planning import PlanItem, prioritize
from phiward.risk.scoring import Level
from phiward.risk.versions import diff_snapshots, level_counts, trend


def risk(ref: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "reference": ref,
        "title": f"Risk {ref}",
        "threat": {"key": "ransomware", "name": "Ransomware"},
        "vulnerability": {"key": "no-mfa", "name": "No MFA"},
        "assets": [],
        "likelihood": 2,
        "impact": 2,
        "inherent_level": "medium",
        "residual_level": None,
        "status": "open",
        "treatments": [],
    }
    base.update(fields)
    return base


def snapshot(*risks: dict[str, Any], **analysis: Any) -> dict[str, Any]:
    return {"analysis": {"title": "A", **analysis}, "risks": list(risks), "answers": []}


def test_diff_finds_added_removed_and_changed_fields() -> None:
    before = snapshot(risk("R-001"), risk("R-002"), title="2025")
    treated = {
        "strategy": "accept",
        "description": "Budget",
        "status": "planned",
        "expires_on": "2027-01-01",
        "approved_by": None,
    }
    after = snapshot(
        risk(
            "R-001",
            likelihood=3,
            inherent_level="high",
            treatments=[treated],
            threat={"key": "ransomware", "name": "Ransomware attack"},
        ),
        risk("R-003", residual_level="low"),
        title="2026",
    )
    diff = diff_snapshots(before, after)
    assert [(c.field, c.before, c.after) for c in diff.analysis] == [("title", "2025", "2026")]
    assert [(r.reference, r.level) for r in diff.added] == [("R-003", "low")]
    assert [r.reference for r in diff.removed] == ["R-002"]
    (change,) = diff.changed
    assert [c.field for c in change.changes] == [
        "threat",
        "likelihood",
        "inherent_level",
        "treatments",
    ]
    assert change.changes[0].after == "Ransomware attack"
    assert change.changes[-1].after == [
        "accept: Budget (planned, expires 2027-01-01, not approved)"
    ]
    assert not diff.is_empty
    assert diff_snapshots(after, after).is_empty


def test_diff_from_nothing() -> None:
    diff = diff_snapshots(None, snapshot(risk("R-001")))
    assert [r.reference for r in diff.added] == ["R-001"] and diff.analysis == ()


def test_level_counts_and_trend() -> None:
    v1 = snapshot(
        risk("R-001", inherent_level="high"), risk("R-002", likelihood=None, inherent_level=None)
    )
    v2 = snapshot(
        risk("R-001", inherent_level="high", residual_level="low"),
        risk("R-002", inherent_level="medium"),
        risk("R-003", inherent_level="critical", status="closed"),
    )
    assert level_counts(v1) == {"high": 1, "unrated": 1}
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    points = trend([("v1", moment, v1), ("v2", None, v2)])
    assert [p.label for p in points] == ["v1", "v2"]
    assert points[0].counts == {"low": 0, "medium": 0, "high": 1, "unrated": 1}
    assert points[1].counts == {"low": 1, "medium": 1, "high": 0, "unrated": 0}


def test_heat_map_counts_cells_with_their_levels() -> None:
    grid = count_cells("three_level", [(3, 3), (3, 3), (1, 2), (None, None)])
    assert grid.size == 3 and grid.total == 3 and grid.unrated == 1
    assert grid.cells[(3, 3)] == 2 and grid.cells[(1, 2)] == 1 and grid.cells[(2, 2)] == 0
    assert grid.levels[(3, 3)] is Level.CRITICAL and grid.levels[(1, 2)] is Level.LOW
    assert grid.rows()[0][2] == (2, Level.CRITICAL)  # top row: highest likelihood
    five = count_cells("five_level", [(5, 5)])
    assert five.levels[(5, 5)] is Level.VERY_HIGH and five.likelihood_names[0] == "Very low"
    with pytest.raises(ValueError, match="off the three_level scales"):
        count_cells("three_level", [(4, 1)])


def item(
    number: int, level: Level | None, records: int | None, criticality: str | None
) -> PlanItem:
    return PlanItem(number, number, f"r{number}", level, False, records, criticality)


def test_plan_orders_by_level_then_volume_then_criticality() -> None:
    items = [
        item(1, Level.MEDIUM, 50_000, "critical"),
        item(2, Level.HIGH, 10, "low"),
        item(3, Level.HIGH, 9_000, "moderate"),
        item(4, Level.HIGH, 9_000, "critical"),
        item(5, None, 1_000_000, "critical"),
        item(6, Level.VERY_HIGH, None, None),
        item(7, Level.HIGH, None, "critical"),
        item(8, Level.HIGH, 9_000, "critical"),
    ]
    assert [i.number for i in prioritize(items)] == [6, 4, 8, 3, 2, 7, 1, 5]


def test_plan_orders_levels_of_both_methods_together() -> None:
    items = [item(1, Level.VERY_HIGH, 1, "low"), item(2, Level.CRITICAL, 1, "low")]
    assert [i.number for i in prioritize(items)] == [2, 1]
    assert item(3, Level.LOW, 1, "low").reference == "R-003"
