"""Benchmark: export demo inventories in every format and import them back.

For each size, builds a demo organization with the demo generator, then, for YAML, JSON and
CSV (a ZIP of tables): exports the inventory, imports the export into an empty organization,
and imports the same file into that organization again (nothing changes: the "unchanged"
path). Once per size it also imports a file that changes every asset (the update path) and
checks the round trip: the objects whose exported record differs between the demo
organization and the organization the export was imported into.

Times are reported as ratios against the smallest organization's YAML export measured in the
same run, so results compare across machines; absolute times are shown for information only.
Database queries are counted for each operation: a count that grows with the number of rows
is reported (on SQLite, bulk writes are split into batches of at most 999 parameters).

    PHIWARD_DATA_DIR=$(mktemp -d) .venv/bin/python bench/bench_transfer.py
    .venv/bin/python bench/bench_transfer.py --sizes 500,2000,5000 --repeat 3

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
from typing import TYPE_CHECKING, TypeVar

from harness import fresh_demo, machine, setup_django

if TYPE_CHECKING:
    from phiward.core.models import Organization
    from phiward.inventory.transfer.service import ImportSummary

T = TypeVar("T")
FORMATS = ("yaml", "json", "csv")
UPDATE_FORMAT = "json"  # the update path's cost is in the database code, not the format


@dataclass(frozen=True)
class Measure:
    seconds: float
    queries: int


@dataclass(frozen=True)
class Row:
    assets: int
    rows: int  # zones + vendors + assets + flows: what a file holds
    fmt: str
    size_kb: float
    export: Measure
    into_empty: Measure
    unchanged: Measure


@dataclass(frozen=True)
class SizeRow:
    assets: int
    update_all: Measure  # a JSON file that changes every asset
    update_runs: int
    drift: dict[str, int]  # per table: objects whose record changed in the round trip


def measured(
    fn: Callable[[], T], repeat: int, before: Callable[[], None] = lambda: None
) -> tuple[Measure, T]:
    """Median wall time of ``repeat`` calls (``before`` runs untimed ahead of each), the
    largest number of queries one call made, and the last result."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, result = [], 0, None
    for _ in range(repeat):
        before()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        queries = max(queries, len(captured.captured_queries))
    assert result is not None
    return Measure(statistics.median(times), queries), result


def run(sizes: list[int], repeat: int, seed: int) -> tuple[list[Row], list[SizeRow]]:
    setup_django()

    from phiward.core.models import Organization

    rows, size_rows = [], []
    for size in sizes:
        slug = f"bench-{size}"
        counts = fresh_demo(slug, seed, size).counts
        source = Organization.objects.get(slug=slug)
        target, _ = Organization.objects.get_or_create(slug=f"{slug}-import", name="Import")
        for fmt in FORMATS:
            rows.append(measure_format(source, target, fmt, counts, repeat))
        size_rows.append(measure_updates(source, target, counts, max(1, repeat // 3)))
        _empty(target)
        print(f"measured {size}", file=sys.stderr)
    return rows, size_rows


def measure_format(
    source: Organization, target: Organization, fmt: str, counts: dict[str, int], repeat: int
) -> Row:
    from phiward.inventory.transfer.formats import Format
    from phiward.inventory.transfer.service import export_inventory

    chosen = Format(fmt)
    export_inventory(source, chosen)  # warm-up
    export, payload = measured(lambda: export_inventory(source, chosen), repeat)
    name = f"inventory.{chosen.extension}"
    into_empty, created = measured(
        lambda: _import(target, payload, name), repeat, before=lambda: _empty(target)
    )
    if created.assets.created != counts["assets"]:
        raise SystemExit(f"{fmt}: the import did: {created.describe()}")
    # The target now holds exactly the file: importing it again changes nothing.
    unchanged, same = measured(lambda: _import(target, payload, name), repeat)
    if _changed(same):
        raise SystemExit(f"{fmt}: importing the same file again did: {same.describe()}")
    return Row(
        assets=counts["assets"],
        rows=sum(counts[k] for k in ("zones", "vendors", "assets", "data_flows")),
        fmt=fmt,
        size_kb=len(payload) / 1024,
        export=export,
        into_empty=into_empty,
        unchanged=unchanged,
    )


def measure_updates(
    source: Organization, target: Organization, counts: dict[str, int], repeat: int
) -> SizeRow:
    """The update path (every asset differs from the file), and the round trip's drift."""
    from phiward.inventory.models import Asset
    from phiward.inventory.transfer.document import Table
    from phiward.inventory.transfer.service import export_inventory, inventory_document

    payload = export_inventory(source, UPDATE_FORMAT)
    name = f"inventory.{UPDATE_FORMAT}"
    _import(target, payload, name)
    exported, imported = inventory_document(source), inventory_document(target)
    drift = {}
    for table in Table:
        before = {r.name: r for r in exported.records(table)}
        drift[table.value] = sum(before.get(r.name) != r for r in imported.records(table))

    def edit_every_asset() -> None:
        # A plain column: notes are encrypted and cannot be bulk-written as plaintext.
        Asset.objects.for_org(target).update(owner="edited since the export")

    update_all, summary = measured(
        lambda: _import(target, payload, name), repeat, before=edit_every_asset
    )
    if summary.assets.updated != counts["assets"]:
        raise SystemExit(f"the update import did: {summary.describe()}")
    return SizeRow(counts["assets"], update_all, repeat, drift)


def _import(org: Organization, payload: bytes, name: str) -> ImportSummary:
    from phiward.inventory.transfer.service import import_inventory

    return import_inventory(org, payload, filename=name)


def _changed(summary: ImportSummary) -> int:
    from phiward.inventory.transfer.document import Table

    return sum(c.created + c.updated + c.deleted for c in (summary.counts(t) for t in Table))


def _empty(org: Organization) -> None:
    from phiward.inventory.models import Asset, DataFlow, Vendor, Zone

    # Children first, so each delete is one statement rather than a cascade walk.
    for model in (DataFlow, Asset, Zone, Vendor):
        model.objects.for_org(org).delete()


def table(rows: list[Row]) -> str:
    base = rows[0].export.seconds  # the smallest organization's YAML export
    lines = [
        "| assets | rows | format | file | export | ratio | import into empty | ratio "
        "| re-import, unchanged | ratio |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cells = [f"| {r.assets:,} | {r.rows:,} | {r.fmt.upper()} | {r.size_kb:,.0f} KB"]
        for m in (r.export, r.into_empty, r.unchanged):
            cells.append(f"{_ms(m.seconds)} | {m.seconds / base:.1f}x")
        lines.append(" | ".join(cells) + " |")
    return "\n".join(lines)


def query_table(rows: list[Row]) -> str:
    lines = [
        "| assets | rows | format | export | import into empty | re-import, unchanged |",
        "|---:|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.assets:,} | {r.rows:,} | {r.fmt.upper()} | {r.export.queries} "
            f"| {r.into_empty.queries} | {r.unchanged.queries} |"
        )
    return "\n".join(lines)


def size_table(rows: list[Row], size_rows: list[SizeRow]) -> str:
    base = rows[0].export.seconds
    into_empty = {r.assets: r.into_empty for r in rows if r.fmt == UPDATE_FORMAT}
    lines = [
        f"| assets | import changing every asset ({UPDATE_FORMAT.upper()}) | ratio "
        "| vs. import into empty | queries | records changed by the round trip |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for s in size_rows:
        drift = ", ".join(f"{n:,} {t.replace('_', ' ')}" for t, n in s.drift.items() if n)
        lines.append(
            f"| {s.assets:,} | {_ms(s.update_all.seconds)} | {s.update_all.seconds / base:.1f}x "
            f"| {s.update_all.seconds / into_empty[s.assets].seconds:.1f}x "
            f"| {s.update_all.queries} | {drift or 'none'} |"
        )
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="phiward-bench-") as scratch:
        os.environ.setdefault("PHIWARD_DATA_DIR", scratch)
        rows, size_rows = run(sizes, args.repeat, args.seed)
    print(
        f"{machine()}; median of {args.repeat} runs "
        f"({size_rows[0].update_runs} for the update path); ratios against the YAML export "
        f"of the {rows[0].assets:,}-asset organization of this run.\n"
    )
    print(table(rows))
    print("\nQueries per operation (the most of any run):\n")
    print(query_table(rows))
    print("\nOnce per size: the update path, and the round trip demo organization -> export ->")
    print("import into an empty organization, compared record by record:\n")
    print(size_table(rows, size_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
