"""`phiward token create | list | revoke`, run in-process."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from phiward.cli import main
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.tokens import secret as secrets
from phiward.tokens.models import ApiToken

pytestmark = pytest.mark.django_db


def test_create_prints_the_secret_once_list_never_does(
    org: Organization, owner: User, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["token", "create", "--org", org.slug, "--user", owner.username, "--name", "ci"])
    out = capsys.readouterr().out
    secret = out.split("secret (shown only now): ", 1)[1].split()[0]
    token = ApiToken.objects.get()
    assert secrets.digest(secret) == token.secret_hash and token.role == Role.OWNER

    main(["token", "list", "--org", org.slug, "--json"])
    listed = capsys.readouterr().out
    assert secret not in listed
    rows = json.loads(listed)
    assert [(r["id"], r["prefix"], r["state"], r["user"]) for r in rows] == [
        (token.pk, token.prefix, "active", owner.username)
    ]


def test_create_json_with_role_and_days(
    org: Organization, owner: User, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        [
            "token", "create", "--org", org.slug, "--user", owner.username, "--name", "ro",
            "--role", "auditor", "--days", "7", "--json",
        ]
    )  # fmt: skip
    row = json.loads(capsys.readouterr().out)
    token = ApiToken.objects.get(pk=row["id"])
    assert row["role"] == "auditor" and secrets.digest(row["secret"]) == token.secret_hash
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=7)).total_seconds() < 5


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--role", "owner"], 2, "may not exceed"),
        (["--days", "400"], 2, "between 1 and 365"),
        (["--days", "0"], 2, "between 1 and 365"),
    ],
)
def test_create_refuses_what_the_rules_refuse(
    org: Organization,
    make_member: Callable[..., User],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    base = ["token", "create", "--org", org.slug, "--user", officer.username, "--name", "x"]
    with pytest.raises(SystemExit) as caught:
        main([*base, *args])
    assert caught.value.code == code
    assert message in capsys.readouterr().err
    assert not ApiToken.objects.exists()


def test_workforce_members_and_unknown_users_get_no_token(
    org: Organization, make_member: Callable[..., User], capsys: pytest.CaptureFixture[str]
) -> None:
    worker = make_member(org, Role.WORKFORCE)
    for user, code in ((worker.username, 4), ("nobody", 3)):
        with pytest.raises(SystemExit) as caught:
            main(["token", "create", "--org", org.slug, "--user", user, "--name", "x"])
        assert caught.value.code == code
    assert not ApiToken.objects.exists()


def test_revoke(org: Organization, owner: User, capsys: pytest.CaptureFixture[str]) -> None:
    main(["token", "create", "--org", org.slug, "--user", owner.username, "--name", "ci"])
    token = ApiToken.objects.get()
    main(["token", "revoke", str(token.pk)])
    assert f"revoked API token {token.pk}" in capsys.readouterr().out
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by is None
    for missing in (str(token.pk + 1), str(2**70)):
        with pytest.raises(SystemExit) as caught:
            main(["token", "revoke", missing])
        assert caught.value.code == 3
