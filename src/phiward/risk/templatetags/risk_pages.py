"""Template filters of the risk pages: levels as badges, ratings by their scale names."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from phiward.risk.scoring import Level, MethodSpec, ScalePoint

register = template.Library()

_TONES = {
    Level.VERY_LOW: "good",
    Level.LOW: "good",
    Level.MEDIUM: "warn",
    Level.HIGH: "bad",
    Level.VERY_HIGH: "bad",
    Level.CRITICAL: "bad",
}


@register.filter
def level_badge(value: object) -> SafeString:
    """A level value (or ``Level``) as a badge; "not rated" when empty."""
    name = str(value or "")
    if name not in Level._value2member_map_:
        return format_html('<span class="badge">{}</span>', "not rated")
    level = Level(name)
    return format_html('<span class="badge {}">{}</span>', _TONES[level], level.label)


@register.filter
def likelihood_name(value: int | None, method: MethodSpec) -> str:
    """``2`` -> ``2 Medium`` on the method's likelihood scale; "—" when not rated."""
    if value is None or not 1 <= value <= method.size:
        return "—"
    return f"{value} {method.likelihood_name(value)}"


@register.filter
def impact_name(value: int | None, method: MethodSpec) -> str:
    if value is None or not 1 <= value <= method.size:
        return "—"
    return f"{value} {method.impact_name(value)}"


@register.filter
def scale_rows(method: MethodSpec) -> list[tuple[int, ScalePoint, ScalePoint]]:
    """The method's scales side by side: (value, likelihood point, impact point)."""
    return [(lk.value, lk, im) for lk, im in zip(method.likelihood, method.impact, strict=True)]


@register.filter
def dom_id(value: str) -> str:
    """A question id as an HTML id: ``SQ_164.308(a)(1).1.01`` -> ``q-SQ_164-2e308-28a...``
    (every character that is not a letter, digit or underscore as its code: one id per id)."""
    return "q-" + "".join(c if c.isalnum() or c == "_" else f"-{ord(c):x}" for c in value)
