"""Benchmark: build demo organizations of several sizes and render their ePHI map.

Times are reported as ratios against baselines measured in the same run (building and mapping
the smallest organization), so results compare across machines; absolute times are shown for
information only. With ``--check``, the run fails if the map's cost grows faster than linearly
with the number of assets (a ratio check, never an absolute-time one).

    PHIWARD_DATA_DIR=$(mktemp -d) .venv/bin/python bench/bench_epmap.py
    .venv/bin/python bench/bench_epmap.py --sizes 500,2000,5000 --repeat 5 --check

Without PHIWARD_DATA_DIR a temporary data directory is used and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from harness import fresh_demo, machine, setup_django

T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    requested: int
    assets: int
    flows: int
    build_s: float
    graph_s: float
    map_s: float
    svg_kb: float
    nodes_drawn: int


def timed(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median wall time of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def run(sizes: list[int], repeat: int, seed: int) -> list[Row]:
    setup_django()

    from phiward.core.models import Organization
    from phiward.inventory.epmap import build_graph, render_org_map

    rows = []
    for size in sizes:
        slug = f"bench-{size}"
        builds = []
        for _ in range(repeat if size <= 2000 else max(1, repeat // 2)):
            start = time.perf_counter()
            result = fresh_demo(slug, seed, size)
            builds.append(time.perf_counter() - start)
        org = Organization.objects.get(slug=slug)
        render_org_map(org)  # warm-up
        graph_s, _graph = timed(lambda org=org: build_graph(org), repeat)
        map_s, svg = timed(lambda org=org: render_org_map(org), repeat)
        drawn = svg.split('data-nodes="', 1)[1].split('"', 1)[0]
        rows.append(
            Row(size, result.counts["assets"], result.counts["data_flows"],
                statistics.median(builds), graph_s, map_s, len(svg) / 1024, int(drawn))
        )  # fmt: skip
        print(f"measured {size}", file=sys.stderr)
    return rows


def table(rows: list[Row]) -> str:
    base = rows[0]
    lines = [
        "| assets | flows | build | build ratio | map (query + render) | map ratio "
        "| of which queries | nodes drawn | SVG |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.assets:,} | {r.flows:,} | {r.build_s:.2f} s | {r.build_s / base.build_s:.1f}x "
            f"| {r.map_s * 1000:.0f} ms | {r.map_s / base.map_s:.1f}x "
            f"| {r.graph_s * 1000:.0f} ms | {r.nodes_drawn} | {r.svg_kb:.0f} KB |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,5000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--check", action="store_true", help="fail if the map grows faster than linearly"
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="phiward-bench-") as scratch:
        os.environ.setdefault("PHIWARD_DATA_DIR", scratch)
        rows = run(sizes, args.repeat, args.seed)
    print(
        f"{machine()}; median of {args.repeat} runs; "
        f"ratios against the {rows[0].assets:,}-asset organization of this run.\n"
    )
    print(table(rows))
    if args.check:
        base = rows[0]
        for r in rows[1:]:
            allowed = 2 * r.assets / base.assets
            if r.map_s / base.map_s > allowed:
                print(f"map of {r.assets} assets grew more than linearly", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
