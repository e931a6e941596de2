"""Intake, triage, status and the timeline of incidents.

Every write is atomic and on the audit log (model signals, in the same transaction). Callers
check the request's permission (workforce members may only ``report``); these functions check
what the data must satisfy and raise ``InputProblems`` naming the field.

Anonymous reports: ``report(..., anonymous=True)`` stores no reporter on the incident, and
everything the report writes (the incident, its links, its first timeline entry) is recorded
on the audit log under the actor ``"anonymous report"`` with no user id, instead of the person
whose session or token made the request. Nothing in the incidents tables or the audit log links
the report to them. (What the audit log cannot hide: a session's own login entries and the
time of the request; see docs/incidents.md.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from phiward.audit.context import Actor, acting_as, current_actor
from phiward.core.errors import InputProblems, Problem
from phiward.core.models import Organization, display_name
from phiward.evidence.models import EvidenceItem
from phiward.incidents.common import (
    ANONYMOUS_NAME,
    add_entry,
    aware,
    check_member,
    evidence_of,
    save,
    text,
)
from phiward.incidents.models import (
    STATUS_ORDER,
    Category,
    Incident,
    IncidentAsset,
    IncidentVendor,
    PhiInvolved,
    Severity,
    Status,
    TimelineEntry,
    TimelineKind,
)
from phiward.inventory.models import Asset, Vendor

# Entry kinds a person adds by hand; the others are written by the services themselves.
MANUAL_KINDS = frozenset(
    {
        TimelineKind.ACTION,
        TimelineKind.DECISION,
        TimelineKind.COMMUNICATION,
        TimelineKind.NOTE,
        TimelineKind.EVIDENCE,
    }
)


@dataclass(frozen=True)
class Report:
    """What an incident report says (the intake form, the API's POST, ``phiward incident
    report``)."""

    title: str
    description: str = ""
    category: Category | str = Category.OTHER
    severity: Severity | str = Severity.MEDIUM
    occurred_at: dt.datetime | None = None
    discovered_at: dt.datetime | None = None
    phi_involved: PhiInvolved | str = PhiInvolved.UNKNOWN
    reporter_contact: str = ""
    assets: Sequence[Asset] = ()
    vendors: Sequence[Vendor] = ()


def next_number(organization: Organization) -> int:
    """The next INC-number (call inside the saving transaction: the organization row is locked
    on PostgreSQL, SQLite writers are serial; the unique constraint is the backstop)."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    last = Incident.objects.for_org(organization).aggregate(last=Max("number"))["last"]
    return int(last or 0) + 1


# How far ahead of the server's clock a given time may be (a client's clock runs a little fast).
CLOCK_SLACK = dt.timedelta(minutes=5)


def happened_at(
    at: dt.datetime | None,
    *,
    after: dt.datetime | None = None,
    after_what: str = "the incident was reported",
    field: str = "at",
) -> dt.datetime:
    """When something happened: ``at`` when given (an import, the demo), else now.

    A given time must be timezone-aware, not in the future, and not before ``after`` (usually
    the incident's ``reported_at``); the web and the API never pass one (people act now)."""
    now = timezone.now()
    moment = aware(at, field)
    if moment is None:
        return now
    if moment > now + CLOCK_SLACK:
        raise InputProblems([Problem("cannot be in the future", field=field)])
    if after is not None and moment < after:
        raise InputProblems([Problem(f"cannot be before {after_what}", field=field)])
    return moment


def anonymous_actor() -> Actor:
    """The audit actor of an anonymous report: no user id, no name, the request's source."""
    return Actor(None, ANONYMOUS_NAME, current_actor().source)


def report(
    organization: Organization,
    data: Report,
    *,
    reporter: User | None,
    anonymous: bool = False,
    at: dt.datetime | None = None,
) -> Incident:
    """Record a reported incident (status ``reported``) with its first timeline entry.

    ``at`` is when it was reported (default now; not in the future, not before it occurred
    or was discovered)."""
    if anonymous:
        with acting_as(anonymous_actor()):
            return _report(organization, data, reporter=None, anonymous=True, at=at)
    check_member(organization, reporter, "reported_by")
    return _report(organization, data, reporter=reporter, anonymous=False, at=at)


@transaction.atomic
def _report(
    organization: Organization,
    data: Report,
    *,
    reporter: User | None,
    anonymous: bool,
    at: dt.datetime | None,
) -> Incident:
    _check_links(organization, data.assets, data.vendors)
    occurred = aware(data.occurred_at, "occurred_at")
    discovered = aware(data.discovered_at, "discovered_at")
    _check_times(occurred, discovered, timezone.now())
    latest = max((t for t in (occurred, discovered) if t is not None), default=None)
    reported_at = happened_at(
        at, after=latest, after_what="the incident occurred or was discovered"
    )
    incident = Incident(
        organization=organization,
        number=next_number(organization),
        title=text(data.title, "title", required=True, limit=200),
        description=text(data.description, "description"),
        category=data.category,
        severity=data.severity,
        status=Status.REPORTED,
        reported_by=reporter,
        anonymous=anonymous,
        reporter_contact=text(data.reporter_contact, "reporter_contact", limit=500),
        occurred_at=occurred,
        discovered_at=discovered,
        reported_at=reported_at,
        phi_involved=data.phi_involved,
    )
    save(incident)
    _link(incident, data.assets, data.vendors)
    who = ANONYMOUS_NAME if anonymous else display_name(reporter) if reporter else "the CLI"
    add_entry(
        incident,
        TimelineKind.STATUS_CHANGE,
        f"Reported ({incident.get_category_display()}, {incident.get_severity_display()}).",
        author=reporter,
        at=incident.reported_at,
        author_name=who if reporter is None else None,
    )
    return incident


def _check_times(
    occurred: dt.datetime | None, discovered: dt.datetime | None, now: dt.datetime
) -> None:
    problems = []
    if occurred is not None and occurred > now:
        problems.append(Problem("cannot be in the future", field="occurred_at"))
    if discovered is not None and discovered > now:
        problems.append(Problem("cannot be in the future", field="discovered_at"))
    if occurred is not None and discovered is not None and discovered < occurred:
        problems.append(Problem("cannot be before it occurred", field="discovered_at"))
    if problems:
        raise InputProblems(problems)


def _check_links(
    organization: Organization, assets: Iterable[Asset], vendors: Iterable[Vendor]
) -> None:
    problems = [
        Problem("the asset belongs to another organization", field="assets")
        for a in assets
        if a.organization_id != organization.pk
    ] + [
        Problem("the vendor belongs to another organization", field="vendors")
        for v in vendors
        if v.organization_id != organization.pk
    ]
    if problems:
        raise InputProblems(problems)


def _link(incident: Incident, assets: Iterable[Asset], vendors: Iterable[Vendor]) -> None:
    """Make the incident's links exactly ``assets`` and ``vendors``, one audited row each."""
    org_id = incident.organization_id
    want_assets = {a.pk: a for a in assets}
    for link in IncidentAsset.objects.filter(incident=incident):
        if link.asset_id not in want_assets:
            link.delete()
        else:
            want_assets.pop(link.asset_id)
    for asset in want_assets.values():
        IncidentAsset(organization_id=org_id, incident=incident, asset=asset).save()
    want_vendors = {v.pk: v for v in vendors}
    for vlink in IncidentVendor.objects.filter(incident=incident):
        if vlink.vendor_id not in want_vendors:
            vlink.delete()
        else:
            want_vendors.pop(vlink.vendor_id)
    for vendor in want_vendors.values():
        IncidentVendor(organization_id=org_id, incident=incident, vendor=vendor).save()


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()  # "leave this field as it is"


@transaction.atomic
def update_triage(
    incident: Incident,
    by: User | None,
    *,
    title: str | _Keep = KEEP,
    description: str | _Keep = KEEP,
    category: str | _Keep = KEEP,
    severity: str | _Keep = KEEP,
    handler: User | _Keep | None = KEEP,
    occurred_at: dt.datetime | _Keep | None = KEEP,
    discovered_at: dt.datetime | _Keep | None = KEEP,
    phi_involved: str | _Keep = KEEP,
    assets: Sequence[Asset] | _Keep = KEEP,
    vendors: Sequence[Vendor] | _Keep = KEEP,
    at: dt.datetime | None = None,
) -> Incident:
    """Change what triage decides; a changed handler, category or severity is on the timeline
    (dated ``at``, default now)."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    moment = happened_at(at, after=incident.reported_at)
    before = (incident.category, incident.severity, incident.handler_id, incident.phi_involved)
    if not isinstance(title, _Keep):
        incident.title = text(title, "title", required=True, limit=200)
    if not isinstance(description, _Keep):
        incident.description = text(description, "description")
    if not isinstance(category, _Keep):
        incident.category = category
    if not isinstance(severity, _Keep):
        incident.severity = severity
    if not isinstance(handler, _Keep):
        check_member(incident.organization, handler, "handler")
        incident.handler = handler
    if not isinstance(occurred_at, _Keep):
        incident.occurred_at = aware(occurred_at, "occurred_at")
    if not isinstance(discovered_at, _Keep):
        incident.discovered_at = aware(discovered_at, "discovered_at")
    if not isinstance(phi_involved, _Keep):
        incident.phi_involved = phi_involved
    _check_times(incident.occurred_at, incident.discovered_at, timezone.now())
    save(incident)
    if not isinstance(assets, _Keep) or not isinstance(vendors, _Keep):
        new_assets = list(incident.assets.all()) if isinstance(assets, _Keep) else list(assets)
        new_vendors = list(incident.vendors.all()) if isinstance(vendors, _Keep) else list(vendors)
        _check_links(incident.organization, new_assets, new_vendors)
        _link(incident, new_assets, new_vendors)
    after = (incident.category, incident.severity, incident.handler_id, incident.phi_involved)
    if before != after:
        add_entry(
            incident, TimelineKind.DECISION, _triage_text(incident, before), author=by, at=moment
        )
    return incident


def _triage_text(incident: Incident, before: tuple[str, str, int | None, str]) -> str:
    parts = []
    if before[0] != incident.category:
        parts.append(f"category: {incident.get_category_display()}")
    if before[1] != incident.severity:
        parts.append(f"severity: {incident.get_severity_display()}")
    if before[2] != incident.handler_id:
        parts.append(f"handler: {display_name(incident.handler)}")
    if before[3] != incident.phi_involved:
        parts.append(f"PHI involved: {incident.get_phi_involved_display()}")
    return "Triage — " + "; ".join(parts) + "."


def allowed_statuses(incident: Incident) -> list[str]:
    """The statuses the incident may move to now: any later one; from closed, triage only."""
    if incident.status == Status.CLOSED:
        return [Status.TRIAGE]
    position = STATUS_ORDER.index(incident.status)
    return list(STATUS_ORDER[position + 1 :])


@transaction.atomic
def change_status(
    incident: Incident,
    status: Status | str,
    by: User | None,
    *,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Incident:
    """Move the incident forward (or reopen a closed one to triage, which needs a reason);
    ``at`` is when (default now; not before the incident was reported)."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    moment = happened_at(at, after=incident.reported_at)
    try:
        target = Status(status)
    except ValueError as exc:
        raise InputProblems([Problem("not a status", field="status")]) from exc
    if target not in allowed_statuses(incident):
        allowed = ", ".join(allowed_statuses(incident)) or "none"
        raise InputProblems(
            [
                Problem(
                    f"cannot go from {incident.status} to {target} (allowed: {allowed})",
                    field="status",
                )
            ]
        )
    reopening = incident.status == Status.CLOSED
    reason = text(reason, "reason", required=reopening, limit=2000)
    old = incident.get_status_display()
    incident.status = target
    incident.closed_at = moment if target == Status.CLOSED else None
    save(incident)
    line = f"Status: {old} → {incident.get_status_display()}."
    if reopening:
        line = f"Reopened ({old} → {incident.get_status_display()}): {reason}"
    elif reason:
        line = f"{line} {reason}"
    add_entry(incident, TimelineKind.STATUS_CHANGE, line, author=by, at=moment)
    return incident


@transaction.atomic
def add_timeline_entry(
    incident: Incident,
    by: User | None,
    *,
    kind: TimelineKind | str,
    text_: str,
    at: dt.datetime | None = None,
    evidence: EvidenceItem | None = None,
) -> TimelineEntry:
    """A person's entry: an action, decision, communication, note or evidence (with its item).

    Entries are never changed or deleted: a correction is a new entry."""
    try:
        entry_kind = TimelineKind(kind)
    except ValueError as exc:
        raise InputProblems([Problem("not a kind of entry", field="kind")]) from exc
    if entry_kind not in MANUAL_KINDS:
        kinds = ", ".join(sorted(MANUAL_KINDS))
        raise InputProblems(
            [Problem(f"added by phiward itself; by hand add one of: {kinds}", field="kind")]
        )
    if entry_kind == TimelineKind.EVIDENCE and evidence is None:
        raise InputProblems([Problem("name the evidence item", field="evidence")])
    evidence_of(incident, evidence, "evidence")
    # A person's entry may tell of something before the report (what they did on noticing it).
    moment = happened_at(at)
    return add_entry(
        incident,
        entry_kind,
        text(text_, "text", required=True),
        author=by,
        at=moment,
        evidence=evidence,
    )
