"""OSCAL 1.1 documents built from phiward's facts: catalog, system security plan, assessment
results. Pure: the callers gather the facts (``phiward.oscal.service``); nothing here reads the
database, so the shapes are tested directly and validated with compliance-trestle in the tests.

Identifiers are stable: a control id is ``hipaa-`` plus the catalog key (``164.308(a)(1)(ii)(A)``
becomes ``hipaa-164.308-a-1-ii-A``), and UUIDs are version-5 UUIDs of what they stand for, so the
same facts export to the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from phiward import __version__
from phiward.catalog.catalog import CatalogEntry, Framework

OSCAL_VERSION = "1.1.2"
# Properties phiward defines live in its namespace (OSCAL requires ``ns`` for non-core names).
NS = "urn:phiward:oscal"
_UUID_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, NS)

Json = dict[str, Any]


def stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(_UUID_ROOT, "/".join(str(p) for p in parts)))


def control_id(entry_key: str) -> str:
    return f"hipaa-{entry_key}"


def _timestamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _metadata(title: str, version: str, modified: dt.datetime, **extra: Any) -> Json:
    meta: Json = {
        "title": title,
        "last-modified": _timestamp(modified),
        "version": version,
        "oscal-version": OSCAL_VERSION,
    }
    meta.update(extra)
    return meta


def _prop(name: str, value: str, *, ns: bool = True, cls: str | None = None) -> Json:
    prop: Json = {"name": name, "value": value}
    if ns:
        prop["ns"] = NS
    if cls:
        prop["class"] = cls
    return prop


def dumps(document: Json) -> str:
    """The canonical text of a document: sorted keys, two-space indent, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- catalog -------------------------------------------------------------------------------------


def _control(framework: Framework, item: CatalogEntry) -> Json:
    props = [_prop("label", item.citation or item.id, ns=False)]
    if item.requirement is not None:
        props.append(_prop("requirement", item.requirement.value))
    props.append(_prop("kind", item.kind.value))
    if item.in_appendix_a:
        props.append(_prop("appendix-a", "true"))
    parts: list[Json] = []
    if item.text:
        parts.append({"id": f"{control_id(item.key)}_smt", "name": "statement", "prose": item.text})
    if item.summary:
        parts.append(
            {"id": f"{control_id(item.key)}_gdn", "name": "guidance", "prose": item.summary}
        )
    for number, activity in enumerate(item.key_activities, start=1):
        sub: list[Json] = [
            {"name": "item", "prose": bullet.text} for bullet in activity.descriptions
        ]
        for question in activity.sample_questions:
            prose = question.text + "".join(f"\n- {sub_item}" for sub_item in question.items)
            sub.append({"name": "assessment-objective", "prose": prose})
        parts.append(
            {
                "id": f"{control_id(item.key)}_ka{number}",
                "name": "guidance",
                "title": f"Key activity: {activity.title} (NIST SP 800-66r2 {activity.id})",
                "class": "nist-sp800-66r2-key-activity",
                "parts": sub,
            }
        )
    control: Json = {
        "id": control_id(item.key),
        "class": item.kind.value.replace("_", "-"),
        "title": item.title,
        "props": props,
    }
    if parts:
        control["parts"] = parts
    children = [_control(framework, child) for child in framework.children_of(item)]
    if children:
        control["controls"] = children
    return control


def catalog(framework: Framework) -> Json:
    """The framework as an OSCAL catalog: one group per safeguard family, standards as
    controls, implementation specifications as their sub-controls."""
    groups: list[Json] = []
    heads = [item for item in framework.entries if item.parent is None]
    families = framework.families
    for family in families:
        members = [item for item in heads if item.family is family]
        groups.append(
            {
                "id": f"family-{family.value}",
                "class": "family",
                "title": family.label,
                "controls": [_control(framework, item) for item in members],
            }
        )
    loose = [item for item in heads if item.family is None]
    modified = dt.datetime.combine(dt.date.fromisoformat(framework.as_of[:10]), dt.time())
    document: Json = {
        "uuid": stable_uuid("catalog", framework.id, framework.as_of),
        "metadata": _metadata(
            framework.title,
            framework.as_of,
            modified,
            props=[
                _prop("status", framework.status.value),
                _prop("generator", f"phiward {__version__}"),
            ],
            remarks=f"{framework.citation}. Source: {framework.source}",
        ),
    }
    if groups:
        document["groups"] = groups
    if loose:
        document["controls"] = [_control(framework, item) for item in loose]
    return {"catalog": document}


# --- system security plan ------------------------------------------------------------------------

# phiward's safeguard statuses in OSCAL's implementation-status vocabulary.
IMPLEMENTATION_STATE = {
    "implemented": "implemented",
    "partial": "partial",
    "planned": "planned",
    "not_implemented": "planned",
    "not_applicable": "not-applicable",
    "alternative": "alternative",
}


@dataclass(frozen=True)
class SystemFacts:
    organization_uid: str
    organization_name: str
    organization_slug: str
    description: str
    information_types: Sequence[tuple[str, str]]  # (title, description)
    component_count: int
    generated_at: dt.datetime


@dataclass(frozen=True)
class Implementation:
    """One safeguard's status for the SSP and the assessment results."""

    entry_key: str
    citation: str
    title: str
    status: str  # a key of IMPLEMENTATION_STATE
    statement: str
    requirement: str = ""
    decision: str = ""
    rationale: str = ""
    owner: str = ""
    gap: bool = False  # counts as a finding (not implemented, partial, planned, evidence missing)
    gap_reason: str = ""
    evidence: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (title, sha256 or url)


@dataclass(frozen=True)
class RiskFacts:
    reference: str
    title: str
    description: str
    status: str  # open / closed
    likelihood: str
    impact: str
    level: str
    entry_keys: Sequence[str] = ()


def _responsible_party(role_id: str, party_uuid: str) -> Json:
    return {"role-id": role_id, "party-uuids": [party_uuid]}


def ssp(
    system: SystemFacts,
    implementations: Iterable[Implementation],
    *,
    profile_href: str,
) -> Json:
    party = stable_uuid("party", system.organization_uid)
    this_system = stable_uuid("component", system.organization_uid, "this-system")
    requirements: list[Json] = []
    for item in implementations:
        state = IMPLEMENTATION_STATE[item.status]
        props = [_prop("implementation-status", state, ns=False)]
        if item.requirement:
            props.append(_prop("requirement", item.requirement))
        if item.decision:
            props.append(_prop("addressable-decision", item.decision))
        statement = item.statement or "No description recorded."
        remarks = [f"{item.citation} {item.title}."]
        if item.rationale:
            remarks.append(f"Rationale: {item.rationale}")
        if item.owner:
            remarks.append(f"Owner: {item.owner}")
        if item.evidence:
            remarks.append("Evidence: " + "; ".join(f"{t} ({ref})" for t, ref in item.evidence))
        requirements.append(
            {
                "uuid": stable_uuid(
                    "implemented-requirement", system.organization_uid, item.entry_key
                ),
                "control-id": control_id(item.entry_key),
                "props": props,
                "by-components": [
                    {
                        "component-uuid": this_system,
                        "uuid": stable_uuid(
                            "by-component", system.organization_uid, item.entry_key
                        ),
                        "description": statement,
                        "implementation-status": {"state": state},
                    }
                ],
                "remarks": "\n".join(remarks),
            }
        )
    info_types = [
        {
            "uuid": stable_uuid("information-type", system.organization_uid, title),
            "title": title,
            "description": description,
        }
        for title, description in system.information_types
    ] or [
        {
            "uuid": stable_uuid("information-type", system.organization_uid, "ephi"),
            "title": "Electronic protected health information",
            "description": "ePHI as defined at 45 CFR 160.103.",
        }
    ]
    document: Json = {
        "uuid": stable_uuid("ssp", system.organization_uid),
        "metadata": _metadata(
            f"System Security Plan — {system.organization_name}",
            _timestamp(system.generated_at),
            system.generated_at,
            roles=[{"id": "security-officer", "title": "Security official (164.308(a)(2))"}],
            parties=[{"uuid": party, "type": "organization", "name": system.organization_name}],
            props=[_prop("generator", f"phiward {__version__}")],
        ),
        "import-profile": {"href": profile_href},
        "system-characteristics": {
            "system-ids": [
                {
                    "identifier-type": "https://ietf.org/rfc/rfc4122",
                    "id": system.organization_uid,
                }
            ],
            "system-name": system.organization_name,
            "system-name-short": system.organization_slug,
            "description": system.description
            or f"The HIPAA security program of {system.organization_name}.",
            "system-information": {"information-types": info_types},
            "status": {"state": "operational"},
            "authorization-boundary": {
                "description": (
                    f"Every system, device and service of {system.organization_name}'s ePHI "
                    f"inventory that creates, receives, maintains or transmits ePHI "
                    f"({system.component_count} inventory assets)."
                )
            },
        },
        "system-implementation": {
            "users": [
                {
                    "uuid": stable_uuid("user", system.organization_uid, "workforce"),
                    "title": "Workforce members with access to ePHI",
                    "role-ids": ["security-officer"],
                }
            ],
            "components": [
                {
                    "uuid": this_system,
                    "type": "this-system",
                    "title": system.organization_name,
                    "description": "The organization's information systems that handle ePHI.",
                    "status": {"state": "operational"},
                }
            ],
        },
        "control-implementation": {
            "description": (
                "How each HIPAA Security Rule standard and implementation specification is met, "
                "as recorded in phiward."
            ),
            "implemented-requirements": requirements,
        },
    }
    return {"system-security-plan": document}


# --- assessment results --------------------------------------------------------------------------


def assessment_results(
    system: SystemFacts,
    implementations: Iterable[Implementation],
    risks: Iterable[RiskFacts],
    *,
    assessment_plan_href: str,
    started: dt.datetime,
) -> Json:
    org = system.organization_uid
    tool = stable_uuid("tool", "phiward")
    risk_list = list(risks)
    risk_uuids = {risk.reference: stable_uuid("risk", org, risk.reference) for risk in risk_list}
    findings: list[Json] = []
    observations: list[Json] = []
    for item in implementations:
        satisfied = not item.gap
        observation_uuid = stable_uuid("observation", org, item.entry_key)
        observations.append(
            {
                "uuid": observation_uuid,
                "title": f"{item.citation} status",
                "description": (
                    f"Recorded status: {item.status.replace('_', ' ')}."
                    + (f" {item.gap_reason}" if item.gap_reason else "")
                ),
                "methods": ["EXAMINE"],
                "collected": _timestamp(system.generated_at),
                **(
                    {
                        "relevant-evidence": [
                            {"description": f"{title} ({ref})"} for title, ref in item.evidence
                        ]
                    }
                    if item.evidence
                    else {}
                ),
            }
        )
        related = [
            {"risk-uuid": risk_uuids[risk.reference]}
            for risk in risk_list
            if item.entry_key in risk.entry_keys
        ]
        finding: Json = {
            "uuid": stable_uuid("finding", org, item.entry_key),
            "title": f"{item.citation} {item.title}",
            "description": item.gap_reason
            or f"{item.citation} is {item.status.replace('_', ' ')}.",
            "target": {
                "type": "objective-id",
                "target-id": control_id(item.entry_key),
                "status": {"state": "satisfied" if satisfied else "not-satisfied"},
            },
            "related-observations": [{"observation-uuid": observation_uuid}],
        }
        if related:
            finding["related-risks"] = related
        findings.append(finding)
    oscal_risks = [
        {
            "uuid": risk_uuids[risk.reference],
            "title": f"{risk.reference} {risk.title}",
            "description": risk.description or risk.title,
            "statement": f"Risk level {risk.level or 'not rated'}.",
            "status": "open" if risk.status == "open" else "closed",
            "characterizations": [
                {
                    "origin": {"actors": [{"type": "tool", "actor-uuid": tool}]},
                    "facets": [
                        {
                            "name": "likelihood",
                            "system": NS,
                            "value": risk.likelihood or "not rated",
                        },
                        {"name": "impact", "system": NS, "value": risk.impact or "not rated"},
                        {"name": "risk", "system": NS, "value": risk.level or "not rated"},
                    ],
                }
            ],
        }
        for risk in risk_list
    ]
    result: Json = {
        "uuid": stable_uuid("result", org, _timestamp(started)),
        "title": f"HIPAA Security Rule assessment of {system.organization_name}",
        "description": "Safeguard statuses and risks as recorded in phiward.",
        "start": _timestamp(started),
        "end": _timestamp(system.generated_at),
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
    }
    if observations:
        result["observations"] = observations
    if oscal_risks:
        result["risks"] = oscal_risks
    if findings:
        result["findings"] = findings
    document: Json = {
        "uuid": stable_uuid("assessment-results", org, _timestamp(system.generated_at)),
        "metadata": _metadata(
            f"Assessment Results — {system.organization_name}",
            _timestamp(system.generated_at),
            system.generated_at,
            props=[_prop("generator", f"phiward {__version__}")],
        ),
        "import-ap": {"href": assessment_plan_href},
        "results": [result],
    }
    return {"assessment-results": document}


# --- profile -------------------------------------------------------------------------------------


def profile(framework: Framework, catalog_href: str) -> Json:
    """A profile selecting every control of the exported catalog (what the SSP imports)."""
    modified = dt.datetime.combine(dt.date.fromisoformat(framework.as_of[:10]), dt.time())
    return {
        "profile": {
            "uuid": stable_uuid("profile", framework.id, framework.as_of),
            "metadata": _metadata(
                f"{framework.short_title or framework.title} — all controls",
                framework.as_of,
                modified,
                props=[_prop("generator", f"phiward {__version__}")],
            ),
            "imports": [{"href": catalog_href, "include-all": {}}],
        }
    }
