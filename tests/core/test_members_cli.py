"""`phiward org add-member | set-role | remove-member | members`, run in-process."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User

from phiward.cli import main
from phiward.core.governance import appoint_officer
from phiward.core.models import Membership, OfficerKind, Organization
from phiward.core.permissions import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.OWNER, username="olga")


def _role(org: Organization, username: str) -> str | None:
    found = Membership.objects.filter(organization=org, user__username=username).first()
    return found.role if found else None


def test_add_member_creates_a_user_and_prints_the_password_once(
    org: Organization, owner: User, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        [
            "org",
            "add-member",
            org.slug,
            "nina",
            "--role",
            "workforce",
            "--create",
            "--email",
            "nina@clinic.example",
            "--name",
            "Nina Park",
        ]
    )
    out = capsys.readouterr().out
    password = out.split("one-time password for 'nina': ", 1)[1].split()[0]
    assert out.count(password) == 1
    user = User.objects.get(username="nina")
    assert (user.first_name, user.last_name, user.email) == ("Nina", "Park", "nina@clinic.example")
    assert authenticate(username="nina", password=password) == user
    assert _role(org, "nina") == Role.WORKFORCE


def test_add_member_json_and_an_existing_user(
    org: Organization, owner: User, capsys: pytest.CaptureFixture[str]
) -> None:
    User.objects.create_user("pat")
    main(["org", "add-member", org.slug, "pat", "--role", "auditor", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert result == {
        "organization": org.slug,
        "username": "pat",
        "role": "auditor",
        "created": False,
        "one_time_password": None,
    }
    main(["org", "add-member", org.slug, "sso", "--role", "workforce", "--create", "--json"])
    created = json.loads(capsys.readouterr().out)
    assert created["one_time_password"]
    kiosk = ["org", "add-member", org.slug, "kiosk", "--role", "workforce", "--create"]
    main([*kiosk, "--no-password", "--json"])
    assert json.loads(capsys.readouterr().out)["one_time_password"] is None
    assert not User.objects.get(username="kiosk").has_usable_password()


def test_set_role_remove_member_and_members(
    org: Organization,
    owner: User,
    make_member: Callable[..., User],
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_member(org, Role.WORKFORCE, username="wes")
    main(["org", "set-role", org.slug, "wes", "security_officer"])
    assert _role(org, "wes") == Role.SECURITY_OFFICER
    capsys.readouterr()
    main(["org", "members", org.slug, "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert [(r["username"], r["role"]) for r in rows] == [
        ("olga", "owner"),
        ("wes", "security_officer"),
    ]
    main(["org", "remove-member", org.slug, "wes"])
    assert "removed 'wes'" in capsys.readouterr().out
    assert _role(org, "wes") is None
    assert User.objects.filter(username="wes").exists()


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["org", "set-role", "clinic-a", "olga", "auditor"], 2, "last owner"),
        (["org", "remove-member", "clinic-a", "olga"], 2, "last owner"),
        (["org", "remove-member", "clinic-a", "sam"], 2, "designate someone else first"),
        (["org", "remove-member", "clinic-a", "elsewhere"], 3, "no member 'elsewhere'"),
        (["org", "set-role", "no-such-org", "olga", "auditor"], 3, "no organization"),
        (["org", "set-role", "clinic-a", "olga", "emperor"], 2, "emperor"),
        (["org", "add-member", "clinic-a", "ghost", "--role", "auditor"], 3, "no user 'ghost'"),
        (["org", "add-member", "clinic-a", "sam", "--role", "auditor"], 2, "already is a member"),
        (["org", "members", "no-such-org"], 3, "no organization"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(
    org: Organization,
    other_org: Organization,
    owner: User,
    make_member: Callable[..., User],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    needle: str,
) -> None:
    sam = make_member(org, Role.SECURITY_OFFICER, username="sam")
    make_member(other_org, Role.OWNER, username="elsewhere")
    appoint_officer(
        org, OfficerKind.SECURITY, sam, approved_by=owner, effective_date=dt.date(2025, 1, 6)
    )
    before = sorted(Membership.objects.values_list("user__username", "organization", "role"))
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("phiward: error:") and needle in err[0]
    assert sorted(Membership.objects.values_list("user__username", "organization", "role")) == (
        before
    )
