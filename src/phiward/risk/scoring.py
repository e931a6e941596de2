"""Risk levels: a pure function of the analysis method, the likelihood and the impact.

Two methods, chosen per analysis:

- ``three_level`` — likelihood and impact Low / Medium / High, as the HHS/ONC SRA Tool asks
  them; the level is the product of the two (1-9) read as Low (1-2), Medium (3-4), High (6)
  and Critical (9), so HxH is the only Critical and LxH is Medium.
- ``five_level`` — Very low … Very high on both scales; the level is read from the matrix of
  NIST SP 800-30 Rev. 1, Appendix I, Table I-2 (semi-quantitative scales of Tables G-2 and H-3).

Every level has a ``severity`` in [0, 1] so that risks rated with different methods can be
ordered together (the remediation plan, the register across analyses).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from phiward.core.errors import InputProblems, Problem


class Method(StrEnum):
    THREE_LEVEL = "three_level"
    FIVE_LEVEL = "five_level"

    @property
    def label(self) -> str:
        return METHODS[self].label


class Level(StrEnum):
    """A risk level; the values of both methods share one ordering by ``severity``."""

    VERY_LOW = "very_low"
    LOW = "low"
    MEDIUM = "medium"  # the SRA Tool's word; NIST SP 800-30 says "moderate"
    HIGH = "high"
    VERY_HIGH = "very_high"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def severity(self) -> float:
        return _SEVERITY[self]


_SEVERITY = {
    Level.VERY_LOW: 0.1,
    Level.LOW: 0.3,
    Level.MEDIUM: 0.5,
    Level.HIGH: 0.75,
    Level.VERY_HIGH: 0.95,
    Level.CRITICAL: 1.0,
}


@dataclass(frozen=True)
class ScalePoint:
    value: int
    name: str
    definition: str


@dataclass(frozen=True)
class MethodSpec:
    method: str
    label: str
    likelihood: tuple[ScalePoint, ...]
    impact: tuple[ScalePoint, ...]
    levels: tuple[Level, ...]  # the levels this method can give, lowest first
    source: str

    @property
    def size(self) -> int:
        return len(self.likelihood)

    def likelihood_name(self, value: int) -> str:
        return self.likelihood[value - 1].name

    def impact_name(self, value: int) -> str:
        return self.impact[value - 1].name


_THREE_LIKELIHOOD = (
    ScalePoint(
        1,
        "Low",
        "Not expected in the coming year: the threat source lacks motivation or capability, or "
        "controls prevent or significantly impede it.",
    ),
    ScalePoint(
        2,
        "Medium",
        "Could happen in the coming year: the threat source is motivated and capable, but "
        "controls in place may impede it.",
    ),
    ScalePoint(
        3,
        "High",
        "Expected in the coming year or has happened: the threat source is highly motivated and "
        "capable, and controls are ineffective or absent.",
    ),
)
_THREE_IMPACT = (
    ScalePoint(
        1,
        "Low",
        "Limited effect: few records, short disruption, no effect on patient care; recovery "
        "with normal effort.",
    ),
    ScalePoint(
        2,
        "Medium",
        "Serious effect: a reportable breach of up to 500 individuals, disruption of clinical "
        "operations for hours, noticeable financial or reputational harm.",
    ),
    ScalePoint(
        3,
        "High",
        "Severe effect: a breach of 500 or more individuals, loss of ePHI integrity, clinical "
        "systems unavailable for a day or more, harm to patients possible.",
    ),
)
_FIVE_LIKELIHOOD = (
    ScalePoint(1, "Very low", "Highly unlikely to occur (less than once in ten years)."),
    ScalePoint(2, "Low", "Unlikely to occur (about once in five to ten years)."),
    ScalePoint(3, "Moderate", "Somewhat likely to occur (about once in one to five years)."),
    ScalePoint(4, "High", "Highly likely to occur (one to ten times a year)."),
    ScalePoint(5, "Very high", "Almost certain to occur (more than ten times a year)."),
)
_FIVE_IMPACT = (
    ScalePoint(1, "Very low", "Negligible effect on operations, assets or individuals."),
    ScalePoint(
        2,
        "Low",
        "Limited effect: a few records exposed, minor disruption, no harm to patient care.",
    ),
    ScalePoint(
        3,
        "Moderate",
        "Serious effect: a reportable breach of fewer than 500 individuals, clinical operations "
        "degraded for hours, significant financial loss.",
    ),
    ScalePoint(
        4,
        "High",
        "Severe effect: a breach of 500 or more individuals, clinical systems unavailable for "
        "a day or more, major financial loss, harm to individuals possible.",
    ),
    ScalePoint(
        5,
        "Very high",
        "Catastrophic effect: loss of life or serious harm to patients, prolonged loss of "
        "clinical capability, the organization's continued operation at stake.",
    ),
)

METHODS: dict[str, MethodSpec] = {
    Method.THREE_LEVEL: MethodSpec(
        method=Method.THREE_LEVEL,
        label="Three levels (compatible with the HHS/ONC SRA Tool)",
        likelihood=_THREE_LIKELIHOOD,
        impact=_THREE_IMPACT,
        levels=(Level.LOW, Level.MEDIUM, Level.HIGH, Level.CRITICAL),
        source="HHS/ONC Security Risk Assessment Tool: likelihood and impact Low/Medium/High",
    ),
    Method.FIVE_LEVEL: MethodSpec(
        method=Method.FIVE_LEVEL,
        label="Five levels (NIST SP 800-30 Rev. 1)",
        likelihood=_FIVE_LIKELIHOOD,
        impact=_FIVE_IMPACT,
        levels=(Level.VERY_LOW, Level.LOW, Level.MEDIUM, Level.HIGH, Level.VERY_HIGH),
        source="NIST SP 800-30 Rev. 1, Appendix G (Table G-2), H (Table H-3), I (Table I-2)",
    ),
}

# NIST SP 800-30 Rev. 1, Table I-2: rows are likelihood (very low .. very high), columns impact.
_VL, _L, _M, _H, _VH = Level.VERY_LOW, Level.LOW, Level.MEDIUM, Level.HIGH, Level.VERY_HIGH
_NIST_MATRIX: tuple[tuple[Level, ...], ...] = (
    (_VL, _VL, _VL, _L, _L),  # likelihood very low
    (_VL, _L, _L, _L, _M),  # low
    (_VL, _L, _M, _M, _H),  # moderate
    (_VL, _L, _M, _H, _VH),  # high
    (_VL, _L, _M, _H, _VH),  # very high
)


def spec(method: Method | str) -> MethodSpec:
    try:
        return METHODS[Method(method)]
    except ValueError:
        raise InputProblems(
            [Problem(f"unknown method '{method}' (one of: {', '.join(Method)})", field="method")]
        ) from None


def check_rating(method: Method | str, likelihood: int, impact: int) -> list[Problem]:
    """The problems with a rating under ``method`` (empty when it fits the scales)."""
    size = spec(method).size
    problems = []
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= size:
            problems.append(Problem(f"{name} must be a whole number from 1 to {size}", field=name))
    return problems


def level(method: Method | str, likelihood: int, impact: int) -> Level:
    """The risk level of a rating; raises ``InputProblems`` naming the field out of scale."""
    problems = check_rating(method, likelihood, impact)
    if problems:
        raise InputProblems(problems)
    if Method(method) is Method.FIVE_LEVEL:
        return _NIST_MATRIX[likelihood - 1][impact - 1]
    product = likelihood * impact
    if product <= 2:
        return Level.LOW
    if product <= 4:
        return Level.MEDIUM
    if product < 9:
        return Level.HIGH
    return Level.CRITICAL


def rescale(value: int, source: Method | str, target: Method | str) -> int:
    """A rating point carried to another method's scale (1..3 <-> 1..5), keeping the ends."""
    src, dst = spec(source).size, spec(target).size
    if src == dst:
        return value
    return 1 + round((value - 1) * (dst - 1) / (src - 1))
