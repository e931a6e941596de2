"""Each organization's editable copy of the shipped threat and vulnerability catalogs.

``ensure_catalog(org)`` is idempotent: it adds shipped entries the organization lacks, brings
unedited shipped entries up to date when phiward ships a new version of them, and never touches
an entry the organization edited (its content no longer matches the digest it was copied with)
or created itself. Entries phiward stops shipping are left in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from phiward.audit.tracking import record_created
from phiward.core.models import Organization
from phiward.risk.facts import Catalog, ThreatInfo, VulnerabilityInfo
from phiward.risk.library import ThreatSpec, VulnerabilitySpec, content_digest, load_library
from phiward.risk.models import CatalogEntry, Threat, Vulnerability

_THREAT_FIELDS = (
    "name",
    "source",
    "source_detail",
    "affects",
    "events",
    "description",
    "spec_ids",
    "nist_controls",
)
_VULNERABILITY_FIELDS = (
    "name",
    "description",
    "spec_ids",
    "nist_controls",
    "key_activities",
    "answer_threats",
)


@dataclass(frozen=True)
class CatalogSync:
    added: int
    updated: int
    kept_edited: int


def stored_content(entry: CatalogEntry, names: tuple[str, ...]) -> dict[str, object]:
    """An organization's entry in the shape of ``ThreatSpec.content()`` / ``VulnerabilitySpec``."""
    content: dict[str, object] = {"key": entry.key}
    for name in names:
        value = getattr(entry, name)
        content[name] = list(value) if isinstance(value, list | tuple) else value
    return content


def _fill(entry: CatalogEntry, content: Mapping[str, object], digest: str) -> None:
    for name, value in content.items():
        if name != "key":
            setattr(entry, name, list(value) if isinstance(value, tuple) else value)
    entry.shipped = True
    entry.shipped_digest = digest


def _apply(entry: CatalogEntry, content: Mapping[str, object], digest: str) -> None:
    _fill(entry, content, digest)
    entry.full_clean()
    entry.save()


def _sync(
    organization: Organization,
    model: type[Threat] | type[Vulnerability],
    specs: tuple[ThreatSpec, ...] | tuple[VulnerabilitySpec, ...],
    names: tuple[str, ...],
) -> tuple[int, int, int]:
    existing: dict[str, CatalogEntry] = {e.key: e for e in model.objects.for_org(organization)}
    added = updated = kept = 0
    new: list[CatalogEntry] = []
    for spec in specs:
        content = spec.content()
        digest = content_digest(content)
        entry = existing.get(spec.key)
        if entry is None:
            fresh = model(organization=organization, key=spec.key)
            _fill(fresh, content, digest)
            # The shipped keys are unique (the loader checks), and none exists here yet.
            fresh.full_clean(validate_unique=False, validate_constraints=False)
            new.append(fresh)
            added += 1
            continue
        if not entry.shipped:
            continue  # the organization's own entry that happens to share the key
        if content_digest(stored_content(entry, names)) != entry.shipped_digest:
            kept += 1  # edited by the organization: never overwritten
        elif entry.shipped_digest != digest:
            _apply(entry, content, digest)
            updated += 1
    if new:
        # A new organization's whole catalog: one insert, its audit entries in one batch.
        model.objects.bulk_create(new)  # type: ignore[arg-type]
        record_created(new)
    return added, updated, kept


@transaction.atomic
def ensure_catalog(organization: Organization) -> CatalogSync:
    """Seed or refresh the organization's copy of the shipped catalogs."""
    library = load_library()
    t_added, t_updated, t_kept = _sync(organization, Threat, library.threats, _THREAT_FIELDS)
    v_added, v_updated, v_kept = _sync(
        organization, Vulnerability, library.vulnerabilities, _VULNERABILITY_FIELDS
    )
    return CatalogSync(t_added + v_added, t_updated + v_updated, t_kept + v_kept)


def engine_catalog(organization: Organization) -> Catalog:
    """The organization's threats and vulnerabilities the proposal rules may use."""
    threats = {
        t.key: ThreatInfo(t.key, t.name, frozenset(t.affects))
        for t in Threat.objects.for_org(organization).filter(retired=False)
    }
    vulnerabilities = {
        v.key: VulnerabilityInfo(
            v.key, v.name, tuple(v.key_activities), tuple(a for a in v.answer_threats)
        )
        for v in Vulnerability.objects.for_org(organization).filter(retired=False)
    }
    return Catalog(threats=threats, vulnerabilities=vulnerabilities)
