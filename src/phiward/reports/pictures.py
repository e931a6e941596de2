"""Risk pictures as standalone SVG: the heat map, the trend across versions, treatment progress.

Pure: no Django. Presentation attributes only (no ``<style>``, no ``style=``) so the SVG can be
inlined into a page served with ``style-src 'self'`` and into the PDF reports. Every piece of
user text is XML-escaped. Every cell and bar has a ``<title>`` and its number as text, so the
picture can be read without colour. The data comes from ``phiward.risk.charts``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from phiward.risk.scoring import Level, Method, level, spec

FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif"
LEVEL_COLOURS: dict[Level, str] = {
    Level.VERY_LOW: "#d8eed9",
    Level.LOW: "#a8d5a2",
    Level.MEDIUM: "#f6d776",
    Level.HIGH: "#f0a35e",
    Level.VERY_HIGH: "#d9534f",
    Level.CRITICAL: "#a4161a",
}
UNRATED_COLOUR = "#c9c9c9"
DARK_LEVELS = {Level.VERY_HIGH, Level.CRITICAL}
CELL = 54
AXIS = 92


def level_colour(name: str) -> str:
    return LEVEL_COLOURS[Level(name)] if name in Level._value2member_map_ else UNRATED_COLOUR


def level_label(name: str) -> str:
    return Level(name).label if name in Level._value2member_map_ else name.capitalize()


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(label)} '
        f'font-family="{FONT}" font-size="12">' + "".join(body) + "</svg>"
    )


def heat_map(
    method: Method | str,
    counts: Mapping[tuple[int, int], int],
    *,
    title: str,
) -> str:
    """A likelihood (rows, high at the top) x impact (columns) grid, coloured by level, with
    the number of risks in each cell. ``counts`` maps (likelihood, impact) to a count."""
    method_spec = spec(method)
    n = method_spec.size
    width = AXIS + n * CELL + 16
    height = 30 + n * CELL + 60
    body = [f'<text x="{AXIS}" y="18" font-weight="600">{escape(title)}</text>']
    top = 30
    for row in range(n):
        likelihood = n - row
        y = top + row * CELL
        name = method_spec.likelihood_name(likelihood)
        body.append(
            f'<text x="{AXIS - 6}" y="{y + CELL / 2 + 4:.0f}" text-anchor="end">'
            f"{escape(name)}</text>"
        )
        for column in range(n):
            impact = column + 1
            x = AXIS + column * CELL
            cell_level = level(method, likelihood, impact)
            count = counts.get((likelihood, impact), 0)
            colour = LEVEL_COLOURS[cell_level]
            ink = "#ffffff" if cell_level in DARK_LEVELS else "#1b1b1b"
            tip = (
                f"Likelihood {name}, impact {method_spec.impact_name(impact)}: "
                f"{cell_level.label} — {count} risk{'s' if count != 1 else ''}"
            )
            number = (
                f'<text x="{x + (CELL - 2) / 2:.0f}" y="{y + CELL / 2 + 5:.0f}" '
                f'text-anchor="middle" font-size="16" font-weight="700" fill="{ink}">'
                f"{count}</text>"
                if count
                else ""
            )
            body.append(
                f'<g><title>{escape(tip)}</title><rect x="{x}" y="{y}" width="{CELL - 2}" '
                f'height="{CELL - 2}" rx="3" fill="{colour}"/>{number}</g>'
            )
    bottom = top + n * CELL
    for column in range(n):
        centre = AXIS + column * CELL + (CELL - 2) / 2
        body.append(
            f'<text x="{centre:.0f}" y="{bottom + 14}" text-anchor="middle" font-size="10">'
            f"{escape(method_spec.impact_name(column + 1))}</text>"
        )
    body.append(
        f'<text x="{AXIS + n * CELL / 2:.0f}" y="{bottom + 34}" text-anchor="middle">Impact</text>'
    )
    middle = top + n * CELL / 2
    body.append(
        f'<text x="14" y="{middle:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {middle:.0f})">Likelihood</text>'
    )
    return _svg(width, height, title, body)


def trend(
    versions: Sequence[tuple[str, Mapping[str, int]]],
    *,
    title: str = "Risks by level across approved versions",
) -> str:
    """Stacked bars: one per analysis version (label, counts per level value or "unrated")."""
    bar, gap, chart_h = 44, 26, 160
    names: list[str] = []
    for _, counts in versions:
        for name, count in counts.items():
            if count and name not in names:
                names.append(name)
    names.sort(key=lambda n: Level(n).severity if n in Level._value2member_map_ else -1.0)
    totals = [sum(counts.values()) for _, counts in versions] or [0]
    peak = max(max(totals), 1)
    width = 60 + max(len(versions), 1) * (bar + gap) + 150
    height = chart_h + 80
    base = 30 + chart_h
    body = [f'<text x="60" y="18" font-weight="600">{escape(title)}</text>']
    body.append(f'<line x1="56" y1="{base}" x2="{width - 150}" y2="{base}" stroke="#888"/>')
    if not versions:
        body.append(f'<text x="60" y="{base - 60}">No approved versions yet.</text>')
    for index, (label, counts) in enumerate(versions):
        x = 60 + index * (bar + gap)
        y = float(base)
        for name in names:
            count = counts.get(name, 0)
            if not count:
                continue
            h = chart_h * count / peak
            y -= h
            body.append(
                f"<g><title>{escape(label)}: {count} {escape(level_label(name).lower())}</title>"
                f'<rect x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}" '
                f'fill="{level_colour(name)}" stroke="#ffffff"/></g>'
            )
        body.append(
            f'<text x="{x + bar / 2:.0f}" y="{base + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
        body.append(
            f'<text x="{x + bar / 2:.0f}" y="{y - 4:.0f}" text-anchor="middle" '
            f'font-weight="600">{sum(counts.values())}</text>'
        )
    legend_x = width - 140
    for index, name in enumerate(reversed(names)):
        y_legend = 34 + index * 20
        body.append(
            f'<rect x="{legend_x}" y="{y_legend}" width="12" height="12" '
            f'fill="{level_colour(name)}"/>'
            f'<text x="{legend_x + 18}" y="{y_legend + 10}">{escape(level_label(name))}</text>'
        )
    return _svg(width, height, title, body)


def progress(
    parts: Sequence[tuple[str, int, str]],
    *,
    title: str,
    width: int = 520,
) -> str:
    """One horizontal bar split into parts (label, count, colour), with a legend beneath."""
    total = sum(count for _, count, _ in parts)
    bar_w = width - 20
    body = [f'<text x="10" y="16" font-weight="600">{escape(title)}</text>']
    x = 10.0
    if total == 0:
        body.append(f'<rect x="10" y="26" width="{bar_w}" height="20" fill="#eeeeee"/>')
        body.append('<text x="16" y="41">Nothing yet</text>')
    for label, count, colour in parts:
        if not count or not total:
            continue
        w = bar_w * count / total
        body.append(
            f"<g><title>{escape(label)}: {count}</title>"
            f'<rect x="{x:.1f}" y="26" width="{w:.1f}" height="20" fill="{colour}"/></g>'
        )
        x += w
    legend_x = 10
    for label, count, colour in parts:
        text = f"{label} {count}"
        body.append(
            f'<rect x="{legend_x}" y="56" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="65">{escape(text)}</text>'
        )
        legend_x += 24 + 7 * len(text)
    return _svg(max(width, legend_x + 10), 76, title, body)
