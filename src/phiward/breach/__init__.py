"""The breach-notification engine (45 CFR 164.400-414): pure Python, no Django.

``assess_document`` takes an incident's facts (a decoded YAML/JSON mapping, schema in
``docs/breach.md``) and returns an ``Assessment``: the facts as parsed, the determination with
its cited reasoning (``determination.assess``), and the obligations with their due dates
(``obligations.obligations``). ``Assessment.to_dict`` is the documented output schema, also what
``phiward breach assess --json`` prints. The same engine serves the web app and the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from phiward.breach.determination import ENGINE_VERSION, Determination, Outcome, Step, assess
from phiward.breach.facts import BreachFacts, parse_facts
from phiward.breach.obligations import Obligation, Recipient, obligations

__all__ = [
    "ENGINE_VERSION",
    "Assessment",
    "BreachFacts",
    "Determination",
    "Obligation",
    "Outcome",
    "Recipient",
    "Step",
    "assess",
    "assess_document",
    "obligations",
    "parse_facts",
]


@dataclass(frozen=True)
class Assessment:
    facts: BreachFacts
    determination: Determination
    obligations: tuple[Obligation, ...]

    def to_dict(self) -> dict[str, object]:
        as_of = self.facts.dates.as_of
        return {
            "engine_version": self.determination.engine_version,
            "as_of": None if as_of is None else as_of.isoformat(),
            "determination": self.determination.to_dict(),
            "obligations": [obligation.to_dict() for obligation in self.obligations],
            "facts": self.facts.to_dict(),
        }


def assess_facts(facts: BreachFacts) -> Assessment:
    """The determination and obligations for facts already parsed."""
    determination = assess(facts)
    return Assessment(facts, determination, obligations(facts, determination))


def assess_document(data: Mapping[str, object], *, source: str = "input") -> Assessment:
    """Parse ``data`` (``InputProblems`` naming every bad field) and assess it."""
    return assess_facts(parse_facts(data, source=source))
