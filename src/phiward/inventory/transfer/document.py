"""The inventory document: what an import reads and an export writes, in every format.

Pure values, no Django. A document holds the four tables of an organization's ePHI inventory
(zones, vendors, assets, data flows) as frozen records of plain values; records refer to each
other by name. Readers collect every problem they find into a ``Draft``; ``finish`` adds the
reference checks and either returns the document or raises ``InputProblems`` with all of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from phiward.core.errors import InputProblems, Problem

FORMAT_VERSION = 1
VERSION_KEY = "phiward_inventory"
MAX_INPUT_BYTES = 20 * 1024 * 1024


class Table(StrEnum):
    ZONES = "zones"
    VENDORS = "vendors"
    ASSETS = "assets"
    DATA_FLOWS = "data_flows"


class EndpointKind(StrEnum):
    ASSET = "asset"
    VENDOR = "vendor"


# The allowed values of each choice field, in the order the models declare them.
ZONE_KINDS = (
    "clinical", "medical_device", "business", "guest", "dmz", "management", "server", "cloud",
    "remote", "flat", "other",
)  # fmt: skip
BAA_STATUSES = ("signed", "requested", "none", "expired", "not_required")
ASSET_KINDS = (
    "ehr", "pacs", "practice_management", "scheduling", "e_prescribing", "lab_system", "email",
    "patient_portal", "telehealth", "server", "database", "workstation", "laptop",
    "mobile_device", "medical_device", "network_device", "firewall", "printer", "cloud_service",
    "saas_application", "backup_system", "file_share", "removable_media", "identity_provider",
    "other",
)  # fmt: skip
CRITICALITIES = ("critical", "high", "moderate", "low")
AT_REST_ENCRYPTIONS = ("none", "full_disk", "database_tde", "file_level", "unknown")
LIFECYCLES = ("planned", "active", "maintenance", "retired", "disposed")
PATCHABLE = ("yes", "vendor_only", "no", "unknown")
EPHI_CATEGORIES = (
    "demographics", "identifiers", "clinical_notes", "diagnoses", "medications", "lab_results",
    "imaging", "billing", "scheduling", "device_data", "sensitive",
)  # fmt: skip
TRANSIT_ENCRYPTIONS = ("none", "tls", "vpn", "ssh", "application", "unknown")
TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
FREQUENCIES = ("real_time", "hourly", "daily", "weekly", "monthly", "ad_hoc")


@dataclass(frozen=True)
class Origin:
    """Where a record came from, so a problem with it can name the file, row and field."""

    file: str
    row: int | None = None
    # Finer rows for single fields (YAML knows the line of every key).
    field_rows: tuple[tuple[str, int], ...] = ()
    # How the format spells a field, where it differs (CSV: "from" is "from_name").
    spellings: tuple[tuple[str, str], ...] = ()

    def problem(self, message: str, field: str | None = None) -> Problem:
        if field is None:
            return Problem(message, file=self.file, row=self.row)
        spelled = dict(self.spellings).get(field, field)
        row = dict(self.field_rows).get(spelled, self.row)
        return Problem(message, file=self.file, row=row, field=spelled)


@dataclass(frozen=True)
class Endpoint:
    """One end of a data flow: exactly one asset or one vendor, by name."""

    kind: EndpointKind
    name: str


@dataclass(frozen=True)
class ZoneRecord:
    name: str
    kind: str = "other"
    description: str = ""
    cidrs: str = ""
    internet_exposed: bool = False
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class VendorRecord:
    name: str
    service: str = ""
    handles_ephi: bool = True
    baa_status: str = "none"
    baa_signed_on: dt.date | None = None
    baa_expires_on: dt.date | None = None
    contact: str = ""
    website: str = ""
    remote_access: bool = False
    notes: str = ""
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class AssetRecord:
    name: str
    kind: str
    description: str = ""
    owner: str = ""
    site: str = ""
    zone: str | None = None
    vendor: str | None = None
    ephi_creates: bool = False
    ephi_receives: bool = False
    ephi_maintains: bool = False
    ephi_transmits: bool = False
    record_count: int | None = None
    criticality: str = "moderate"
    encryption_at_rest: str = "unknown"
    encryption_algorithm: str = ""
    os_name: str = ""
    os_version: str = ""
    os_end_of_support: dt.date | None = None
    hostname: str = ""
    ip_address: str | None = None
    mac_address: str = ""
    serial_number: str = ""
    last_seen: dt.datetime | None = None
    lifecycle: str = "active"
    manufacturer: str = ""
    model: str = ""
    mds2_on_file: bool | None = None
    patchable: str = "unknown"
    notes: str = ""
    origin: Origin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FlowRecord:
    name: str
    source: Endpoint
    destination: Endpoint
    ephi_categories: tuple[str, ...] = ()
    protocol: str = ""
    transit_encryption: str = "unknown"
    tls_version: str = ""
    purpose: str = ""
    frequency: str = "real_time"
    notes: str = ""
    origin: Origin | None = field(default=None, compare=False, repr=False)


Record = ZoneRecord | VendorRecord | AssetRecord | FlowRecord

RECORD_TYPES: dict[Table, type[Record]] = {
    Table.ZONES: ZoneRecord,
    Table.VENDORS: VendorRecord,
    Table.ASSETS: AssetRecord,
    Table.DATA_FLOWS: FlowRecord,
}


@dataclass(frozen=True)
class InventoryDocument:
    """A whole inventory, or some of its tables (``tables`` says which the input provided)."""

    zones: tuple[ZoneRecord, ...] = ()
    vendors: tuple[VendorRecord, ...] = ()
    assets: tuple[AssetRecord, ...] = ()
    data_flows: tuple[FlowRecord, ...] = ()
    tables: frozenset[Table] = frozenset(Table)

    def records(self, table: Table) -> tuple[Record, ...]:
        return getattr(self, table.value)  # type: ignore[no-any-return]

    def sorted(self) -> InventoryDocument:
        """The same document with every table in name order, as exports write it."""

        def by_name(records: Iterable[Record]) -> tuple[Record, ...]:
            return tuple(sorted(records, key=lambda record: record.name))

        return InventoryDocument(
            zones=by_name(self.zones),  # type: ignore[arg-type]
            vendors=by_name(self.vendors),  # type: ignore[arg-type]
            assets=by_name(self.assets),  # type: ignore[arg-type]
            data_flows=by_name(self.data_flows),  # type: ignore[arg-type]
            tables=self.tables,
        )


@dataclass(frozen=True)
class ExistingNames:
    """Names already in the organization an input is imported into."""

    zones: frozenset[str] = frozenset()
    vendors: frozenset[str] = frozenset()
    assets: frozenset[str] = frozenset()

    def of(self, table: Table) -> frozenset[str]:
        return getattr(self, table.value, frozenset())


@dataclass(frozen=True)
class Reference:
    """A record naming a zone, vendor or asset (checked once every row has been read)."""

    origin: Origin
    field: str
    table: Table
    name: str


@dataclass
class Draft:
    """What a reader found: the valid records, every name and reference seen, every problem.

    Rows with problems add no record but still add their name and references, so one bad
    field does not hide a dangling reference in the same row or cause false ones elsewhere.
    """

    source: str
    problems: list[Problem] = field(default_factory=list)
    records: dict[Table, list[Record]] = field(default_factory=dict)
    names: dict[Table, set[str]] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)

    def provide(self, table: Table) -> None:
        """Mark ``table`` as present in the input (possibly empty)."""
        self.records.setdefault(table, [])
        self.names.setdefault(table, set())

    def add(
        self,
        table: Table,
        name: str | None,
        record: Record | None,
        origin: Origin,
        references: Iterable[Reference] = (),
    ) -> None:
        """Add one row; ``record`` is None when the row had problems (already reported)."""
        self.provide(table)
        self.references.extend(references)
        if name:
            if name in self.names[table]:
                noun = _NOUNS[table]
                self.problems.append(origin.problem(f"another {noun} has this name", "name"))
                return
            self.names[table].add(name)
        if record is not None:
            self.records[table].append(record)


_NOUNS = {
    Table.ZONES: "zone",
    Table.VENDORS: "vendor",
    Table.ASSETS: "asset",
    Table.DATA_FLOWS: "data flow",
}


def finish(
    draft: Draft, existing: ExistingNames | None = None, *, replace: bool = False
) -> InventoryDocument:
    """Check references and return the document, or raise ``InputProblems`` with everything.

    A zone, vendor or asset named by another record must be in the input, or already in the
    organization (``existing``) and staying there: with ``replace`` the tables the input
    provides lose every object it does not name.
    """
    problems = list(draft.problems)
    known = {
        table: _resolvable(draft, table, existing, replace)
        for table in (Table.ZONES, Table.VENDORS, Table.ASSETS)
    }
    if existing is None:
        where = "the input"
    elif replace:
        where = "the input (replacing keeps only what the input names)"
    else:
        where = "the input or the organization"
    problems.extend(_dangling(draft, known, where))
    if not draft.records and not problems:
        problems.append(Problem("the input holds no inventory tables", file=draft.source))
    if problems:
        raise InputProblems(problems)
    return InventoryDocument(
        zones=tuple(draft.records.get(Table.ZONES, ())),  # type: ignore[arg-type]
        vendors=tuple(draft.records.get(Table.VENDORS, ())),  # type: ignore[arg-type]
        assets=tuple(draft.records.get(Table.ASSETS, ())),  # type: ignore[arg-type]
        data_flows=tuple(draft.records.get(Table.DATA_FLOWS, ())),  # type: ignore[arg-type]
        tables=frozenset(draft.records),
    )


def _resolvable(
    draft: Draft, table: Table, existing: ExistingNames | None, replace: bool
) -> set[str]:
    names = set(draft.names.get(table, ()))
    if existing is not None and not (replace and table in draft.records):
        names |= existing.of(table)
    return names


def _dangling(draft: Draft, known: Mapping[Table, set[str]], where: str) -> list[Problem]:
    return [
        ref.origin.problem(f"no {_NOUNS[ref.table]} with this name in {where}", ref.field)
        for ref in draft.references
        if ref.name not in known[ref.table]
    ]


def check_size(data: bytes, source: str) -> None:
    """Refuse inputs larger than ``MAX_INPUT_BYTES`` before parsing anything."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputProblems([too_large(source)])


def too_large(source: str) -> Problem:
    limit = MAX_INPUT_BYTES // (1024 * 1024)
    return Problem(f"the input is larger than the {limit} MiB limit", file=source)
