"""Benchmark: `phiward audit verify` on audit logs of 10,000, 100,000 and 1,000,000 entries.

The log is grown in one scratch database from the smallest size to the largest. Entries are a
realistic mix (logins and logouts, failed logins, edits with before/after values, asset,
vendor and data-flow creations with every field, deletions, exports, key use, permission
denials) spread over 40 organizations and 400 users:

- the first 5,000 are written by the ledger's `append_many` (the bulk path imports use);
- most of each size is a bulk copy of those rows, renumbered and re-timed, each hashed with
  the code the ledger and verify use (`leaf_entry(row).leaf_hash()`), inserted with one
  `executemany` per 1,000 rows; the log head (size and frontier) is advanced and a checkpoint
  signed with `write_checkpoint` exactly where `append_many` would sign one;
- the last 1,000 entries of each size go through `append`, the normal write path (one
  transaction per entry, as a web request writes them), whose rate is reported.

So the stored rows, leaf hashes, head and checkpoints are what the ledger itself writes, and
nothing here re-implements hashing; verify checking the ledger's own checkpoints after each
bulk copy, and the head's frontier giving the root verify recomputes, confirm it.

At each size `phiward.audit.store.verify` (what `phiward audit verify` calls) runs in a fresh
Python process, as the CLI would: wall time and the process's CPU time (medians of the runs;
CPU time is steadier on a shared machine, and on SQLite includes the database's work), peak
resident memory (VmHWM, reset after start-up), and ratios against the smallest size measured
in the same run.
Correctness is checked too: every verify must pass (and the stored head's frontier must give
the root verify recomputes); after one stored entry of the largest log is edited with raw SQL,
verify must name that entry; and at the second largest size, after entry 0 is deleted and every
later entry renumbered down by one (so every entry is wrong), verify must name entry 0 without
its memory growing. Both logs are restored afterwards.

    PHIWARD_DATA_DIR=$(mktemp -d) nice .venv/bin/python bench/bench_audit.py
    nice .venv/bin/python bench/bench_audit.py --sizes 10000,100000,1000000 --repeat 3 \
        --repeat-largest 1 --appends 1000

Without PHIWARD_DATA_DIR a temporary data directory is used and removed afterwards (SQLite;
set PHIWARD_DATABASE_URL to measure PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from harness import machine, setup_django

from phiward.core.auditing import AuditAction as A
from phiward.core.auditing import AuditEvent

BATCH = 5000  # rows per INSERT batch when checkpoints are off; rows read per chunk
ORGANIZATIONS = 40
USERS = 400
TAMPER_FRACTION = 0.618  # where in the largest log the edited entry sits
CHILD_FLAG = "--verify-in-this-process"
POOL = 5000  # entries written by append_many whose rows the bulk writer copies
INSERT_COLUMNS = (
    "seq", "timestamp", "organization_id", "actor_id", "actor", "action", "object_type",
    "object_id", "summary", "changes", "source", "leaf_hash",
)  # fmt: skip


# --- the data generator -------------------------------------------------------------------

FIRST = ("maria", "daniel", "priya", "helen", "marcus", "sofia", "james", "aisha", "tom", "lena")
LAST = (
    "alvarez", "okafor", "raman", "cho", "bell", "novak", "reyes", "kim", "osei", "fischer",
    "mendes", "quinn", "haddad", "lund", "park", "adeyemi", "moreau", "santos", "ito", "walsh",
    "berg", "costa", "nair", "brennan", "vogel", "yilmaz", "dubois", "tanaka", "moss", "ferrer",
    "hale", "ortiz", "lindqvist", "abara", "keane", "rossi", "sato", "wolfe", "amato", "price",
)  # fmt: skip
ASSET_KINDS = ("workstation", "server", "laptop", "backup_system", "medical_device", "printer")
SITES = ("Main Street", "Riverside", "Hillcrest", "Lakeview", "Harbor", "Northgate")
VENDORS = ("BlueRidge Managed IT", "Vaultline Backup", "Meditrak EHR", "ClearFax", "Shoreline")
AREAS = ("inventory", "risk", "safeguards", "incidents", "evidence", "audit log")
VERBS = ("change", "delete", "export", "view")


@dataclass(frozen=True)
class _Who:
    id: int
    name: str
    organization_id: int


def _who(rng: random.Random) -> _Who:
    n = rng.randrange(USERS)
    name = f"{FIRST[n % len(FIRST)]}.{LAST[n // len(FIRST) % len(LAST)]}{n // 100 or ''}"
    return _Who(n + 1, name, n % ORGANIZATIONS + 1)


def _uid(rng: random.Random) -> str:
    return "%08x-%04x-4%03x-%04x-%012x" % (  # noqa: UP031 - a uuid4's shape, from the seeded rng
        rng.getrandbits(32),
        rng.getrandbits(16),
        rng.getrandbits(12),
        rng.getrandbits(16) | 0x8000,
        rng.getrandbits(48),
    )


def _asset_fields(rng: random.Random, organization_id: int) -> dict[str, Any]:
    kind = rng.choice(ASSET_KINDS)
    site = rng.choice(SITES)
    number = rng.randrange(1, 400)
    return {
        "criticality": rng.choice(("low", "medium", "high")),
        "encryption_algorithm": "AES-256",
        "encryption_at_rest": rng.choice(("full_disk", "file_level", "none", "unknown")),
        "ephi_creates": rng.random() < 0.3,
        "ephi_maintains": rng.random() < 0.6,
        "ephi_receives": rng.random() < 0.5,
        "ephi_transmits": rng.random() < 0.5,
        "hostname": f"{site[:4].lower()}-{kind[:3]}{number:03d}",
        "ip_address": f"10.{organization_id % 250}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
        "kind": kind,
        "last_seen": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T14:11:00Z",
        "lifecycle": rng.choice(("active", "active", "active", "planned", "retired")),
        "mac_address": ":".join(f"{rng.randrange(256):02x}" for _ in range(6)),
        "manufacturer": rng.choice(("Dell", "HP", "Lenovo", "Vaultline", "Philips")),
        "model": f"M-{rng.randrange(100, 999)}",
        "name": f"{kind.replace('_', ' ').capitalize()} {number:03d} ({site})",
        "organization": organization_id,
        "os_name": rng.choice(("Windows 11", "Ubuntu 22.04", "macOS 14", "Vaultline OS")),
        "owner": f"{rng.choice(FIRST).capitalize()} {rng.choice(LAST).capitalize()}",
        "patchable": rng.choice(("yes", "vendor_only", "no")),
        "serial_number": "".join(
            rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(10)
        ),
        "site": site,
        "uid": _uid(rng),
        "vendor": rng.randrange(1, 600),
        "zone": rng.randrange(1, 300),
    }


def _vendor_fields(rng: random.Random, organization_id: int) -> dict[str, Any]:
    name = rng.choice(VENDORS)
    return {
        "baa_expires_on": f"{rng.randrange(2026, 2029)}-02-24",
        "baa_signed_on": f"{rng.randrange(2021, 2026)}-02-25",
        "baa_status": rng.choice(("signed", "pending", "not_required")),
        "contact": f"account-manager@{name.split()[0].lower()}.example",
        "handles_ephi": rng.random() < 0.7,
        "name": f"{name} {rng.randrange(1, 99)}",
        "organization": organization_id,
        "remote_access": rng.random() < 0.4,
        "service": "IT managed service provider (help desk, servers, network)",
        "uid": _uid(rng),
    }


def _flow_fields(rng: random.Random, organization_id: int) -> dict[str, Any]:
    return {
        "destination_asset": rng.randrange(1, 20_000),
        "ephi_categories": rng.sample(["demographics", "clinical_notes", "billing", "imaging"], 2),
        "frequency": rng.choice(("real_time", "daily", "ad_hoc")),
        "name": f"Flow {rng.randrange(1, 5000)}",
        "organization": organization_id,
        "protocol": rng.choice(("HTTPS", "SFTP", "HL7/MLLP", "SMTP", "DICOM")),
        "purpose": "Results and referrals between sites",
        "source_vendor": rng.randrange(1, 600),
        "transit_encryption": rng.choice(("tls_1_2_plus", "vpn", "none", "unknown")),
        "uid": _uid(rng),
    }


OBJECTS = (
    ("inventory.asset", "asset", _asset_fields),
    ("inventory.vendor", "vendor", _vendor_fields),
    ("inventory.dataflow", "data flow", _flow_fields),
)


def _event(rng: random.Random) -> AuditEvent:
    """One entry as phiward records it; the weights follow a clinic's working day."""
    who = _who(rng)
    own = AuditEvent(A.LOGIN, actor_id=who.id, actor=who.name, source="web")
    account = replace(own, object_type="auth.user", object_id=str(who.id))
    roll = rng.random()
    if roll < 0.22:
        return replace(account, summary=f"{who.name} logged in")
    if roll < 0.36:
        return replace(account, action=A.LOGOUT, summary=f"{who.name} logged out")
    if roll < 0.39:
        return replace(account, action=A.LOGIN_FAILED, summary=f"failed login for {who.name}")
    in_org = replace(own, organization_id=who.organization_id)
    object_type, noun, fields = OBJECTS[0] if roll < 0.80 else rng.choice(OBJECTS)
    record = replace(in_org, object_type=object_type, object_id=str(rng.randrange(1, 200_000)))
    changes: dict[str, Any]
    if roll < 0.64:  # an edit: one to three fields, before and after
        before, after = fields(rng, who.organization_id), fields(rng, who.organization_id)
        names = rng.sample(sorted(before), rng.randrange(1, 4))
        changes = {n: {"before": before[n], "after": after[n]} for n in names}
        if rng.random() < 0.2:
            changes["notes"] = "changed"  # an encrypted field: never its value
        summary = f"{noun} {record.object_id} changed"
        return replace(record, action=A.CHANGE, summary=summary, changes=changes)
    if roll < 0.76:
        changes = {n: {"after": v} for n, v in fields(rng, who.organization_id).items()}
        summary = f"{noun} {record.object_id} created"
        source = rng.choice(("web", "api", "cli"))
        return replace(record, action=A.CREATE, summary=summary, changes=changes, source=source)
    if roll < 0.80:
        changes = {n: {"before": v} for n, v in fields(rng, who.organization_id).items()}
        summary = f"{noun} {record.object_id} deleted"
        return replace(record, action=A.DELETE, summary=summary, changes=changes)
    if roll < 0.86:
        summary = f"denied: {rng.choice(VERBS)} in {rng.choice(AREAS)}"
        source = rng.choice(("web", "api"))
        return replace(in_org, action=A.PERMISSION_DENIED, summary=summary, source=source)
    if roll < 0.92:
        fmt = rng.choice(("json", "yaml", "csv"))
        changes = {"bytes": rng.randrange(10_000, 5_000_000), "format": fmt}
        summary = f"inventory exported as {fmt}"
        return replace(
            in_org, action=A.EXPORT, object_type="inventory", summary=summary, changes=changes
        )
    if roll < 0.95:
        key = f"{rng.getrandbits(64):016x}"
        return AuditEvent(
            A.KEY_USE,
            organization_id=who.organization_id,
            object_type="crypto.datakey",
            object_id=key,
            summary=f"made data key {key}, wrapped with key version 1",
            source="system",
        )
    if roll < 0.97:
        what = rng.choice(("totp activated", "recovery codes generated", "webauthn added"))
        return replace(account, action=A.MFA_CHANGE, summary=f"{who.name}: {what}")
    return AuditEvent(
        A.ADMIN,
        object_type="auth.user",
        object_id=str(who.id),
        summary=f"account {who.name} disabled; 2 session(s) ended",
        source="system",
    )


def events(seed: int, start: int, count: int) -> Iterator[AuditEvent]:
    """``count`` events, the same for the same seed and start position."""
    rng = random.Random(seed * 1_000_003 + start)
    for _ in range(count):
        yield _event(rng)


def log_size() -> int:
    from phiward.audit.store import log_size as stored_size

    return stored_size()


def write_pool(count: int, seed: int) -> list[dict[str, Any]]:
    """Append ``count`` generated events with the ledger's ``append_many`` and return the rows
    it stored: the templates the bulk writer copies."""
    from phiward.audit.ledger import append_many
    from phiward.audit.models import LEAF_COLUMNS, AuditEntry

    written = append_many(list(events(seed, log_size(), count)))
    seqs = [e.seq for e in written]
    rows = AuditEntry.objects.filter(seq__in=seqs).order_by("seq").values(*LEAF_COLUMNS)
    return list(rows.iterator(chunk_size=BATCH))


def fill(target: int, templates: list[dict[str, Any]], seed: int) -> float:
    """Grow the log to ``target`` entries with copies of ``templates``; entries per second.

    A copy keeps every column the ledger stored but ``seq`` and ``timestamp``; its leaf hash
    comes from the same code the ledger and verify use (``leaf_entry(row).leaf_hash()``). The
    rows go in with one ``executemany`` per batch (no ORM per row) ending where the ledger
    signs a checkpoint; there the log head is advanced and the checkpoint signed with
    ``write_checkpoint``, at the size ``append_many`` would have signed it.
    """
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from phiward.audit.ledger import HEAD_PK, checkpoint_every, write_checkpoint
    from phiward.audit.models import AuditEntry, AuditHead, leaf_entry

    every = checkpoint_every()
    rng = random.Random(seed * 1_000_003 + target)
    meta = AuditEntry._meta
    prepared = [  # the stored JSON of each template's changes, as the database takes it
        meta.get_field("changes").get_db_prep_save(t["changes"], connection) for t in templates
    ]
    adapt_time = connection.ops.adapt_datetimefield_value  # what the DateTimeField calls
    # Quoted identifiers of our own table; every value is a parameter.
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in INSERT_COLUMNS)
    holes = ", ".join(["%s"] * len(INSERT_COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({holes})"  # noqa: S608
    started = time.perf_counter()
    size = first = log_size()
    while size < target:
        with transaction.atomic():
            head = AuditHead.objects.select_for_update().get(pk=HEAD_PK)
            tree = head.tree()
            end = min(target, tree.size + BATCH)
            if every > 0:
                end = min(end, head.last_checkpoint_size + every)
            now = timezone.now()
            params = []
            for seq in range(tree.size, end):
                pick = rng.randrange(len(templates))
                row = {**templates[pick], "seq": seq}
                row["timestamp"] = now + dt.timedelta(microseconds=seq - tree.size)
                leaf = leaf_entry(row).leaf_hash()
                tree.append(leaf)
                row["timestamp"] = adapt_time(row["timestamp"])
                row["changes"], row["leaf_hash"] = prepared[pick], leaf.hex()
                params.append(tuple(row[c] for c in INSERT_COLUMNS))
            with connection.cursor() as cursor:
                cursor.executemany(sql, params)
            head.set_tree(tree)
            head.save(update_fields=["size", "frontier"])
            if every > 0 and tree.size - head.last_checkpoint_size >= every:
                write_checkpoint()
        size = tree.size
    elapsed = time.perf_counter() - started
    return (size - first) / elapsed if elapsed else 0.0


def append_one_by_one(count: int, seed: int) -> float:
    """Append ``count`` entries through the normal write path; entries per second."""
    from phiward.audit.ledger import append

    batch = list(events(seed, log_size(), count))
    start = time.perf_counter()
    for event in batch:  # each its own transaction, as a request's write is
        append(
            action=event.action,
            organization_id=event.organization_id,
            actor_id=event.actor_id,
            actor=event.actor,
            object_type=event.object_type,
            object_id=event.object_id,
            summary=event.summary,
            changes=event.changes,
            source=event.source,
        )
    return count / (time.perf_counter() - start)


# --- verify, measured in a fresh process -----------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def verify_here(repeat: int) -> dict[str, Any]:
    """Run in the child: time ``store.verify`` and report its peak memory."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phiward.config.settings")
    django.setup()
    from phiward.audit import store

    store.log_size()  # connect, and import what verify imports, before measuring memory
    start_rss = _status_kib("VmRSS")
    reset = _reset_peak()
    times, cpu, verdict = [], [], None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        verdict = store.verify()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    assert verdict is not None
    from phiward.audit.ledger import HEAD_PK
    from phiward.audit.models import AuditHead

    head = AuditHead.objects.get(pk=HEAD_PK).tree()
    return {
        "head_matches": head.size == verdict.tree_size and head.root() == verdict.root,
        "seconds": times,
        "cpu_seconds": cpu,
        "start_kib": start_rss,
        "peak_kib": _status_kib("VmHWM"),
        "peak_is_verify": reset,
        "ok": verdict.ok,
        "tree_size": verdict.tree_size,
        "problems": [p.message for p in verdict.problems[:5]],
        "problem_count": verdict.problem_count,
    }


@dataclass(frozen=True)
class Verified:
    size: int
    seconds: float  # median wall time
    cpu_seconds: float  # median CPU time of the verifying process (user + system)
    start_mib: float
    peak_mib: float
    ok: bool
    head_matches: bool  # the stored head's frontier gives the root verify recomputed
    problems: list[str]  # the first few
    problem_count: int


def verify_in_child(repeat: int) -> Verified:
    script = os.path.abspath(__file__)
    done = subprocess.run(
        [sys.executable, script, CHILD_FLAG, "--repeat", str(repeat)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if not report["peak_is_verify"]:
        print("note: VmHWM could not be reset; peak includes start-up", file=sys.stderr)
    return Verified(
        size=report["tree_size"],
        seconds=statistics.median(report["seconds"]),
        cpu_seconds=statistics.median(report["cpu_seconds"]),
        start_mib=report["start_kib"] / 1024,
        peak_mib=report["peak_kib"] / 1024,
        ok=report["ok"],
        head_matches=report["head_matches"],
        problems=report["problems"],
        problem_count=report["problem_count"],
    )


# --- the run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    size: int
    fill_rate: float  # entries/s through append_many batches
    append_rate: float  # entries/s through append, one transaction each
    verified: Verified


@dataclass(frozen=True)
class Tamper:
    label: str  # what was done to the log
    size: int
    verified: Verified


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    tampered: list[Tamper]
    pool: int
    pool_rate: float  # entries/s through append_many


def run(
    sizes: list[int], repeat: int, repeat_largest: int, appends: int, renumber_at: int, seed: int
) -> Report:
    setup_django()
    pool = min(POOL, sizes[0] // 2)
    if log_size() + pool + appends > sizes[0]:
        raise SystemExit(
            f"the log holds {log_size():,} entries: {sizes[0]:,} is too small to start from "
            f"(use an empty data directory, or fewer --appends)"
        )
    started = time.perf_counter()
    templates = write_pool(pool, seed)
    pool_rate = pool / (time.perf_counter() - started)
    rows, tampered = [], []
    for size in sizes:
        started = time.perf_counter()
        fill_rate = fill(size - appends, templates, seed)
        append_rate = append_one_by_one(appends, seed)
        print(f"{size:,} entries written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        verified = verify_in_child(repeat if size < sizes[-1] else repeat_largest)
        if not verified.ok or verified.size != size or not verified.head_matches:
            raise SystemExit(f"verify failed on an untouched log of {size}: {verified.problems}")
        print(f"{size:,} verified in {verified.seconds:.1f} s", file=sys.stderr)
        rows.append(Row(size, fill_rate, append_rate, verified))
        if size == renumber_at:
            tampered.append(renumber(size))
    tampered.append(tamper(sizes[-1]))
    return Report(rows, tampered, pool, pool_rate)


def tamper(size: int) -> Tamper:
    """Edit one entry's summary with raw SQL; verify must name it. Restored afterwards."""
    from django.db import connection

    from phiward.audit.models import AuditEntry

    seq = int(size * TAMPER_FRACTION)
    original = AuditEntry.objects.values_list("summary", flat=True).get(seq=seq)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = %s WHERE seq = %s", ["edited", seq])
    try:
        verified = verify_in_child(1)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditentry SET summary = %s WHERE seq = %s", [original, seq]
            )
    expected = f"entry {seq} was changed"
    named = (
        not verified.ok and bool(verified.problems) and verified.problems[0].startswith(expected)
    )
    if not named:
        raise SystemExit(f"verify did not name entry {seq}: {verified.problems}")
    return Tamper(f"{size:,}, entry {seq:,} edited", size, verified)


def renumber(size: int) -> Tamper:
    """Delete entry 0 and renumber every later entry down by one, as someone hiding an entry
    would: now every entry is wrong. Verify must name entry 0, and its memory must not grow
    with the number of wrong entries. Restored afterwards (same row id, same columns)."""
    from django.db import transaction
    from django.db.models import F

    from phiward.audit.models import AuditEntry

    rows = AuditEntry.objects
    first = rows.get(seq=0)
    with transaction.atomic():  # in two steps, so no step repeats a sequence number
        rows.filter(pk=first.pk).delete()  # (Model.delete would forget the id)
        rows.filter(seq__gt=0).update(seq=-F("seq"))
        rows.filter(seq__lt=0).update(seq=-F("seq") - 1)
    try:
        verified = verify_in_child(1)
    finally:
        with transaction.atomic():
            rows.update(seq=-F("seq") - 1)
            rows.update(seq=-F("seq"))
            rows.bulk_create([first])
    expected = "entry 0 deleted and later entries renumbered"
    named = not verified.ok and verified.problems[0].startswith(expected)
    if not named or verified.problem_count < size - 1:
        raise SystemExit(f"verify did not name the renumbering: {verified.problems}")
    return Tamper(f"{size:,}, entry 0 deleted, later ones renumbered", size, verified)


def verify_table(rows: list[Row], tampered: list[Tamper]) -> str:
    base = rows[0].verified
    lines = [
        "| entries | verify | ratio | CPU | ratio | CPU per entry | peak RSS | ratio "
        "| RSS growth during verify |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    cases = [(f"{r.size:,}", r.size, r.verified) for r in rows]
    cases.extend((t.label, t.size, t.verified) for t in tampered)
    for label, size, v in cases:
        lines.append(
            f"| {label} | {_seconds(v.seconds)} | {v.seconds / base.seconds:.1f}x "
            f"| {_seconds(v.cpu_seconds)} | {v.cpu_seconds / base.cpu_seconds:.1f}x "
            f"| {v.cpu_seconds / size * 1e6:.0f} µs | {v.peak_mib:,.0f} MiB "
            f"| {v.peak_mib / base.peak_mib:.2f}x | {v.peak_mib - v.start_mib:,.1f} MiB |"
        )
    return "\n".join(lines)


def write_table(rows: list[Row]) -> str:
    base = rows[0]
    lines = [
        "| log size | append, one per transaction | ratio | bulk fill (the generator) |",
        "|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.size:,} | {r.append_rate:,.0f} entries/s "
            f"| {r.append_rate / base.append_rate:.2f}x | {r.fill_rate:,.0f} entries/s |"
        )
    return "\n".join(lines)


def _seconds(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3, help="verify runs per size")
    parser.add_argument(
        "--repeat-largest", type=int, default=1, help="verify runs at the largest size"
    )
    parser.add_argument("--appends", type=int, default=1000, help="entries appended one by one")
    parser.add_argument(
        "--renumber-at",
        type=int,
        default=None,
        help="size at which every entry is made wrong (default: the second largest; 0: never)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(CHILD_FLAG, action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if getattr(args, CHILD_FLAG.strip("-").replace("-", "_")):
        print(json.dumps(verify_here(args.repeat)))
        return 0
    sizes = sorted(int(s) for s in args.sizes.split(","))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="phiward-bench-") as scratch:
        os.environ.setdefault("PHIWARD_DATA_DIR", scratch)
        renumber_at = sizes[-2] if len(sizes) > 1 else sizes[0]
        if args.renumber_at is not None:
            renumber_at = args.renumber_at
        report = run(sizes, args.repeat, args.repeat_largest, args.appends, renumber_at, args.seed)
    rows, tampered = report.rows, report.tampered
    print(
        f"{machine()}; verify: median of {args.repeat} runs ({args.repeat_largest} at "
        f"{sizes[-1]:,}), each size in a fresh process; "
        f"ratios against the {rows[0].size:,}-entry log of this run; the last "
        f"{args.appends:,} entries of each size appended one per transaction; total "
        f"{time.perf_counter() - started:.0f} s.\n"
    )
    print(verify_table(rows, tampered))
    print()
    for t in tampered:
        print(
            f'{t.label}: verify said "{t.verified.problems[0]}" '
            f"({t.verified.problem_count:,} problems in all)."
        )
    print()
    print(write_table(rows))
    print(
        f"\nappend_many (the first {report.pool:,} entries, one call): "
        f"{report.pool_rate:,.0f} entries/s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
