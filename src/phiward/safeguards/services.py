"""The one write path for safeguard statuses, and the posture of an organization.

The web pages, the API and the CLI all call these functions:

- ``statuses(org)``: every Security Rule standard and specification, each with its saved row
  or, when nothing was recorded yet, an unsaved "not implemented" one (reading never writes);
- ``update(org, spec, changes, by=...)``: records a change (creating the row on first write),
  asks for approval when a required entry becomes "not applicable", marks the review;
- ``approve_not_applicable`` / ``reject_not_applicable``;
- ``link_risk`` / ``unlink_risk`` / ``set_risks``;
- ``posture_for(org)``: the pure posture (``posture.py``) of the organization's statuses.

Every write is checked by ``SafeguardStatus.full_clean`` (errors become ``InputProblems`` naming
the fields) and saved through ``save()``, so it is on the audit log in the same transaction.
When a status changes, the open risks linked to the safeguard are flagged for re-assessment
(``phiward.risk.services.flag_risks``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from phiward.catalog import catalog
from phiward.catalog.catalog import CatalogEntry, Framework, FrameworkId, Requirement
from phiward.core.apiscope import problems_from
from phiward.core.errors import InputProblems, InvalidInput, NotFound, Problem
from phiward.core.models import Organization, display_name
from phiward.risk.models import ReassessmentSource, Risk, RiskStatus
from phiward.risk.services import flag_risks
from phiward.safeguards.evidence import evidence_facts_for
from phiward.safeguards.models import SafeguardRisk, SafeguardStatus
from phiward.safeguards.posture import Posture, RiskRef, SafeguardFacts, posture
from phiward.safeguards.status import Implementation, rolled_up

# What a change may set; ``owner`` is a User (or None), ``policies`` a list of dicts.
EDITABLE = (
    "status",
    "owner",
    "description",
    "policies",
    "decision",
    "alternative",
    "rationale",
    "na_reason",
)
_RELATED = ("owner", "last_reviewed_by", "na_requested_by", "na_approved_by", "na_rejected_by")


def framework() -> Framework:
    return catalog.load(FrameworkId.HIPAA_SECURITY)


@functools.cache
def safeguard_entries() -> tuple[CatalogEntry, ...]:
    """Every standard and implementation specification of the Security Rule, in catalog order."""
    return tuple(item for item in framework().entries if item.requirement is not None)


@functools.cache
def specifications_of() -> dict[str, tuple[str, ...]]:
    """A standard's id -> its implementation specifications' ids."""
    security = framework()
    return {
        item.id: tuple(child.id for child in security.children_of(item))
        for item in safeguard_entries()
        if item.parent is None
    }


def entry_for(spec: str) -> CatalogEntry:
    """The standard or specification with this id or key; NotFound names what was asked for."""
    found = framework().get(spec)
    if found is None or found.requirement is None:
        raise NotFound(f"no Security Rule standard or implementation specification '{spec}'")
    return found


# --- reading ------------------------------------------------------------------------------------


def statuses(organization: Organization) -> list[SafeguardStatus]:
    """One status per standard and specification, in catalog order; unsaved where unrecorded."""
    saved = {
        row.spec_id: row
        for row in SafeguardStatus.objects.for_org(organization).select_related(*_RELATED)
    }
    return [
        saved.get(item.id) or SafeguardStatus(organization=organization, spec_id=item.id)
        for item in safeguard_entries()
    ]


def status_for(organization: Organization, spec: str) -> SafeguardStatus:
    """The status of one entry (by id or key): its row, or an unsaved default."""
    item = entry_for(spec)
    found = (
        SafeguardStatus.objects.for_org(organization)
        .select_related(*_RELATED)
        .filter(spec_id=item.id)
        .first()
    )
    return found or SafeguardStatus(organization=organization, spec_id=item.id)


def linked_risks(row: SafeguardStatus) -> list[Risk]:
    if not row.is_recorded:
        return []
    return [
        link.risk
        for link in SafeguardRisk.objects.for_org(row.organization)
        .filter(safeguard=row)
        .select_related("risk")
        .order_by("risk__number")
    ]


def _risk_ref(risk: Risk) -> RiskRef:
    level = risk.level
    return RiskRef(
        id=risk.pk,
        reference=risk.reference,
        title=risk.title,
        level=level.value if level is not None else "",
        open=risk.status == RiskStatus.OPEN,
    )


@dataclass(frozen=True)
class Snapshot:
    """An organization's statuses (saved or default) and the posture computed from them."""

    rows: tuple[SafeguardStatus, ...]  # in catalog order, as ``posture.items``
    posture: Posture
    evidence: Mapping[str, tuple[int, int]]  # (current, expired), standards with their specs'

    def row(self, spec_id: str) -> SafeguardStatus:
        return next(row for row in self.rows if row.spec_id == spec_id)


def snapshot(organization: Organization) -> Snapshot:
    rows = statuses(organization)
    risks: dict[int, list[RiskRef]] = {}
    links = (
        SafeguardRisk.objects.for_org(organization).select_related("risk").order_by("risk__number")
    )
    for link in links:
        risks.setdefault(link.safeguard_id, []).append(_risk_ref(link.risk))
    facts = rolled_up(evidence_facts_for(organization), specifications_of())
    items = [
        SafeguardFacts(
            entry=row.entry,
            recorded=row.recorded(),
            owner=display_name(row.owner) if row.owner_id else "",
            risks=tuple(risks.get(row.pk, ())) if row.is_recorded else (),
        )
        for row in rows
    ]
    return Snapshot(tuple(rows), posture(items, facts), facts)


def posture_for(organization: Organization) -> Posture:
    return snapshot(organization).posture


# --- writing ------------------------------------------------------------------------------------


def _state(row: SafeguardStatus) -> tuple[str, bool]:
    return row.status, row.na_approved_by_id is not None


def _state_label(state: tuple[str, bool], requirement: Requirement) -> str:
    status, approved = state
    label = Implementation(status).label.lower()
    if status == Implementation.NOT_APPLICABLE and requirement is Requirement.REQUIRED:
        return f"{label} (approved)" if approved else f"{label} (awaiting approval)"
    return label


def _check_and_save(row: SafeguardStatus) -> None:
    try:
        row.full_clean()
    except ValidationError as exc:
        raise problems_from(exc) from exc
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:  # the same entry's first write, at the same moment
        raise InputProblems(
            [Problem("saved by someone else at the same moment; retry", field="spec_id")]
        ) from exc


def _after_change(row: SafeguardStatus, before: tuple[str, bool], reason: str = "") -> None:
    after = _state(row)
    if after == before:
        return
    requirement = row.requirement
    change = (
        f"safeguard {row.spec_id} ({row.entry.title}) changed from "
        f"{_state_label(before, requirement)} to {_state_label(after, requirement)}"
    )
    flag_linked_risks(row, f"{change}: {reason}" if reason else change)


def flag_linked_risks(row: SafeguardStatus, reason: str) -> list[Risk]:
    """Mark the open risks linked to ``row`` for re-assessment, with ``reason``."""
    risks = [risk for risk in linked_risks(row) if risk.status == RiskStatus.OPEN]
    if not risks:
        return []
    flag_risks(
        row.organization,
        ReassessmentSource.SAFEGUARD,
        reason[:1].upper() + reason[1:],
        risks=risks,
        obj=row,
    )
    return risks


def update(
    organization: Organization,
    spec: str,
    changes: Mapping[str, object],
    *,
    by: User | None,
    today: dt.date | None = None,
) -> SafeguardStatus:
    """Record ``changes`` to one entry's status; the row is created on its first write.

    A required entry becoming "not applicable" (or its reason changing) is a request that
    awaits approval; leaving "not applicable" drops the request. Saving counts as a review by
    ``by`` on ``today``.
    """
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InputProblems([Problem("cannot be changed here", field=name) for name in unknown])
    row = status_for(organization, spec)
    before = _state(row)
    before_reason = row.na_reason
    for name, value in changes.items():
        if name in ("decision", "alternative", "rationale", "na_reason", "description"):
            value = "" if value is None else value
        if name == "status" and value is None:
            raise InputProblems([Problem("may not be null", field="status")])
        setattr(row, name, value)
    _track_not_applicable(row, before, before_reason, by, reason_given="na_reason" in changes)
    row.last_reviewed_on = today or timezone.localdate()
    row.last_reviewed_by = by
    with transaction.atomic():
        _check_and_save(row)
        _after_change(row, before)
    return row


def _track_not_applicable(
    row: SafeguardStatus,
    before: tuple[str, bool],
    before_reason: str,
    by: User | None,
    *,
    reason_given: bool,
) -> None:
    was_na = before[0] == Implementation.NOT_APPLICABLE
    is_na = row.status == Implementation.NOT_APPLICABLE
    if not is_na:
        if not reason_given:  # a reason given with another status is an error clean() names
            row.na_reason = ""
        row.na_requested_by = row.na_approved_by = None
        row.na_requested_at = row.na_approved_at = None
        row.na_prior_status = ""
        return
    if row.requirement is not Requirement.REQUIRED:
        return
    if not was_na or row.na_reason.strip() != before_reason.strip():
        # A new request: whatever was approved before was approved for another reason.
        row.na_requested_by = by
        row.na_requested_at = timezone.now()
        row.na_approved_by = None
        row.na_approved_at = None
        if not was_na:
            row.na_prior_status = before[0]


def _saved_row(organization: Organization, spec: str) -> SafeguardStatus:
    row = status_for(organization, spec)
    if not row.is_recorded:
        raise InvalidInput(f"nothing is recorded for {row.spec_id} yet")
    return row


def approve_not_applicable(organization: Organization, spec: str, *, by: User) -> SafeguardStatus:
    """Approve a required entry's pending "not applicable"."""
    row = _saved_row(organization, spec)
    if not row.na_pending:
        raise InvalidInput(f'no "not applicable" awaits approval for {row.spec_id}')
    before = _state(row)
    row.na_approved_by = by
    row.na_approved_at = timezone.now()
    with transaction.atomic():
        _check_and_save(row)
        _after_change(row, before, '"not applicable" approved')
    return row


def reject_not_applicable(
    organization: Organization, spec: str, *, by: User, note: str
) -> SafeguardStatus:
    """Reject a pending "not applicable": the status it had before comes back."""
    row = _saved_row(organization, spec)
    if not row.na_pending:
        raise InvalidInput(f'no "not applicable" awaits approval for {row.spec_id}')
    if not note.strip():
        raise InputProblems([Problem("Say why the request is rejected.", field="note")])
    before = _state(row)
    row.status = row.na_prior_status or Implementation.NOT_IMPLEMENTED
    if row.status == Implementation.NOT_APPLICABLE:
        row.status = Implementation.NOT_IMPLEMENTED
    row.na_reason = ""
    row.na_requested_by = None
    row.na_requested_at = None
    row.na_prior_status = ""
    row.na_rejected_by = by
    row.na_rejected_at = timezone.now()
    row.na_rejection_note = note.strip()
    with transaction.atomic():
        _check_and_save(row)
        _after_change(row, before, '"not applicable" rejected')
    return row


# --- links to risks -----------------------------------------------------------------------------


def _ensure_saved(organization: Organization, spec: str) -> SafeguardStatus:
    row = status_for(organization, spec)
    if not row.is_recorded:
        _check_and_save(row)
    return row


def _link(row: SafeguardStatus, risk: Risk) -> SafeguardRisk:
    already = InputProblems(
        [Problem(f"{risk.reference} is already linked to {row.spec_id}", field="risk")]
    )
    if SafeguardRisk.objects.for_org(row.organization).filter(safeguard=row, risk=risk).exists():
        raise already
    link = SafeguardRisk(organization=row.organization, safeguard=row, risk=risk)
    try:
        link.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise problems_from(exc) from exc
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError as exc:  # linked by someone else at the same moment
        raise already from exc
    return link


def link_risk(organization: Organization, spec: str, risk: Risk) -> SafeguardRisk:
    """Link ``risk`` to a safeguard (creating the safeguard's row if needed)."""
    with transaction.atomic():
        return _link(_ensure_saved(organization, spec), risk)


def unlink_risk(organization: Organization, spec: str, risk: Risk) -> None:
    row = status_for(organization, spec)
    link = (
        SafeguardRisk.objects.for_org(organization).filter(safeguard=row, risk=risk).first()
        if row.is_recorded
        else None
    )
    if link is None:
        raise InputProblems(
            [Problem(f"{risk.reference} is not linked to {row.spec_id}", field="risk")]
        )
    link.delete()


def set_risks(organization: Organization, spec: str, risks: Iterable[Risk]) -> list[Risk]:
    """Make ``risks`` exactly the linked risks, adding and removing links one by one."""
    wanted = {risk.pk: risk for risk in risks}
    with transaction.atomic():
        row = _ensure_saved(organization, spec)
        links = SafeguardRisk.objects.for_org(organization).filter(safeguard=row)
        present = set()
        for link in links:
            if link.risk_id in wanted:
                present.add(link.risk_id)
            else:
                link.delete()
        for pk, risk in wanted.items():
            if pk not in present:
                _link(row, risk)
    return linked_risks(row)
