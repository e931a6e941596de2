"""Logins, failed logins and MFA changes are on the audit log of every organization the person
belongs to, and of no other; a failed login naming no account stays on no organization's log."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client

from phiward.accounts import recovery
from phiward.audit.models import AuditEntry
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Role
from tests.conftest import PASSWORD, client_for

ACCOUNT_ACTIONS = {"login", "login_failed", "logout", "mfa_change"}


def _page(client: Client, org: Organization) -> set[tuple[str, str]]:
    response = client.get(f"/o/{org.slug}/audit/?object_type=auth.user")
    assert response.status_code == 200
    return {(e.object_id, e.action) for e in response.context["entries"]}


def _api(client: Client, org: Organization) -> set[tuple[str, str]]:
    response = client.get(f"/api/organizations/{org.slug}/audit?object_type=auth.user")
    assert response.status_code == 200
    return {(i["object_id"], i["action"]) for i in response.json()["items"]}


def test_an_auditor_sees_the_members_logins_and_another_organization_does_not(
    org: Organization,
    other_org: Organization,
    make_org: Callable[..., Organization],
    make_member: Callable[..., User],
) -> None:
    third = make_org("clinic-c", "Clinic C")
    member = make_member(org, Role.WORKFORCE, username="consultant")
    Membership.objects.create(user=member, organization=third, role=Role.WORKFORCE)
    own_auditor = make_member(org, Role.AUDITOR)
    foreign_auditor = make_member(other_org, Role.AUDITOR)

    browser = Client()
    assert not browser.login(username="consultant", password="not the password")
    assert browser.login(username="consultant", password=PASSWORD)
    browser.logout()
    recovery.reset_mfa(member)  # by the install's administrator

    expected = {(str(member.pk), a) for a in ACCOUNT_ACTIONS}
    for auditor, organization in ((own_auditor, org), (make_member(third, Role.AUDITOR), third)):
        client = client_for(auditor)
        assert expected <= _page(client, organization)
        assert expected <= _api(client, organization)
    foreign = client_for(foreign_auditor)
    assert not {e for e in _page(foreign, other_org) if e[0] == str(member.pk)}
    assert not {e for e in _api(foreign, other_org) if e[0] == str(member.pk)}
    # One entry per organization, each naming it.
    logins = AuditEntry.objects.filter(action="login", actor="consultant")
    assert sorted(logins.values_list("organization_id", flat=True)) == sorted([org.pk, third.pk])


def test_a_failed_login_for_an_unknown_name_is_on_no_organizations_log(
    org: Organization, make_member: Callable[..., User]
) -> None:
    auditor = make_member(org, Role.AUDITOR)
    assert not Client().login(username="nobody-here", password="whatever it was")
    (failure,) = AuditEntry.objects.filter(action="login_failed")
    assert failure.organization_id is None
    assert (failure.object_id, failure.summary) == ("", "failed login")
    assert not {e for e in _api(client_for(auditor), org) if e[1] == "login_failed"}


def test_a_person_in_no_organization_still_has_their_login_recorded(db: None) -> None:
    User.objects.create_user(username="loner", password=PASSWORD)
    assert Client().login(username="loner", password=PASSWORD)
    (entry,) = AuditEntry.objects.filter(action="login", actor="loner")
    assert entry.organization_id is None
