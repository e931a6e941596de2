"""Template filters of the incident pages: deadline warnings and status badges."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from phiward.calendar import warning_level

register = template.Library()

_STATUS_TONES = {
    "reported": "bad",
    "triage": "warn",
    "contained": "warn",
    "eradicated": "warn",
    "recovered": "good",
    "closed": "",
    "open": "warn",
    "done": "good",
    "not_required": "",
}


@register.filter
def deadline(due_on: dt.date | None, today: dt.date) -> SafeString:
    """A due date with its warning: "overdue", "due today", "1 day left", "within 7 days"."""
    if due_on is None:
        return format_html("{}", "no fixed date")
    level = warning_level(due_on, today)
    left = (due_on - today).days
    if level is None:
        return format_html('<time datetime="{0}">{0}</time>', due_on.isoformat())
    if left < 0:
        note, tone = f"overdue by {-left} day{'s' if left != -1 else ''}", "bad"
    elif left == 0:
        note, tone = "due today", "bad"
    else:
        note = f"{left} day{'s' if left != 1 else ''} left"
        tone = "bad" if level <= 7 else "warn"
    return format_html(
        '<time datetime="{0}">{0}</time> <span class="badge {1}" data-warning="{2}">{3}</span>',
        due_on.isoformat(),
        tone,
        level,
        note,
    )


@register.filter
def status_badge(value: str, label: str = "") -> SafeString:
    tone = _STATUS_TONES.get(str(value), "")
    return format_html('<span class="badge {}">{}</span>', tone, label or str(value))


@register.filter
def may_report(membership: object) -> bool:
    """Whether the member's role may report an incident (for the navigation)."""
    from phiward.core.models import Membership
    from phiward.core.permissions import Action, Area, allowed

    return isinstance(membership, Membership) and allowed(
        membership.role, Action.CREATE, Area.INCIDENTS
    )
