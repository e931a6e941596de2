"""Reading an incident's facts: ``read_facts`` turns a decoded document into ``BreachFacts``.

The types and the canonical form live in ``phiward.breach.facts`` (``facts.parse_facts`` is the
public entry point and calls ``read_facts``). Every problem is recorded, not just the first,
each naming its field by dotted path. A missing required fact, an unknown key or a
contradiction is an error, never a guess. Messages name the field and the rule, never the value
(values may hold PHI).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from phiward.breach.facts import (
    APPLICABLE_FROM,
    EXCEPTION_CONDITIONS,
    JURISDICTIONS,
    RISK_FACTORS,
    SCHEMA,
    UNKNOWN,
    BreachFacts,
    BusinessAssociateFacts,
    Conclusion,
    Dates,
    Destruction,
    DestructionMethod,
    Encryption,
    EncryptionStandard,
    Entity,
    EntityRole,
    ExceptionClaim,
    ExceptionKind,
    Factor,
    Individuals,
    LawEnforcement,
    OralStatement,
    PhiFacts,
    Rating,
    RiskAssessment,
    SafeHarbor,
    UploadedList,
    WrittenStatement,
)
from phiward.breach.reader import MISSING, Missing, Raw, Reader
from phiward.core.errors import InputProblems


def read_facts(data: Mapping[str, object], *, source: str = "input") -> BreachFacts:
    """The facts of ``data``; ``InputProblems`` naming every problem's field path."""
    r = Reader(source)
    top = r.section(
        data,
        "",
        (
            "schema",
            "description",
            "entity",
            "business_associate",
            "dates",
            "phi",
            "safe_harbor",
            "exception",
            "risk_assessment",
            "individuals",
            "law_enforcement",
        ),
    )
    if top is None:
        r.error("", "the facts must be a mapping of fields")
        raise InputProblems(r.problems)
    schema = top.get("schema")
    if schema is not None and schema != SCHEMA:
        r.error("schema", f"unsupported schema (this engine reads {SCHEMA})")
    description = r.text(top, "description", "")
    entity = _entity(r, top)
    role = entity.role if entity else None
    ba = _business_associate(r, top.get("business_associate"), role)
    dates = _dates(r, top, role)
    phi = _phi(r, top)
    individuals = _individuals(r, top.get("individuals"), phi)
    harbor = _safe_harbor(r, top.get("safe_harbor"))
    claim = _exception(r, top.get("exception"))
    risk = _risk_assessment(r, top.get("risk_assessment"))
    law = _law_enforcement(r, top.get("law_enforcement"))
    if dates is not None:
        _check_dates(r, dates, ba, law, risk)
    if r.problems:
        raise InputProblems(r.problems)
    assert entity is not None
    assert dates is not None
    assert phi is not None
    return BreachFacts(
        entity=entity,
        dates=dates,
        phi=phi,
        individuals=individuals,
        safe_harbor=harbor,
        exception=claim,
        risk_assessment=risk,
        law_enforcement=law,
        business_associate=ba,
        description=description,
    )


def _entity(r: Reader, top: Raw) -> Entity | None:
    raw = r.section(r.required(top, "entity", ""), "entity", ("role", "name"))
    if raw is None:
        return None
    role = r.choice(raw, "role", "entity", EntityRole, required=True)
    name = r.text(raw, "name", "entity")
    return Entity(role, name) if role is not None else None


def _business_associate(
    r: Reader, value: object, role: EntityRole | None
) -> BusinessAssociateFacts | None:
    raw = r.section(value, "business_associate", ("covered_entity", "notified_covered_entity_on"))
    if raw is None:
        return None
    if role is EntityRole.COVERED_ENTITY:
        r.error("business_associate", "only for entity.role business_associate")
    return BusinessAssociateFacts(
        covered_entity=r.text(raw, "covered_entity", "business_associate"),
        notified_covered_entity_on=r.date(raw, "notified_covered_entity_on", "business_associate"),
    )


def _dates(r: Reader, top: Raw, role: EntityRole | None) -> Dates | None:
    keys = ("occurred_on", "discovered_on", "notified_by_business_associate_on", "as_of")
    raw = r.section(r.required(top, "dates", ""), "dates", keys)
    if raw is None:
        return None
    occurred_raw = r.required(raw, "occurred_on", "dates")
    occurred: dt.date | Missing | None = MISSING
    if occurred_raw == UNKNOWN:
        occurred = None
    elif occurred_raw is not None:
        occurred = r.as_date(occurred_raw, "dates.occurred_on") or MISSING
    discovered: dt.date | None = None
    if raw.get("discovered_on") == UNKNOWN:
        # Every clock of the subpart runs from discovery; it is never left to a guess.
        r.error(
            "dates.discovered_on",
            "cannot be unknown: every notification deadline runs from discovery; give the first "
            "day the breach was known, or with reasonable diligence would have been known "
            "(164.404(a)(2); 164.410(a)(2) for a business associate)",
        )
    else:
        discovered = r.date(raw, "discovered_on", "dates", required=True)
    by_ba = r.date(raw, "notified_by_business_associate_on", "dates")
    if by_ba is not None and role is EntityRole.BUSINESS_ASSOCIATE:
        r.error("dates.notified_by_business_associate_on", "only for a covered entity")
    as_of = r.date(raw, "as_of", "dates")
    if isinstance(occurred, Missing) or discovered is None:
        return None
    return Dates(occurred, discovered, by_ba, as_of)


def _phi(r: Reader, top: Raw) -> PhiFacts | None:
    raw = r.section(
        r.required(top, "phi", ""), "phi", ("involved", "permitted", "permitted_basis", "types")
    )
    if raw is None:
        return None
    involved = r.flag(raw, "involved", "phi")
    permitted: bool | None = None
    basis = r.text(raw, "permitted_basis", "phi")
    if involved:
        permitted = r.flag(raw, "permitted", "phi")
        if permitted and not basis.strip():
            r.error("phi.permitted_basis", "is required when the use or disclosure is permitted")
        if permitted is False and basis:
            r.error("phi.permitted_basis", "only when the use or disclosure is permitted")
    elif involved is False:
        for key in ("permitted", "permitted_basis"):
            if raw.get(key) not in (None, ""):
                r.error(f"phi.{key}", "only applies when phi.involved is true")
    types: list[str] = []
    raw_types = raw.get("types")
    if raw_types is not None:
        if not isinstance(raw_types, list):
            r.error("phi.types", "must be a list of text")
        for index, item in enumerate(raw_types if isinstance(raw_types, list) else []):
            if not isinstance(item, str) or not item.strip():
                r.error(f"phi.types.{index}", "must be non-empty text")
            else:
                types.append(item)
    if involved is None or (involved and permitted is None):
        return None
    return PhiFacts(involved, permitted, basis, tuple(types))


def _individuals(r: Reader, value: object, phi: PhiFacts | None) -> Individuals | None:
    path = "individuals"
    keys = ("total", "estimated", "by_state", "deceased", "insufficient_contact", "list")
    raw = r.section(value, path, keys)
    if raw is None:
        if phi is not None and phi.involved:
            r.error("individuals.total", "is required when PHI is involved")
        return None
    total = r.count(raw, "total", path, required=True)
    if phi is not None and not phi.involved and total:
        r.error("individuals.total", "contradicts phi.involved false (no PHI, nobody affected)")
    if phi is not None and phi.involved and total == 0:
        r.error("individuals.total", "must be at least 1 when PHI is involved")
    estimated = r.flag(raw, "estimated", path, default=False)
    states = _by_state(r, raw.get("by_state"))
    deceased = r.section(
        raw.get("deceased"), "individuals.deceased", ("next_of_kin_known", "next_of_kin_unknown")
    )
    kin_known = r.count(deceased, "next_of_kin_known", "individuals.deceased") if deceased else 0
    kin_unknown = (
        r.count(deceased, "next_of_kin_unknown", "individuals.deceased") if deceased else 0
    )
    insufficient = r.count(raw, "insufficient_contact", path) or 0
    upload = _uploaded_list(r, raw.get("list"))
    if total is None:
        return None
    if states is not None and sum(count for _, count in states) > total:
        r.error("individuals.by_state", "the counts per State add up to more than total")
    if (kin_known or 0) + (kin_unknown or 0) + insufficient > total:
        r.error(
            "individuals",
            "deceased and insufficient_contact together are more than total "
            "(count each individual once)",
        )
    if upload is not None and upload.rows != total:
        r.error("individuals.list.rows", "the uploaded list's row count differs from total")
    return Individuals(
        total=total,
        estimated=bool(estimated),
        by_state=states or (),
        next_of_kin_known=kin_known or 0,
        next_of_kin_unknown=kin_unknown or 0,
        insufficient_contact=insufficient,
        uploaded_list=upload,
    )


def _by_state(r: Reader, value: object) -> tuple[tuple[str, int], ...] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        r.error("individuals.by_state", "must map State postal codes to counts")
        return None
    counts: dict[str, int] = {}
    for key, raw_count in value.items():
        path = f"individuals.by_state.{key}"
        code = key.strip().upper() if isinstance(key, str) else ""
        if code not in JURISDICTIONS:
            r.error(path, "is not a US State or jurisdiction postal code (e.g. MA, DC, PR)")
            continue
        if code in counts:
            r.error(path, "the same State is given twice")
            continue
        count = r.as_count(raw_count, path)
        if count is not None:
            counts[code] = count
    return tuple(sorted(counts.items()))


def _uploaded_list(r: Reader, value: object) -> UploadedList | None:
    raw = r.section(value, "individuals.list", ("rows", "name", "sha256"))
    if raw is None:
        return None
    rows = r.count(raw, "rows", "individuals.list", required=True)
    name = r.text(raw, "name", "individuals.list")
    digest = r.text(raw, "sha256", "individuals.list")
    if digest and (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest)):
        r.error("individuals.list.sha256", "must be 64 lowercase hexadecimal digits")
    return UploadedList(rows, name, digest) if rows is not None else None


def _safe_harbor(r: Reader, value: object) -> SafeHarbor:
    raw = r.section(value, "safe_harbor", ("encryption", "destruction"))
    if raw is None:
        return SafeHarbor()
    return SafeHarbor(
        _encryption(r, raw.get("encryption")), _destruction(r, raw.get("destruction"))
    )


def _encryption(r: Reader, value: object) -> Encryption | None:
    path = "safe_harbor.encryption"
    raw = r.section(value, path, ("encrypted", "standard", "key_compromised"))
    if raw is None:
        return None
    encrypted = r.flag(raw, "encrypted", path)
    if encrypted is False:
        for key in ("standard", "key_compromised"):
            if raw.get(key) is not None:
                r.error(f"{path}.{key}", "contradicts encrypted false")
        return Encryption(False)
    standard = r.choice(raw, "standard", path, EncryptionStandard, required=bool(encrypted))
    compromised = r.answer(raw, "key_compromised", path)
    if encrypted is None or standard is None or isinstance(compromised, Missing):
        return None
    return Encryption(True, standard, compromised)


def _destruction(r: Reader, value: object) -> Destruction | None:
    path = "safe_harbor.destruction"
    raw = r.section(value, path, ("destroyed", "method"))
    if raw is None:
        return None
    destroyed = r.flag(raw, "destroyed", path)
    if destroyed is False:
        if raw.get("method") is not None:
            r.error(f"{path}.method", "contradicts destroyed false")
        return Destruction(False)
    method = r.choice(raw, "method", path, DestructionMethod, required=True)
    return Destruction(True, method) if destroyed and method is not None else None


def _exception(r: Reader, value: object) -> ExceptionClaim | None:
    path = "exception"
    raw = r.section(value, path, ("claimed", "conditions", "explanation"))
    if raw is None:
        return None
    kind = r.choice(raw, "claimed", path, ExceptionKind, required=True)
    explanation = r.text(raw, "explanation", path, required=True)
    if kind is None:
        return None
    names = tuple(name for name, _ in EXCEPTION_CONDITIONS[kind])
    conditions_raw = r.section(r.required(raw, "conditions", path), "exception.conditions", names)
    if conditions_raw is None:
        return None
    answers: list[tuple[str, bool | None]] = []
    for name, requirement in EXCEPTION_CONDITIONS[kind]:
        answer = r.answer(conditions_raw, name, "exception.conditions")
        if answer is False:
            r.error(
                f"exception.conditions.{name}",
                f"is false, so the exception in {kind} cannot apply ({requirement}); "
                "withdraw the claim",
            )
        if not isinstance(answer, Missing):
            answers.append((name, answer))
    if len(answers) != len(names):
        return None
    return ExceptionClaim(kind, tuple(answers), explanation)


def _risk_assessment(r: Reader, value: object) -> RiskAssessment | None:
    path = "risk_assessment"
    names = tuple(name for name, _, _ in RISK_FACTORS)
    raw = r.section(value, path, (*names, "conclusion", "performed_on"))
    if raw is None:
        return None
    factors = []
    for name in names:
        factor_path = f"{path}.{name}"
        factor_raw = r.section(raw.get(name), factor_path, ("answer", "rating"))
        if factor_raw is None:
            factors.append(Factor(name))
            continue
        answer = r.text(factor_raw, "answer", factor_path)
        rating_raw = factor_raw.get("rating")
        rating = (
            None if rating_raw == UNKNOWN else r.choice(factor_raw, "rating", factor_path, Rating)
        )
        factors.append(Factor(name, answer, rating))
    conclusion = r.choice(raw, "conclusion", path, Conclusion)
    performed_on = r.date(raw, "performed_on", path)
    return RiskAssessment(tuple(factors), conclusion, performed_on)


def _law_enforcement(r: Reader, value: object) -> LawEnforcement:
    raw = r.section(value, "law_enforcement", ("oral", "written", "further_written"))
    if raw is None:
        return LawEnforcement()
    oral = None
    path = "law_enforcement.oral"
    oral_raw = r.section(raw.get("oral"), path, ("stated_on", "official", "agency"))
    if oral_raw is not None:
        stated = r.date(oral_raw, "stated_on", path, required=True)
        official = r.text(oral_raw, "official", path, required=True)
        agency = r.text(oral_raw, "agency", path)
        if stated is not None and official.strip():
            oral = OralStatement(stated, official, agency)
    written = _written(r, raw.get("written"), "law_enforcement.written")
    further: list[WrittenStatement] = []
    items = raw.get("further_written")
    if items is not None and not isinstance(items, list):
        r.error("law_enforcement.further_written", "must be a list of written statements")
    for index, item in enumerate(items if isinstance(items, list) else []):
        statement = _written(r, item, f"law_enforcement.further_written.{index}")
        if item is None:
            r.error(f"law_enforcement.further_written.{index}", "must be a written statement")
        if statement is not None:
            further.append(statement)
    if isinstance(items, list) and items and raw.get("written") is None:
        r.error(
            "law_enforcement.further_written",
            "give the first written statement as law_enforcement.written",
        )
    return LawEnforcement(oral, written, tuple(further))


def _written(r: Reader, value: object, path: str) -> WrittenStatement | None:
    """A written statement: it names an end date, a period, or (``period_specified: false``) none.

    164.412(a) delays for the time a written statement specifies. One that specifies none is
    not an (a) statement; it is read like an oral one (164.412(b)): documented with the
    official's identity, and delaying at most 30 days unless a written statement specifying the
    period follows within them. ``period_specified: false`` says so explicitly, so that a
    forgotten period is still an error rather than a guessed 30 days.
    """
    keys = (
        "received_on",
        "delay_until",
        "delay_days",
        "period_specified",
        "official",
        "agency",
    )
    written_raw = r.section(value, path, keys)
    if written_raw is None:
        return None
    received = r.date(written_raw, "received_on", path, required=True)
    until = r.date(written_raw, "delay_until", path)
    days = r.count(written_raw, "delay_days", path, minimum=1)
    specified = r.flag(written_raw, "period_specified", path, default=True)
    official = r.text(written_raw, "official", path)
    agency = r.text(written_raw, "agency", path)
    given = [key for key in ("delay_until", "delay_days") if written_raw.get(key) is not None]
    if specified is False:
        for key in given:
            r.error(f"{path}.{key}", "contradicts period_specified false")
        if not official.strip():
            r.error(
                f"{path}.official",
                "is required when the statement specifies no period: it is then documented "
                "like an oral statement, with the official's identity (164.412(b))",
            )
        if received is None or given or not official.strip():
            return None
        return WrittenStatement(received, None, None, agency, False, official)
    if not given:
        r.error(
            path,
            "a written statement delays notice for the time it specifies (164.412(a)): give "
            "delay_until or delay_days, or period_specified: false if it specifies none",
        )
    elif len(given) == 2:
        r.error(path, "give delay_until or delay_days, not both")
    elif until is not None and received is not None and until <= received:
        r.error(f"{path}.delay_until", "must be after received_on")
    if received is None or specified is None or (until is None) == (days is None):
        return None
    if until is not None and until <= received:
        return None
    return WrittenStatement(received, until, days, agency, True, official)


def _check_dates(
    r: Reader,
    dates: Dates,
    ba: BusinessAssociateFacts | None,
    law: LawEnforcement,
    risk: RiskAssessment | None,
) -> None:
    """Contradictions between dates: order, the future, and the subpart's start."""
    discovered, occurred = dates.discovered_on, dates.occurred_on
    if occurred is not None and occurred < APPLICABLE_FROM:
        r.error("dates.occurred_on", "the subpart applies to breaches on or after 2009-09-23")
    if occurred is not None and discovered < occurred:
        r.error("dates.discovered_on", "is before dates.occurred_on")
    by_ba = dates.notified_by_business_associate_on
    if by_ba is not None and discovered > by_ba:
        r.error(
            "dates.discovered_on",
            "is after dates.notified_by_business_associate_on: the covered entity knew of the "
            "breach at the latest when the business associate told it",
        )
    named: list[tuple[str, dt.date | None]] = [
        ("dates.occurred_on", occurred),
        ("dates.discovered_on", discovered),
        ("dates.notified_by_business_associate_on", by_ba),
    ]
    if ba is not None:
        told = ba.notified_covered_entity_on
        named.append(("business_associate.notified_covered_entity_on", told))
        if told is not None and told < discovered:
            r.error(
                "business_associate.notified_covered_entity_on", "is before dates.discovered_on"
            )
    if risk is not None:
        named.append(("risk_assessment.performed_on", risk.performed_on))
    if law.oral is not None:
        named.append(("law_enforcement.oral.stated_on", law.oral.stated_on))
    if law.written is not None:
        named.append(("law_enforcement.written.received_on", law.written.received_on))
        previous = law.written.received_on
        for index, later in enumerate(law.further_written):
            path = f"law_enforcement.further_written.{index}.received_on"
            named.append((path, later.received_on))
            if later.received_on < previous:
                r.error(path, "is before the statement listed before it (list them in order)")
            previous = later.received_on
    for path, day in named:
        if path.startswith("law_enforcement") and day is not None and day < discovered:
            r.error(path, "is before dates.discovered_on")
        if dates.as_of is not None and day is not None and day > dates.as_of:
            r.error(path, "is after dates.as_of (in the future)")
