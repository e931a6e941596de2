"""Safeguard pages: the matrix, one page per entry (and its edit form), the approval of a pending
"not applicable", the links to risks, and the posture with its optional 2025-proposal lens.

Every view is an ``OrgView`` in ``Area.SAFEGUARDS``; reading never writes (unrecorded entries
show as unsaved "not implemented" rows); every write goes through ``services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.generic import TemplateView

from phiward.catalog import catalog
from phiward.catalog.catalog import CatalogEntry, Family, FrameworkId, Requirement
from phiward.core.errors import InputProblems, NotFound, PhiwardError
from phiward.core.models import display_name
from phiward.core.permissions import Action, Area
from phiward.risk.models import Risk
from phiward.safeguards import services
from phiward.safeguards.forms import RejectForm, RiskLinkForm, SafeguardForm
from phiward.safeguards.models import SafeguardStatus
from phiward.safeguards.nprm import lens
from phiward.safeguards.posture import Item, Tally
from phiward.safeguards.status import Shown
from phiward.web.orgviews import OrgView, current_user, is_partial_request

NO_OWNER = "none"
# Bar colours (SVG presentation attributes: the pages allow no inline styles).
SEGMENT_COLOURS = (
    (Shown.IMPLEMENTED, "#1e6b35"),
    (Shown.EVIDENCE_MISSING, "#c98a1a"),
    (Shown.EVIDENCE_EXPIRED, "#c98a1a"),
    (Shown.PARTIAL, "#e0b04a"),
    (Shown.PLANNED, "#9bb7d4"),
    (Shown.NOT_IMPLEMENTED, "#b3261e"),
    (Shown.NA_PENDING, "#e57368"),
)


class SafeguardView(OrgView):
    area = Area.SAFEGUARDS
    nav = "safeguards"

    def entry(self, key: str) -> CatalogEntry:
        try:
            return services.entry_for(key)
        except NotFound as exc:
            raise Http404(str(exc)) from exc

    def detail_url(self, entry: CatalogEntry) -> str:
        return reverse("safeguards:detail", args=[self.org.slug, entry.key])


# --- the matrix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class MatrixRow:
    row: SafeguardStatus
    item: Item

    @property
    def entry(self) -> CatalogEntry:
        return self.item.entry


class MatrixView(SafeguardView, TemplateView):
    """Every standard and specification by family: status, R/A, owner, last review; filters."""

    template_name = "safeguards/matrix.html"
    partial_template: ClassVar[str] = "safeguards/_matrix.html"

    def filters(self) -> dict[str, tuple[str, list[Choice]]]:
        members = User.objects.filter(memberships__organization=self.org).order_by("username")
        return {
            "status": ("Status", [Choice(s.value, s.label) for s in Shown]),
            "family": ("Family", [Choice(f.value, f.label) for f in Family]),
            "requirement": ("R/A", [Choice(r.value, r.label) for r in Requirement]),
            "owner": (
                "Owner",
                [
                    Choice(NO_OWNER, "No owner"),
                    *(Choice(u.get_username(), display_name(u)) for u in members),
                ],
            ),
        }

    def selected(self, name: str, choices: list[Choice]) -> str:
        value = self.request.GET.get(name, "")
        return value if value in {c.value for c in choices} else ""

    def keep(self, row: MatrixRow, chosen: dict[str, str]) -> bool:
        owner = row.row.owner.get_username() if row.row.owner_id else NO_OWNER  # type: ignore[union-attr]
        checks = {
            "status": str(row.item.shown),
            "family": str(row.entry.family),
            "requirement": str(row.item.requirement),
            "owner": owner,
        }
        return all(not value or checks[name] == value for name, value in chosen.items())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        snap = services.snapshot(self.org)
        filters = self.filters()
        chosen = {name: self.selected(name, choices) for name, (_, choices) in filters.items()}
        rows = [
            MatrixRow(row, item)
            for row, item in zip(snap.rows, snap.posture.items, strict=True)
            if self.keep(MatrixRow(row, item), chosen)
        ]
        groups = [
            (family, [r for r in rows if r.entry.family is family])
            for family in Family
            if any(r.entry.family is family for r in rows)
        ]
        context.update(
            filters=[
                (name, label, choices, chosen[name]) for name, (label, choices) in filters.items()
            ],
            groups=groups,
            shown_count=len(rows),
            total=len(snap.rows),
            tally=snap.posture.tallies.overall,
            pending=[r for r in snap.rows if r.na_pending],
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        template = self.partial_template if is_partial_request(request) else self.template_name
        response = render(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


# --- one entry ----------------------------------------------------------------------------------


class DetailView(SafeguardView, TemplateView):
    template_name = "safeguards/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        entry = self.entry(kwargs["key"])
        snap = services.snapshot(self.org)
        row = snap.row(entry.id)
        item = next(i for i in snap.posture.items if i.entry.id == entry.id)
        current, expired = snap.evidence.get(entry.id, (0, 0))
        risks = services.linked_risks(row)
        security = services.framework()
        linked_ids = {risk.pk for risk in risks}
        context.update(
            entry=entry,
            parent=security.parent_of(entry),
            children=[(child, snap.row(child.id)) for child in security.children_of(entry)],
            row=row,
            item=item,
            risks=risks,
            linkable=[
                r
                for r in Risk.objects.for_org(self.org).order_by("number")
                if r.pk not in linked_ids
            ]
            if self.can(Action.CHANGE)
            else [],
            evidence_current=current,
            evidence_expired=expired,
            can_approve=self.can(Action.APPROVE),
            can_read_evidence=self.can(Action.READ, Area.EVIDENCE),
            can_add_evidence=self.can(Action.CREATE, Area.EVIDENCE),
            reject_form=RejectForm(),
            catalog_url=reverse("catalog:entry", args=[FrameworkId.HIPAA_SECURITY, entry.key]),
        )
        return context


class EditView(SafeguardView):
    read_action = Action.CHANGE
    write_action = Action.CHANGE

    def render_form(
        self, entry: CatalogEntry, row: SafeguardStatus, form: SafeguardForm
    ) -> HttpResponse:
        context = {
            "org": self.org,
            "nav": self.nav,
            "entry": entry,
            "row": row,
            "form": form,
            "cancel_url": self.detail_url(entry),
        }
        return render(self.request, "safeguards/edit.html", context)

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        entry = self.entry(key)
        row = services.status_for(self.org, entry.id)
        return self.render_form(
            entry, row, SafeguardForm(organization=self.org, entry=entry, row=row)
        )

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        entry = self.entry(key)
        row = services.status_for(self.org, entry.id)
        form = SafeguardForm(request.POST, organization=self.org, entry=entry, row=row)
        if not form.is_valid():
            return self.render_form(entry, row, form)
        changes = {name: form.cleaned_data[name] for name in form.fields}
        try:
            saved = services.update(self.org, entry.id, changes, by=current_user(request))
        except InputProblems as exc:
            for problem in exc.problems:
                field = problem.field if problem.field in form.fields else None
                form.add_error(field, problem.message)
            return self.render_form(entry, row, form)
        note = " It awaits approval." if saved.na_pending else ""
        messages.success(request, f"Saved {entry.id} {entry.title}.{note}")
        return HttpResponseRedirect(self.detail_url(entry))


class ApproveView(SafeguardView):
    """Approve a required entry's pending "not applicable"."""

    write_action = Action.APPROVE

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        entry = self.entry(key)
        try:
            services.approve_not_applicable(self.org, entry.id, by=current_user(request))
        except PhiwardError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, f'Approved "not applicable" for {entry.id}.')
        return HttpResponseRedirect(self.detail_url(entry))


class RejectView(SafeguardView):
    """Reject a pending "not applicable": the entry's earlier status comes back."""

    write_action = Action.APPROVE

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        entry = self.entry(key)
        form = RejectForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Say why the request is rejected.")
            return HttpResponseRedirect(self.detail_url(entry))
        try:
            services.reject_not_applicable(
                self.org, entry.id, by=current_user(request), note=form.cleaned_data["note"]
            )
        except PhiwardError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, f'Rejected "not applicable" for {entry.id}.')
        return HttpResponseRedirect(self.detail_url(entry))


class RiskLinksView(SafeguardView):
    """Link a risk of the register to the entry, or unlink it."""

    write_action = Action.CHANGE

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        entry = self.entry(key)
        form = RiskLinkForm(request.POST)
        risk = None
        if form.is_valid():
            risk = Risk.objects.for_org(self.org).filter(pk=form.cleaned_data["risk"]).first()
        if risk is None:
            messages.error(request, "Choose a risk of this organization's register.")
            return HttpResponseRedirect(self.detail_url(entry))
        try:
            if form.cleaned_data["action"] == "link":
                services.link_risk(self.org, entry.id, risk)
                messages.success(request, f"Linked {risk.reference} to {entry.id}.")
            else:
                services.unlink_risk(self.org, entry.id, risk)
                messages.success(request, f"Unlinked {risk.reference} from {entry.id}.")
        except PhiwardError as exc:
            messages.error(request, _message(exc))
        return HttpResponseRedirect(self.detail_url(entry))


def _message(error: PhiwardError) -> str:
    if isinstance(error, InputProblems):
        return " ".join(problem.message for problem in error.problems)
    return str(error)


# --- the posture --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    shown: Shown
    count: int
    x: float  # percent
    width: float  # percent
    colour: str


def segments(t: Tally) -> list[Segment]:
    """The applicable entries of a tally as bar segments (approved "not applicable" left out)."""
    found: list[Segment] = []
    x = 0.0
    for shown, colour in SEGMENT_COLOURS:
        count = t.count(shown)
        if not count or not t.applicable:
            continue
        width = 100.0 * count / t.applicable
        found.append(Segment(shown, count, round(x, 3), round(width, 3), colour))
        x += width
    return found


class PostureView(SafeguardView, TemplateView):
    template_name = "safeguards/posture.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        current = services.posture_for(self.org)
        with_nprm = self.request.GET.get("nprm") == "1"
        bars = [
            (
                family.family,
                family.tallies,
                segments(family.tallies.overall),
            )
            for family in current.families
        ]
        context.update(
            posture=current,
            overall=current.tallies,
            overall_segments=segments(current.tallies.overall),
            bars=bars,
            legend=[(shown, colour) for shown, colour in SEGMENT_COLOURS],
            with_nprm=with_nprm,
            lens=lens(catalog.load(FrameworkId.NPRM_2025), current) if with_nprm else None,
        )
        return context
