"""The risk pictures: well-formed SVG, every count readable as text, user text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from phiward.reports import pictures as charts
from phiward.risk.scoring import Level, Method

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - parsing our own output


def _texts(svg: str) -> list[str]:
    root = _parse(svg)
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def _titles(svg: str) -> list[str]:
    root = _parse(svg)
    return [t.text or "" for t in root.iter(f"{SVG}title")]


@pytest.mark.parametrize(("method", "cells"), [(Method.THREE_LEVEL, 9), (Method.FIVE_LEVEL, 25)])
def test_heat_map_has_one_cell_per_rating(method: Method, cells: int) -> None:
    svg = charts.heat_map(method, {(3, 3): 4, (1, 2): 1}, title="Inherent")
    assert len(_parse(svg).findall(f"{SVG}g")) == cells
    titles = _titles(svg)
    assert len(titles) == cells
    assert "4" in _texts(svg) and "1" in _texts(svg)


def test_heat_map_cells_say_level_and_count() -> None:
    svg = charts.heat_map(Method.THREE_LEVEL, {(3, 3): 2}, title="Residual")
    assert "Likelihood High, impact High: Critical — 2 risks" in _titles(svg)
    assert "Likelihood Low, impact Low: Low — 0 risks" in _titles(svg)
    critical = charts.LEVEL_COLOURS[Level.CRITICAL]
    assert critical in svg


def test_user_text_is_escaped() -> None:
    svg = charts.heat_map(Method.THREE_LEVEL, {}, title="<script>x</script>")
    assert "<script>" not in svg
    _parse(svg)
    trend = charts.trend([("v1 <b>", {"high": 2})])
    assert "<b>" not in trend
    _parse(trend)


def test_trend_stacks_levels_and_totals() -> None:
    svg = charts.trend([("v1", {"high": 3, "low": 2}), ("v2", {"high": 1, "low": 2})])
    texts = _texts(svg)
    assert "5" in texts and "3" in texts  # the totals above the bars
    assert "v1: 3 high" in _titles(svg)


def test_trend_without_versions_says_so() -> None:
    assert "No approved versions yet." in _texts(charts.trend([]))


def test_progress_bar_parts() -> None:
    svg = charts.progress(
        [("Done", 3, "#2e7d32"), ("Open", 1, "#f0a35e"), ("Overdue", 0, "#b3261e")],
        title="Treatments",
    )
    assert _titles(svg) == ["Done: 3", "Open: 1"]
    assert "Overdue 0" in _texts(svg)
    assert "Nothing yet" in _texts(charts.progress([("Done", 0, "#000")], title="x"))
