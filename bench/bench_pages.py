"""Benchmark: render the busiest web pages for demo organizations of several sizes.

For each size, builds a demo organization with the demo generator, logs the demo security
officer in with Django's test client and renders the dashboard, the asset list (first page,
last page and a search), the data flow list and the ePHI map page. Times are reported as
ratios against the same page of the smallest organization measured in the same run, so
results compare across machines; absolute times are shown for information only. Database
queries are counted per page: a count that grows with the size of the organization is an
N+1 query.

    PHIWARD_DATA_DIR=$(mktemp -d) .venv/bin/python bench/bench_pages.py
    .venv/bin/python bench/bench_pages.py --sizes 500,2000,5000 --repeat 5

Without PHIWARD_DATA_DIR a temporary data directory is used and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass

from harness import enrol_mfa, fresh_demo, machine, setup_django

# (label, URL name, query string); every page takes the organization's slug.
PAGES = (
    ("dashboard", "dashboard", ""),
    ("asset list", "inventory:asset-list", ""),
    ("asset list, last page", "inventory:asset-list", "?page=last"),
    ("asset list, search", "inventory:asset-list", "?q=ws"),
    ("flow list", "inventory:flow-list", ""),
    ("ePHI map", "inventory:map", ""),
)


@dataclass(frozen=True)
class Row:
    assets: int
    flows: int
    page: str
    seconds: float
    queries: int
    size_kb: float


def run(sizes: list[int], repeat: int, seed: int) -> list[Row]:
    setup_django()

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from phiward.demo.clinic import SECURITY

    rows = []
    for size in sizes:
        slug = f"bench-{size}"
        counts = fresh_demo(slug, seed, size).counts
        client = Client(SERVER_NAME="localhost")  # a host ALLOWED_HOSTS accepts by default
        officer = User.objects.get(username=SECURITY)
        enrol_mfa(officer)
        client.force_login(officer)
        for label, url_name, query in PAGES:
            url = reverse(url_name, kwargs={"org": slug}) + query
            client.get(url)  # warm-up: template loading, URL resolving
            times, queries = [], 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
                queries = max(queries, len(captured.captured_queries))
            rows.append(
                Row(counts["assets"], counts["data_flows"], label, statistics.median(times),
                    queries, len(response.content) / 1024)
            )  # fmt: skip
        print(f"measured {size}", file=sys.stderr)
    return rows


def table(rows: list[Row]) -> str:
    base = {r.page: r for r in rows if r.assets == rows[0].assets}
    lines = [
        "| assets | flows | page | time | ratio | queries | HTML |",
        "|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in sorted(rows, key=lambda r: ([p for p, _, _ in PAGES].index(r.page), r.assets)):
        lines.append(
            f"| {r.assets:,} | {r.flows:,} | {r.page} | {r.seconds * 1000:,.0f} ms "
            f"| {r.seconds / base[r.page].seconds:.1f}x | {r.queries} | {r.size_kb:,.0f} KB |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,5000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="phiward-bench-") as scratch:
        os.environ.setdefault("PHIWARD_DATA_DIR", scratch)
        rows = run(sizes, args.repeat, args.seed)
    print(
        f"{machine()}; median of {args.repeat} runs; "
        f"each page's ratio is against the same page of the {rows[0].assets:,}-asset "
        "organization of this run.\n"
    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
