"""Notice drafts, the HHS portal fields and the annual HHS log, built from incidents.

The words come from the organization's ``NoticeSettings`` (how to reach it) and the incident's
``NoticeText`` (what happened, the kinds of information, what people should do, what we are
doing); the dates from the determination in force (the latest signed assessment, else the
current unsigned one, marked as a draft). The pure builders are ``phiward.breach.notices`` and
``phiward.breach.hhs_log``; this module only gathers their input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import transaction

from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.errors import InputProblems, InvalidInput, Problem
from phiward.core.models import Organization
from phiward.incidents.common import add_entry, save, text
from phiward.incidents.models import (
    AffectedCount,
    BreachAssessment,
    Category,
    Incident,
    NoticeSettings,
    NoticeText,
    Obligation,
    ObligationStatus,
    Outcome,
    Recipient,
    TimelineKind,
)
from phiward.incidents.services_breach import current_assessment, signed_assessment
from phiward.incidents.services_intake import happened_at

if TYPE_CHECKING:
    from phiward.breach.hhs_log import LogEntry
    from phiward.breach.notices import Notice, NoticeContent, PortalField, PortalInput
    from phiward.evidence.models import EvidenceItem


# --- what notices say --------------------------------------------------------------------------


def notice_settings(organization: Organization) -> NoticeSettings:
    """The organization's contact details for notices (an empty record on first use)."""
    found = NoticeSettings.objects.for_org(organization).first()
    return found or NoticeSettings(organization=organization)


@transaction.atomic
def update_notice_settings(
    organization: Organization,
    by: User | None,
    *,
    contact_toll_free: str | None = None,
    contact_email: str | None = None,
    contact_website: str | None = None,
    contact_address: str | None = None,
) -> NoticeSettings:
    settings = notice_settings(organization)
    for name, value in (
        ("contact_toll_free", contact_toll_free),
        ("contact_email", contact_email),
        ("contact_website", contact_website),
        ("contact_address", contact_address),
    ):
        if value is not None:
            setattr(settings, name, text(value, name, limit=2000))
    save(settings)
    return settings


def notice_text(incident: Incident) -> NoticeText:
    found = NoticeText.objects.filter(incident=incident).first()
    return found or NoticeText(organization_id=incident.organization_id, incident=incident)


@transaction.atomic
def update_notice_text(
    incident: Incident,
    by: User | None,
    *,
    what_happened: str | None = None,
    phi_types: Sequence[str] | None = None,
    steps_for_individuals: str | None = None,
    what_we_are_doing: str | None = None,
) -> NoticeText:
    words = notice_text(incident)
    if what_happened is not None:
        words.what_happened = text(what_happened, "what_happened")
    if steps_for_individuals is not None:
        words.steps_for_individuals = text(steps_for_individuals, "steps_for_individuals")
    if what_we_are_doing is not None:
        words.what_we_are_doing = text(what_we_are_doing, "what_we_are_doing")
    if phi_types is not None:
        kinds = [" ".join(str(t).split()) for t in phi_types]
        if any(not k or len(k) > 100 for k in kinds) or len(kinds) > 50:
            raise InputProblems(
                [Problem("up to 50 kinds, each 1-100 characters", field="phi_types")]
            )
        words.phi_types = list(dict.fromkeys(kinds))
    save(words)
    return words


# --- drafts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """One notice draft; ``key`` names it: ``individual``, ``next_of_kin``, ``media:MA``,
    ``substitute_web``."""

    key: str
    notice: Notice


@dataclass(frozen=True)
class NoticeDrafts:
    """Every notice the determination in force calls for, with what is still missing."""

    assessment: BreachAssessment
    signed: bool  # False: drafted from an unsigned assessment (for review, not for sending)
    content: NoticeContent
    problems: tuple[Problem, ...]  # required elements that are empty
    drafts: tuple[Draft, ...]  # gaps marked "[missing: ...]" where an element is empty
    portal: tuple[PortalField, ...]  # what HHS's breach portal asks for


def _facts_date(assessment: BreachAssessment, key: str) -> dt.date | None:
    dates = assessment.facts.get("dates") if isinstance(assessment.facts, dict) else None
    value = dates.get(key) if isinstance(dates, dict) else None
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _facts_phi_types(assessment: BreachAssessment) -> tuple[str, ...]:
    phi = assessment.facts.get("phi") if isinstance(assessment.facts, dict) else None
    types = phi.get("types") if isinstance(phi, dict) else None
    return tuple(str(t) for t in types) if isinstance(types, list) else ()


def _individuals(assessment: BreachAssessment) -> int | None:
    people = assessment.facts.get("individuals") if isinstance(assessment.facts, dict) else None
    total = people.get("total") if isinstance(people, dict) else None
    return total if isinstance(total, int) else None


def notice_content(incident: Incident, assessment: BreachAssessment) -> NoticeContent:
    from phiward.breach.notices import NoticeContent

    settings = notice_settings(incident.organization)
    words = notice_text(incident)
    return NoticeContent(
        organization=incident.organization.name,
        what_happened=words.what_happened,
        breach_date=_facts_date(assessment, "occurred_on"),
        discovery_date=assessment.discovered_on,
        phi_types=tuple(words.phi_types) or _facts_phi_types(assessment),
        steps_for_individuals=words.steps_for_individuals,
        what_we_are_doing=words.what_we_are_doing,
        contact_toll_free=settings.contact_toll_free,
        contact_email=settings.contact_email,
        contact_website=settings.contact_website,
        contact_address=settings.contact_address,
    )


def determination_in_force(incident: Incident) -> tuple[BreachAssessment, bool]:
    signed = signed_assessment(incident)
    if signed is not None:
        return signed, True
    current = current_assessment(incident)
    if current is None:
        raise InvalidInput(f"{incident.reference} has no breach assessment yet; run one first")
    return current, False


def notice_drafts(incident: Incident) -> NoticeDrafts:
    """The drafts of every notice the determination in force needs."""
    from phiward.breach import notices

    assessment, signed = determination_in_force(incident)
    content = notice_content(incident, assessment)
    counts = {c.state: c for c in AffectedCount.objects.filter(incident=incident)}
    unreachable = sum(c.insufficient_contact for c in counts.values())
    drafts: list[Draft] = []
    if assessment.outcome == Outcome.BREACH:
        drafts.append(Draft("individual", notices.individual_notice(content, allow_missing=True)))
    keys = _obligation_keys(assessment)
    if any(k.startswith("next-of-kin") for k in keys):
        kin = notices.next_of_kin_notice(content, allow_missing=True)
        drafts.append(Draft("next_of_kin", kin))
    for key in sorted(k for k in keys if k.startswith("media:")):
        state = key.split(":", 1)[1]
        residents = counts[state].individuals if state in counts else None
        media = notices.media_notice(content, state, residents=residents, allow_missing=True)
        drafts.append(Draft(key, media))
    if "substitute-notice" in keys and unreachable >= notices.SUBSTITUTE_THRESHOLD:
        web = notices.substitute_web_notice(content, allow_missing=True)
        drafts.append(Draft("substitute_web", web))
    problems = notices.missing_elements(content, unreachable=unreachable)
    return NoticeDrafts(
        assessment=assessment,
        signed=signed,
        content=content,
        problems=tuple(problems),
        drafts=tuple(drafts),
        portal=notices.hhs_portal_fields(portal_input(incident, assessment)),
    )


def _obligation_keys(assessment: BreachAssessment) -> set[str]:
    if assessment.is_signed:
        return set(Obligation.objects.filter(assessment=assessment).values_list("key", flat=True))
    raw = assessment.result.get("obligations") if isinstance(assessment.result, dict) else None
    return (
        {str(o.get("key")) for o in raw if isinstance(o, dict)} if isinstance(raw, list) else set()
    )


@transaction.atomic
def save_notice_as_evidence(
    incident: Incident, key: str, by: User | None, *, at: dt.datetime | None = None
) -> EvidenceItem:
    """Keep the notice as sent in the evidence library (a record with its SHA-256), so the
    obligation can be closed with it. ``key`` names the draft (``individual``, ``media:MA``,
    ...); ``at`` dates the timeline entry (default now; not before the sign-off)."""
    from phiward.evidence import library

    drafts = notice_drafts(incident)
    if not drafts.signed:
        raise InvalidInput("sign the breach determination off before sending notices")
    moment = happened_at(
        at,
        after=drafts.assessment.signed_off_at,
        after_what="the determination was signed off",
    )
    if drafts.problems:
        raise InputProblems(list(drafts.problems))
    wanted = [d.notice for d in drafts.drafts if d.key == key]
    if not wanted:
        raise InputProblems([Problem("no such notice for this incident", field="key")])
    notice = wanted[0]
    item = library.add_record(
        incident.organization,
        {
            "incident": incident.reference,
            "assessment": drafts.assessment.number,
            "kind": notice.kind,
            "title": notice.title,
            "body": notice.body,
            "elements": [e.element_id for e in notice.elements],
        },
        meta=library.Metadata(
            title=f"{incident.reference} {notice.title}", description="Breach notice as sent"
        ),
        links=library.Links(),
        user=by,
    )
    add_entry(
        incident, TimelineKind.EVIDENCE, f"Notice kept as evidence: {notice.title}.", author=by,
        evidence=item, at=moment,
    )  # fmt: skip
    return item


# --- HHS -------------------------------------------------------------------------------------


_BREACH_TYPE = {
    Category.RANSOMWARE_MALWARE: "hacking_it_incident",
    Category.PHISHING_ACCOUNT_COMPROMISE: "hacking_it_incident",
    Category.LOST_STOLEN_DEVICE: "loss",
    Category.MISDIRECTED_COMMUNICATION: "unauthorized_access_disclosure",
    Category.UNAUTHORIZED_ACCESS: "unauthorized_access_disclosure",
    Category.IMPROPER_DISPOSAL: "improper_disposal",
}
_LOCATION = {
    "ehr": "electronic_medical_record",
    "email": "email",
    "laptop": "laptop",
    "workstation": "desktop_computer",
    "server": "network_server",
    "database": "network_server",
    "file_share": "network_server",
    "mobile_device": "other_portable_electronic_device",
    "removable_media": "other_portable_electronic_device",
}


def log_entry(incident: Incident, assessment: BreachAssessment) -> LogEntry:
    """The annual-log entry of a signed breach determination."""
    from phiward.breach.hhs_log import LogEntry
    from phiward.breach.portal import BreachType, Location

    discovered = assessment.discovered_on or _facts_date(assessment, "discovered_on")
    if discovered is None:
        raise InvalidInput(f"{incident.reference}: the assessment has no discovery date")
    obligations = list(Obligation.objects.filter(assessment=assessment))
    individual = next((o for o in obligations if o.key == "individuals"), None)
    kinds = {a.kind for a in incident.assets.all()}
    locations = tuple(sorted({Location(_LOCATION[k]) for k in kinds if k in _LOCATION}))
    return LogEntry(
        reference=incident.reference,
        discovered_on=discovered,
        individuals=_individuals(assessment) or 0,
        breach_start=_facts_date(assessment, "occurred_on"),
        breach_types=(BreachType(_BREACH_TYPE.get(Category(incident.category), "other")),),
        locations=locations,
        summary=notice_text(incident).what_happened,
        individual_notice_on=individual.done_on
        if individual is not None and individual.status == ObligationStatus.DONE
        else None,
        substitute_notice=any(o.recipient == Recipient.SUBSTITUTE for o in obligations),
        media_notice=any(o.recipient == Recipient.MEDIA for o in obligations),
    )


def portal_input(incident: Incident, assessment: BreachAssessment) -> PortalInput:
    from phiward.breach.hhs_log import portal_input as build
    from phiward.breach.portal import Party, PortalInput

    settings = notice_settings(incident.organization)
    party = Party(
        name=incident.organization.name,
        street=" ".join(incident.organization.address.split()),
        contact_phone=settings.contact_toll_free,
        contact_email=settings.contact_email,
    )
    if assessment.outcome != Outcome.BREACH or assessment.discovered_on is None:
        return PortalInput(covered_entity=party)
    return build(log_entry(incident, assessment), party)


def annual_log_entries(organization: Organization, year: int) -> tuple[LogEntry, ...]:
    """The breaches under 500 discovered in ``year``: the determination in force of each
    incident (its latest signed assessment), when that is a breach."""
    from phiward.breach.hhs_log import annual_log

    latest: dict[int, BreachAssessment] = {}
    signed = (
        BreachAssessment.objects.for_org(organization)
        .filter(signed_off_at__isnull=False)
        .select_related("incident")
        .order_by("incident_id", "number")
    )
    for assessment in signed:
        latest[assessment.incident_id] = assessment  # the last one wins
    entries = [
        log_entry(a.incident, a)
        for a in latest.values()
        if a.outcome == Outcome.BREACH
        and a.discovered_on is not None
        and a.discovered_on.year == year
    ]
    return annual_log(entries, year)


def record_log_export(organization: Organization, year: int, entries: int, via: str) -> None:
    """Put an export of the annual log on the audit log (it names incidents, not people)."""
    record(
        AuditEvent(
            action=AuditAction.EXPORT,
            organization_id=organization.pk,
            object_type="incidents.hhslog",
            object_id=str(year),
            summary=f"annual HHS breach log {year} exported ({entries} entries, {via})",
        )
    )
