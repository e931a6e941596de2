"""Benchmark: the risk proposal engine and proposal synchronization on demo organizations.

For each size, a demo organization is built (untimed) and an analysis over all its ePHI assets
and flows is started; then are measured:

- gather: reading the analysis's facts from the inventory (``phiward.risk.scope.gather``);
- engine: the pure rules over those facts (``phiward.risk.engine.propose``);
- first sync: ``sync_proposals`` on a fresh analysis (every proposal created);
- re-sync: ``sync_proposals`` again with nothing changed.

Times are reported as ratios against the smallest organization of the same run; absolute
times are for information only. With ``--check``, the run fails if the engine or gathering grows
faster than linearly with the number of assets (a ratio check, never an absolute one).

    PHIWARD_DATA_DIR=$(mktemp -d) .venv/bin/python bench/bench_risk.py
    .venv/bin/python bench/bench_risk.py --sizes 500,2000,5000 --repeat 5 --check

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
    assets: int
    in_scope: int
    gather_s: float
    gather_queries: int
    engine_s: float
    proposals: int
    first_sync_s: float
    resync_s: float
    resync_queries: int


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

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from phiward.core.models import Organization
    from phiward.inventory.models import Asset
    from phiward.risk.analysis import start_analysis, sync_proposals
    from phiward.risk.engine import propose
    from phiward.risk.models import RiskAnalysis
    from phiward.risk.org_catalog import engine_catalog, ensure_catalog
    from phiward.risk.scope import gather

    rows = []
    for size in sizes:
        slug = f"bench-risk-{size}"
        fresh_demo(slug, seed, size)
        org = Organization.objects.get(slug=slug)
        ensure_catalog(org)
        analysis = start_analysis(org, None, title="Benchmark")
        catalog = engine_catalog(org)
        gather(analysis)  # warm-up
        gather_s, facts = timed(lambda a=analysis: gather(a), repeat)
        with CaptureQueriesContext(connection) as gathered:
            gather(analysis)
        engine_s, found = timed(
            lambda f=facts, c=catalog, m=analysis.method: propose(f, c, m), repeat
        )
        firsts = []
        for i in range(max(1, repeat // 2)):
            fresh = start_analysis(org, None, title=f"First sync {i}")
            start = time.perf_counter()
            sync_proposals(fresh)
            firsts.append(time.perf_counter() - start)
        sync_proposals(analysis)
        resync_s, _ = timed(lambda a=analysis: sync_proposals(a), repeat)
        with CaptureQueriesContext(connection) as resynced:
            sync_proposals(analysis)
        rows.append(
            Row(
                assets=Asset.objects.for_org(org).count(),
                in_scope=len(facts.assets),
                gather_s=gather_s,
                gather_queries=len(gathered),
                engine_s=engine_s,
                proposals=len(found),
                first_sync_s=statistics.median(firsts),
                resync_s=resync_s,
                resync_queries=len(resynced),
            )
        )
        RiskAnalysis.objects.filter(organization=org).delete()
        print(f"measured {size}", file=sys.stderr)
    return rows


def table(rows: list[Row]) -> str:
    base = rows[0]
    lines = [
        "| assets | in scope | gather | ratio | queries | engine | ratio | proposals "
        "| first sync | ratio | re-sync | ratio | queries |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.assets:,} | {r.in_scope:,} | {r.gather_s * 1000:.0f} ms "
            f"| {r.gather_s / base.gather_s:.1f}x | {r.gather_queries} "
            f"| {r.engine_s * 1000:.1f} ms | {r.engine_s / base.engine_s:.1f}x | {r.proposals} "
            f"| {r.first_sync_s * 1000:.0f} ms | {r.first_sync_s / base.first_sync_s:.1f}x "
            f"| {r.resync_s * 1000:.0f} ms | {r.resync_s / base.resync_s:.1f}x "
            f"| {r.resync_queries} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,5000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--check", action="store_true", help="fail if the engine grows faster than linearly"
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
            for name, value, first in (
                ("engine", r.engine_s, base.engine_s),
                ("gather", r.gather_s, base.gather_s),
            ):
                if value / first > allowed:
                    print(f"{name} at {r.assets} assets grew more than linearly", file=sys.stderr)
                    return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
