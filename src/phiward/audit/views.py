"""The organization's audit-log page and its CSV / JSON export (itself audit-logged)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.generic import ListView

from phiward.audit import search
from phiward.audit.cli import LOG_ACTIONS
from phiward.audit.models import AuditEntry
from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.permissions import Action, Area
from phiward.web.orgviews import OrgView


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any"), *((a, a.replace("_", " ")) for a in LOG_ACTIONS)]
    )
    object_type = forms.CharField(required=False, max_length=100, label="Object type")
    object_id = forms.CharField(required=False, max_length=100, label="Object id")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )


def _start_of(day: dt.date | None, *, next_day: bool = False) -> dt.datetime | None:
    if day is None:
        return None
    moment = dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())
    return moment + dt.timedelta(days=1) if next_day else moment


def log_filter(
    request: HttpRequest, organization_id: int
) -> tuple[AuditFilterForm, search.LogFilter]:
    form = AuditFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    chosen = search.LogFilter(
        organization_id=organization_id,
        user=data.get("user") or "",
        action=data.get("action") or "",
        object_type=data.get("object_type") or "",
        object_id=data.get("object_id") or "",
        since=_start_of(data.get("since")),
        until=_start_of(data.get("until"), next_day=True),  # "to" includes that whole day
    )
    return form, chosen


class AuditLogView(OrgView, ListView[AuditEntry]):
    area = Area.AUDIT
    nav = "audit"
    http_method_names = ["get", "head", "options"]
    template_name = "audit/log.html"
    paginate_by = 50
    context_object_name = "entries"

    def get_queryset(self) -> QuerySet[AuditEntry]:
        self.form, self.chosen = log_filter(self.request, self.org.pk)
        return search.entries(self.chosen)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(form=self.form, query_string=query.urlencode(), plural="Entries")
        return context


class AuditExportView(OrgView):
    """The filtered entries as CSV or JSON, streamed: any number of entries, one chunk of rows
    in memory at a time. The export covers the log as it was when asked (entries up to the
    newest matching one then) and is itself recorded, with that count, before it streams."""

    area = Area.AUDIT
    read_action = Action.EXPORT
    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        _, chosen = log_filter(request, self.org.pk)
        fmt = "json" if request.GET.get("format") == "json" else "csv"
        found = search.entries(chosen)
        newest = found.values_list("seq", flat=True).first()
        found = found.filter(seq__lte=newest) if newest is not None else found.none()
        count = found.count()
        record(
            AuditEvent(
                action=AuditAction.EXPORT,
                organization_id=self.org.pk,
                object_type="audit.auditentry",
                summary=f"audit log exported as {fmt} ({count} entries)",
                changes={"format": fmt, "entries": count},
            )
        )
        batches = search.chunks(found)
        if fmt == "json":
            response = StreamingHttpResponse(
                search.json_chunks(batches), content_type="application/json"
            )
        else:
            response = StreamingHttpResponse(
                search.csv_chunks(batches), content_type="text/csv; charset=utf-8"
            )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        name = f"{self.org.slug}-audit-log-{stamp}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
