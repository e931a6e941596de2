"""Writing a demo organization to the database: idempotent, or rebuilt in one transaction.

The clinic (not the ``--size`` networks) also gets its security program: a risk analysis,
safeguard statuses and evidence (``phiward.demo.program``), built with the organization.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone

from phiward.audit.tracking import suspended
from phiward.console import progress
from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.errors import InvalidInput
from phiward.core.governance import appoint_officer
from phiward.core.models import (
    Membership,
    OfficerKind,
    Organization,
    ResponsibilityAssignment,
)
from phiward.core.permissions import Role
from phiward.demo.clinic import PEOPLE, riverside
from phiward.demo.credentials import demo_password
from phiward.demo.network import riverside_network
from phiward.demo.program import build_program, program_counts
from phiward.demo.spec import AssetSpec, ClinicSpec, Ref
from phiward.evidence import storage
from phiward.evidence.models import EvidenceItem, EvidenceKind
from phiward.evidence.storage import Location
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from phiward.risk.models import Risk

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

DEFAULT_SLUG = "riverside"
DEFAULT_SEED = 7
ADMIN_USERNAME = "admin"
BATCH = 1000


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: Role
    title: str


@dataclass(frozen=True)
class DemoResult:
    slug: str
    name: str
    created: bool
    accounts: tuple[DemoAccount, ...]
    password: str
    credentials_file: Path | None
    counts: dict[str, int]
    admin_is_owner: bool


def default_slug(size: int | None) -> str:
    return DEFAULT_SLUG if size is None else f"{DEFAULT_SLUG}-{size}"


def demo_clock(today: dt.date | None = None) -> dt.datetime:
    """Midnight UTC today: the demo is identical for the same seed all day long."""
    day = today or timezone.now().date()
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def build_spec(seed: int, size: int | None, now: dt.datetime) -> ClinicSpec:
    return riverside(seed, now) if size is None else riverside_network(seed, now, size)


def load_demo(
    *,
    slug: str = DEFAULT_SLUG,
    seed: int = DEFAULT_SEED,
    size: int | None = None,
    reset: bool = False,
    now: dt.datetime | None = None,
    program: bool = True,
) -> DemoResult:
    """Load the demo organization ``slug`` unless it exists; ``reset`` deletes and rebuilds it.

    The clinic comes with its security program (``phiward.demo.program``) unless ``program``
    is false (an inventory alone); the ``size`` networks never have one."""
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise InvalidInput(f"'{slug}' is not a valid slug (letters, digits, - and _)") from exc
    password, credentials_file = demo_password(Path(settings.DATA_DIR))
    with transaction.atomic():
        organization = Organization.objects.filter(slug=slug).first()
        if organization is not None and not organization.is_demo:
            raise InvalidInput(
                f"organization '{slug}' exists and is not a demo organization; "
                "choose another --slug"
            )
        created = organization is None or reset
        # Demo data is audited as one summary entry per rebuild, not one per generated row.
        if organization is not None and reset:
            with suspended():
                _delete(organization)
        if created:
            spec = build_spec(seed, size, now or demo_clock())
            with suspended():
                organization = _write(spec, slug, password)
            record(
                AuditEvent(
                    action=AuditAction.CREATE,
                    organization_id=organization.pk,
                    object_type="demo.organization",
                    object_id=str(organization.pk),
                    summary=f"demo organization {'rebuilt' if reset else 'loaded'} (seed {seed})",
                    changes={"counts": inventory_counts(organization)},
                )
            )
            if program and size is None:
                # The clinic's risk analysis, safeguards and evidence, written through the
                # domain services: each write is on the audit log (not for benchmark networks).
                build_program(organization, seed=seed)
        assert organization is not None
        admin_is_owner = _admin_as_owner(organization)
    return DemoResult(
        slug=organization.slug,
        name=organization.name,
        created=created,
        accounts=tuple(DemoAccount(p.username, p.full_name, Role(p.role), p.title) for p in PEOPLE),
        password=password,
        credentials_file=credentials_file,
        counts=counts(organization),
        admin_is_owner=admin_is_owner,
    )


def counts(organization: Organization) -> dict[str, int]:
    return {**inventory_counts(organization), **program_counts(organization)}


def inventory_counts(organization: Organization) -> dict[str, int]:
    return {
        "zones": Zone.objects.for_org(organization).count(),
        "vendors": Vendor.objects.for_org(organization).count(),
        "assets": Asset.objects.for_org(organization).count(),
        "data_flows": DataFlow.objects.for_org(organization).count(),
        "members": Membership.objects.filter(organization=organization).count(),
    }


def _delete(organization: Organization) -> None:
    # Risks before the inventory, so deleting assets flags no risk for re-assessment; then
    # children first, so each delete is one statement rather than a cascade walk. Evidence
    # files are erased once the deletion commits (a rolled-back reset keeps them).
    files = [
        Location(organization.pk, str(uid))
        for uid in EvidenceItem.objects.for_org(organization)
        .filter(kind=EvidenceKind.FILE)
        .values_list("uid", flat=True)
    ]
    transaction.on_commit(lambda: _erase(files))
    Risk.objects.for_org(organization).delete()
    DataFlow.objects.for_org(organization).delete()
    Asset.objects.for_org(organization).delete()
    Zone.objects.for_org(organization).delete()
    Vendor.objects.for_org(organization).delete()
    organization.delete()


def _erase(files: Sequence[Location]) -> None:
    for location in files:
        storage.remove(location)
    for folder in {location.folder for location in files}:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty


def _admin_as_owner(organization: Organization) -> bool:
    admin = User.objects.filter(username=ADMIN_USERNAME, is_superuser=True).first()
    if admin is None:
        return False
    Membership.objects.get_or_create(
        user=admin, organization=organization, defaults={"role": Role.OWNER.value}
    )
    return True


def _users(spec: ClinicSpec, password: str) -> dict[str, User]:
    existing = {
        u.username: u for u in User.objects.filter(username__in=[p.username for p in spec.people])
    }
    hashed = make_password(password)  # one hash for all: they share the demo password
    users: dict[str, User] = {}
    for person in spec.people:
        user = existing.get(person.username)
        if user is None:
            user = User(username=person.username)
        elif user.email != person.email:
            raise InvalidInput(f"user '{person.username}' exists and is not a demo account")
        user.first_name, user.last_name, user.email = (
            person.first_name,
            person.last_name,
            person.email,
        )
        user.password = hashed
        user.save()
        users[person.username] = user
    return users


def _write(spec: ClinicSpec, slug: str, password: str) -> Organization:
    organization = Organization.objects.create(
        slug=slug,
        name=spec.name,
        kind=spec.kind,
        description=spec.description,
        address=spec.address,
        is_demo=True,
    )
    users = _users(spec, password)
    Membership.objects.bulk_create(
        Membership(user=users[p.username], organization=organization, role=p.role)
        for p in spec.people
    )
    owner = next(users[p.username] for p in spec.people if p.role == Role.OWNER)
    for kind, username in (
        (OfficerKind.SECURITY, spec.security_officer),
        (OfficerKind.PRIVACY, spec.privacy_officer),
    ):
        appoint_officer(
            organization,
            kind,
            users[username],
            approved_by=owner,
            effective_date=spec.officers_since,
            reason="Designated by the owner when the compliance program started.",
        )
    ResponsibilityAssignment.objects.bulk_create(
        ResponsibilityAssignment(
            organization=organization, area=r.area, raci=r.raci, user=users[r.username]
        )
        for r in spec.raci
    )
    zones = {
        z.name: z
        for z in Zone.objects.bulk_create(
            Zone(
                organization=organization,
                name=z.name,
                kind=z.kind,
                description=z.description,
                cidrs=", ".join(z.cidrs),
                internet_exposed=z.internet_exposed,
            )
            for z in spec.zones
        )
    }
    vendors = {
        v.name: v
        for v in Vendor.objects.bulk_create(
            Vendor(organization=organization, **_fields(v)) for v in spec.vendors
        )
    }
    assets: dict[str, Asset] = {}
    batches = [spec.assets[i : i + BATCH] for i in range(0, len(spec.assets), BATCH)]
    for batch in progress(batches, label="Creating assets", length=len(batches)):
        created = Asset.objects.bulk_create(_asset(organization, a, zones, vendors) for a in batch)
        assets.update((a.name, a) for a in created)

    def end(ref: Ref) -> tuple[Asset | None, Vendor | None]:
        if ref.kind == "asset":
            return assets[ref.name], None
        return None, vendors[ref.name]

    flows = []
    for f in spec.flows:
        source_asset, source_vendor = end(f.source)
        destination_asset, destination_vendor = end(f.destination)
        flows.append(
            DataFlow(
                organization=organization,
                name=f.name,
                source_asset=source_asset,
                source_vendor=source_vendor,
                destination_asset=destination_asset,
                destination_vendor=destination_vendor,
                ephi_categories=list(f.categories),
                protocol=f.protocol,
                transit_encryption=f.transit,
                tls_version=f.tls_version,
                purpose=f.purpose,
                frequency=f.frequency,
                notes=f.notes,
            )
        )
    DataFlow.objects.bulk_create(flows, batch_size=BATCH)
    return organization


def _fields(spec: DataclassInstance, skip: Sequence[str] = ()) -> dict[str, object]:
    return {f.name: getattr(spec, f.name) for f in fields(spec) if f.name not in skip}


def _asset(
    organization: Organization,
    spec: AssetSpec,
    zones: dict[str, Zone],
    vendors: dict[str, Vendor],
) -> Asset:
    values = _fields(spec, skip=("zone", "vendor", "ephi"))
    return Asset(
        organization=organization,
        zone=zones[spec.zone] if spec.zone else None,
        vendor=vendors[spec.vendor] if spec.vendor else None,
        ephi_creates="creates" in spec.ephi,
        ephi_receives="receives" in spec.ephi,
        ephi_maintains="maintains" in spec.ephi,
        ephi_transmits="transmits" in spec.ephi,
        **values,
    )
