"""Benchmark: the breach engine, and the dashboard's deadlines as incidents accumulate.

1. Engine (pure, no database): the documented example fact documents (docs/breach-examples/)
   read and validated (``parse_facts``), then assessed end to end (``assess_document``: reading,
   determination, obligations), many times over; reported per document and as a ratio against
   reading alone, measured in the same run.
2. Deadlines: an organization with N signed breach determinations (each with its obligations)
   and the two things the dashboard asks on every view — the incident-response card's
   obligations (``incident_deadlines``) and the calendar's upcoming deadlines
   (``calendar.registry.upcoming``); time and query counts per size, as ratios against the
   smallest size of the same run.

    PHIWARD_DATA_DIR=$(mktemp -d) .venv/bin/python bench/bench_breach.py
    .venv/bin/python bench/bench_breach.py --documents 2000 --sizes 10,100,500

Without PHIWARD_DATA_DIR a temporary data directory is used and removed afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from harness import machine, setup_django

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "breach-examples"


def examples() -> list[dict[str, Any]]:
    found = []
    for path in sorted(EXAMPLES.iterdir()):
        if path.name.endswith((".out.json", ".out.txt")):
            continue
        if path.suffix == ".yaml":
            found.append(yaml.safe_load(path.read_text()))
        elif path.suffix == ".json":
            found.append(json.loads(path.read_text()))
    return found


def per_call(fn: Callable[[], object], calls: int, repeat: int) -> float:
    """Median over ``repeat`` runs of the time per call, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def bench_engine(documents: int, repeat: int) -> None:
    from phiward.breach import assess_document
    from phiward.breach.facts import parse_facts

    docs = examples()
    cycle = iter(range(10**9))

    def parse() -> object:
        return parse_facts(docs[next(cycle) % len(docs)])

    def assess() -> object:
        return assess_document(docs[next(cycle) % len(docs)])

    parsed = per_call(parse, documents, repeat)
    assessed = per_call(assess, documents, repeat)
    print(f"\n## Engine ({len(docs)} example documents, {documents} calls, median of {repeat})\n")
    print("| step | per document | ratio |")
    print("|---|---:|---:|")
    print(f"| read and validate the facts | {parsed * 1e6:,.0f} µs | 1.0x |")
    print(f"| assess (read, determine, obligations) | {assessed * 1e6:,.0f} µs | "
          f"{assessed / parsed:.1f}x |")  # fmt: skip


def build(org: Any, officer: Any, n: int) -> None:
    from phiward.incidents import services

    today = dt.date.today()
    for i in range(n):
        incident = services.report(
            org,
            services.Report(title=f"Bench incident {i}", category="misdirected_communication"),
            reporter=None,
        )
        discovered = today - dt.timedelta(days=i % 50)
        facts = {
            "entity": {"role": "covered_entity"},
            "dates": {"occurred_on": "unknown", "discovered_on": discovered.isoformat()},
            "phi": {"involved": True, "permitted": False, "types": ["name"]},
            "safe_harbor": {"encryption": {"encrypted": False}},
            "individuals": {"total": 600, "by_state": {"MA": 520, "RI": 80}},
        }
        services.sign_off(services.assess(incident, facts, officer), officer)


def bench_deadlines(sizes: list[int], repeat: int) -> None:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from phiward.calendar.registry import EARLIEST, upcoming
    from phiward.core.models import Membership, Organization
    from phiward.core.permissions import Role
    from phiward.incidents.deadlines import incident_deadlines
    from phiward.incidents.models import Obligation

    rows = []
    for n in sizes:
        org = Organization.objects.create(slug=f"bench-breach-{n}", name=f"Bench {n}")
        officer = User.objects.create_user(username=f"bench-officer-{n}")
        Membership.objects.create(user=officer, organization=org, role=Role.SECURITY_OFFICER)
        build(org, officer, n)
        today = timezone.localdate()
        horizon = today + dt.timedelta(days=800)

        def card(org: Any = org, horizon: dt.date = horizon) -> object:
            return list(incident_deadlines(org, EARLIEST, horizon))

        def calendar(org: Any = org, today: dt.date = today) -> object:
            return upcoming(org, role=Role.SECURITY_OFFICER, today=today, days=60, limit=8)

        with CaptureQueriesContext(connection) as q_card:
            card()
        with CaptureQueriesContext(connection) as q_cal:
            calendar()
        rows.append(
            (
                n,
                Obligation.objects.for_org(org).count(),
                per_call(card, 3, repeat),
                len(q_card),
                per_call(calendar, 3, repeat),
                len(q_cal),
            )
        )
    base_card, base_cal = rows[0][2], rows[0][4]
    print(f"\n## Dashboard deadlines (median of {repeat})\n")
    print("| incidents | obligations | card | ratio | queries | calendar | ratio | queries |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, obligations, t_card, n_card, t_cal, n_cal in rows:
        card_cells = f"{t_card * 1e3:,.1f} ms | {t_card / base_card:.1f}x | {n_card}"
        calendar_cells = f"{t_cal * 1e3:,.1f} ms | {t_cal / base_cal:.1f}x | {n_cal}"
        print(f"| {n:,} | {obligations:,} | {card_cells} | {calendar_cells} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--sizes", default="10,100,500")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cleanup = None
    if not os.environ.get("PHIWARD_DATA_DIR"):
        cleanup = tempfile.TemporaryDirectory()
        os.environ["PHIWARD_DATA_DIR"] = cleanup.name
    print(f"# bench_breach on {machine()}")
    bench_engine(args.documents, args.repeat)
    setup_django()
    bench_deadlines(sizes, args.repeat)
    if cleanup is not None:
        cleanup.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
