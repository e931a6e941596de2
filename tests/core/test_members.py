"""The members service: who may manage people, the last owner, officers, new users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User

from phiward.core import members
from phiward.core.errors import InputProblems, InvalidInput, NotFound, PermissionDenied
from phiward.core.governance import appoint_officer
from phiward.core.members import (
    add_member,
    change_role,
    grantable_roles,
    may_grant,
    member_of,
    remove_member,
    update_profile,
)
from phiward.core.models import Membership, OfficerKind, Organization, ResponsibilityAssignment
from phiward.core.permissions import Role

pytestmark = pytest.mark.django_db

NON_OWNERS = [r for r in Role if r != Role.OWNER]


@pytest.fixture
def owner(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.OWNER, username="olga")


def _membership(org: Organization, user: User) -> Membership:
    return Membership.objects.get(organization=org, user=user)


@pytest.mark.parametrize(
    ("actor", "role", "expected"),
    [
        (Role.OWNER, Role.OWNER, True),
        (Role.OWNER, Role.WORKFORCE, True),
        (Role.SECURITY_OFFICER, Role.PRIVACY_OFFICER, True),
        (Role.SECURITY_OFFICER, Role.OWNER, False),
        (Role.PRIVACY_OFFICER, Role.SECURITY_OFFICER, False),  # approving governance
        # The workforce may report incidents; a (read-only) auditor may not, so cannot grant it.
        (Role.AUDITOR, Role.WORKFORCE, False),
        (Role.AUDITOR, Role.AUDITOR, True),
        (Role.WORKFORCE, Role.AUDITOR, False),
    ],
)
def test_nobody_grants_more_than_their_own_permissions(
    actor: Role, role: Role, expected: bool
) -> None:
    assert may_grant(actor, role) is expected


def test_the_system_administrator_and_owners_grant_every_role() -> None:
    assert grantable_roles(None) == list(Role)
    assert grantable_roles(Role.OWNER) == list(Role)
    assert Role.OWNER not in grantable_roles(Role.SECURITY_OFFICER)


def test_an_owner_adds_an_existing_user(org: Organization, owner: User) -> None:
    user = User.objects.create_user("pat", password="irrelevant-password-1")
    membership, password = add_member(org, username="pat", role=Role.AUDITOR, by=owner)
    assert password is None
    assert _membership(org, user).role == Role.AUDITOR
    assert membership.user == user


def test_a_created_user_logs_in_with_the_one_time_password(org: Organization, owner: User) -> None:
    membership, password = add_member(
        org,
        username="nina",
        role=Role.WORKFORCE,
        create=True,
        email="nina@clinic.example",
        first_name="Nina",
        last_name="Park",
        by=owner,
    )
    assert password is not None and len(password) >= 20
    user = User.objects.get(username="nina")
    assert (user.email, user.get_full_name()) == ("nina@clinic.example", "Nina Park")
    assert authenticate(username="nina", password=password) == user
    assert membership.role == Role.WORKFORCE
    _, second = add_member(org, username="omar", role=Role.WORKFORCE, create=True, by=owner)
    assert second != password


def test_a_created_user_without_a_password_cannot_log_in(org: Organization, owner: User) -> None:
    _, password = add_member(
        org, username="sso", role=Role.WORKFORCE, create=True, generate_password=False, by=owner
    )
    assert password is None
    assert not User.objects.get(username="sso").has_usable_password()


def test_a_given_password_is_checked_by_the_password_rules(org: Organization, owner: User) -> None:
    with pytest.raises(InputProblems) as refused:
        add_member(org, username="weak", role=Role.WORKFORCE, create=True, password="123", by=owner)
    assert {p.field for p in refused.value.problems} == {"password"}
    assert not User.objects.filter(username="weak").exists()
    _, shown = add_member(
        org,
        username="strong",
        role=Role.WORKFORCE,
        create=True,
        password="lantern-orchid-copper-91",
        by=owner,
    )
    assert shown is None
    assert authenticate(username="strong", password="lantern-orchid-copper-91") is not None


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"username": "ghost"}, NotFound, "no user 'ghost'"),
        ({"username": "olga"}, InvalidInput, "already is a member"),
        ({"username": "pat", "email": "p@example.org"}, InvalidInput, "only applies when"),
        ({"username": "pat", "create": True}, InputProblems, "already exists"),
        ({"username": "bad name!", "create": True}, InputProblems, "username"),
        ({"username": "new", "create": True, "email": "nope"}, InputProblems, "email"),
        ({"username": "  "}, InputProblems, "username is required"),
        ({"username": "pat", "role": "superuser"}, InputProblems, "unknown role"),
    ],
)
def test_add_member_refuses_bad_requests_clearly(
    org: Organization,
    owner: User,
    kwargs: dict[str, object],
    error: type[Exception],
    needle: str,
) -> None:
    User.objects.create_user("pat")
    before = (User.objects.count(), Membership.objects.count())
    call: dict[str, object] = {"role": Role.WORKFORCE, **kwargs}
    with pytest.raises(error) as refused:
        add_member(org, by=owner, **call)  # type: ignore[arg-type]
    text = str(refused.value)
    if isinstance(refused.value, InputProblems):
        text += " " + " ".join(str(p.field) for p in refused.value.problems)
    assert needle in text
    assert (User.objects.count(), Membership.objects.count()) == before


@pytest.mark.parametrize("role", NON_OWNERS)
def test_only_owners_manage_members_and_the_profile(
    org: Organization, owner: User, make_member: Callable[..., User], role: Role
) -> None:
    actor = make_member(org, role, username="actor")
    target = _membership(org, make_member(org, Role.WORKFORCE, username="wes"))
    User.objects.create_user("pat")
    with pytest.raises(PermissionDenied):
        add_member(org, username="pat", role=Role.WORKFORCE, by=actor)
    with pytest.raises(PermissionDenied):
        change_role(target, Role.AUDITOR, by=actor)
    with pytest.raises(PermissionDenied):
        remove_member(target, by=actor)
    with pytest.raises(PermissionDenied):
        update_profile(org, by=actor, name="Renamed")
    target.refresh_from_db()
    org.refresh_from_db()
    assert target.role == Role.WORKFORCE
    assert org.name == "Clinic A"
    assert not Membership.objects.filter(user__username="pat").exists()


def test_an_owner_of_another_organization_manages_nothing_here(
    org: Organization, other_org: Organization, make_member: Callable[..., User], owner: User
) -> None:
    stranger = make_member(other_org, Role.OWNER, username="elsewhere")
    with pytest.raises(PermissionDenied):
        change_role(_membership(org, owner), Role.WORKFORCE, by=stranger)
    with pytest.raises(NotFound):
        member_of(org, "elsewhere")


def test_the_last_owner_is_neither_demoted_nor_removed(org: Organization, owner: User) -> None:
    only = _membership(org, owner)
    with pytest.raises(InvalidInput, match="last owner"):
        change_role(only, Role.SECURITY_OFFICER, by=owner)
    with pytest.raises(InvalidInput, match="last owner"):
        remove_member(only, by=owner)
    with pytest.raises(InvalidInput, match="last owner"):
        change_role(only, Role.WORKFORCE, by=None)  # the administrator keeps the rule too
    only.refresh_from_db()
    assert only.role == Role.OWNER


def test_with_a_second_owner_an_owner_may_step_down(
    org: Organization, owner: User, make_member: Callable[..., User]
) -> None:
    second = _membership(org, make_member(org, Role.OWNER, username="otto"))
    change_role(_membership(org, owner), Role.SECURITY_OFFICER, by=owner)
    assert _membership(org, owner).role == Role.SECURITY_OFFICER
    with pytest.raises(InvalidInput, match="last owner"):
        remove_member(second, by=User.objects.get(username="otto"))


def test_role_changes_are_saved(
    org: Organization, owner: User, make_member: Callable[..., User]
) -> None:
    target = _membership(org, make_member(org, Role.WORKFORCE, username="wes"))
    changed = change_role(target, "privacy_officer", by=owner)
    assert changed.role == Role.PRIVACY_OFFICER
    target.refresh_from_db()
    assert target.role == Role.PRIVACY_OFFICER


@pytest.mark.parametrize("officer", list(OfficerKind))
def test_a_designated_officer_is_not_removed(
    org: Organization, owner: User, make_member: Callable[..., User], officer: OfficerKind
) -> None:
    sam = make_member(org, Role.SECURITY_OFFICER, username="sam")
    appoint_officer(org, officer, sam, approved_by=owner, effective_date=dt.date(2025, 1, 6))
    with pytest.raises(InvalidInput, match="designate someone else first") as refused:
        remove_member(_membership(org, sam), by=owner)
    assert officer.label.lower() in str(refused.value)
    assert Membership.objects.filter(organization=org, user=sam).exists()

    appoint_officer(org, officer, owner, approved_by=owner, effective_date=dt.date(2025, 2, 3))
    remove_member(_membership(org, sam), by=owner)
    assert not Membership.objects.filter(organization=org, user=sam).exists()


def test_removal_ends_the_membership_and_clears_the_matrix_cells(
    org: Organization, other_org: Organization, owner: User, make_member: Callable[..., User]
) -> None:
    wes = make_member(org, Role.WORKFORCE, username="wes")
    Membership.objects.create(organization=other_org, user=wes, role=Role.AUDITOR)
    for area, raci in (("risk", "R"), ("training", "A")):
        ResponsibilityAssignment.objects.create(organization=org, area=area, raci=raci, user=wes)
    ResponsibilityAssignment.objects.create(organization=other_org, area="risk", raci="I", user=wes)
    assert remove_member(_membership(org, wes), by=owner) == 2
    assert not Membership.objects.filter(organization=org, user=wes).exists()
    assert User.objects.filter(username="wes").exists()
    assert Membership.objects.filter(organization=other_org, user=wes).exists()
    assert ResponsibilityAssignment.objects.for_org(other_org).count() == 1


def test_role_changes_and_removals_pass_through_the_access_hook(
    org: Organization,
    owner: User,
    make_member: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, str, bool]] = []

    def record(membership: Membership, *, removed: bool) -> None:
        calls.append((membership.user.get_username(), membership.role, removed))

    monkeypatch.setattr(members, "_access_changed", record)
    target = _membership(org, make_member(org, Role.WORKFORCE, username="wes"))
    add_member(org, username="new", role=Role.WORKFORCE, create=True, by=owner)
    change_role(target, Role.WORKFORCE, by=owner)  # unchanged: nothing to end
    change_role(target, Role.AUDITOR, by=owner)
    remove_member(target, by=owner)
    assert calls == [("wes", "auditor", False), ("wes", "auditor", True)]


def test_an_owner_updates_the_profile(org: Organization, owner: User) -> None:
    update_profile(
        org, by=owner, name="Clinic A Family Practice", kind="hybrid_entity", address="1 Main St"
    )
    org.refresh_from_db()
    assert (org.name, org.kind, org.address) == (
        "Clinic A Family Practice",
        "hybrid_entity",
        "1 Main St",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "hospital"}, "kind"),
        ({"name": "x" * 201}, "name"),
        ({"slug": "renamed"}, "slug"),
        ({"security_officer": "olga"}, "security_officer"),
    ],
)
def test_profile_updates_are_validated(
    org: Organization, owner: User, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InputProblems) as refused:
        update_profile(org, by=owner, **fields)
    assert field in {p.field for p in refused.value.problems}
    assert Organization.objects.get(pk=org.pk).name == "Clinic A"
    assert org.name == "Clinic A"
