"""MFA is required of everyone unless an owner relaxed it for the workforce role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.urls import reverse

from phiward.accounts import policies
from phiward.core.auditing import AuditAction, AuditEvent
from phiward.core.errors import PermissionDenied
from phiward.core.models import Organization
from phiward.core.permissions import Role
from tests.accounts.conftest import password_step, totp
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

Strip = Callable[[User], User]


def test_a_person_without_mfa_is_sent_to_enrol(
    org: Organization, make_member: Callable[..., User], unenrolled: Strip
) -> None:
    client = client_for(unenrolled(make_member(org, Role.OWNER)))
    response = client.get(f"/o/{org.slug}/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # Their account pages, logging out and health checks stay open.
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    api = client.get(f"/api/organizations/{org.slug}")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/problem+json"
    assert "two-factor" in api.json()["detail"]


def test_enrolling_through_the_page_opens_the_app(
    org: Organization, make_member: Callable[..., User], unenrolled: Strip
) -> None:
    user = unenrolled(make_member(org, Role.AUDITOR, username="ann"))
    client = client_for(user)
    # Enrolment asks for the password again (the test login skipped allauth's records).
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(
        reverse("account_reauthenticate")
    )
    client.post(reverse("account_reauthenticate"), {"password": "correct horse battery staple 42"})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret.encode() in page.content  # shown for typing into an app
    done = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get(f"/o/{org.slug}/").status_code == 200


def test_a_first_login_without_mfa_goes_to_enrolment(
    org: Organization, make_member: Callable[..., User], unenrolled: Strip
) -> None:
    from django.test import Client

    user = unenrolled(make_member(org, Role.OWNER, username="olga"))
    client = Client()
    assert password_step(client, user.username).status_code == 302  # no MFA stage yet
    assert client.get(f"/o/{org.slug}/")["Location"] == reverse("mfa_activate_totp")


def _relax(org: Organization) -> None:
    policies.set_policy(org, by=None, workforce_mfa_required=False)


def test_relaxed_workforce_members_may_work_without_mfa(
    make_org: Callable[..., Organization], make_member: Callable[..., User], unenrolled: Strip
) -> None:
    relaxed, strict = make_org(), make_org()
    _relax(relaxed)
    worker = unenrolled(make_member(relaxed, Role.WORKFORCE, username="wes"))
    assert client_for(worker).get(f"/o/{relaxed.slug}/").status_code == 200
    # Also a workforce member of an organization that requires it: MFA is required.
    policies.set_policy(strict, by=None, session_idle_minutes=15)
    from phiward.core.models import Membership

    Membership.objects.create(user=worker, organization=strict, role=Role.WORKFORCE)
    assert client_for(worker).get(f"/o/{relaxed.slug}/").status_code == 302


def test_relaxing_never_covers_other_roles(
    org: Organization, make_member: Callable[..., User], unenrolled: Strip
) -> None:
    _relax(org)
    auditor = unenrolled(make_member(org, Role.AUDITOR))
    assert client_for(auditor).get(f"/o/{org.slug}/").status_code == 302


def test_only_an_owner_relaxes_and_it_is_recorded(
    org: Organization, make_member: Callable[..., User], audit_log: list[AuditEvent]
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    with pytest.raises(PermissionDenied):
        policies.set_policy(org, by=officer, workforce_mfa_required=False)
    assert (
        client_for(officer)
        .post(
            reverse("account-policy", args=[org.slug]),
            {"session_idle_minutes": 15, "session_lifetime_hours": 12},
        )
        .status_code
        == 403
    )
    owner = make_member(org, Role.OWNER)
    response = client_for(owner).post(
        reverse("account-policy", args=[org.slug]),
        {"session_idle_minutes": 10, "session_lifetime_hours": 12},  # checkbox left off
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert not org.workforce_mfa_required and org.session_idle_minutes == 10
    [event] = [e for e in audit_log if "account policy" in e.summary]
    assert event.action is AuditAction.ADMIN
    assert event.actor == owner.username and event.organization_id == org.pk
    assert event.changes["workforce_mfa_required"] == {"before": True, "after": False}


def test_requiring_mfa_again_logs_out_workforce_without_it(
    org: Organization, make_member: Callable[..., User], unenrolled: Strip
) -> None:
    _relax(org)
    worker = unenrolled(make_member(org, Role.WORKFORCE))
    client = client_for(worker)
    assert client.get(f"/o/{org.slug}/").status_code == 200
    policies.set_policy(org, by=None, workforce_mfa_required=True)
    assert client.get(f"/o/{org.slug}/")["Location"].startswith(reverse("login"))


def test_the_last_second_factor_cannot_be_removed_while_required(
    org: Organization, make_member: Callable[..., User]
) -> None:
    from phiward.accounts.adapter import MfaAdapter

    user = make_member(org, Role.OWNER)
    app = Authenticator.objects.get(user=user, type="totp")
    assert not MfaAdapter().can_delete_authenticator(app)
    Authenticator.objects.create(user=user, type="webauthn", data={})
    assert MfaAdapter().can_delete_authenticator(app)


def test_the_first_enrolment_right_after_login_needs_no_second_password(
    org: Organization, make_member: Callable[..., User], unenrolled: Strip
) -> None:
    from django.test import Client

    user = unenrolled(make_member(org, Role.OWNER, username="olga"))
    client = Client()
    password_step(client, user.username)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert client.post(reverse("mfa_activate_totp"), {"code": totp(secret)}).status_code == 302
    # With a second factor in place, changing MFA asks again.
    assert client.get(reverse("mfa_deactivate_totp"))["Location"].startswith(
        reverse("account_reauthenticate")
    )
