"""Pages that are not one app's: home, organizations, dashboard, governance."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.generic import FormView, TemplateView

from phiward.core.errors import InvalidInput
from phiward.core.governance import appoint_officer, replace_responsibility_matrix
from phiward.core.models import (
    Membership,
    OfficerAppointment,
    OfficerKind,
    Organization,
    ProgramArea,
    Raci,
    ResponsibilityAssignment,
)
from phiward.core.permissions import Action, Area, Role
from phiward.core.tenancy import may_create_organization
from phiward.inventory.models import Asset, AtRestEncryption, BaaStatus, DataFlow, Vendor, Zone
from phiward.web.forms import OfficerForm, OrganizationForm, ResponsibilityMatrixForm
from phiward.web.orgviews import OrgView, current_user


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    first = (
        Membership.objects.filter(user=current_user(request)).select_related("organization").first()
    )
    if first is None:
        return redirect("org-list")
    return redirect("dashboard", first.organization.slug)


@require_safe
@login_required
def switch_org(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("org", "")
    if Membership.objects.filter(user=current_user(request), organization__slug=slug).exists():
        return redirect("dashboard", slug)
    return redirect("org-list")


class OrganizationListView(LoginRequiredMixin, FormView[OrganizationForm]):
    """Every organization the user belongs to; a consultant creates new ones here."""

    template_name = "phiward/org_list.html"
    form_class = OrganizationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["may_create"] = may_create_organization(self.request.user)
        context["own_memberships"] = Membership.objects.filter(
            user=current_user(self.request)
        ).select_related("organization")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_create_organization(request.user):
            raise DjangoPermissionDenied("Only administrators and owners create organizations.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: OrganizationForm) -> HttpResponse:
        with transaction.atomic():
            organization = form.save()
            Membership.objects.create(
                user=current_user(self.request), organization=organization, role=Role.OWNER
            )
        messages.success(self.request, f"Created {organization.name}; you are its owner.")
        return redirect("dashboard", organization.slug)


class DashboardView(OrgView, TemplateView):
    """Every member's landing page; the inventory part shows to roles that may read it."""

    area = Area.ORGANIZATION
    nav = "dashboard"
    template_name = "phiward/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from phiward.inventory.epmap import render_org_map

        context = super().get_context_data(**kwargs)
        context["program"] = _program_cards(self)
        context["sees_inventory"] = self.can(Action.READ, Area.INVENTORY)
        if not context["sees_inventory"]:
            return context
        assets = Asset.objects.for_org(self.org)
        ephi_assets = assets.handling_ephi()
        flows = DataFlow.objects.for_org(self.org).carrying_ephi()
        today = timezone.localdate()
        context["counts"] = [
            ("Assets", assets.count(), False),
            ("Assets with ePHI", ephi_assets.count(), False),
            ("Data flows with ePHI", flows.count(), False),
            ("Zones", Zone.objects.for_org(self.org).count(), False),
            ("Vendors", Vendor.objects.for_org(self.org).count(), False),
            ("Unencrypted ePHI flows", flows.unencrypted().count(), True),
            ("ePHI flows of unknown encryption", flows.encryption_unknown().count(), True),
            (
                "ePHI assets unencrypted at rest",
                ephi_assets.filter(encryption_at_rest=AtRestEncryption.NONE).count(),
                True,
            ),
            (
                "Unsupported operating systems",
                assets.filter(os_end_of_support__lt=today).count(),
                True,
            ),
            (
                "ePHI vendors without a BAA",
                Vendor.objects.for_org(self.org)
                .filter(handles_ephi=True)
                .exclude(baa_status__in=[BaaStatus.SIGNED, BaaStatus.NOT_REQUIRED])
                .count(),
                True,
            ),
        ]
        context["map_svg"] = render_org_map(self.org)
        return context


def _program_cards(view: OrgView) -> list[tuple[str, object, bool, str]]:
    """The risk program at a glance: (label, value, is a gap, link), for the areas the member
    may read. Each figure is one or two queries."""
    from phiward.evidence.facts import dashboard_facts
    from phiward.risk.models import Risk, RiskStatus
    from phiward.risk.treatments import lapsed_acceptances, overdue_treatments
    from phiward.safeguards.services import posture_for

    org = view.org
    cards: list[tuple[str, object, bool, str]] = []
    if view.can(Action.READ, Area.RISK):
        open_risks = Risk.objects.for_org(org).filter(status=RiskStatus.OPEN)
        high = open_risks.filter(
            models.Q(residual_level__in=HIGH_LEVELS)
            | models.Q(residual_level="", inherent_level__in=HIGH_LEVELS)
        )
        register = reverse("risk:register", args=[org.slug])
        cards += [
            ("Open risks", open_risks.count(), False, register),
            ("High or critical risks", high.count(), True, register),
            (
                "Risks to re-assess",
                open_risks.filter(needs_reassessment=True).count(),
                True,
                register,
            ),
            ("Overdue treatments", overdue_treatments(org).count(), True, register),
            ("Lapsed risk acceptances", lapsed_acceptances(org).count(), True, register),
        ]
    if view.can(Action.READ, Area.SAFEGUARDS):
        overall = posture_for(org).tallies.overall
        link = reverse("safeguards:posture", args=[org.slug])
        percent = "—" if overall.percent is None else f"{overall.percent}%"
        cards += [
            ("Safeguards in place", percent, False, link),
            ("Safeguard gaps", overall.gaps, True, link),
        ]
    if view.can(Action.READ, Area.EVIDENCE):
        facts = dashboard_facts(org)
        link = reverse("evidence:list", args=[org.slug])
        cards += [
            ("Expired evidence", facts.expired, True, link),
            ("Evidence expiring in 30 days", facts.expiring, True, link),
            ("Citations without current evidence", len(facts.missing), True, link),
        ]
    return cards


HIGH_LEVELS = ("high", "very_high", "critical")


def _matrix(org: Organization) -> tuple[list[User], dict[tuple[str, int], str]]:
    members = list(
        User.objects.filter(memberships__organization=org).order_by("last_name", "username")
    )
    current = {(a.area, a.user_id): a.raci for a in ResponsibilityAssignment.objects.for_org(org)}
    return members, current


class GovernanceView(OrgView, TemplateView):
    """Designated officers, their appointment history and the responsibility matrix (S6)."""

    area = Area.GOVERNANCE
    nav = "governance"
    template_name = "phiward/governance.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        members, current = _matrix(self.org)
        context["members"] = members
        context["rows"] = [
            (area, [current.get((area.value, m.pk), "") for m in members]) for area in ProgramArea
        ]
        context["appointments"] = OfficerAppointment.objects.for_org(self.org).select_related(
            "user", "previous_user", "approved_by"
        )
        context["memberships"] = Membership.objects.filter(organization=self.org).select_related(
            "user"
        )
        context["can_approve"] = self.can(Action.APPROVE)
        return context


class AppointOfficerView(OrgView, FormView[OfficerForm]):
    area = Area.GOVERNANCE
    nav = "governance"
    read_action = Action.APPROVE
    write_action = Action.APPROVE
    template_name = "phiward/appoint_officer.html"
    form_class = OfficerForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organization": self.org}

    def form_valid(self, form: OfficerForm) -> HttpResponse:
        officer = OfficerKind(form.cleaned_data["officer"])
        try:
            appoint_officer(
                self.org,
                officer,
                form.cleaned_data["user"],
                approved_by=current_user(self.request),
                effective_date=form.cleaned_data["effective_date"],
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"{officer.label} designated and recorded.")
        return redirect("governance", self.org.slug)


class ResponsibilityMatrixView(OrgView, FormView[ResponsibilityMatrixForm]):
    area = Area.GOVERNANCE
    nav = "governance"
    write_action = Action.CHANGE
    read_action = Action.CHANGE
    template_name = "phiward/raci_edit.html"
    form_class = ResponsibilityMatrixForm

    def get_form_kwargs(self) -> dict[str, Any]:
        members, current = _matrix(self.org)
        return {**super().get_form_kwargs(), "members": members, "current": current}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["grid"] = [
            (area, [form[form.key(area.value, m)] for m in form.members]) for area in ProgramArea
        ]
        return context

    def form_valid(self, form: ResponsibilityMatrixForm) -> HttpResponse:
        try:
            replace_responsibility_matrix(
                self.org,
                (
                    (area, member, Raci(letter))
                    for area in ProgramArea
                    for member in form.members
                    if (letter := form.cleaned_data.get(form.key(area.value, member)))
                ),
            )
        except InvalidInput as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "Responsibility matrix saved.")
        return HttpResponseRedirect(reverse("governance", args=[self.org.slug]))
