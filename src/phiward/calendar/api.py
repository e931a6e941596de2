"""The calendar API: the deadlines of an organization between two dates (JSON), and the
iCalendar feed. Every member may ask (organization read); each deadline is listed only to
roles that may read its area. An API token acts with its own role (capped by its creator's),
so the filtering uses the lower of the two: whichever sees less."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from phiward.calendar.deadlines import Deadline
from phiward.calendar.registry import EARLIEST, deadlines_for, visible
from phiward.calendar.views import FEED_AHEAD_DAYS, feed_text, ics_response
from phiward.core.apiscope import (
    SCOPED_ERRORS,
    WRITE_ERRORS,
    OrgScope,
    org_scope,
    token_credential,
)
from phiward.core.errors import InputProblems, Problem
from phiward.core.permissions import Action, Area

router = Router(tags=["calendar"])
MAX_SPAN_DAYS = 3 * 366
DEFAULT_DAYS = 60


class DeadlineOut(Schema):
    due_on: dt.date
    title: str
    kind: str = Field(description="exercise, exercise-action, treatment, treatment-task, …")
    key: str = Field(description="Stable within kind for the same obligation")
    area: Area
    url: str = Field(description="Where to act (a web path)")
    citation: str
    detail: str
    done: bool
    days_left: int = Field(description="Negative when overdue")
    overdue: bool
    warning: int | None = Field(
        description="30, 14, 7 or 1 once that many days or fewer remain; 0 due today or "
        "overdue; null when further away or done"
    )


class CalendarOut(Schema):
    start: dt.date
    end: dt.date
    today: dt.date
    items: list[DeadlineOut]


class CalendarQuery(Schema):
    start: dt.date | None = Field(None, description="Default: today")
    end: dt.date | None = Field(None, description="Default: start + 60 days")


def _for_caller(
    request: HttpRequest, scope: OrgScope, start: dt.date, end: dt.date
) -> list[Deadline]:
    """The member's deadlines; by API token, only those the token's role may read as well."""
    found = deadlines_for(scope.organization, start, end, role=scope.membership.role)
    credential = token_credential(request)
    if credential is None:
        return found
    return [d for d in found if visible(d, credential.role)]


@router.get(
    "/{org}/calendar",
    response={200: CalendarOut, **WRITE_ERRORS},
    operation_id="list_calendar_deadlines",
    summary="Deadlines between two dates (those the caller's role may read)",
)
def list_calendar_deadlines(
    request: HttpRequest, org: str, query: Query[CalendarQuery]
) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, Area.ORGANIZATION)
    today = timezone.localdate()
    start = query.start or today
    end = query.end or start + dt.timedelta(days=DEFAULT_DAYS)
    problems = []
    if end < start:
        problems.append(Problem("end must not be before start", field="end"))
    elif (end - start).days > MAX_SPAN_DAYS:
        problems.append(Problem(f"at most {MAX_SPAN_DAYS} days at a time", field="end"))
    if problems:
        raise InputProblems(problems)
    found = _for_caller(request, scope, start, end)
    return {
        "start": start,
        "end": end,
        "today": today,
        "items": [d.to_dict(today) for d in found],
    }


ICS = {"text/calendar": {"schema": {"type": "string"}}}


@router.get(
    "/{org}/calendar.ics",
    response=SCOPED_ERRORS,
    operation_id="download_calendar_ics",
    summary="The deadlines as an iCalendar feed (RFC 5545)",
    openapi_extra={
        "responses": {"200": {"description": "text/calendar, an attachment", "content": ICS}}
    },
)
def download_calendar_ics(request: HttpRequest, org: str) -> HttpResponse:
    scope = org_scope(request, org, Action.READ, Area.ORGANIZATION)
    today = timezone.localdate()
    found = _for_caller(request, scope, EARLIEST, today + dt.timedelta(days=FEED_AHEAD_DAYS))
    text = feed_text(
        scope.organization, found, base_url=request.build_absolute_uri("/"), today=today
    )
    return ics_response(text, scope.organization)
