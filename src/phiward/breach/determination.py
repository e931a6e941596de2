"""Is it a reportable breach? The determination, one cited step at a time.

``assess`` walks the questions of 45 CFR 164.402 in the order the law puts them and stops at
the first that decides the matter:

1. Was PHI involved? (definition of breach, 164.402)
2. Was the use or disclosure permitted under the Privacy Rule (subpart E)? (164.402)
3. Was the PHI unsecured? Encryption or destruction per HHS's guidance makes it secured: the
   safe harbor (definition of unsecured PHI, 164.402)
4. Does an exception apply? (164.402(1)(i), (ii), (iii))
5. Otherwise breach is presumed unless the four-factor risk assessment of 164.402(2)
   demonstrates a low probability of compromise; an incomplete assessment never does.
6. For a breach: when was it discovered? (164.404(a)(2); 164.410(a)(2) for a business
   associate) -- the date every clock runs from.

Each ``Step`` cites its paragraph (as ``45 CFR ...``) and names the hipaa-breach catalog entry
it rests on. This is decision support: a privacy officer reviews and signs off the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from enum import StrEnum

from phiward.breach.facts import (
    EXCEPTION_CONDITIONS,
    RISK_FACTORS,
    BreachFacts,
    Conclusion,
    DestructionMethod,
    EncryptionStandard,
    EntityRole,
    ExceptionClaim,
    Rating,
    RiskAssessment,
)

ENGINE_VERSION = "2026.11.2"  # bump when the reasoning changes


class Outcome(StrEnum):
    BREACH = "breach"  # notification required
    LOW_PROBABILITY = "low_probability"  # the 4-factor assessment shows a low probability
    EXCEPTION = "exception"  # one of the 164.402(1) exceptions applies
    SECURED = "secured"  # safe harbor: the PHI was not unsecured
    PERMITTED = "permitted"  # the use or disclosure was permitted by the Privacy Rule
    NO_PHI = "no_phi"  # no PHI involved

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    Outcome.BREACH: "Breach of unsecured PHI",
    Outcome.LOW_PROBABILITY: "Not a breach (low probability of compromise)",
    Outcome.EXCEPTION: "Not a breach (exception applies)",
    Outcome.SECURED: "No notification (secured PHI)",
    Outcome.PERMITTED: "Not a breach (permitted by the Privacy Rule)",
    Outcome.NO_PHI: "Not a breach (no PHI involved)",
}


@dataclass(frozen=True)
class Step:
    number: int
    question: str
    answer: str
    citation: str  # e.g. "45 CFR 164.402(2)"
    reasoning: str
    decisive: bool
    catalog_entry: str = ""  # the hipaa-breach catalog entry id, e.g. "164.402:unsecured-phi"


@dataclass(frozen=True)
class Determination:
    outcome: Outcome
    steps: tuple[Step, ...]
    discovered_on: dt.date | None  # set for a breach: the date the clocks run from
    notification_required: bool
    engine_version: str
    summary: str

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": str(self.outcome),
            "label": self.outcome.label,
            "notification_required": self.notification_required,
            "discovered_on": None if self.discovered_on is None else self.discovered_on.isoformat(),
            "summary": self.summary,
            "engine_version": self.engine_version,
            "steps": [asdict(step) for step in self.steps],
        }


BREACH_DEFINITION = ("45 CFR 164.402", "164.402:breach")
UNSECURED_DEFINITION = ("45 CFR 164.402", "164.402:unsecured-phi")
PRESUMPTION = ("45 CFR 164.402(2)", "164.402(2)")
CE_DISCOVERY = ("45 CFR 164.404(a)(2)", "164.404(a)(2)")
BA_DISCOVERY = ("45 CFR 164.410(a)(2)", "164.410(a)(2)")

_ENCRYPTION_LABELS = {
    EncryptionStandard.SP_800_111: "encryption consistent with NIST SP 800-111 (data at rest)",
    EncryptionStandard.SP_800_52: "TLS consistent with NIST SP 800-52 (data in motion)",
    EncryptionStandard.SP_800_77: "an IPsec VPN consistent with NIST SP 800-77 (data in motion)",
    EncryptionStandard.SP_800_113: "an SSL VPN consistent with NIST SP 800-113 (data in motion)",
    EncryptionStandard.FIPS_140: "a FIPS 140 validated encryption process (data in motion)",
    EncryptionStandard.OTHER: "encryption HHS's guidance does not name",
}
_DESTRUCTION_LABELS = {
    DestructionMethod.PAPER_SHREDDED: "paper shredded so it cannot be read or reconstructed",
    DestructionMethod.PAPER_DESTROYED: "paper destroyed so it cannot be read or reconstructed",
    DestructionMethod.MEDIA_CLEARED: "electronic media cleared per NIST SP 800-88",
    DestructionMethod.MEDIA_PURGED: "electronic media purged per NIST SP 800-88",
    DestructionMethod.MEDIA_DESTROYED: "electronic media destroyed per NIST SP 800-88",
    DestructionMethod.REDACTED: "redaction",
    DestructionMethod.OTHER: "a destruction method HHS's guidance does not name",
}
_GUIDANCE = (
    "Unsecured PHI is PHI not rendered unusable, unreadable or indecipherable to unauthorized "
    "persons by a technology or methodology in HHS's guidance (74 FR 19006, restated at 74 FR "
    "42740): encryption consistent with NIST SP 800-111 for data at rest, or NIST SP 800-52, "
    "800-77, 800-113 or another FIPS 140 validated process for data in motion, whose key or "
    "confidential process has not been compromised; or destruction (paper shredded or "
    "destroyed, electronic media cleared, purged or destroyed per NIST SP 800-88)."
)


class _Walk:
    def __init__(self) -> None:
        self.steps: list[Step] = []

    def add(
        self,
        question: str,
        answer: str,
        cite: tuple[str, str],
        reasoning: str,
        *,
        decisive: bool = False,
    ) -> None:
        number = len(self.steps) + 1
        self.steps.append(Step(number, question, answer, cite[0], reasoning, decisive, cite[1]))


def assess(facts: BreachFacts) -> Determination:
    """The determination for ``facts``, with every step of its reasoning."""
    walk = _Walk()
    outcome = (
        _phi_step(walk, facts)
        or _permitted_step(walk, facts)
        or _secured_step(walk, facts)
        or _exception_step(walk, facts.exception)
        or _risk_steps(walk, facts.risk_assessment)
    )
    discovered = None
    if outcome is Outcome.BREACH:
        _discovery_step(walk, facts)
        discovered = facts.dates.discovered_on
    return Determination(
        outcome=outcome,
        steps=tuple(walk.steps),
        discovered_on=discovered,
        notification_required=outcome is Outcome.BREACH,
        engine_version=ENGINE_VERSION,
        summary=_summary(outcome, facts),
    )


def _phi_step(walk: _Walk, facts: BreachFacts) -> Outcome | None:
    question = "Was protected health information (PHI) involved?"
    if not facts.phi.involved:
        walk.add(
            question,
            "No.",
            BREACH_DEFINITION,
            "A breach is the acquisition, access, use or disclosure of protected health "
            "information (164.402). No PHI was involved, so the Breach Notification Rule does "
            "not apply to this incident. Other duties may still apply (the Security Rule's "
            "incident procedures, 164.308(a)(6); State breach laws).",
            decisive=True,
        )
        return Outcome.NO_PHI
    types = f" ({', '.join(facts.phi.types)})" if facts.phi.types else ""
    people = facts.individuals
    count = ""
    if people is not None:
        about = "about " if people.estimated else ""
        count = f" of {about}{people.total:,} individual{'s' if people.total != 1 else ''}"
    walk.add(
        question,
        f"Yes: PHI{count}{types}.",
        BREACH_DEFINITION,
        "Only PHI can be breached under 164.402. PHI was involved, so the analysis continues.",
    )
    return None


def _permitted_step(walk: _Walk, facts: BreachFacts) -> Outcome | None:
    question = (
        "Was the acquisition, access, use or disclosure permitted under the Privacy Rule "
        "(45 CFR part 164, subpart E)?"
    )
    if facts.phi.permitted:
        walk.add(
            question,
            f"Yes: {facts.phi.permitted_basis.strip()}",
            BREACH_DEFINITION,
            "Only a use or disclosure in a manner not permitted under subpart E can be a breach "
            "(164.402). It is documented as permitted, so this is not a breach. Keep that "
            "documentation: the entity bears the burden of proof (164.414(b)).",
            decisive=True,
        )
        return Outcome.PERMITTED
    walk.add(
        question,
        "No.",
        BREACH_DEFINITION,
        "A use or disclosure the Privacy Rule does not permit is a potential breach; the next "
        "questions decide whether notification is required.",
    )
    return None


def _secured_step(walk: _Walk, facts: BreachFacts) -> Outcome | None:
    question = "Was the PHI unsecured?"
    enc, des = facts.safe_harbor.encryption, facts.safe_harbor.destruction
    secured_by: list[str] = []
    gaps: list[str] = []
    if enc is not None and enc.encrypted and enc.standard is not None:
        label = _ENCRYPTION_LABELS[enc.standard]
        if not enc.standard.meets_guidance:
            gaps.append(f"The PHI was encrypted with {label}, so the safe harbor does not apply.")
        elif enc.key_compromised:
            gaps.append(
                f"The PHI was encrypted ({label}), but the key or confidential process was "
                "compromised: the encryption no longer renders the PHI unreadable, and the safe "
                "harbor is lost."
            )
        elif enc.key_compromised is None:
            gaps.append(
                f"The PHI was encrypted ({label}), but it is not known whether the key was "
                "compromised. The safe harbor needs it shown that it was not (burden of proof, "
                "164.414(b)); until then the PHI is treated as unsecured."
            )
        else:
            secured_by.append(f"{label}, and the key was not compromised")
    elif enc is not None:
        gaps.append("The PHI was not encrypted.")
    if des is not None and des.destroyed and des.method is not None:
        label = _DESTRUCTION_LABELS[des.method]
        if des.method is DestructionMethod.REDACTED:
            gaps.append("HHS's guidance expressly excludes redaction as a means of destruction.")
        elif not des.method.meets_guidance:
            gaps.append(f"The PHI was destroyed by {label}, so the safe harbor does not apply.")
        else:
            secured_by.append(label)
    elif des is not None:
        gaps.append("The PHI was not destroyed.")
    if secured_by:
        walk.add(
            question,
            f"No: the PHI was secured ({'; '.join(secured_by)}).",
            UNSECURED_DEFINITION,
            f"{_GUIDANCE} The notification duties of 164.404-164.410 apply only to breaches of "
            "unsecured PHI, so none arise: the safe harbor. Keep the evidence of the encryption "
            "or destruction (164.414(b)).",
            decisive=True,
        )
        return Outcome.SECURED
    if not gaps:
        gaps.append("No encryption or destruction of the PHI is recorded.")
    walk.add(
        question,
        "Yes: the PHI was unsecured.",
        UNSECURED_DEFINITION,
        f"{_GUIDANCE} {' '.join(gaps)} The analysis continues.",
    )
    return None


def _exception_step(walk: _Walk, claim: ExceptionClaim | None) -> Outcome | None:
    question = "Does one of the three exceptions to the definition of breach apply?"
    if claim is None:
        walk.add(
            question,
            "No exception is claimed.",
            BREACH_DEFINITION,
            "Paragraph (1) of the definition of breach excludes (i) an unintentional, good-faith "
            "acquisition, access or use within the scope of authority; (ii) an inadvertent "
            "disclosure between persons authorized at the same entity or organized health care "
            "arrangement; and (iii) a disclosure to a person who could not reasonably have "
            "retained the information. None is claimed, so the analysis continues.",
        )
        return None
    cite = (f"45 CFR {claim.kind}", str(claim.kind))
    requirements = dict(EXCEPTION_CONDITIONS[claim.kind])
    if not claim.unanswered:
        held = "; ".join(requirements[name] for name, _ in claim.conditions)
        walk.add(
            question,
            f"Yes: the exception in {claim.kind} applies.",
            cite,
            f"Every condition of {claim.kind} holds: {held}. Explanation recorded: "
            f"{claim.explanation.strip()} The incident is therefore not a breach. Keep this "
            "documentation: the entity bears the burden of proof (164.414(b)).",
            decisive=True,
        )
        return Outcome.EXCEPTION
    open_ = "; ".join(requirements[name] for name in claim.unanswered)
    walk.add(
        question,
        f"Not shown: the exception in {claim.kind} is claimed, but not every condition is "
        "established.",
        cite,
        f"The exception applies only when every condition holds. Not yet established: {open_}. "
        "Until they are, the exception cannot be relied on, and the analysis continues.",
    )
    return None


def _risk_steps(walk: _Walk, risk: RiskAssessment | None) -> Outcome:
    question = (
        "Does the risk assessment demonstrate a low probability that the PHI has been compromised?"
    )
    presumption = (
        "An impermissible acquisition, access, use or disclosure is presumed to be a breach "
        "unless the entity demonstrates a low probability that the PHI has been compromised, "
        "based on a risk assessment of at least the four factors of 164.402(2)(i)-(iv)."
    )
    if risk is None:
        walk.add(
            question,
            "No: no risk assessment is recorded.",
            PRESUMPTION,
            f"{presumption} Without one the presumption stands: this is a breach.",
            decisive=True,
        )
        return Outcome.BREACH
    texts = {name: (paragraph, text) for name, paragraph, text in RISK_FACTORS}
    for factor in risk.factors:
        paragraph, text = texts[factor.name]
        if factor.answered:
            answer = f"Rated {factor.rating}: {factor.answer.strip()}"
            reasoning = "Recorded as one of the factors of the 164.402(2) risk assessment."
        else:
            answer = "Not answered."
            reasoning = (
                "This factor has no answer or no rating yet, so the assessment is incomplete."
            )
        walk.add(
            f"What does the risk assessment find on factor {paragraph}, {text}?",
            answer,
            (f"45 CFR {paragraph}", paragraph),
            reasoning,
        )
    unanswered = [texts[name][0] for name in risk.unanswered]
    if unanswered:
        claimed = (
            " The recorded conclusion of a low probability therefore cannot stand."
            if risk.conclusion is Conclusion.LOW_PROBABILITY
            else ""
        )
        walk.add(
            question,
            "No: the risk assessment is incomplete.",
            PRESUMPTION,
            f"{presumption} A low probability can only be demonstrated once every factor is "
            f"answered and rated; not yet: {', '.join(unanswered)}.{claimed} The presumption "
            "stands: this is a breach. Completing the assessment may change the result.",
            decisive=True,
        )
        return Outcome.BREACH
    if risk.conclusion is None:
        walk.add(
            question,
            "No: the assessment records no conclusion.",
            PRESUMPTION,
            f"{presumption} All four factors are answered, but no conclusion is recorded; "
            "without a demonstrated low probability the presumption stands: this is a breach.",
            decisive=True,
        )
        return Outcome.BREACH
    if risk.conclusion is Conclusion.NOT_LOW_PROBABILITY:
        walk.add(
            question,
            "No: the assessment concludes the probability of compromise is not low.",
            PRESUMPTION,
            f"{presumption} The assessment does not show a low probability: this is a breach.",
            decisive=True,
        )
        return Outcome.BREACH
    high = [texts[f.name][0] for f in risk.factors if f.rating is Rating.HIGH]
    caution = (
        f" Note: {', '.join(high)} {'is' if len(high) == 1 else 'are'} rated high; the "
        "assessment should explain why the probability of compromise is nevertheless low."
        if high
        else ""
    )
    walk.add(
        question,
        "Yes: a low probability that the PHI has been compromised.",
        PRESUMPTION,
        f"{presumption} All four factors are answered and the assessment concludes a low "
        "probability of compromise, so the presumption is rebutted: not a breach, and no "
        f"notification is required.{caution} Keep the assessment: the entity bears the burden "
        "of proof (164.414(b)) and keeps the documentation six years (164.530(j)).",
        decisive=True,
    )
    return Outcome.LOW_PROBABILITY


def _discovery_step(walk: _Walk, facts: BreachFacts) -> None:
    dates = facts.dates
    discovered = dates.discovered_on.isoformat()
    if dates.occurred_on is None:
        occurred = (
            " The date the breach occurred is not known; the notice says so (its date is "
            "required only if known, 164.404(c)(1)(A))."
        )
    elif dates.occurred_on < dates.discovered_on:
        gap = (dates.discovered_on - dates.occurred_on).days
        occurred = (
            f" The breach occurred {gap} day{'s' if gap != 1 else ''} earlier "
            f"({dates.occurred_on.isoformat()}); be sure it would not have been known sooner "
            "with reasonable diligence, which would start the clocks earlier."
        )
    else:
        occurred = " The breach was discovered the day it occurred."
    if facts.entity.role is EntityRole.BUSINESS_ASSOCIATE:
        walk.add(
            "When did the business associate discover the breach?",
            discovered,
            BA_DISCOVERY,
            "A breach is treated as discovered by a business associate on the first day it is "
            "known to it, or by exercising reasonable diligence would have been known, to any "
            "employee, officer or other agent of the business associate other than the person "
            "committing the breach. The 60 days to notify the covered entity (164.410(b)) run "
            f"from {discovered}.{occurred}",
        )
        return
    via_ba = ""
    if dates.notified_by_business_associate_on is not None:
        via_ba = (
            " A business associate notified the covered entity on "
            f"{dates.notified_by_business_associate_on.isoformat()}. If that business associate "
            "acts as the covered entity's agent (federal common law of agency), its own "
            "discovery is imputed to the covered entity and the clocks start then."
        )
    walk.add(
        "When was the breach discovered?",
        discovered,
        CE_DISCOVERY,
        "A breach is treated as discovered on the first day it is known to the covered "
        "entity, or by exercising reasonable diligence would have been known, to any person "
        "other than the person committing it who is a workforce member or agent of the "
        "covered entity. The clocks for individuals (164.404(b)), the media (164.406(b)) and "
        f"HHS (164.408) run from {discovered}.{occurred}{via_ba}",
    )


def _summary(outcome: Outcome, facts: BreachFacts) -> str:
    if outcome is Outcome.BREACH:
        discovered = facts.dates.discovered_on.isoformat()
        if facts.entity.role is EntityRole.BUSINESS_ASSOCIATE:
            return (
                f"Breach of unsecured PHI, discovered {discovered}: the business associate "
                "must notify the covered entity (164.410)."
            )
        return f"Breach of unsecured PHI, discovered {discovered}: notification is required."
    if outcome is Outcome.EXCEPTION and facts.exception is not None:
        return f"Not a breach: the exception in {facts.exception.kind} applies."
    return {
        Outcome.LOW_PROBABILITY: "Not a breach: the risk assessment demonstrates a low "
        "probability that the PHI has been compromised (164.402(2)).",
        Outcome.SECURED: "No notification required: the PHI was secured (safe harbor, "
        "164.402 and HHS guidance).",
        Outcome.PERMITTED: "Not a breach: the use or disclosure was permitted under the "
        "Privacy Rule.",
        Outcome.NO_PHI: "Not a breach: no protected health information was involved.",
    }[outcome]
