"""The ePHI map as a picture: a graph model, grouping, a layout and an SVG renderer (S7, S21, S24).

Pure: no Django. The inventory adapter (``epmap.py``) turns zones, assets, vendors and data
flows into a ``MapGraph``; ``group_nodes`` folds large crowds of similar assets into one node;
``layout`` places zones as boxes with their assets in a grid (vendors in a column of their own,
assets without a zone in an "Unzoned" box); ``render_svg`` draws the result as a standalone SVG.

The SVG uses presentation attributes only (no ``<style>``, no ``style=``) so it can be inlined
into a page served with ``style-src 'self'``. Every piece of user text is XML-escaped.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from xml.sax.saxutils import escape

VENDORS_BOX = "vendors"
UNZONED_BOX = "unzoned"
GROUP_THRESHOLD = 8

NODE_W, NODE_H = 176, 46
GAP_X, GAP_Y = 14, 16
BOX_PAD, BOX_HEADER = 14, 34
BOX_GAP = 44
MARGIN = 24
TOP = 128
MAX_COLS = 4
MIN_WIDTH = 1200
LABEL_CHARS = 22
TIMES = "\u00d7"  # the multiplication sign, as in "Laptops x40"
FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif"


class Gap(StrEnum):
    UNENCRYPTED_AT_REST = "unencrypted_at_rest"
    UNSUPPORTED_OS = "unsupported_os"
    NO_BAA = "no_baa"


# badge text, colour, explanation
GAP_BADGES: dict[Gap, tuple[str, str, str]] = {
    Gap.UNENCRYPTED_AT_REST: ("E", "#b3261e", "ePHI not encrypted at rest"),
    Gap.UNSUPPORTED_OS: ("OS", "#6a1b9a", "Operating system past end of support"),
    Gap.NO_BAA: ("BAA", "#a3195b", "Handles ePHI without a BAA on file"),
}


class EdgeStyle(StrEnum):
    EPHI = "ephi"
    UNENCRYPTED = "unencrypted"
    UNKNOWN = "unknown"
    OTHER = "other"


# stroke, width, dash pattern, legend text
EDGE_STYLES: dict[EdgeStyle, tuple[str, float, str, str]] = {
    EdgeStyle.EPHI: ("#0a5ea8", 2.0, "", "ePHI flow, encrypted in transit"),
    EdgeStyle.UNENCRYPTED: ("#c62828", 3.5, "9 5", "ePHI flow unencrypted (or TLS below 1.2)"),
    EdgeStyle.UNKNOWN: ("#c77700", 2.5, "3 3", "ePHI flow, encryption unknown"),
    EdgeStyle.OTHER: ("#8a96a3", 1.2, "", "Flow without ePHI"),
}
_EDGE_ORDER = (EdgeStyle.OTHER, EdgeStyle.EPHI, EdgeStyle.UNKNOWN, EdgeStyle.UNENCRYPTED)

ZONE_FILLS: dict[str, str] = {
    "cloud": "#eaf4fc",
    "server": "#f1ecf8",
    "dmz": "#fdf0e6",
    "management": "#ecf6ee",
    "clinical": "#e8f1fa",
    "medical_device": "#e6f5f3",
    "business": "#fbf6e4",
    "guest": "#f2f3f5",
    "remote": "#f4f1ec",
    "flat": "#fbeceb",
    "other": "#f5f7f9",
    VENDORS_BOX: "#f3effa",
    UNZONED_BOX: "#ffffff",
}
_ZONE_ORDER = {kind: i for i, kind in enumerate(ZONE_FILLS)}


@dataclass(frozen=True)
class MapZone:
    id: str
    label: str
    kind: str = "other"
    detail: str = ""


@dataclass(frozen=True)
class MapNode:
    """An asset, a vendor, or a group of ``count`` similar assets (``members`` are their ids)."""

    id: str
    label: str
    kind: str
    kind_label: str = ""
    zone: str | None = None
    is_vendor: bool = False
    handles_ephi: bool = False
    gaps: frozenset[Gap] = frozenset()
    count: int = 1
    detail: str = ""
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class MapEdge:
    id: str
    source: str
    target: str
    label: str
    carries_ephi: bool
    unencrypted: bool = False
    encryption_unknown: bool = False
    protocol: str = ""
    detail: str = ""

    @property
    def style(self) -> EdgeStyle:
        if not self.carries_ephi:
            return EdgeStyle.OTHER
        if self.unencrypted:
            return EdgeStyle.UNENCRYPTED
        if self.encryption_unknown:
            return EdgeStyle.UNKNOWN
        return EdgeStyle.EPHI


@dataclass(frozen=True)
class MapGraph:
    zones: tuple[MapZone, ...]
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]

    def __post_init__(self) -> None:
        zone_ids = {z.id for z in self.zones}
        node_ids = {n.id for n in self.nodes}
        if len(node_ids) != len(self.nodes):
            raise ValueError("node ids must be unique")
        for node in self.nodes:
            if node.zone is not None and node.zone not in zone_ids:
                raise ValueError(f"node {node.id} is in unknown zone {node.zone}")
        for edge in self.edges:
            if edge.source not in node_ids or edge.target not in node_ids:
                raise ValueError(f"edge {edge.id} joins an unknown node")


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Container:
    """A labelled box on the map: a zone, the vendor column or the unzoned assets."""

    id: str
    label: str
    kind: str
    detail: str
    box: Box
    node_count: int


@dataclass(frozen=True)
class MapLayout:
    width: int
    height: int
    containers: tuple[Container, ...]
    nodes: Mapping[str, Box]


# --- grouping ---------------------------------------------------------------------------------


def _plural(label: str) -> str:
    if not label or "/" in label or label.endswith("s"):
        return label
    return label + "s"


def group_nodes(graph: MapGraph, *, threshold: int = GROUP_THRESHOLD) -> MapGraph:
    """Fold the assets of one kind in one zone into one node when they are more than ``threshold``.

    Assets that have flows or gaps of their own stay visible as long as they are few (at most
    ``threshold``); past that, the whole crowd becomes one node and its flows attach to it.
    """
    touched = {e.source for e in graph.edges} | {e.target for e in graph.edges}
    buckets: dict[tuple[str | None, str], list[MapNode]] = defaultdict(list)
    for node in graph.nodes:
        if not node.is_vendor and node.count == 1:
            buckets[(node.zone, node.kind)].append(node)
    folded: dict[str, str] = {}
    groups: dict[str, MapNode] = {}
    for (zone, kind), members in buckets.items():
        if len(members) <= threshold:
            continue
        notable = {n.id for n in members if n.id in touched or n.gaps}
        crowd = members if len(notable) > threshold else [n for n in members if n.id not in notable]
        if len(crowd) < 2:
            continue
        group = _group_node(zone, kind, crowd)
        groups[group.id] = group
        folded.update((n.id, group.id) for n in crowd)
    if not groups:
        return graph
    nodes: list[MapNode] = []
    for node in graph.nodes:
        group_id = folded.get(node.id)
        if group_id is None:
            nodes.append(node)
        elif group_id in groups:
            nodes.append(groups.pop(group_id))
    edges = tuple(
        replace(e, source=folded.get(e.source, e.source), target=folded.get(e.target, e.target))
        for e in graph.edges
    )
    return MapGraph(graph.zones, tuple(nodes), edges)


def _group_node(zone: str | None, kind: str, crowd: list[MapNode]) -> MapNode:
    kind_label = crowd[0].kind_label or kind
    gaps: frozenset[Gap] = frozenset().union(*(n.gaps for n in crowd))
    ephi = sum(1 for n in crowd if n.handles_ephi)
    lines = [f"{len(crowd)} {TIMES} {kind_label}", f"{ephi} handle ePHI"]
    for gap in sorted(gaps):
        hits = sum(1 for n in crowd if gap in n.gaps)
        lines.append(f"{hits} with gap: {GAP_BADGES[gap][2].lower()}")
    shown = ", ".join(n.label for n in crowd[:8])
    more = f" and {len(crowd) - 8} more" if len(crowd) > 8 else ""
    lines.append(f"Includes {shown}{more}")
    return MapNode(
        id=f"group-{zone or UNZONED_BOX}-{kind}",
        label=f"{_plural(kind_label)} {TIMES}{len(crowd)}",
        kind=kind,
        kind_label=kind_label,
        zone=zone,
        handles_ephi=ephi > 0,
        gaps=gaps,
        count=len(crowd),
        detail="\n".join(lines),
        members=tuple(n.id for n in crowd),
    )


# --- layout -----------------------------------------------------------------------------------


def _grid(n: int, cols: int) -> tuple[float, float]:
    rows = max(1, math.ceil(n / cols))
    w = cols * NODE_W + (cols - 1) * GAP_X + 2 * BOX_PAD
    h = BOX_HEADER + rows * NODE_H + (rows - 1) * GAP_Y + BOX_PAD
    return w, h


def _place(nodes: list[MapNode], box: Box, cols: int, out: dict[str, Box]) -> None:
    for i, node in enumerate(nodes):
        row, col = divmod(i, cols)
        out[node.id] = Box(
            box.x + BOX_PAD + col * (NODE_W + GAP_X),
            box.y + BOX_HEADER + row * (NODE_H + GAP_Y),
            NODE_W,
            NODE_H,
        )


def _node_order(node: MapNode) -> tuple[str, bool, str]:
    return (node.kind, node.count == 1, node.label.casefold())


def layout(graph: MapGraph) -> MapLayout:
    """Place zones in rows (shelf packing), unzoned assets last, and vendors in a right column."""
    by_box: dict[str, list[MapNode]] = defaultdict(list)
    for node in graph.nodes:
        key = VENDORS_BOX if node.is_vendor else (node.zone or UNZONED_BOX)
        by_box[key].append(node)
    for members in by_box.values():
        members.sort(key=_node_order)

    boxes: list[tuple[str, str, str, str, list[MapNode]]] = [
        (z.id, z.label, z.kind, z.detail, by_box.get(z.id, []))
        for z in sorted(graph.zones, key=lambda z: (_ZONE_ORDER.get(z.kind, 99), z.label))
    ]
    if by_box.get(UNZONED_BOX):
        boxes.append(
            (
                UNZONED_BOX,
                "Unzoned",
                UNZONED_BOX,
                "Assets with no network zone",
                by_box[UNZONED_BOX],
            )
        )

    sized = []
    for box_id, label, kind, detail, members in boxes:
        n = len(members)
        cols = max(1, n if n <= MAX_COLS else min(MAX_COLS, math.ceil(math.sqrt(n))))
        sized.append((box_id, label, kind, detail, members, cols, *_grid(n, cols)))
    total_area = sum((w + BOX_GAP) * (h + BOX_GAP) for *_, w, h in sized)
    row_limit = max(
        [MIN_WIDTH - 3 * NODE_W, min(2600.0, math.sqrt(total_area) * 1.6)]
        + [w for *_, w, _ in sized]
    )
    # Shelf packing, relative to the left edge of the zones area.
    shelf: list[tuple[float, float]] = []
    x, y, row_h, zones_right = 0.0, float(TOP), 0.0, 0.0
    for *_, w, h in sized:
        if x > 0 and x + w > row_limit:
            x, y, row_h = 0.0, y + row_h + BOX_GAP, 0.0
        shelf.append((x, y))
        x += w + BOX_GAP
        row_h = max(row_h, h)
        zones_right = max(zones_right, x - BOX_GAP)
    zones_bottom = y + row_h if sized else float(TOP)

    containers: list[Container] = []
    placed: dict[str, Box] = {}
    left = float(MARGIN)
    vendors = by_box.get(VENDORS_BOX, [])
    if vendors:
        # Vendors in a column on the left, next to the cloud zone that talks to most of them.
        rows_fit = max(8, int((zones_bottom - TOP - BOX_HEADER) // (NODE_H + GAP_Y)))
        cols = max(1, math.ceil(len(vendors) / rows_fit))
        w, h = _grid(len(vendors), cols)
        box = Box(left, float(TOP), w, h)
        containers.append(
            Container(VENDORS_BOX, "External vendors", VENDORS_BOX, "", box, len(vendors))
        )
        _place(vendors, box, cols, placed)
        left = box.right + 2 * BOX_GAP
        zones_bottom = max(zones_bottom, box.bottom)
    for (box_id, label, kind, detail, members, cols, w, h), (x, y) in zip(
        sized, shelf, strict=True
    ):
        box = Box(left + x, y, w, h)
        containers.append(Container(box_id, label, kind, detail, box, len(members)))
        _place(members, box, cols, placed)
    right = left + zones_right if sized else left
    width = math.ceil(max(MIN_WIDTH, right + MARGIN))
    height = math.ceil(max(TOP + 120, zones_bottom + MARGIN))
    return MapLayout(width, height, tuple(containers), placed)


# --- SVG --------------------------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value))


def _attr(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value), {'"': "&quot;", "\n": "&#10;"})


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _edge_geometry(s: Box, t: Box, offset: float) -> tuple[str, float, float]:
    """An SVG path from box ``s`` to box ``t`` and its midpoint."""
    if s is t:
        x0, y0 = s.right, s.cy - 8
        d = f"M{_n(x0)},{_n(y0)} C{_n(x0 + 40)},{_n(y0 - 30)} {_n(x0 + 40)},{_n(y0 + 46)} "
        return d + f"{_n(x0)},{_n(y0 + 16)}", x0 + 30, y0 + 8
    if t.x >= s.right + 8 or t.right <= s.x - 8:
        sign = 1 if t.x >= s.right + 8 else -1
        x0 = s.right if sign > 0 else s.x
        x3 = t.x if sign > 0 else t.right
        y0, y3 = s.cy + offset, t.cy + offset
        bend = sign * max(30.0, abs(x3 - x0) / 2)
        x1, y1, x2, y2 = x0 + bend, y0, x3 - bend, y3
    else:
        sign = 1 if t.cy >= s.cy else -1
        x0, x3 = s.cx + offset * 3, t.cx + offset * 3
        y0 = s.bottom if sign > 0 else s.y
        y3 = t.y if sign > 0 else t.bottom
        bend = sign * max(24.0, abs(y3 - y0) / 2)
        x1, y1, x2, y2 = x0, y0 + bend, x3, y3 - bend
    d = f"M{_n(x0)},{_n(y0)} C{_n(x1)},{_n(y1)} {_n(x2)},{_n(y2)} {_n(x3)},{_n(y3)}"
    return d, (x0 + 3 * x1 + 3 * x2 + x3) / 8, (y0 + 3 * y1 + 3 * y2 + y3) / 8


def _markers(prefix: str) -> str:
    parts = ["<defs>"]
    for style, (stroke, *_rest) in EDGE_STYLES.items():
        size = 11 if style == EdgeStyle.UNENCRYPTED else 9
        parts.append(
            f'<marker id="{prefix}-arrow-{style}" viewBox="0 0 10 10" refX="10" refY="5" '
            f'markerWidth="{size}" markerHeight="{size}" markerUnits="userSpaceOnUse" '
            f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{stroke}"/></marker>'
        )
    parts.append("</defs>")
    return "".join(parts)


def _legend(prefix: str) -> str:
    out = ['<g id="' + prefix + '-legend" font-size="12" fill="#1b2733">']
    x = float(MARGIN)
    for style in (EdgeStyle.EPHI, EdgeStyle.UNENCRYPTED, EdgeStyle.UNKNOWN, EdgeStyle.OTHER):
        stroke, width, dash, text = EDGE_STYLES[style]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<path d="M{_n(x)},66 L{_n(x + 34)},66" stroke="{stroke}" stroke-width="{width}"'
            f'{dash_attr} marker-end="url(#{prefix}-arrow-{style})"/>'
            f'<text x="{_n(x + 42)}" y="70">{_text(text)}</text>'
        )
        x += 42 + len(text) * 6.8 + 28
    x = float(MARGIN)
    swatches = (
        ("#ffffff", "#0a5ea8", 2, "Handles ePHI"),
        ("#ffffff", "#8a96a3", 1, "No ePHI"),
        ("#f7f3fd", "#6b4fa0", 1.5, "Vendor"),
    )
    for fill, stroke, width, text in swatches:
        out.append(
            f'<rect x="{_n(x)}" y="88" width="28" height="16" rx="3" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{width}"/>'
            f'<text x="{_n(x + 36)}" y="100">{text}</text>'
        )
        x += 130
    out.append(
        f'<rect x="{_n(x + 4)}" y="84" width="28" height="16" rx="3" fill="#ffffff" '
        f'stroke="#4a5866"/><rect x="{_n(x)}" y="88" width="28" height="16" rx="3" '
        f'fill="#ffffff" stroke="#4a5866"/>'
        f'<text x="{_n(x + 40)}" y="100">Group of similar assets ({TIMES}count)</text>'
    )
    x += 250
    for badge, colour, text in GAP_BADGES.values():
        w = 10 + 7 * len(badge)
        out.append(
            _badge(x, 89, badge, colour, text)
            + f'<text x="{_n(x + w + 6)}" y="100">{_text(text)}</text>'
        )
        x += w + 6 + len(text) * 6.8 + 24
    out.append("</g>")
    return "".join(out)


def _badge(x: float, y: float, text: str, colour: str, explanation: str) -> str:
    w = 10 + 7 * len(text)
    return (
        f"<g><title>{_text(explanation)}</title>"
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{w}" height="14" rx="7" fill="{colour}"/>'
        f'<text x="{_n(x + w / 2)}" y="{_n(y + 10.5)}" font-size="9.5" font-weight="700" '
        f'fill="#ffffff" text-anchor="middle">{text}</text></g>'
    )


def _container(prefix: str, c: Container) -> str:
    b = c.box
    fill = ZONE_FILLS.get(c.kind, ZONE_FILLS["other"])
    dashed = ' stroke-dasharray="6 4"' if c.kind in (VENDORS_BOX, UNZONED_BOX) else ""
    tip = c.label + (f"\n{c.detail}" if c.detail else "") + f"\n{c.node_count} on the map"
    count = f"{c.node_count} item" + ("" if c.node_count == 1 else "s")
    empty = (
        f'<text x="{_n(b.x + BOX_PAD)}" y="{_n(b.y + BOX_HEADER + 26)}" font-size="11" '
        f'fill="#4a5866">No inventoried assets</text>'
        if c.node_count == 0
        else ""
    )
    return (
        f'<g id="{prefix}-box-{_attr(c.id)}" data-zone="{_attr(c.id)}" data-kind="{_attr(c.kind)}">'
        f"<title>{_text(tip)}</title>"
        f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}" rx="10" '
        f'fill="{fill}" stroke="#9fb0c0" stroke-width="1.2"{dashed}/>'
        f'<text x="{_n(b.x + BOX_PAD)}" y="{_n(b.y + 22)}" font-size="13.5" font-weight="700" '
        f'fill="#1b2733">{_text(_short(c.label, int(b.w / 8.5)))}</text>'
        f'<text x="{_n(b.right - BOX_PAD)}" y="{_n(b.y + 22)}" font-size="11" fill="#4a5866" '
        f'text-anchor="end">{count}</text>{empty}</g>'
    )


def _node(prefix: str, node: MapNode, b: Box) -> str:
    if node.is_vendor:
        fill, stroke, width = "#f7f3fd", "#6b4fa0", 1.5
    elif node.handles_ephi:
        fill, stroke, width = "#ffffff", "#0a5ea8", 2.0
    else:
        fill, stroke, width = "#ffffff", "#8a96a3", 1.0
    if node.gaps:
        stroke = "#b3261e"
    gaps = " ".join(sorted(node.gaps))
    gap_lines = [GAP_BADGES[g][2] for g in sorted(node.gaps)]
    tip = "\n".join(part for part in (node.label, node.kind_label, node.detail, *gap_lines) if part)
    out = [
        f'<g id="{prefix}-node-{_attr(node.id)}" data-node="{_attr(node.id)}" '
        f'data-kind="{_attr(node.kind)}" data-zone="{_attr(node.zone or "")}" '
        f'data-ephi="{str(node.handles_ephi).lower()}" data-vendor="{str(node.is_vendor).lower()}" '
        f'data-count="{node.count}" data-gaps="{gaps}" transform="translate({_n(b.x)},{_n(b.y)})">'
        f"<title>{_text(tip)}</title>"
    ]
    if node.count > 1:
        out.append(
            f'<rect x="5" y="-5" width="{NODE_W}" height="{NODE_H}" rx="6" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1"/>'
        )
    sub = node.kind_label if node.count == 1 else f"{node.count} assets, grouped"
    out.append(
        f'<rect width="{NODE_W}" height="{NODE_H}" rx="6" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{width}"/>'
        f'<text x="10" y="19" font-size="12" font-weight="600" fill="#1b2733">'
        f"{_text(_short(node.label))}</text>"
        f'<text x="10" y="36" font-size="10.5" fill="#4a5866">{_text(_short(sub, 30))}</text>'
    )
    x = NODE_W - 6
    for gap in sorted(node.gaps, reverse=True):
        text, colour, explanation = GAP_BADGES[gap]
        x -= 10 + 7 * len(text) + 3
        out.append(_badge(x, -7, text, colour, explanation))
    out.append("</g>")
    return "".join(out)


def _edges(prefix: str, edges: Iterable[MapEdge], boxes: Mapping[str, Box]) -> str:
    """One path per (source, target, style): a bundle lists all its flows in its tooltip."""
    bundles: dict[tuple[str, str, EdgeStyle], list[MapEdge]] = defaultdict(list)
    for edge in edges:
        bundles[(edge.source, edge.target, edge.style)].append(edge)
    pairs: dict[frozenset[str], list[tuple[str, str, EdgeStyle]]] = defaultdict(list)
    for key in bundles:
        pairs[frozenset(key[:2])].append(key)
    offsets: dict[tuple[str, str, EdgeStyle], float] = {}
    for keys in pairs.values():
        for i, key in enumerate(keys):
            offsets[key] = max(-18.0, min(18.0, (i - (len(keys) - 1) / 2) * 6))
    out: list[str] = []
    for style in _EDGE_ORDER:
        stroke, width, dash, meaning = EDGE_STYLES[style]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for key, bundle in bundles.items():
            if key[2] != style:
                continue
            source, target = key[0], key[1]
            d, mx, my = _edge_geometry(boxes[source], boxes[target], offsets[key])
            first, n = bundle[0], len(bundle)
            if n == 1:
                tip = "\n".join(p for p in (first.label, meaning, first.detail) if p)
            else:
                names = [e.label for e in bundle[:12]]
                more = [f"and {n - 12} more"] if n > 12 else []
                tip = "\n".join([f"{n} flows ({meaning})", *names, *more])
            ids = " ".join(e.id for e in bundle)
            drawn = width + min(3.0, 0.7 * math.log2(n))
            out.append(
                f'<g id="{prefix}-flow-{_attr(first.id)}" data-flows="{_attr(ids)}" '
                f'data-count="{n}" data-source="{_attr(source)}" data-target="{_attr(target)}" '
                f'data-ephi="{str(first.carries_ephi).lower()}" data-transit="{style}">'
                f"<title>{_text(tip)}</title>"
                f'<path d="{d}" fill="none" stroke="#000000" stroke-opacity="0" '
                f'stroke-width="12"/>'
                f'<path d="{d}" fill="none" stroke="{stroke}" stroke-width="{_n(drawn)}"'
                f'{dash_attr} marker-end="url(#{prefix}-arrow-{style})"/>'
            )
            if style == EdgeStyle.UNENCRYPTED:
                text = _short(first.protocol or "unencrypted", 18) if n == 1 else f"{n} flows"
                w = 12 + 6.4 * len(text)
                out.append(
                    f'<rect x="{_n(mx - w / 2)}" y="{_n(my - 9)}" width="{_n(w)}" '
                    f'height="17" rx="3" fill="#ffffff" stroke="{stroke}"/>'
                    f'<text x="{_n(mx)}" y="{_n(my + 4)}" font-size="11" font-weight="700" '
                    f'fill="{stroke}" text-anchor="middle">{_text(text)}</text>'
                )
            out.append("</g>")
    return "".join(out)


def render_svg(graph: MapGraph, *, title: str, id_prefix: str = "epmap") -> str:
    """The whole map as one standalone SVG document (an ``<svg>`` element, no XML prolog)."""
    if not _PREFIX.match(id_prefix):
        raise ValueError("id_prefix must be a letter followed by letters, digits, - or _")
    placed = layout(graph)
    assets = sum(n.count for n in graph.nodes if not n.is_vendor)
    vendors = sum(1 for n in graph.nodes if n.is_vendor)
    flagged = sum(1 for e in graph.edges if e.style == EdgeStyle.UNENCRYPTED)
    unknown = sum(1 for e in graph.edges if e.style == EdgeStyle.UNKNOWN)
    gaps = sum(1 for n in graph.nodes if n.gaps)
    desc = (
        f"{assets} assets in {len(graph.zones)} network zones, {vendors} vendors and "
        f"{len(graph.edges)} data flows. {flagged} ePHI flows are unencrypted or use TLS below "
        f"1.2; {unknown} have unknown encryption; {gaps} items on the map have gaps."
    )
    w, h = placed.width, placed.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" aria-labelledby="{id_prefix}-title" '
        f'aria-describedby="{id_prefix}-desc" font-family="{FONT}" '
        f'data-assets="{assets}" data-nodes="{len(graph.nodes)}" data-edges="{len(graph.edges)}">',
        f'<title id="{id_prefix}-title">{_text(title)}</title>',
        f'<desc id="{id_prefix}-desc">{_text(desc)}</desc>',
        _markers(id_prefix),
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="34" font-size="18" font-weight="700" fill="#1b2733">'
        f"{_text(title)}</text>",
        f'<text x="{w - MARGIN}" y="34" font-size="12" fill="#4a5866" text-anchor="end">'
        f"{_text(desc.split('. ')[0])}</text>",
        _legend(id_prefix),
    ]
    if not graph.nodes and not graph.zones:
        out.append(
            f'<text x="{MARGIN}" y="{TOP + 30}" font-size="14" fill="#4a5866">Nothing on the '
            "map yet: add zones, assets, vendors and data flows to the inventory.</text>"
        )
    out.extend(_container(id_prefix, c) for c in placed.containers)
    out.append(_edges(id_prefix, graph.edges, placed.nodes))
    by_id = {n.id: n for n in graph.nodes}
    out.extend(_node(id_prefix, by_id[i], b) for i, b in placed.nodes.items())
    out.append("</svg>")
    return "".join(out)
