"""The calendar's pages: a month grid with the agenda beside it, and the iCalendar download.

Both are open to every member (organization read); what each shows is filtered by the
member's role: a deadline appears only to roles that may read its area.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView

from phiward.calendar import ics
from phiward.calendar.deadlines import Deadline
from phiward.calendar.display import (
    entry,
    month_bounds,
    month_grid,
    parse_month,
    shift_month,
)
from phiward.calendar.registry import EARLIEST, deadlines_for, upcoming
from phiward.core.models import Organization
from phiward.core.permissions import Area, Role
from phiward.web.orgviews import OrgView

AGENDA_DAYS = 60
FEED_PAST_DAYS = 365  # done deadlines older than this leave the feed; open ones stay
FEED_AHEAD_DAYS = 730


class CalendarView(OrgView, TemplateView):
    area = Area.ORGANIZATION
    nav = "calendar"
    template_name = "calendar/month.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        year, month = parse_month(self.request.GET.get("month", ""), today)
        first, last = month_bounds(year, month)
        role = self.membership.role
        shown = deadlines_for(self.org, first, last, role=role)
        agenda = upcoming(self.org, role=role, today=today, days=AGENDA_DAYS)
        prev_y, prev_m = shift_month(year, month, -1)
        next_y, next_m = shift_month(year, month, 1)
        context.update(
            month=date(year, month, 1),
            weeks=month_grid(year, month, shown, today),
            weekdays=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            previous_month=f"{prev_y:04d}-{prev_m:02d}",
            next_month=f"{next_y:04d}-{next_m:02d}",
            this_month=f"{today.year:04d}-{today.month:02d}",
            agenda=[entry(d, today) for d in agenda],
            agenda_days=AGENDA_DAYS,
        )
        return context


def feed_deadlines(
    organization: Organization, role: Role | str | None, today: date
) -> list[Deadline]:
    """What the feed holds: open deadlines however old, done ones of the last year, and
    everything due within two years."""
    return deadlines_for(organization, EARLIEST, today + timedelta(days=FEED_AHEAD_DAYS), role=role)


def feed_text(
    organization: Organization, deadlines: list[Deadline], *, base_url: str, today: date
) -> str:
    """The iCalendar text of ``deadlines`` (done ones older than a year are left out)."""
    horizon = today - timedelta(days=FEED_PAST_DAYS)
    kept = [d for d in deadlines if not (d.done and d.due_on < horizon)]
    feed = ics.Feed(organization.slug, organization.name, base_url.rstrip("/"))
    return ics.render(kept, feed, now=timezone.now())


def ics_response(text: str, organization: Organization) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{organization.slug}-deadlines.ics"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


class CalendarFeedView(OrgView):
    area = Area.ORGANIZATION
    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        today = timezone.localdate()
        found = feed_deadlines(self.org, self.membership.role, today)
        text = feed_text(self.org, found, base_url=request.build_absolute_uri("/"), today=today)
        return ics_response(text, self.org)
