"""The facts of an incident that a breach determination rests on: types and canonical form.

``parse_facts`` reads a document (YAML or JSON already decoded into a mapping) into
``BreachFacts``: nested frozen dataclasses; the reading and validation live in
``phiward.breach.reading``. Every problem is reported at once, each naming its
field by dotted path (``individuals.by_state.MA``). A missing required fact, an unknown key or a
contradiction is an error, never a guess. Where the law lets a fact be unknown (when the breach
occurred, whether an encryption key was compromised, an exception condition), the answer
``unknown`` is accepted and the determination reasons with it. The schema is documented in
``docs/breach.md``; ``BreachFacts.to_dict`` returns the canonical form, and
``parse_facts(facts.to_dict()) == facts``.

Messages name the field and the rule, never the value (values may hold PHI).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

SCHEMA = "phiward.breach.facts/1"
UNKNOWN = "unknown"
# 164.400: the subpart applies to breaches occurring on or after this day.
APPLICABLE_FROM = dt.date(2009, 9, 23)

# The States and jurisdictions of 45 CFR 160.103 ("State"), by postal code.
JURISDICTIONS = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "  # noqa: SIM905
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP".split()
)


class EntityRole(StrEnum):
    COVERED_ENTITY = "covered_entity"
    BUSINESS_ASSOCIATE = "business_associate"


class EncryptionStandard(StrEnum):
    """How the PHI was encrypted; everything but OTHER is named in HHS's guidance."""

    SP_800_111 = "nist-sp-800-111"  # data at rest (storage encryption)
    SP_800_52 = "nist-sp-800-52"  # data in motion: TLS
    SP_800_77 = "nist-sp-800-77"  # data in motion: IPsec VPN
    SP_800_113 = "nist-sp-800-113"  # data in motion: SSL VPN
    FIPS_140 = "fips-140-validated"  # data in motion: another FIPS 140 validated process
    OTHER = "other"

    @property
    def meets_guidance(self) -> bool:
        return self is not EncryptionStandard.OTHER


class DestructionMethod(StrEnum):
    PAPER_SHREDDED = "paper-shredded"
    PAPER_DESTROYED = "paper-destroyed"
    MEDIA_CLEARED = "media-cleared-sp-800-88"
    MEDIA_PURGED = "media-purged-sp-800-88"
    MEDIA_DESTROYED = "media-destroyed-sp-800-88"
    REDACTED = "redacted"  # expressly not destruction under the guidance
    OTHER = "other"

    @property
    def meets_guidance(self) -> bool:
        return self not in (DestructionMethod.REDACTED, DestructionMethod.OTHER)


class ExceptionKind(StrEnum):
    """The three exceptions of paragraph (1) of the definition of breach in 164.402."""

    UNINTENTIONAL_USE = "164.402(1)(i)"
    INADVERTENT_DISCLOSURE = "164.402(1)(ii)"
    COULD_NOT_RETAIN = "164.402(1)(iii)"


# Each exception's conditions: (name, what must be true). All must be answered.
EXCEPTION_CONDITIONS: Mapping[ExceptionKind, tuple[tuple[str, str], ...]] = {
    ExceptionKind.UNINTENTIONAL_USE: (
        ("unintentional", "the acquisition, access or use was unintentional"),
        (
            "by_authorized_person",
            "it was by a workforce member or a person acting under the authority of the "
            "covered entity or business associate",
        ),
        ("good_faith", "it was made in good faith"),
        ("within_scope_of_authority", "it was within the scope of that person's authority"),
        (
            "no_further_impermissible_use",
            "it did not result in further use or disclosure the Privacy Rule does not permit",
        ),
    ),
    ExceptionKind.INADVERTENT_DISCLOSURE: (
        ("inadvertent", "the disclosure was inadvertent"),
        (
            "discloser_authorized",
            "the person who disclosed is authorized to access PHI at the covered entity or "
            "business associate",
        ),
        (
            "recipient_authorized",
            "the recipient is authorized to access PHI at the same covered entity or business "
            "associate, or organized health care arrangement in which the covered entity "
            "participates",
        ),
        (
            "no_further_impermissible_use",
            "the information received is not further used or disclosed in a manner the "
            "Privacy Rule does not permit",
        ),
    ),
    ExceptionKind.COULD_NOT_RETAIN: (
        (
            "good_faith_belief",
            "the entity has a good-faith belief that the unauthorized recipient would not "
            "reasonably have been able to retain the information",
        ),
    ),
}


class Rating(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Conclusion(StrEnum):
    LOW_PROBABILITY = "low_probability"
    NOT_LOW_PROBABILITY = "not_low_probability"


# The four factors of 164.402(2): (name, paragraph, what the factor asks).
RISK_FACTORS: tuple[tuple[str, str, str], ...] = (
    (
        "nature_and_extent",
        "164.402(2)(i)",
        "the nature and extent of the PHI involved, including the types of identifiers and "
        "the likelihood of re-identification",
    ),
    (
        "unauthorized_person",
        "164.402(2)(ii)",
        "the unauthorized person who used the PHI or to whom it was disclosed",
    ),
    ("acquired_or_viewed", "164.402(2)(iii)", "whether the PHI was actually acquired or viewed"),
    ("mitigation", "164.402(2)(iv)", "the extent to which the risk to the PHI has been mitigated"),
)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _tri(value: bool | None) -> bool | str:
    return UNKNOWN if value is None else value


@dataclass(frozen=True)
class Entity:
    role: EntityRole
    name: str = ""


@dataclass(frozen=True)
class BusinessAssociateFacts:
    """Only for a business associate: the covered entity it serves and when it told it."""

    covered_entity: str = ""
    notified_covered_entity_on: dt.date | None = None


@dataclass(frozen=True)
class Dates:
    occurred_on: dt.date | None  # None: unknown
    discovered_on: dt.date  # 164.404(a)(2) / 164.410(a)(2)
    notified_by_business_associate_on: dt.date | None = None  # covered entity only
    as_of: dt.date | None = None  # "today", for days remaining


@dataclass(frozen=True)
class PhiFacts:
    involved: bool
    permitted: bool | None = None  # None only when no PHI is involved
    permitted_basis: str = ""
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Encryption:
    encrypted: bool
    standard: EncryptionStandard | None = None
    key_compromised: bool | None = None  # None: unknown (when encrypted)


@dataclass(frozen=True)
class Destruction:
    destroyed: bool
    method: DestructionMethod | None = None


@dataclass(frozen=True)
class SafeHarbor:
    encryption: Encryption | None = None
    destruction: Destruction | None = None


@dataclass(frozen=True)
class ExceptionClaim:
    kind: ExceptionKind
    conditions: tuple[tuple[str, bool | None], ...]  # in EXCEPTION_CONDITIONS order
    explanation: str

    @property
    def unanswered(self) -> tuple[str, ...]:
        return tuple(name for name, answer in self.conditions if answer is None)


@dataclass(frozen=True)
class Factor:
    name: str
    answer: str = ""
    rating: Rating | None = None

    @property
    def answered(self) -> bool:
        return bool(self.answer.strip()) and self.rating is not None


@dataclass(frozen=True)
class RiskAssessment:
    factors: tuple[Factor, ...]  # always the four of RISK_FACTORS, in order
    conclusion: Conclusion | None = None
    performed_on: dt.date | None = None

    @property
    def unanswered(self) -> tuple[str, ...]:
        return tuple(factor.name for factor in self.factors if not factor.answered)


@dataclass(frozen=True)
class UploadedList:
    rows: int
    name: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class Individuals:
    total: int
    estimated: bool = False
    by_state: tuple[tuple[str, int], ...] = ()  # sorted by postal code
    next_of_kin_known: int = 0  # deceased; next of kin or personal representative address known
    next_of_kin_unknown: int = 0  # deceased; no such address (no substitute notice needed)
    insufficient_contact: int = 0  # living; contact information insufficient or out of date
    uploaded_list: UploadedList | None = None

    @property
    def deceased(self) -> int:
        return self.next_of_kin_known + self.next_of_kin_unknown

    @property
    def unallocated(self) -> int:
        """Individuals whose State of residence is not given."""
        return self.total - sum(count for _, count in self.by_state)


# 164.412(b): an oral statement delays "no longer than 30 days" from the statement. A written
# statement that specifies no period is read the same way (see docs/breach.md, "our reading").
PROVISIONAL_DELAY_DAYS = 30


@dataclass(frozen=True)
class WrittenStatement:
    received_on: dt.date
    delay_until: dt.date | None = None  # the statement names an end date ...
    delay_days: int | None = None  # ... or a period from its receipt ...
    agency: str = ""
    period_specified: bool = True  # ... or, when False, specifies no period at all
    official: str = ""  # who made it; required when no period is specified (164.412(b))

    @property
    def ends_on(self) -> dt.date:
        """The day the delay ends; without a period, 30 days after receipt (164.412(b))."""
        if self.delay_until is not None:
            return self.delay_until
        if not self.period_specified:
            return self.received_on + dt.timedelta(days=PROVISIONAL_DELAY_DAYS)
        return self.received_on + dt.timedelta(days=self.delay_days or 0)


@dataclass(frozen=True)
class OralStatement:
    stated_on: dt.date
    official: str  # the identity of the official, documented per 164.412(b)
    agency: str = ""


@dataclass(frozen=True)
class LawEnforcement:
    oral: OralStatement | None = None
    written: WrittenStatement | None = None
    # Later written statements (extensions, renewals), in the order received.
    further_written: tuple[WrittenStatement, ...] = ()


@dataclass(frozen=True)
class BreachFacts:
    entity: Entity
    dates: Dates
    phi: PhiFacts
    individuals: Individuals | None = None
    safe_harbor: SafeHarbor = SafeHarbor()
    exception: ExceptionClaim | None = None
    risk_assessment: RiskAssessment | None = None
    law_enforcement: LawEnforcement = LawEnforcement()
    business_associate: BusinessAssociateFacts | None = None
    description: str = ""

    def to_dict(self) -> dict[str, object]:
        """The canonical, JSON-able form (absent optional parts are ``None``)."""
        return {
            "schema": SCHEMA,
            "description": self.description,
            "entity": {"role": str(self.entity.role), "name": self.entity.name},
            "business_associate": _ba_dict(self.business_associate),
            "dates": {
                "occurred_on": _iso(self.dates.occurred_on) or UNKNOWN,
                "discovered_on": _iso(self.dates.discovered_on),
                "notified_by_business_associate_on": _iso(
                    self.dates.notified_by_business_associate_on
                ),
                "as_of": _iso(self.dates.as_of),
            },
            "phi": {
                "involved": self.phi.involved,
                "permitted": self.phi.permitted,
                "permitted_basis": self.phi.permitted_basis,
                "types": list(self.phi.types),
            },
            "safe_harbor": _safe_harbor_dict(self.safe_harbor),
            "exception": _exception_dict(self.exception),
            "risk_assessment": _risk_dict(self.risk_assessment),
            "individuals": _individuals_dict(self.individuals),
            "law_enforcement": _law_enforcement_dict(self.law_enforcement),
        }


def _ba_dict(ba: BusinessAssociateFacts | None) -> dict[str, object] | None:
    if ba is None:
        return None
    return {
        "covered_entity": ba.covered_entity,
        "notified_covered_entity_on": _iso(ba.notified_covered_entity_on),
    }


def _safe_harbor_dict(harbor: SafeHarbor) -> dict[str, object]:
    enc, des = harbor.encryption, harbor.destruction
    return {
        "encryption": None
        if enc is None
        else {
            "encrypted": enc.encrypted,
            "standard": None if enc.standard is None else str(enc.standard),
            "key_compromised": _tri(enc.key_compromised) if enc.encrypted else None,
        },
        "destruction": None
        if des is None
        else {
            "destroyed": des.destroyed,
            "method": None if des.method is None else str(des.method),
        },
    }


def _exception_dict(claim: ExceptionClaim | None) -> dict[str, object] | None:
    if claim is None:
        return None
    return {
        "claimed": str(claim.kind),
        "conditions": {name: _tri(answer) for name, answer in claim.conditions},
        "explanation": claim.explanation,
    }


def _risk_dict(risk: RiskAssessment | None) -> dict[str, object] | None:
    if risk is None:
        return None
    out: dict[str, object] = {
        f.name: {"answer": f.answer, "rating": str(f.rating) if f.rating else UNKNOWN}
        for f in risk.factors
    }
    out["conclusion"] = None if risk.conclusion is None else str(risk.conclusion)
    out["performed_on"] = _iso(risk.performed_on)
    return out


def _individuals_dict(people: Individuals | None) -> dict[str, object] | None:
    if people is None:
        return None
    upload = people.uploaded_list
    return {
        "total": people.total,
        "estimated": people.estimated,
        "by_state": dict(people.by_state),
        "deceased": {
            "next_of_kin_known": people.next_of_kin_known,
            "next_of_kin_unknown": people.next_of_kin_unknown,
        },
        "insufficient_contact": people.insufficient_contact,
        "list": None
        if upload is None
        else {"rows": upload.rows, "name": upload.name, "sha256": upload.sha256},
    }


def _written_dict(written: WrittenStatement) -> dict[str, object]:
    return {
        "received_on": _iso(written.received_on),
        "delay_until": _iso(written.delay_until),
        "delay_days": written.delay_days,
        "period_specified": written.period_specified,
        "official": written.official,
        "agency": written.agency,
    }


def _law_enforcement_dict(law: LawEnforcement) -> dict[str, object]:
    oral, written = law.oral, law.written
    return {
        "oral": None
        if oral is None
        else {"stated_on": _iso(oral.stated_on), "official": oral.official, "agency": oral.agency},
        "written": None if written is None else _written_dict(written),
        "further_written": [_written_dict(item) for item in law.further_written],
    }


def parse_facts(data: Mapping[str, object], *, source: str = "input") -> BreachFacts:
    """The facts of ``data``; ``InputProblems`` naming every problem's field path.

    The reading itself lives in ``phiward.breach.reading`` (imported here, on first use, because
    it builds the types of this module).
    """
    from phiward.breach.reading import read_facts

    return read_facts(data, source=source)
