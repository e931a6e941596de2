"""Export an organization's inventory, and import one into it, all or nothing.

The Django side of inventory transfer. An import reads and checks the whole input first
(``formats.parse``, no database writes), then runs the models' field validation on every new
or changed object, and only when nothing is wrong applies the changes in one transaction:
objects are matched by name and created or updated with bulk queries; with ``replace`` the
objects of the tables the input provides that it does not name are deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from phiward.audit.tracking import record_created, record_updated, snapshot
from phiward.core import auditing
from phiward.core.auditing import AuditAction, AuditEvent
from phiward.core.errors import InputProblems, InvalidInput, Problem
from phiward.core.models import Organization
from phiward.crypto.fields import bulk_update
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from phiward.inventory.transfer import csv_format, formats
from phiward.inventory.transfer.document import (
    AssetRecord,
    Draft,
    Endpoint,
    EndpointKind,
    ExistingNames,
    FlowRecord,
    InventoryDocument,
    Origin,
    Record,
    Table,
    VendorRecord,
    ZoneRecord,
    finish,
)
from phiward.inventory.transfer.fields import COLUMNS, Kind
from phiward.inventory.transfer.formats import Format
from phiward.risk.changes import flag_bulk_updates

InventoryModel = Zone | Vendor | Asset | DataFlow
MODELS: dict[Table, type[Zone] | type[Vendor] | type[Asset] | type[DataFlow]] = {
    Table.ZONES: Zone,
    Table.VENDORS: Vendor,
    Table.ASSETS: Asset,
    Table.DATA_FLOWS: DataFlow,
}
_FOREIGN_KEYS: dict[Table, tuple[str, ...]] = {
    Table.ZONES: (),
    Table.VENDORS: (),
    Table.ASSETS: ("zone", "vendor"),
    Table.DATA_FLOWS: ("source_asset", "source_vendor", "destination_asset", "destination_vendor"),
}
# Delete dependents first; the order of Table is the order to create in.
_DELETE_ORDER = (Table.DATA_FLOWS, Table.ASSETS, Table.VENDORS, Table.ZONES)
_FIELD_IN_FILE = {
    "source_asset": "from",
    "source_vendor": "from",
    "destination_asset": "to",
    "destination_vendor": "to",
}


@dataclass(frozen=True)
class TableCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (or, in a dry run, would have done) to each table."""

    zones: TableCounts = TableCounts()
    vendors: TableCounts = TableCounts()
    assets: TableCounts = TableCounts()
    data_flows: TableCounts = TableCounts()
    replace: bool = False
    dry_run: bool = False

    def counts(self, table: Table) -> TableCounts:
        return getattr(self, table.value)  # type: ignore[no-any-return]

    def as_dict(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "replace": self.replace,
            "tables": {table.value: vars(self.counts(table)) for table in Table},
        }

    def describe(self) -> str:
        """One line: ``zones 2 created, 1 updated, 0 unchanged, 0 deleted; vendors ...``."""
        parts = []
        for table in Table:
            c = self.counts(table)
            parts.append(
                f"{table.value.replace('_', ' ')} {c.created} created, {c.updated} updated, "
                f"{c.unchanged} unchanged, {c.deleted} deleted"
            )
        prefix = "dry run, nothing saved: " if self.dry_run else ""
        return prefix + "; ".join(parts)


# -- export ----------------------------------------------------------------------------------


def inventory_document(organization: Organization) -> InventoryDocument:
    """The organization's whole inventory as a document (four queries)."""
    return _Current.load(organization).document()


def export_inventory(organization: Organization, fmt: Format | str) -> bytes:
    """The organization's inventory in ``fmt``; the same inventory always gives the same bytes.

    Every export is audit-logged (web, API and CLI all come through here)."""
    chosen = _format(fmt)
    content = formats.write(inventory_document(organization), chosen)
    auditing.record(
        AuditEvent(
            action=AuditAction.EXPORT,
            organization_id=organization.pk,
            object_type="inventory",
            summary=f"inventory exported as {chosen.value}",
            changes={"format": chosen.value, "bytes": len(content)},
        )
    )
    return content


def _format(fmt: Format | str) -> Format:
    try:
        return Format(fmt)
    except ValueError:
        allowed = ", ".join(Format)
        raise InvalidInput(f"unknown format; allowed: {allowed}") from None


# -- import ----------------------------------------------------------------------------------


def import_inventory(
    organization: Organization,
    payload: bytes,
    *,
    filename: str,
    fmt: Format | str | None = None,
    replace: bool = False,
    dry_run: bool = False,
    on_step: StepCallback | None = None,
) -> ImportSummary:
    """Import ``payload`` (the content of a file named ``filename``) into the organization.

    Raises ``InputProblems`` with every problem found, in which case nothing was written.
    The format comes from the file name's extension unless ``fmt`` names it. ``on_step`` is
    told as each of the ``IMPORT_STEPS`` finishes (the CLI draws its progress bar with it).
    """
    source = PurePath(filename).name or filename
    chosen = _format(fmt) if fmt else formats.detect(source)
    return _import(
        organization,
        lambda: formats.read(payload, source=source, fmt=chosen),
        replace=replace,
        dry_run=dry_run,
        on_step=on_step,
    )


def import_directory(
    organization: Organization,
    path: Path,
    *,
    replace: bool = False,
    dry_run: bool = False,
    on_step: StepCallback | None = None,
) -> ImportSummary:
    """Import a directory of CSV tables (``zones.csv``, ``assets.csv``, ...)."""
    return _import(
        organization,
        lambda: csv_format.read_directory(path),
        replace=replace,
        dry_run=dry_run,
        on_step=on_step,
    )


StepCallback = Callable[[str], None]
IMPORT_STEPS = ("read", "check", "write")


def _import(
    organization: Organization,
    read: Callable[[], Draft],
    *,
    replace: bool,
    dry_run: bool,
    on_step: StepCallback | None = None,
) -> ImportSummary:
    step = on_step or (lambda _name: None)
    # Parse and check outside the transaction: a large file does not hold the write lock.
    existing = _Current.load(organization).names()
    document = finish(read(), existing, replace=replace)
    step("read")
    try:
        with transaction.atomic():
            current = _Current.load(organization)
            plan = _Plan(organization, current, document, replace)
            plan.check()
            step("check")
            summary = plan.apply(dry_run=dry_run)
            step("write")
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError:
        raise InvalidInput(
            "the inventory changed while the import ran; nothing was imported, try again"
        ) from None
    return summary


@dataclass
class _Current:
    """The organization's inventory as it is now, by name."""

    organization: Organization
    zones: dict[str, Zone]
    vendors: dict[str, Vendor]
    assets: dict[str, Asset]
    flows: dict[str, DataFlow]

    @classmethod
    def load(cls, organization: Organization) -> _Current:
        return cls(
            organization,
            {z.name: z for z in Zone.objects.for_org(organization).order_by()},
            {v.name: v for v in Vendor.objects.for_org(organization).order_by()},
            {a.name: a for a in Asset.objects.for_org(organization).order_by()},
            {f.name: f for f in DataFlow.objects.for_org(organization).order_by()},
        )

    def by_table(self, table: Table) -> Mapping[str, InventoryModel]:
        tables: dict[Table, Mapping[str, InventoryModel]] = {
            Table.ZONES: self.zones,
            Table.VENDORS: self.vendors,
            Table.ASSETS: self.assets,
            Table.DATA_FLOWS: self.flows,
        }
        return tables[table]

    def names(self) -> ExistingNames:
        return ExistingNames(frozenset(self.zones), frozenset(self.vendors), frozenset(self.assets))

    def document(self) -> InventoryDocument:
        zone_names = {z.pk: name for name, z in self.zones.items()}
        vendor_names = {v.pk: name for name, v in self.vendors.items()}
        asset_names = {a.pk: name for name, a in self.assets.items()}
        return InventoryDocument(
            zones=tuple(zone_record(z) for z in self.zones.values()),
            vendors=tuple(vendor_record(v) for v in self.vendors.values()),
            assets=tuple(asset_record(a, zone_names, vendor_names) for a in self.assets.values()),
            data_flows=tuple(
                flow_record(f, asset_names, vendor_names) for f in self.flows.values()
            ),
        ).sorted()


def _plain(obj: models.Model, table: Table) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in COLUMNS[table]:
        if column.kind in (Kind.REFERENCE, Kind.ENDPOINT):
            continue
        value = getattr(obj, column.attr)
        if column.kind == Kind.CATEGORIES:
            value = tuple(value or ())
        elif column.kind == Kind.DATETIME and value is not None:
            value = value.astimezone(dt.UTC)
        values[column.attr] = value
    return values


def zone_record(zone: Zone) -> ZoneRecord:
    return ZoneRecord(**_plain(zone, Table.ZONES))


def vendor_record(vendor: Vendor) -> VendorRecord:
    return VendorRecord(**_plain(vendor, Table.VENDORS))


def asset_record(
    asset: Asset, zone_names: Mapping[int, str], vendor_names: Mapping[int, str]
) -> AssetRecord:
    return AssetRecord(
        **_plain(asset, Table.ASSETS),
        zone=zone_names.get(asset.zone_id) if asset.zone_id else None,
        vendor=vendor_names.get(asset.vendor_id) if asset.vendor_id else None,
    )


def flow_record(
    flow: DataFlow, asset_names: Mapping[int, str], vendor_names: Mapping[int, str]
) -> FlowRecord:
    def end(asset_id: int | None, vendor_id: int | None) -> Endpoint:
        if asset_id is not None:
            return Endpoint(EndpointKind.ASSET, asset_names[asset_id])
        assert vendor_id is not None  # the database allows exactly one of the two
        return Endpoint(EndpointKind.VENDOR, vendor_names[vendor_id])

    return FlowRecord(
        **_plain(flow, Table.DATA_FLOWS),
        source=end(flow.source_asset_id, flow.source_vendor_id),
        destination=end(flow.destination_asset_id, flow.destination_vendor_id),
    )


@dataclass
class _Changes:
    create: list[tuple[Record, Any]] = field(default_factory=list)
    update: list[tuple[Record, Any]] = field(default_factory=list)
    unchanged: int = 0
    # For each updated object (by position in ``update``), the model fields that change.
    changed_fields: list[frozenset[str]] = field(default_factory=list)

    def update_groups(self) -> dict[frozenset[str], list[Any]]:
        """Updated objects grouped by the fields they change: one narrow bulk update each."""
        groups: dict[frozenset[str], list[Any]] = {}
        for (_, obj), fields in zip(self.update, self.changed_fields, strict=True):
            groups.setdefault(fields, []).append(obj)
        return groups


def _changed_fields(table: Table, old: Record, new: Record) -> frozenset[str]:
    """The model fields to write when ``old`` becomes ``new`` (a reference is its FK fields)."""
    changed: set[str] = set()
    for column in COLUMNS[table]:
        if getattr(old, column.attr) == getattr(new, column.attr):
            continue
        if column.kind == Kind.ENDPOINT:
            changed |= {f"{column.attr}_asset", f"{column.attr}_vendor"}
        else:
            changed.add(column.attr)
    return frozenset(changed)


class _Plan:
    """The objects an import creates, changes and deletes, built before anything is written."""

    def __init__(
        self,
        organization: Organization,
        current: _Current,
        document: InventoryDocument,
        replace: bool,
    ) -> None:
        self.organization = organization
        self.current = current
        self.document = document
        self.replace = replace
        self.problems: list[Problem] = []
        self.now = timezone.now()
        zone_names = {z.pk: name for name, z in current.zones.items()}
        vendor_names = {v.pk: name for name, v in current.vendors.items()}
        asset_names = {a.pk: name for name, a in current.assets.items()}
        self.zones: dict[str, Zone] = dict(current.zones)
        self.vendors: dict[str, Vendor] = dict(current.vendors)
        self.assets: dict[str, Asset] = dict(current.assets)
        self.changes = {
            Table.ZONES: self._diff(Table.ZONES, document.zones, zone_record, self.zones),
            Table.VENDORS: self._diff(Table.VENDORS, document.vendors, vendor_record, self.vendors),
            Table.ASSETS: self._diff(
                Table.ASSETS,
                document.assets,
                lambda a: asset_record(a, zone_names, vendor_names),
                self.assets,
            ),
            Table.DATA_FLOWS: self._diff(
                Table.DATA_FLOWS,
                document.data_flows,
                lambda f: flow_record(f, asset_names, vendor_names),
                dict(current.flows),
            ),
        }

    def _diff(
        self,
        table: Table,
        records: Iterable[Record],
        as_record: Callable[[Any], Record],
        objects: dict[str, Any],
    ) -> _Changes:
        changes = _Changes()
        model = MODELS[table]
        for record in records:
            obj = objects.get(record.name)
            old = as_record(obj) if obj is not None else None
            if old == record:
                changes.unchanged += 1
                continue
            if obj is None or old is None:
                obj = model(organization=self.organization)
                objects[record.name] = obj
                changes.create.append((record, obj))
            else:
                obj.updated_at = self.now
                changes.update.append((record, obj))
                changes.changed_fields.append(_changed_fields(table, old, record))
            self._assign(table, obj, record)
        return changes

    def _assign(self, table: Table, obj: Any, record: Record) -> None:
        for column in COLUMNS[table]:
            if column.kind in (Kind.REFERENCE, Kind.ENDPOINT):
                continue
            value = getattr(record, column.attr)
            setattr(obj, column.attr, list(value) if isinstance(value, tuple) else value)
        if isinstance(record, AssetRecord):
            obj.zone = self._lookup(self.zones, record.zone, record, "zone")
            obj.vendor = self._lookup(self.vendors, record.vendor, record, "vendor")
        elif isinstance(record, FlowRecord):
            for prefix, end, name in (
                ("source", record.source, "from"),
                ("destination", record.destination, "to"),
            ):
                is_asset = end.kind == EndpointKind.ASSET
                asset = self._lookup(self.assets, end.name, record, name) if is_asset else None
                vendor = None if is_asset else self._lookup(self.vendors, end.name, record, name)
                setattr(obj, f"{prefix}_asset", asset)
                setattr(obj, f"{prefix}_vendor", vendor)

    def _lookup(
        self, objects: Mapping[str, Any], name: str | None, record: Record, field_name: str
    ) -> Any:
        if name is None:
            return None
        found = objects.get(name)
        if found is None:  # deleted by someone else since the input was checked
            origin = record.origin or Origin("input")
            self.problems.append(origin.problem("no object with this name any more", field_name))
        return found

    def check(self) -> None:
        """The models' own field validation on every new or changed object."""
        for table, changes in self.changes.items():
            exclude = [*_FOREIGN_KEYS[table], "organization"]
            for record, obj in (*changes.create, *changes.update):
                try:
                    obj.clean_fields(exclude=exclude)
                except ValidationError as error:
                    origin = record.origin or Origin("input")
                    for model_field, messages in error.message_dict.items():
                        name = _FIELD_IN_FILE.get(model_field, model_field)
                        self.problems.extend(origin.problem(m, name) for m in messages)
        if self.problems:
            raise InputProblems(self.problems)

    def apply(self, *, dry_run: bool) -> ImportSummary:
        """Write the plan: create and update table by table, then delete (with ``replace``).

        Deleting last matters: a flow the input moves away from a vendor that is being
        deleted already points at its new endpoint when the vendor goes, so the cascade
        does not take it along.
        """
        for table, changes in self.changes.items():
            model = MODELS[table]
            created = [obj for _, obj in changes.create]
            model.objects.bulk_create(created, batch_size=500)
            record_created(created)  # bulk writes send no signals: one audit entry per object
            updated = [obj for _, obj in changes.update]
            before = snapshot(model, [obj.pk for obj in updated])
            # Only the fields that change: bulk_update's cost grows with rows x fields.
            for fields, objects in changes.update_groups().items():
                bulk_update(model, objects, [*sorted(fields), "updated_at"], batch_size=500)
            record_updated(updated, before)
            # ... nor do they reach the risk register's change tracking: flag affected risks.
            flag_bulk_updates(updated, before)
        deleted = self._delete() if self.replace else {}
        counts = {
            table: TableCounts(
                created=len(changes.create),
                updated=len(changes.update),
                unchanged=changes.unchanged,
                deleted=deleted.get(table, 0),
            )
            for table, changes in self.changes.items()
        }
        return ImportSummary(
            zones=counts[Table.ZONES],
            vendors=counts[Table.VENDORS],
            assets=counts[Table.ASSETS],
            data_flows=counts[Table.DATA_FLOWS],
            replace=self.replace,
            dry_run=dry_run,
        )

    def _delete(self) -> dict[Table, int]:
        """Delete what the provided tables do not name; cascaded flows count as deleted."""
        labels = {model._meta.label: table for table, model in MODELS.items()}
        deleted: dict[Table, int] = {}
        for table in _DELETE_ORDER:
            if table not in self.document.tables:
                continue
            keep = {record.name for record in self.document.records(table)}
            current = self.current.by_table(table)
            doomed = [obj.pk for name, obj in current.items() if name not in keep]
            if not doomed:
                continue
            _, per_model = MODELS[table].objects.filter(pk__in=doomed).delete()
            for label, count in per_model.items():
                if label in labels:
                    deleted[labels[label]] = deleted.get(labels[label], 0) + count
        return deleted
