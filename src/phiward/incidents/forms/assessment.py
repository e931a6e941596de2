"""The breach assessment form: one page with a section per question of the engine.

Every field is named after its path in the facts document (``phi.involved`` is the field
``phi__involved``), so the engine's problems, which name dotted paths, land next to the field
they are about (``individuals.by_state.MA`` next to ``individuals__by_state``). The form checks
only the shape of what is typed (a number is a number); whether the facts make sense is the
engine's to say (``phiward.breach.facts.parse_facts``). The exception's conditions are
per exception (``exc_i__good_faith``) because two exceptions share condition names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django import forms

from phiward.breach.facts import (
    EXCEPTION_CONDITIONS,
    RISK_FACTORS,
    UNKNOWN,
    Conclusion,
    EntityRole,
    ExceptionKind,
    Rating,
)
from phiward.incidents.forms import DATE, SHORT_TEXT, LinesField
from phiward.incidents.forms.assessment_layout import (
    DESTRUCTION_LABELS,
    ENCRYPTION_LABELS,
    EXCEPTION_LABELS,
    EXCEPTION_SLUGS,
    FACTOR_LABELS,
    SECTIONS,
    Section,
    exception_field,
    path_field,
)

YES_NO = [("", "— not answered —"), ("true", "Yes"), ("false", "No")]
YES_NO_UNKNOWN = [*YES_NO, (UNKNOWN, "Not known")]
_ANSWERS: dict[str, bool | str] = {"true": True, "false": False, UNKNOWN: UNKNOWN}
MAX_COUNT = 400_000_000  # more than the population of the United States
_STATE_LINE = re.compile(r"^\s*([A-Za-z]{2})\s*[=:,\s]\s*(\d{1,9})\s*$")


def _yes_no(label: str, unknown: bool = False, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=YES_NO_UNKNOWN if unknown else YES_NO,
        required=False,
        label=label,
        help_text=help_text,
    )


def _date(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(required=False, label=label, widget=DATE, help_text=help_text)


def _count(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        required=False, min_value=0, max_value=MAX_COUNT, label=label, help_text=help_text
    )


def _choice(label: str, choices: list[tuple[str, str]], help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=[("", "— not answered —"), *choices],
        required=False,
        label=label,
        help_text=help_text,
    )


class StateCountsField(forms.CharField):
    """Counts per State, one ``MA=520`` per line (``MA: 520`` and ``MA 520`` work too)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return "\n".join(f"{state}={count}" for state, count in value.items())
        return value

    def to_python(self, value: Any) -> dict[str, int]:  # type: ignore[override]
        if isinstance(value, Mapping):
            return {str(k): int(v) for k, v in value.items()}
        counts: dict[str, int] = {}
        for number, line in enumerate(str(value or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = _STATE_LINE.match(line)
            if match is None:
                raise forms.ValidationError(
                    f"line {number}: write a State's postal code and a count, e.g. MA=520"
                )
            state = match[1].upper()
            if state in counts:
                raise forms.ValidationError(f"line {number}: {state} is given twice")
            counts[state] = int(match[2])
        return counts


class AssessmentForm(forms.Form):
    """The facts of a breach determination, section by section."""

    # 1. Who and when.
    entity__role = forms.ChoiceField(
        choices=[
            (EntityRole.COVERED_ENTITY.value, "A covered entity"),
            (EntityRole.BUSINESS_ASSOCIATE.value, "A business associate"),
        ],
        initial=EntityRole.COVERED_ENTITY.value,
        label="We assess as",
        widget=forms.RadioSelect,
    )
    business_associate__covered_entity = forms.CharField(
        required=False,
        max_length=300,
        label="The covered entity we serve",
        help_text="Only for a business associate.",
    )
    business_associate__notified_covered_entity_on = _date(
        "We told the covered entity on", "Only for a business associate (164.410)."
    )
    dates__occurred_on = _date("The breach occurred on", "Leave empty if it is not known.")
    dates__discovered_on = _date(
        "The breach was discovered on",
        "The first day it was known, or would have been known with reasonable diligence, to "
        "anyone but the person who committed it (164.404(a)(2); for a business associate "
        "164.410(a)(2)).",
    )
    dates__notified_by_business_associate_on = _date(
        "A business associate told us on", "Only when a business associate reported it to us."
    )
    # 2. PHI.
    phi__involved = _yes_no("Was protected health information involved?")
    phi__permitted = _yes_no(
        "Was the use or disclosure permitted by the Privacy Rule?",
        help_text="Answer only when PHI was involved.",
    )
    phi__permitted_basis = forms.CharField(
        required=False,
        max_length=1000,
        label="Why it was permitted",
        help_text="The Privacy Rule provision that permits it (only when permitted).",
    )
    phi__types = LinesField(
        required=False,
        label="Kinds of PHI involved",
        help_text="One per line, in plain words: full name, date of birth, diagnosis, ...",
    )
    # 3. Safe harbor.
    safe_harbor__encryption__encrypted = _yes_no("Was the PHI encrypted?")
    safe_harbor__encryption__standard = _choice(
        "Encryption standard", [(k.value, v) for k, v in ENCRYPTION_LABELS.items()]
    )
    safe_harbor__encryption__key_compromised = _yes_no(
        "Was the key (or password) compromised too?", unknown=True
    )
    safe_harbor__destruction__destroyed = _yes_no("Was the PHI destroyed before the incident?")
    safe_harbor__destruction__method = _choice(
        "How it was destroyed", [(k.value, v) for k, v in DESTRUCTION_LABELS.items()]
    )
    # 4. The exceptions of 164.402(1).
    exception__claimed = _choice(
        "Exception claimed",
        [(k.value, v) for k, v in EXCEPTION_LABELS.items()],
        "Leave empty when no exception applies. Every condition of the one claimed must hold.",
    )
    exception__explanation = forms.CharField(
        required=False, label="Why the exception applies", widget=SHORT_TEXT
    )
    # 6. Individuals.
    individuals__total = _count("Individuals affected (total)")
    individuals__estimated = forms.BooleanField(required=False, label="The total is an estimate")
    individuals__by_state = StateCountsField(
        required=False,
        label="Residents per State",
        help_text="One per line: the State's postal code and a count, e.g. MA=520. Media "
        "notice is required in a State with more than 500 residents affected (164.406).",
    )
    individuals__deceased__next_of_kin_known = _count("Deceased, next of kin's address known")
    individuals__deceased__next_of_kin_unknown = _count("Deceased, no next of kin's address")
    individuals__insufficient_contact = _count(
        "Living, contact information insufficient or out of date",
        "Substitute notice is required for them (164.404(d)(2)).",
    )
    # 7. Law enforcement (164.412).
    law_enforcement__oral__stated_on = _date("Oral statement made on")
    law_enforcement__oral__official = forms.CharField(
        required=False, max_length=300, label="Official who made it (name, title)"
    )
    law_enforcement__oral__agency = forms.CharField(
        required=False, max_length=300, label="Agency (oral statement)"
    )
    law_enforcement__written__received_on = _date("Written statement received on")
    law_enforcement__written__delay_until = _date("Delay until (as the statement says)")
    law_enforcement__written__delay_days = forms.IntegerField(
        required=False, min_value=1, max_value=3650, label="Or: delay for this many days"
    )
    law_enforcement__written__agency = forms.CharField(
        required=False, max_length=300, label="Agency (written statement)"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for kind, conditions in EXCEPTION_CONDITIONS.items():
            for name, requirement in conditions:
                self.fields[exception_field(kind, name)] = _yes_no(
                    requirement[0].upper() + requirement[1:], unknown=True
                )
        for name, _, question in RISK_FACTORS:
            self.fields[f"risk_assessment__{name}__answer"] = forms.CharField(
                required=False,
                label="What we found",
                help_text=question[0].upper() + question[1:] + ".",
                widget=SHORT_TEXT,
            )
            self.fields[f"risk_assessment__{name}__rating"] = _choice(
                "Rating",
                [(r.value, r.value.capitalize()) for r in Rating],
                "The risk that the PHI has been compromised, on this factor.",
            )
        self.fields["risk_assessment__conclusion"] = _choice(
            "Conclusion of the risk assessment",
            [
                (Conclusion.LOW_PROBABILITY.value, "Low probability that the PHI was compromised"),
                (Conclusion.NOT_LOW_PROBABILITY.value, "Not a low probability"),
            ],
            "An incomplete assessment cannot conclude a low probability.",
        )
        self.fields["risk_assessment__performed_on"] = _date("Risk assessment performed on")

    # --- layout -------------------------------------------------------------------------------

    def sections(self) -> list[tuple[Section, list[forms.BoundField]]]:
        return [(s, [self[name] for name in s.fields]) for s in SECTIONS]

    def exception_groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """The conditions of each exception: (id, label, fields)."""
        return [
            (
                f"exc-{EXCEPTION_SLUGS[kind]}",
                EXCEPTION_LABELS[kind],
                [self[exception_field(kind, name)] for name, _ in conditions],
            )
            for kind, conditions in EXCEPTION_CONDITIONS.items()
        ]

    def factor_rows(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        """The four factors: (name, legend, answer field, rating field)."""
        return [
            (
                name,
                f"{FACTOR_LABELS.get(name, name)} ({paragraph})",
                self[f"risk_assessment__{name}__answer"],
                self[f"risk_assessment__{name}__rating"],
            )
            for name, paragraph, _ in RISK_FACTORS
        ]

    # --- to and from the facts document ------------------------------------------------------

    def claimed(self) -> ExceptionKind | None:
        value = self.cleaned_data.get("exception__claimed") or ""
        return ExceptionKind(value) if value in ExceptionKind._value2member_map_ else None

    def aliases(self) -> dict[str, str]:
        """Engine paths that are not ``__``-joined field names."""
        names = {
            "exception.conditions": "exception__claimed",
            "risk_assessment": "risk_assessment__conclusion",
            "individuals": "individuals__total",
            "individuals.deceased": "individuals__deceased__next_of_kin_known",
        }
        kind = self.claimed() if hasattr(self, "cleaned_data") else None
        if kind is not None:
            for name, _ in EXCEPTION_CONDITIONS[kind]:
                names[f"exception.conditions.{name}"] = exception_field(kind, name)
        return names

    def to_facts(
        self,
        *,
        entity_name: str,
        description: str,
        as_of: dt.date,
        uploaded_list: Mapping[str, object] | None = None,
    ) -> dict[str, object]:
        """The facts document of what was entered; absent answers stay absent, so the engine
        names what is missing."""
        d = self.cleaned_data
        facts: dict[str, object] = {
            "description": description,
            "entity": {"role": d["entity__role"], "name": entity_name},
        }
        ba = _given(
            {
                "covered_entity": d["business_associate__covered_entity"],
                "notified_covered_entity_on": _iso(
                    d["business_associate__notified_covered_entity_on"]
                ),
            }
        )
        if ba:
            facts["business_associate"] = ba
        facts["dates"] = _given(
            {
                "occurred_on": _iso(d["dates__occurred_on"]) or UNKNOWN,
                "discovered_on": _iso(d["dates__discovered_on"]),
                "notified_by_business_associate_on": _iso(
                    d["dates__notified_by_business_associate_on"]
                ),
                "as_of": as_of.isoformat(),
            }
        )
        facts["phi"] = _given(
            {
                "involved": _answer(d["phi__involved"]),
                "permitted": _answer(d["phi__permitted"]),
                "permitted_basis": d["phi__permitted_basis"],
                "types": d["phi__types"] or None,
            }
        )
        harbor = _given(
            {
                "encryption": _given(
                    {
                        "encrypted": _answer(d["safe_harbor__encryption__encrypted"]),
                        "standard": d["safe_harbor__encryption__standard"],
                        "key_compromised": _answer(d["safe_harbor__encryption__key_compromised"]),
                    }
                ),
                "destruction": _given(
                    {
                        "destroyed": _answer(d["safe_harbor__destruction__destroyed"]),
                        "method": d["safe_harbor__destruction__method"],
                    }
                ),
            }
        )
        if harbor:
            facts["safe_harbor"] = harbor
        kind = self.claimed()
        if kind is not None:
            facts["exception"] = {
                "claimed": kind.value,
                "explanation": d["exception__explanation"],
                "conditions": _given(
                    {
                        name: _answer(d[exception_field(kind, name)])
                        for name, _ in EXCEPTION_CONDITIONS[kind]
                    }
                ),
            }
        risk = self._risk_assessment()
        if risk:
            facts["risk_assessment"] = risk
        people = self._individuals(uploaded_list)
        if people:
            facts["individuals"] = people
        law = _given(
            {
                "oral": _given(
                    {
                        "stated_on": _iso(d["law_enforcement__oral__stated_on"]),
                        "official": d["law_enforcement__oral__official"],
                        "agency": d["law_enforcement__oral__agency"],
                    }
                ),
                "written": _given(
                    {
                        "received_on": _iso(d["law_enforcement__written__received_on"]),
                        "delay_until": _iso(d["law_enforcement__written__delay_until"]),
                        "delay_days": d["law_enforcement__written__delay_days"],
                        "agency": d["law_enforcement__written__agency"],
                    }
                ),
            }
        )
        if law:
            facts["law_enforcement"] = law
        return facts

    def _risk_assessment(self) -> dict[str, object]:
        d = self.cleaned_data
        risk: dict[str, object] = {}
        for name, _, _ in RISK_FACTORS:
            factor = _given(
                {
                    "answer": d[f"risk_assessment__{name}__answer"],
                    "rating": d[f"risk_assessment__{name}__rating"],
                }
            )
            if factor:
                risk[name] = factor
        if not risk and not d["risk_assessment__conclusion"]:
            return {}
        risk.update(
            _given(
                {
                    "conclusion": d["risk_assessment__conclusion"],
                    "performed_on": _iso(d["risk_assessment__performed_on"]),
                }
            )
        )
        return risk

    def _individuals(self, uploaded_list: Mapping[str, object] | None) -> dict[str, object]:
        d = self.cleaned_data
        people = _given(
            {
                "total": d["individuals__total"],
                "estimated": True if d["individuals__estimated"] else None,
                "by_state": d["individuals__by_state"] or None,
                "deceased": _given(
                    {
                        "next_of_kin_known": d["individuals__deceased__next_of_kin_known"],
                        "next_of_kin_unknown": d["individuals__deceased__next_of_kin_unknown"],
                    }
                ),
                "insufficient_contact": d["individuals__insufficient_contact"],
            }
        )
        if people and uploaded_list:
            people["list"] = dict(uploaded_list)
        return people


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _answer(value: str) -> bool | str | None:
    return _ANSWERS.get(value)


def _given(values: Mapping[str, object]) -> dict[str, object]:
    """The entries that were answered (None, "" and empty mappings are left out)."""
    return {k: v for k, v in values.items() if v is not None and v != "" and v != {}}


def initial_from_facts(facts: Mapping[str, object]) -> dict[str, object]:
    """Form values from a facts document (a stored assessment's, or the incident's counts)."""
    initial: dict[str, object] = {}

    def walk(value: object, path: str) -> None:
        if isinstance(value, Mapping) and path not in ("individuals.by_state",):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
            return
        if value is None:
            return
        if isinstance(value, bool):
            value = "true" if value else "false"
        initial[path_field(path)] = value

    walk(facts, "")
    claim = facts.get("exception")
    if isinstance(claim, Mapping):
        kind = ExceptionKind._value2member_map_.get(str(claim.get("claimed")))
        conditions = claim.get("conditions")
        if isinstance(kind, ExceptionKind) and isinstance(conditions, Mapping):
            for name, answer in conditions.items():
                initial[exception_field(kind, str(name))] = (
                    answer if answer == UNKNOWN else ("true" if answer else "false")
                )
    if initial.get("dates__occurred_on") == UNKNOWN:
        initial.pop("dates__occurred_on")
    for name, _, _ in RISK_FACTORS:
        if initial.get(f"risk_assessment__{name}__rating") == UNKNOWN:
            initial.pop(f"risk_assessment__{name}__rating")
    if "individuals__estimated" in initial:
        initial["individuals__estimated"] = initial["individuals__estimated"] == "true"
    return initial
