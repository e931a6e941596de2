"""Keeping the analysis alive (S12): risks are marked for re-assessment when their facts change.

``flag_risks`` is the one way to do it; the safeguards, evidence, incident and check code calls
it with its own ``source``. The receivers below call it for the inventory: when a fact a risk
depends on changes on an asset, data flow, vendor or zone linked to an open risk (directly, or
for a zone through its assets), or when one of those is deleted, each affected risk gets a
``ReassessmentReason`` naming what changed ("Asset 'RFM-NG-LT02': encryption at rest changed
from None to Full-disk") and ``needs_reassessment``. Reasons carry inventory names and choice
labels only, never notes or other free text that could hold PHI.

Receivers run in the saving transaction, so a change and its flags commit together. Bulk
writes (``bulk_create``/``bulk_update``, as the inventory importer uses) send no signals; their
callers call ``flag_risks`` themselves.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.db.models.signals import post_save, pre_delete, pre_save
from django.utils import timezone

from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from phiward.risk.models import (
    ReassessmentReason,
    ReassessmentSource,
    Risk,
    RiskAsset,
    RiskStatus,
)

# The facts risks depend on, per inventory model.
WATCHED: dict[type[models.Model], tuple[str, ...]] = {
    Asset: (
        "kind",
        "zone",
        "vendor",
        "ephi_creates",
        "ephi_receives",
        "ephi_maintains",
        "ephi_transmits",
        "record_count",
        "criticality",
        "encryption_at_rest",
        "os_name",
        "os_version",
        "os_end_of_support",
        "lifecycle",
        "mds2_on_file",
        "patchable",
    ),
    DataFlow: (
        "source_asset",
        "source_vendor",
        "destination_asset",
        "destination_vendor",
        "ephi_categories",
        "protocol",
        "transit_encryption",
        "tls_version",
    ),
    Vendor: ("handles_ephi", "baa_status", "baa_signed_on", "baa_expires_on", "remote_access"),
    Zone: ("kind", "internet_exposed"),
}
# Words for fields whose verbose names read poorly in a sentence.
_LABELS = {
    "baa_status": "BAA status",
    "baa_signed_on": "BAA signing date",
    "baa_expires_on": "BAA expiry date",
    "handles_ephi": "handles ePHI",
    "ephi_categories": "ePHI categories",
    "remote_access": "remote access",
}
_BEFORE = "_risk_facts_before"
_DELETED: dict[type[models.Model], str] = {
    Vendor: "was deleted from the inventory (its risks lose their vendor)",
    Zone: "was deleted: its assets have no zone now",
}
_KIND: dict[type[models.Model], str] = {
    Asset: "Asset",
    DataFlow: "Data flow",
    Vendor: "Vendor",
    Zone: "Zone",
}


def flag_risks(
    organization: Organization,
    source: ReassessmentSource | str,
    reason: str,
    *,
    risks: Iterable[Risk] = (),
    assets: Iterable[Asset] = (),
    obj: models.Model | None = None,
) -> list[Risk]:
    """Mark open risks for re-assessment, with ``reason``; returns the risks flagged.

    The risks are ``risks`` plus every open risk linked to one of ``assets``. ``obj`` is what
    changed (recorded as its model label and id). A risk that already has the same unresolved
    reason from the same source and object is not flagged twice. Runs in the caller's
    transaction; every write goes through ``save()`` (and so into the audit log).
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError("a re-assessment needs a reason")
    source = ReassessmentSource(source)
    ids = {r.pk for r in risks}
    asset_ids = [a.pk for a in assets]
    if asset_ids:
        ids |= set(
            RiskAsset.objects.for_org(organization)
            .filter(asset_id__in=asset_ids)
            .values_list("risk_id", flat=True)
        )
    if not ids:
        return []
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None and obj.pk is not None else ""
    flagged = []
    for risk in Risk.objects.for_org(organization).filter(pk__in=ids, status=RiskStatus.OPEN):
        duplicate = ReassessmentReason.objects.filter(
            risk=risk,
            source=source,
            reason=reason[:10_000],
            object_type=object_type,
            object_id=object_id,
            resolved_at__isnull=True,
        ).exists()
        if duplicate:
            continue
        record = ReassessmentReason(
            organization=organization,
            risk=risk,
            source=source,
            reason=reason[:10_000],
            object_type=object_type,
            object_id=object_id,
        )
        record.full_clean()
        record.save()
        if not risk.needs_reassessment:
            # Only the flag: a risk's own validation must never block an inventory change.
            risk.needs_reassessment = True
            risk.save(update_fields=["needs_reassessment", "updated_at"])
        flagged.append(risk)
    return flagged


# --- describing a change ------------------------------------------------------------------------


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _words(model: type[models.Model], name: str, value: object) -> str:
    """A stored value as a reader sees it: choice labels, related names, yes/no, dates."""
    field = _field(model, name)
    if value is None or value == "":
        return "not recorded"
    if isinstance(field, models.ForeignKey):
        related = field.related_model
        assert isinstance(related, type)
        found = related._base_manager.filter(pk=value).first()
        return f"'{found}'" if found is not None else "a deleted record"
    if field.choices:
        labels = {str(k): str(v) for k, v in field.flatchoices}
        return labels.get(str(value), str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def describe_changes(
    model: type[models.Model], name: str, before: dict[str, object], after: dict[str, object]
) -> str:
    """``Asset 'X': encryption at rest changed from None to Full-disk; ...``."""
    parts = []
    for field_name in WATCHED[model]:
        old, new = before.get(field_name), after.get(field_name)
        if old == new:
            continue
        label = _LABELS.get(field_name) or str(_field(model, field_name).verbose_name)
        parts.append(
            f"{label} changed from {_words(model, field_name, old)} "
            f"to {_words(model, field_name, new)}"
        )
    return f"{_KIND[model]} '{name}': " + "; ".join(parts) if parts else ""


def _values(instance: models.Model) -> dict[str, object]:
    model = type(instance)
    return {name: getattr(instance, _field(model, name).attname) for name in WATCHED[model]}


# --- which risks an inventory record touches ---------------------------------------------------


_LINKED = "_risk_linked"


def _linked(organization_id: int, origin: object) -> dict[str, set[int]]:
    """Which assets, flows and vendors open risks are linked to (cached on a deletion's origin,
    so deleting thousands of assets asks once)."""
    cached = getattr(origin, _LINKED, None) if origin is not None else None
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    open_risks = Risk.objects.filter(organization_id=organization_id, status=RiskStatus.OPEN)
    linked = {
        "assets": set(
            RiskAsset.objects.filter(risk__in=open_risks).values_list("asset_id", flat=True)
        ),
        "flows": set(open_risks.exclude(data_flow=None).values_list("data_flow_id", flat=True)),
        "vendors": set(open_risks.exclude(vendor=None).values_list("vendor_id", flat=True)),
    }
    if origin is not None:
        with contextlib.suppress(AttributeError):
            setattr(origin, _LINKED, linked)
    return linked


def _flag(instance: models.Model, reason: str, origin: object = None) -> int:
    """Flag the open risks ``instance`` touches: linked directly, or (a zone) through assets."""
    org_id = int(getattr(instance, "organization_id", 0))
    linked = _linked(org_id, origin)
    risks: list[Risk] = []
    assets: list[Asset] = []
    if isinstance(instance, Asset) and instance.pk in linked["assets"]:
        assets = [instance]
    elif isinstance(instance, Vendor) and instance.pk in linked["vendors"]:
        risks = list(Risk.objects.filter(organization_id=org_id, vendor=instance))
    elif isinstance(instance, DataFlow) and instance.pk in linked["flows"]:
        risks = list(Risk.objects.filter(organization_id=org_id, data_flow=instance))
    elif isinstance(instance, Zone):
        assets = [a for a in Asset.objects.filter(zone=instance) if a.pk in linked["assets"]]
    if not risks and not assets:
        return 0
    flagged = flag_risks(
        Organization.objects.get(pk=org_id),
        ReassessmentSource.INVENTORY,
        reason,
        risks=risks,
        assets=assets,
        obj=instance,
    )
    return len(flagged)


class _Batch:
    """The origin of a bulk writer's call: caches which records risks are linked to."""


def flag_bulk_updates(
    objects: Sequence[models.Model], before: Mapping[Any, Mapping[str, object]]
) -> int:
    """For bulk writers (``bulk_update`` sends no signals), such as the inventory importer:
    flag the risks of inventory records whose watched facts changed. ``before`` holds their
    stored values from before the update, as ``phiward.audit.tracking.snapshot`` returns them.
    Returns how many flags were raised."""
    batch = _Batch()
    count = 0
    for obj in objects:
        model = type(obj)
        stored = before.get(obj.pk)
        if model not in WATCHED or stored is None:
            continue
        reason = describe_changes(model, str(obj), dict(stored), _values(obj))
        if reason:
            count += _flag(obj, reason, batch)
    return count


# --- receivers ----------------------------------------------------------------------------------


def _remember(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance._state.adding or instance.pk is None:
        setattr(instance, _BEFORE, None)
        return
    names = [_field(sender, name).attname for name in WATCHED[sender]]
    row = sender._base_manager.filter(pk=instance.pk).values(*names).first()
    if row is not None:
        by_attname = {_field(sender, name).attname: name for name in WATCHED[sender]}
        row = {by_attname[k]: v for k, v in row.items()}
    setattr(instance, _BEFORE, row)


def _saved(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    before = getattr(instance, _BEFORE, None)
    if kwargs.get("raw") or created or before is None:
        return
    setattr(instance, _BEFORE, None)
    reason = describe_changes(sender, str(instance), before, _values(instance))
    if reason:
        _flag(instance, reason)


def _inventory_origin(origin: object) -> bool:
    """A deletion that started in the inventory (not an organization being removed)."""
    if isinstance(origin, Asset | DataFlow | Vendor | Zone):
        return True
    model = getattr(origin, "model", None)
    return isinstance(origin, models.QuerySet) and model in WATCHED


def _deleting(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not _inventory_origin(kwargs.get("origin")):
        return
    what = _DELETED.get(sender, "was deleted from the inventory")
    _flag(instance, f"{_KIND[sender]} '{instance}' {what}", kwargs.get("origin"))


def connect() -> None:
    """Connect the receivers (``RiskConfig.ready``)."""
    for model in WATCHED:
        uid = f"risk-changes-{model._meta.label_lower}"
        pre_save.connect(_remember, sender=model, dispatch_uid=uid)
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        pre_delete.connect(_deleting, sender=model, dispatch_uid=uid)


def open_reasons(risk: Risk) -> Sequence[ReassessmentReason]:
    return list(risk.reassessments.filter(resolved_at__isnull=True).order_by("created_at"))


def resolve_reasons(risk: Risk, by: User | None) -> int:
    """Mark the risk's open reasons resolved (it was re-rated or confirmed); returns how many."""
    now = timezone.now()
    count = 0
    for reason in risk.reassessments.filter(resolved_at__isnull=True):
        reason.resolved_at = now
        reason.resolved_by = by
        reason.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
        count += 1
    return count
