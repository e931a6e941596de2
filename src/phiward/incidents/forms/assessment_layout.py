"""What the breach assessment form says: choice labels, the exception slugs, and its sections
(each a fieldset: id, legend, explanation, fields, citation)."""

from __future__ import annotations

from dataclasses import dataclass

from phiward.breach.facts import DestructionMethod, EncryptionStandard, ExceptionKind

ENCRYPTION_LABELS = {
    EncryptionStandard.SP_800_111: "NIST SP 800-111 (data at rest: disk, file or database)",
    EncryptionStandard.SP_800_52: "NIST SP 800-52 (data in motion: TLS)",
    EncryptionStandard.SP_800_77: "NIST SP 800-77 (data in motion: IPsec VPN)",
    EncryptionStandard.SP_800_113: "NIST SP 800-113 (data in motion: SSL VPN)",
    EncryptionStandard.FIPS_140: "Another FIPS 140 validated process (data in motion)",
    EncryptionStandard.OTHER: "Other (not named in HHS's guidance)",
}
DESTRUCTION_LABELS = {
    DestructionMethod.PAPER_SHREDDED: "Paper shredded",
    DestructionMethod.PAPER_DESTROYED: "Paper otherwise destroyed",
    DestructionMethod.MEDIA_CLEARED: "Electronic media cleared (NIST SP 800-88)",
    DestructionMethod.MEDIA_PURGED: "Electronic media purged (NIST SP 800-88)",
    DestructionMethod.MEDIA_DESTROYED: "Electronic media destroyed (NIST SP 800-88)",
    DestructionMethod.REDACTED: "Redacted (not destruction under the guidance)",
    DestructionMethod.OTHER: "Other",
}
EXCEPTION_SLUGS = {
    ExceptionKind.UNINTENTIONAL_USE: "i",
    ExceptionKind.INADVERTENT_DISCLOSURE: "ii",
    ExceptionKind.COULD_NOT_RETAIN: "iii",
}
EXCEPTION_LABELS = {
    ExceptionKind.UNINTENTIONAL_USE: "164.402(1)(i): unintentional, good-faith acquisition, "
    "access or use by a workforce member",
    ExceptionKind.INADVERTENT_DISCLOSURE: "164.402(1)(ii): inadvertent disclosure between "
    "persons authorized at the same entity",
    ExceptionKind.COULD_NOT_RETAIN: "164.402(1)(iii): the recipient could not reasonably "
    "have retained the information",
}
FACTOR_LABELS = {
    "nature_and_extent": "Nature and extent of the PHI",
    "unauthorized_person": "The unauthorized person",
    "acquired_or_viewed": "Actually acquired or viewed?",
    "mitigation": "Extent of mitigation",
}


def exception_field(kind: ExceptionKind, condition: str) -> str:
    return f"exc_{EXCEPTION_SLUGS[kind]}__{condition}"


def path_field(path: str) -> str:
    return path.replace(".", "__")


@dataclass(frozen=True)
class Section:
    """A fieldset of the form: its id (also the HTML id), legend, explanation and fields."""

    id: str
    legend: str
    help: str
    fields: tuple[str, ...]
    citation: str = ""


SECTIONS = (
    Section(
        "who-when",
        "Who assesses, and when",
        "A business associate discovers and reports to its covered entity (164.410); a covered "
        "entity notifies individuals, HHS and the media.",
        (
            "entity__role",
            "business_associate__covered_entity",
            "business_associate__notified_covered_entity_on",
            "dates__occurred_on",
            "dates__discovered_on",
            "dates__notified_by_business_associate_on",
        ),
        "45 CFR 164.404(a)(2), 164.410(a)(2)",
    ),
    Section(
        "phi",
        "1. Protected health information",
        "A breach needs PHI used or disclosed in a way the Privacy Rule does not permit.",
        ("phi__involved", "phi__permitted", "phi__permitted_basis", "phi__types"),
        "45 CFR 164.402",
    ),
    Section(
        "safe-harbor",
        "2. Was the PHI unsecured? (safe harbor)",
        "Encryption consistent with HHS's guidance whose key was not compromised, or "
        "destruction, makes PHI secured: then no notification is due.",
        (
            "safe_harbor__encryption__encrypted",
            "safe_harbor__encryption__standard",
            "safe_harbor__encryption__key_compromised",
            "safe_harbor__destruction__destroyed",
            "safe_harbor__destruction__method",
        ),
        "45 CFR 164.402 (unsecured PHI); HHS guidance, 74 FR 42740",
    ),
    Section(
        "individuals",
        "5. Individuals affected",
        "Counted per State of residence: the media must be told in a State with more than 500 "
        "(164.406); HHS at once for 500 or more in all, else in the annual log (164.408).",
        (
            "individuals__total",
            "individuals__estimated",
            "individuals__by_state",
            "individuals__deceased__next_of_kin_known",
            "individuals__deceased__next_of_kin_unknown",
            "individuals__insufficient_contact",
        ),
        "45 CFR 164.404(d), 164.406, 164.408",
    ),
    Section(
        "law-enforcement",
        "6. Law enforcement",
        "A written statement that notice would impede a criminal investigation delays "
        "notification for the period it names; an oral one, documented with the official's "
        "identity, for at most 30 days unless a written one follows.",
        (
            "law_enforcement__oral__stated_on",
            "law_enforcement__oral__official",
            "law_enforcement__oral__agency",
            "law_enforcement__written__received_on",
            "law_enforcement__written__delay_until",
            "law_enforcement__written__delay_days",
            "law_enforcement__written__agency",
        ),
        "45 CFR 164.412",
    ),
)
