"""Designating officers and keeping the responsibility matrix (S6)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction

from phiward.core.errors import InvalidInput
from phiward.core.models import (
    Membership,
    OfficerAppointment,
    OfficerKind,
    Organization,
)


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
    """Designate ``user`` as the organization's security or privacy officer, with a record."""
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise InvalidInput(f"user '{user.get_username()}' is not a member of {organization.slug}")
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
