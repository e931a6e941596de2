"""What HHS's breach portal asks for (45 CFR 164.408), as typed field records.

The Secretary is notified "in the manner specified on the HHS web site": the OCR breach portal
(ocrportal.hhs.gov/ocr/breach). Its form has five sections — covered entity, business associate,
breach, notice of breach and actions taken, attestation. The fields and choice lists below follow
that form as published by OCR; OCR changes the form from time to time, so compare with the live
portal before filing. The attestation is given by a person on the portal and is not modelled.

``hhs_portal_fields`` turns a ``PortalInput`` into the field list a UI shows (label, value,
required, missing) and ``portal_problems`` names every required field that is empty plus dates
that contradict each other. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from phiward.core.errors import Problem

BREACH_PORTAL_URL = "https://ocrportal.hhs.gov/ocr/breach"
INDIVIDUALS = "individuals"
LARGE_BREACH = 500  # 164.408(b): 500 or more individuals; fewer go on the annual log (c)

SECTION_ENTITY = "Section 1 - Covered entity"
SECTION_BA = "Section 2 - Business associate"
SECTION_BREACH = "Section 3 - Breach"
SECTION_NOTICE = "Section 4 - Notice of breach and actions taken"


class ReportType(StrEnum):
    INITIAL = "initial"
    ADDENDUM = "addendum"  # an update to a report already filed

    @property
    def label(self) -> str:
        return {ReportType.INITIAL: "Initial breach report", ReportType.ADDENDUM: "Addendum"}[self]


class EntityType(StrEnum):
    HEALTH_PLAN = "health_plan"
    HEALTHCARE_CLEARINGHOUSE = "healthcare_clearinghouse"
    HEALTHCARE_PROVIDER = "healthcare_provider"

    @property
    def label(self) -> str:
        return _LABELS[self]


class BreachType(StrEnum):
    HACKING_IT_INCIDENT = "hacking_it_incident"
    IMPROPER_DISPOSAL = "improper_disposal"
    LOSS = "loss"
    THEFT = "theft"
    UNAUTHORIZED_ACCESS_DISCLOSURE = "unauthorized_access_disclosure"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]


class Location(StrEnum):
    DESKTOP_COMPUTER = "desktop_computer"
    ELECTRONIC_MEDICAL_RECORD = "electronic_medical_record"
    EMAIL = "email"
    LAPTOP = "laptop"
    NETWORK_SERVER = "network_server"
    OTHER_PORTABLE_DEVICE = "other_portable_electronic_device"
    PAPER_FILMS = "paper_films"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]


class PhiCategory(StrEnum):
    CLINICAL = "clinical"
    DEMOGRAPHIC = "demographic"
    FINANCIAL = "financial"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Safeguard(StrEnum):
    NONE = "none"
    PRIVACY_RULE = "privacy_rule"
    SECURITY_ADMINISTRATIVE = "security_rule_administrative"
    SECURITY_PHYSICAL = "security_rule_physical"
    SECURITY_TECHNICAL = "security_rule_technical"

    @property
    def label(self) -> str:
        return _LABELS[self]


class Action(StrEnum):
    ADOPTED_ENCRYPTION = "adopted_encryption"
    CHANGED_PASSWORDS = "changed_passwords"
    RISK_MANAGEMENT_PLAN = "risk_management_plan"
    NEW_TECHNICAL_SAFEGUARDS = "new_technical_safeguards"
    PERIODIC_EVALUATIONS = "periodic_evaluations"
    IMPROVED_PHYSICAL_SECURITY = "improved_physical_security"
    RISK_ANALYSIS = "risk_analysis"
    BA_TRAINING = "business_associate_training"
    CREDIT_MONITORING = "credit_monitoring"
    REVISED_BA_CONTRACTS = "revised_business_associate_contracts"
    REVISED_POLICIES = "revised_policies"
    SANCTIONED_WORKFORCE = "sanctioned_workforce"
    MITIGATED_HARM = "mitigated_harm"
    TRAINED_WORKFORCE = "trained_workforce"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[StrEnum, str] = {
    EntityType.HEALTH_PLAN: "Health Plan",
    EntityType.HEALTHCARE_CLEARINGHOUSE: "Healthcare Clearinghouse",
    EntityType.HEALTHCARE_PROVIDER: "Healthcare Provider",
    BreachType.HACKING_IT_INCIDENT: "Hacking/IT Incident",
    BreachType.IMPROPER_DISPOSAL: "Improper Disposal",
    BreachType.LOSS: "Loss",
    BreachType.THEFT: "Theft",
    BreachType.UNAUTHORIZED_ACCESS_DISCLOSURE: "Unauthorized Access/Disclosure",
    BreachType.OTHER: "Other",
    Location.DESKTOP_COMPUTER: "Desktop Computer",
    Location.ELECTRONIC_MEDICAL_RECORD: "Electronic Medical Record",
    Location.EMAIL: "Email",
    Location.LAPTOP: "Laptop",
    Location.NETWORK_SERVER: "Network Server",
    Location.OTHER_PORTABLE_DEVICE: "Other Portable Electronic Device",
    Location.PAPER_FILMS: "Paper/Films",
    Location.OTHER: "Other",
    Safeguard.NONE: "None",
    Safeguard.PRIVACY_RULE: "Privacy Rule Safeguards (Training, Policies and Procedures, etc.)",
    Safeguard.SECURITY_ADMINISTRATIVE: "Security Rule Administrative Safeguards",
    Safeguard.SECURITY_PHYSICAL: "Security Rule Physical Safeguards",
    Safeguard.SECURITY_TECHNICAL: "Security Rule Technical Safeguards",
    Action.ADOPTED_ENCRYPTION: "Adopted encryption technologies",
    Action.CHANGED_PASSWORDS: "Changed password/strengthened password requirements",
    Action.RISK_MANAGEMENT_PLAN: "Created a new/updated Security Rule Risk Management Plan",
    Action.NEW_TECHNICAL_SAFEGUARDS: "Implemented new technical safeguards",
    Action.PERIODIC_EVALUATIONS: "Implemented periodic technical and nontechnical evaluations",
    Action.IMPROVED_PHYSICAL_SECURITY: "Improved physical security",
    Action.RISK_ANALYSIS: "Performed a new/updated Security Rule Risk Analysis",
    Action.BA_TRAINING: "Provided business associate with additional training on HIPAA "
    "requirements",
    Action.CREDIT_MONITORING: "Provided individuals with free credit monitoring",
    Action.REVISED_BA_CONTRACTS: "Revised business associate contracts",
    Action.REVISED_POLICIES: "Revised policies and procedures",
    Action.SANCTIONED_WORKFORCE: "Sanctioned workforce members involved (including termination)",
    Action.MITIGATED_HARM: "Took steps to mitigate harm",
    Action.TRAINED_WORKFORCE: "Trained or retrained workforce members",
    Action.OTHER: "Other",
}


@dataclass(frozen=True)
class Party:
    """A covered entity or business associate as the portal asks for it."""

    name: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


@dataclass(frozen=True)
class PortalInput:
    covered_entity: Party
    entity_type: EntityType | None = None
    business_associate: Party | None = None  # None: no business associate was involved
    report_type: ReportType = ReportType.INITIAL
    breach_start: date | None = None
    breach_end: date | None = None
    discovery_start: date | None = None
    discovery_end: date | None = None
    individuals: int | None = None  # approximate number affected
    breach_types: tuple[BreachType, ...] = ()
    breach_type_other: str = ""  # required when OTHER is chosen
    locations: tuple[Location, ...] = ()
    location_other: str = ""
    phi_types: tuple[PhiCategory, ...] = ()
    phi_other: str = ""
    description: str = ""  # brief description of the breach
    safeguards: tuple[Safeguard, ...] = ()
    individual_notice_start: date | None = None
    individual_notice_end: date | None = None
    substitute_notice: bool | None = None  # was substitute notice required?
    media_notice: bool | None = None  # was media notice required?
    actions: tuple[Action, ...] = ()
    actions_other: str = ""  # describe other actions taken


@dataclass(frozen=True)
class PortalField:
    key: str  # the PortalInput path, also Problem.field: "covered_entity.name", "individuals"
    section: str
    label: str
    value: str  # as the UI shows it; choices joined with "; ", dates ISO, yes/no
    required: bool
    missing: bool
    options: tuple[str, ...] = ()  # the portal's choices, for choice fields


def _text(value: str | None) -> str:
    return (value or "").strip()


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _choices(values: Sequence[StrEnum]) -> str:
    return "; ".join(_LABELS.get(v, v.value.capitalize()) for v in values)


def _options(kind: type[StrEnum]) -> tuple[str, ...]:
    return tuple(_LABELS.get(v, v.value.capitalize()) for v in kind)


def _field(
    key: str,
    section: str,
    label: str,
    value: str,
    *,
    required: bool = True,
    options: tuple[str, ...] = (),
) -> PortalField:
    return PortalField(key, section, label, value, required, required and not value, options)


def _party(prefix: str, section: str, party: Party, who: str) -> list[PortalField]:
    return [
        _field(f"{prefix}.name", section, f"{who} name", _text(party.name)),
        _field(f"{prefix}.street", section, "Street address", _text(party.street)),
        _field(f"{prefix}.city", section, "City", _text(party.city)),
        _field(f"{prefix}.state", section, "State", _text(party.state)),
        _field(f"{prefix}.zip_code", section, "ZIP", _text(party.zip_code)),
        _field(f"{prefix}.contact_name", section, "Contact name", _text(party.contact_name)),
        _field(f"{prefix}.contact_phone", section, "Contact phone", _text(party.contact_phone)),
        _field(f"{prefix}.contact_email", section, "Contact e-mail", _text(party.contact_email)),
    ]


def hhs_portal_fields(data: PortalInput) -> tuple[PortalField, ...]:
    """Every field of the HHS breach form, in the portal's order, with what we know."""
    count = data.individuals
    affecting = ""
    if count is not None:
        affecting = "500 or more individuals" if count >= LARGE_BREACH else "Fewer than 500"
    fields = [
        _field("breach_affecting", "Report", "Breach affecting", affecting),
        _field(
            "report_type",
            "Report",
            "Report type",
            data.report_type.label,
            options=tuple(t.label for t in ReportType),
        ),
        *_party("covered_entity", SECTION_ENTITY, data.covered_entity, "Covered entity"),
        _field(
            "entity_type",
            SECTION_ENTITY,
            "Type of covered entity",
            data.entity_type.label if data.entity_type else "",
            options=_options(EntityType),
        ),
        _field(
            "business_associate_involved",
            SECTION_BA,
            "Did the breach occur at or by a business associate?",
            _yes_no(data.business_associate is not None),
        ),
    ]
    if data.business_associate is not None:
        fields += _party(
            "business_associate", SECTION_BA, data.business_associate, "Business associate"
        )
    other_type = BreachType.OTHER in data.breach_types
    other_location = Location.OTHER in data.locations
    other_phi = PhiCategory.OTHER in data.phi_types
    fields += [
        _field("breach_start", SECTION_BREACH, "Breach start date", _date(data.breach_start)),
        _field("breach_end", SECTION_BREACH, "Breach end date", _date(data.breach_end)),
        _field(
            "discovery_start", SECTION_BREACH, "Discovery start date", _date(data.discovery_start)
        ),
        _field("discovery_end", SECTION_BREACH, "Discovery end date", _date(data.discovery_end)),
        _field(
            "individuals",
            SECTION_BREACH,
            "Approximate number of individuals affected by the breach",
            "" if count is None else str(count),
        ),
        _field(
            "breach_types",
            SECTION_BREACH,
            "Type of breach",
            _choices(data.breach_types),
            options=_options(BreachType),
        ),
        _field(
            "breach_type_other",
            SECTION_BREACH,
            "Other type of breach (describe)",
            _text(data.breach_type_other),
            required=other_type,
        ),
        _field(
            "locations",
            SECTION_BREACH,
            "Location of breached information",
            _choices(data.locations),
            options=_options(Location),
        ),
        _field(
            "location_other",
            SECTION_BREACH,
            "Other location (describe)",
            _text(data.location_other),
            required=other_location,
        ),
        _field(
            "phi_types",
            SECTION_BREACH,
            "Type of protected health information involved in the breach",
            _choices(data.phi_types),
            options=_options(PhiCategory),
        ),
        _field(
            "phi_other",
            SECTION_BREACH,
            "Other type of protected health information (describe)",
            _text(data.phi_other),
            required=other_phi,
        ),
        _field(
            "description",
            SECTION_BREACH,
            "Brief description of the breach",
            _text(data.description),
        ),
        _field(
            "safeguards",
            SECTION_BREACH,
            "Safeguards in place prior to breach",
            _choices(data.safeguards),
            options=_options(Safeguard),
        ),
        _field(
            "individual_notice_start",
            SECTION_NOTICE,
            "Individual notice provided start date",
            _date(data.individual_notice_start),
        ),
        _field(
            "individual_notice_end",
            SECTION_NOTICE,
            "Individual notice provided projected/expected end date",
            _date(data.individual_notice_end),
            required=False,
        ),
        _field(
            "substitute_notice",
            SECTION_NOTICE,
            "Was substitute notice required?",
            _yes_no(data.substitute_notice),
        ),
        _field(
            "media_notice",
            SECTION_NOTICE,
            "Was media notice required?",
            _yes_no(data.media_notice),
        ),
        _field(
            "actions",
            SECTION_NOTICE,
            "Actions taken in response to breach",
            _choices(data.actions),
            options=_options(Action),
        ),
        _field(
            "actions_other",
            SECTION_NOTICE,
            "Describe other actions taken",
            _text(data.actions_other),
            required=Action.OTHER in data.actions,
        ),
    ]
    return tuple(fields)


def _order(later: date | None, earlier: date | None, field: str, message: str) -> list[Problem]:
    if later is not None and earlier is not None and later < earlier:
        return [Problem(message, field=field)]
    return []


def portal_problems(data: PortalInput) -> list[Problem]:
    """Each required field that is empty, and each contradiction between the dates."""
    problems = [
        Problem(f"{field.label}: the HHS breach portal requires this field", field=field.key)
        for field in hhs_portal_fields(data)
        if field.missing
    ]
    if data.individuals is not None and data.individuals < 1:
        problems.append(Problem("the number of individuals must be at least 1", field=INDIVIDUALS))
    if Safeguard.NONE in data.safeguards and len(data.safeguards) > 1:
        problems.append(
            Problem("'None' cannot be chosen together with other safeguards", field="safeguards")
        )
    problems += _order(
        data.breach_end, data.breach_start, "breach_end", "the breach ends before it starts"
    )
    problems += _order(
        data.discovery_start,
        data.breach_start,
        "discovery_start",
        "the breach is discovered before it starts",
    )
    problems += _order(
        data.discovery_end,
        data.discovery_start,
        "discovery_end",
        "the discovery period ends before it starts",
    )
    problems += _order(
        data.individual_notice_end,
        data.individual_notice_start,
        "individual_notice_end",
        "individual notice ends before it starts",
    )
    return problems
