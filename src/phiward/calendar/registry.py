"""Deadline providers: every app registers one callable, the calendar asks them all.

    from phiward.calendar import register
    register(my_deadlines)   # in the app's AppConfig.ready()

A provider is called as ``provider(organization, start, end)`` and returns the organization's
deadlines due between ``start`` and ``end`` inclusive — done ones too, marked ``done=True``
(the calendar shows them struck through; the dashboard leaves them out). It must not filter
by the viewer: ``deadlines_for`` keeps only what the viewer's role may read in each
deadline's ``area``. A provider that raises is a bug and the error propagates; the calendar
never shows a partial list as if it were complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from phiward.calendar.deadlines import Deadline, dashboard_order, sort_key
from phiward.core.permissions import Action, Role, allowed

if TYPE_CHECKING:
    from phiward.core.models import Organization

Provider = Callable[["Organization", date, date], Iterable[Deadline]]

_providers: list[Provider] = []

# The earliest date a "since forever" query asks for (overdue items can be old).
EARLIEST = date(1900, 1, 1)


def register(provider: Provider) -> None:
    """Add ``provider`` (registering the same callable twice keeps one)."""
    if provider not in _providers:
        _providers.append(provider)


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def registered_providers() -> tuple[Provider, ...]:
    return tuple(_providers)


def visible(deadline: Deadline, role: Role | str | None) -> bool:
    """Whether a member with ``role`` may see ``deadline`` (None: no filtering, e.g. system)."""
    return role is None or allowed(role, Action.READ, deadline.area)


def deadlines_for(
    organization: Organization,
    start: date,
    end: date,
    *,
    role: Role | str | None,
    include_done: bool = True,
) -> list[Deadline]:
    """Every registered provider's deadlines due in [start, end], readable by ``role``, sorted.

    ``role=None`` means no viewer filtering (only for system use such as tests and jobs);
    interfaces always pass the member's role.
    """
    if end < start:
        return []
    found: list[Deadline] = []
    for provider in _providers:
        for deadline in provider(organization, start, end):
            if deadline.organization_id != organization.pk:
                raise ValueError(f"provider {provider!r} returned another organization's deadline")
            if not start <= deadline.due_on <= end:
                continue
            if not include_done and deadline.done:
                continue
            if visible(deadline, role):
                found.append(deadline)
    return sorted(found, key=sort_key)


def upcoming(
    organization: Organization,
    *,
    role: Role | str | None,
    today: date,
    days: int = 60,
    limit: int | None = None,
) -> list[Deadline]:
    """Open deadlines overdue or due within ``days``: overdue first, then by due date."""
    found = deadlines_for(
        organization, EARLIEST, today + timedelta(days=days), role=role, include_done=False
    )
    ordered = dashboard_order(found, today)
    return ordered if limit is None else ordered[:limit]
