"""Governance (S6): officers designated with a record, and the responsibility matrix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from phiward.core.errors import InvalidInput, PermissionDenied
from phiward.core.governance import appoint_officer
from phiward.core.models import (
    Membership,
    OfficerAppointment,
    OfficerKind,
    Organization,
    ResponsibilityAssignment,
)
from phiward.core.permissions import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_changing_the_security_officer_is_recorded(
    org: Organization, make_member: Callable[..., User]
) -> None:
    owner = make_member(org, Role.OWNER)
    first = make_member(org, Role.SECURITY_OFFICER, username="first")
    second = make_member(org, Role.SECURITY_OFFICER, username="second")
    appoint_officer(
        org, OfficerKind.SECURITY, first, approved_by=owner, effective_date=dt.date(2026, 1, 5)
    )
    appoint_officer(
        org,
        OfficerKind.SECURITY,
        second,
        approved_by=owner,
        effective_date=dt.date(2026, 6, 1),
        reason="First officer retired",
    )
    org.refresh_from_db()
    assert org.security_officer == second
    latest, earlier = OfficerAppointment.objects.for_org(org)
    assert (latest.user, latest.previous_user, latest.approved_by) == (second, first, owner)
    assert latest.effective_date == dt.date(2026, 6, 1)
    assert latest.reason == "First officer retired"
    assert earlier.previous_user is None


def test_officer_must_be_a_member(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    owner = make_member(org, Role.OWNER)
    stranger = make_member(other_org, Role.OWNER)
    with pytest.raises(InvalidInput, match="not a member"):
        appoint_officer(
            org,
            OfficerKind.PRIVACY,
            stranger,
            approved_by=owner,
            effective_date=dt.date(2026, 1, 1),
        )
    assert not OfficerAppointment.objects.exists()


def test_appointment_rules(org: Organization, make_member: Callable[..., User]) -> None:
    owner = make_member(org, Role.OWNER)
    officer = make_member(org, Role.SECURITY_OFFICER)
    privacy = make_member(org, Role.PRIVACY_OFFICER)
    auditor = make_member(org, Role.AUDITOR)
    today = timezone.localdate()
    with pytest.raises(InvalidInput, match="future"):
        appoint_officer(
            org,
            OfficerKind.SECURITY,
            officer,
            approved_by=owner,
            effective_date=today + dt.timedelta(days=1),
        )
    with pytest.raises(InvalidInput, match="another approver"):
        appoint_officer(
            org, OfficerKind.SECURITY, officer, approved_by=officer, effective_date=today
        )
    with pytest.raises(PermissionDenied):
        appoint_officer(
            org, OfficerKind.PRIVACY, privacy, approved_by=auditor, effective_date=today
        )
    appoint_officer(org, OfficerKind.SECURITY, officer, approved_by=owner, effective_date=today)
    with pytest.raises(InvalidInput, match="later designation"):
        appoint_officer(
            org,
            OfficerKind.SECURITY,
            owner,
            approved_by=owner,
            effective_date=today - dt.timedelta(days=30),
        )
    # An owner may designate themselves (the physician-owner of a small practice often is).
    appoint_officer(org, OfficerKind.PRIVACY, owner, approved_by=owner, effective_date=today)
    assert OfficerAppointment.objects.for_org(org).count() == 2


def test_appoint_through_the_web_and_only_approvers_may(
    org: Organization, make_member: Callable[..., User]
) -> None:
    owner = make_member(org, Role.OWNER)
    privacy = make_member(org, Role.PRIVACY_OFFICER)
    url = reverse("appoint-officer", args=[org.slug])
    assert client_for(privacy).get(url).status_code == 403
    response = client_for(owner).post(
        url,
        {
            "officer": "privacy",
            "user": privacy.pk,
            "effective_date": "2026-03-01",
            "reason": "Board resolution 2026-02",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.privacy_officer == privacy
    page = client_for(owner).get(reverse("governance", args=[org.slug]))
    assert b"Board resolution 2026-02" in page.content


def test_responsibility_matrix_allows_one_accountable_per_area(
    org: Organization, make_member: Callable[..., User]
) -> None:
    owner = make_member(org, Role.OWNER)
    officer = make_member(org, Role.SECURITY_OFFICER)
    client = client_for(owner)
    url = reverse("raci-edit", args=[org.slug])
    bad = client.post(url, {f"risk__{owner.pk}": "A", f"risk__{officer.pk}": "A"})
    assert bad.status_code == 200
    assert "only one person can be Accountable" in bad.content.decode()
    assert not ResponsibilityAssignment.objects.exists()

    good = client.post(
        url, {f"risk__{owner.pk}": "A", f"risk__{officer.pk}": "R", f"incidents__{officer.pk}": "A"}
    )
    assert good.status_code == 302
    cells = {(a.area, a.user_id, a.raci) for a in ResponsibilityAssignment.objects.for_org(org)}
    assert cells == {
        ("risk", owner.pk, "A"),
        ("risk", officer.pk, "R"),
        ("incidents", officer.pk, "A"),
    }


def test_auditor_sees_governance_but_cannot_edit_it(
    org: Organization, make_member: Callable[..., User]
) -> None:
    auditor = client_for(make_member(org, Role.AUDITOR))
    assert auditor.get(reverse("governance", args=[org.slug])).status_code == 200
    assert auditor.get(reverse("raci-edit", args=[org.slug])).status_code == 403


def test_creating_an_organization_makes_the_creator_owner(
    org: Organization, make_member: Callable[..., User]
) -> None:
    consultant = make_member(org, Role.OWNER)
    response = client_for(consultant).post(
        reverse("org-list"),
        {"name": "Lakeside Dental", "slug": "lakeside-dental", "kind": "covered_entity"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=consultant, organization__slug="lakeside-dental")
    assert membership.role == Role.OWNER


def test_only_owners_and_administrators_create_organizations(
    org: Organization, make_member: Callable[..., User]
) -> None:
    auditor = client_for(make_member(org, Role.AUDITOR))
    assert b"New organization" not in auditor.get(reverse("org-list")).content
    response = auditor.post(
        reverse("org-list"), {"name": "X", "slug": "x", "kind": "covered_entity"}
    )
    assert response.status_code == 403
    assert not Organization.objects.filter(slug="x").exists()


def test_dashboard_shows_counts(org: Organization, make_member: Callable[..., User]) -> None:
    page = client_for(make_member(org, Role.AUDITOR)).get(reverse("dashboard", args=[org.slug]))
    assert page.status_code == 200
    assert b"Unencrypted ePHI flows" in page.content


def test_login_page_and_redirects(client: object) -> None:
    from django.test import Client

    anonymous = Client()
    assert anonymous.get("/login/").status_code == 200
    response = anonymous.get("/o/clinic-a/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
