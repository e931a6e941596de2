"""Designating officers and keeping the responsibility matrix (S6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from phiward.core.errors import InvalidInput, PermissionDenied
from phiward.core.models import (
    Membership,
    OfficerAppointment,
    OfficerKind,
    Organization,
    ProgramArea,
    Raci,
    ResponsibilityAssignment,
)
from phiward.core.permissions import Action, Area, Role, allowed


@transaction.atomic
def appoint_officer(
    organization: Organization,
    officer: OfficerKind,
    user: User,
    *,
    approved_by: User,
    effective_date: dt.date,
    reason: str = "",
) -> OfficerAppointment:
    """Designate ``user`` as the organization's security or privacy officer, with a record.

    The approver must be allowed to approve governance decisions; nobody but an owner approves
    their own designation; the record takes effect today or on a past date no earlier than the
    last recorded designation, so the history stays in order.
    """
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise InvalidInput(f"user '{user.get_username()}' is not a member of {organization.slug}")
    approver = Membership.objects.filter(organization=organization, user=approved_by).first()
    if approver is None or not allowed(approver.role, Action.APPROVE, Area.GOVERNANCE):
        raise PermissionDenied("only an owner or the security officer approves a designation")
    if approved_by.pk == user.pk and approver.role != Role.OWNER:
        raise InvalidInput("a designation needs another approver: ask an owner")
    if effective_date > timezone.localdate():
        raise InvalidInput("the effective date is in the future: record it on the day it applies")
    latest = (
        OfficerAppointment.objects.for_org(organization)
        .filter(officer=officer)
        .order_by("-effective_date")
        .first()
    )
    if latest is not None and effective_date < latest.effective_date:
        raise InvalidInput(
            f"a later designation (effective {latest.effective_date}) is already recorded"
        )
    field = "security_officer" if officer == OfficerKind.SECURITY else "privacy_officer"
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    previous = getattr(org, field)
    if previous is not None and previous.pk == user.pk:
        raise InvalidInput(f"user '{user.get_username()}' already is the {officer.label.lower()}")
    setattr(org, field, user)
    org.save(update_fields=[field])
    setattr(organization, field, user)
    return OfficerAppointment.objects.create(
        organization=org,
        officer=officer,
        user=user,
        previous_user=previous,
        effective_date=effective_date,
        approved_by=approved_by,
        reason=reason,
    )


@transaction.atomic
def replace_responsibility_matrix(
    organization: Organization, cells: Iterable[tuple[ProgramArea, User, Raci]]
) -> None:
    """Replace the whole RACI matrix: members only, one letter per person and area, and at
    most one Accountable per area. Web form and API both write through here."""
    members = set(
        Membership.objects.filter(organization=organization).values_list("user_id", flat=True)
    )
    rows: list[ResponsibilityAssignment] = []
    seen: set[tuple[str, int]] = set()
    accountable: set[str] = set()
    for area, user, raci in cells:
        if user.pk not in members:
            raise InvalidInput(f"'{user.get_username()}' is not a member of {organization.slug}")
        if (area, user.pk) in seen:
            raise InvalidInput(f"{area.label}: '{user.get_username()}' is listed twice")
        seen.add((area, user.pk))
        if raci == Raci.ACCOUNTABLE:
            if area in accountable:
                raise InvalidInput(f"{area.label}: only one person can be Accountable")
            accountable.add(area)
        rows.append(
            ResponsibilityAssignment(organization=organization, area=area, user=user, raci=raci)
        )
    ResponsibilityAssignment.objects.for_org(organization).delete()
    ResponsibilityAssignment.objects.bulk_create(rows)
