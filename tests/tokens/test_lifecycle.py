"""Creating, using and revoking tokens through ``phiward.tokens.lifecycle``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from pytest_django import Settings

from phiward.core.auditing import AuditAction, AuditEvent
from phiward.core.errors import InputProblems, PermissionDenied
from phiward.core.members import change_role, member_of, remove_member
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.tokens import secret
from phiward.tokens.lifecycle import (
    TokenRejected,
    authenticate,
    create_token,
    max_days,
    revoke_token,
    visible_tokens,
)
from phiward.tokens.models import ApiToken, TokenState
from tests.tokens.conftest import MakeToken

pytestmark = pytest.mark.django_db


def _raw_rows() -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608 - a model's table
        return list(cursor.fetchall())


def test_the_database_holds_the_digest_never_the_secret(
    org: Organization, owner: User, make_token: MakeToken
) -> None:
    token, issued = make_token(org, owner)
    rows = _raw_rows()
    assert len(rows) == 1
    assert not any(issued in str(value) for value in rows[0])
    assert token.secret_hash == secret.digest(issued)
    assert token.prefix == issued[: secret.PREFIX_LENGTH]
    assert authenticate(issued).token_id == token.pk


def test_a_token_defaults_to_its_creators_role_and_90_days(
    org: Organization, owner: User, make_token: MakeToken
) -> None:
    before = timezone.now()
    token, _ = make_token(org, owner)
    assert token.role == Role.OWNER
    lifetime = token.expires_at - before
    assert dt.timedelta(days=90) <= lifetime < dt.timedelta(days=90, minutes=1)


@pytest.mark.parametrize(
    ("creator", "wanted"),
    [
        (Role.SECURITY_OFFICER, Role.OWNER),
        (Role.PRIVACY_OFFICER, Role.SECURITY_OFFICER),  # approval is not the privacy officer's
        (Role.PRIVACY_OFFICER, Role.OWNER),
        (Role.AUDITOR, Role.PRIVACY_OFFICER),
        (Role.AUDITOR, Role.WORKFORCE),  # the workforce reports incidents; an auditor does not
    ],
)
def test_a_token_role_never_exceeds_the_creators(
    org: Organization, make_member: Callable[..., User], creator: Role, wanted: Role
) -> None:
    user = make_member(org, creator)
    with pytest.raises(InputProblems) as caught:
        create_token(org, creator=user, name="x", role=wanted)
    assert caught.value.problems[0].field == "role"
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("creator", "wanted"),
    [
        (Role.OWNER, Role.AUDITOR),
        (Role.SECURITY_OFFICER, Role.PRIVACY_OFFICER),
        (Role.AUDITOR, Role.AUDITOR),
        (Role.PRIVACY_OFFICER, Role.WORKFORCE),
    ],
)
def test_a_lower_or_equal_role_is_accepted(
    org: Organization, make_member: Callable[..., User], creator: Role, wanted: Role
) -> None:
    user = make_member(org, creator)
    token, _ = create_token(org, creator=user, name="x", role=wanted)
    assert token.role == wanted


def test_workforce_members_and_strangers_hold_no_tokens(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    worker = make_member(org, Role.WORKFORCE)
    with pytest.raises(PermissionDenied):
        create_token(org, creator=worker, name="x")
    stranger = make_member(other_org, Role.OWNER)
    with pytest.raises(InputProblems):
        create_token(org, creator=stranger, name="x")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_name(org: Organization, owner: User, name: str) -> None:
    with pytest.raises(InputProblems) as caught:
        create_token(org, creator=owner, name=name)
    assert caught.value.problems[0].field == "name"


def test_the_maximum_lifetime_is_configurable(
    org: Organization, owner: User, make_token: MakeToken, settings: Settings
) -> None:
    assert max_days() == 365
    make_token(org, owner, days=365)
    settings.PHIWARD_TOKEN_MAX_DAYS = 30
    with pytest.raises(InputProblems):
        make_token(org, owner, days=31)
    token, _ = make_token(org, owner)
    assert token.expires_at - token.created_at < dt.timedelta(days=30, minutes=1)


def test_the_database_refuses_a_token_without_an_expiry(org: Organization, owner: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(
            organization=org,
            name="x",
            creator=owner,
            role=Role.OWNER,
            prefix="p",
            secret_hash="h",
            expires_at=None,  # type: ignore[misc]
        )
    past = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(
            organization=org,
            name="x",
            creator=owner,
            role=Role.OWNER,
            prefix="p",
            secret_hash="h",
            expires_at=past,
        )


def test_expired_and_revoked_tokens_are_rejected(
    org: Organization, owner: User, make_token: MakeToken, audit_events: list[AuditEvent]
) -> None:
    token, issued = make_token(org, owner, days=1)
    later = timezone.now() + dt.timedelta(days=1, seconds=1)
    assert token.state(later) is TokenState.EXPIRED
    with pytest.raises(TokenRejected, match="expired"):
        authenticate(issued, now=later)
    revoke_token(token, by=owner)
    with pytest.raises(TokenRejected, match="revoked"):
        authenticate(issued)
    refused = [e for e in audit_events if e.action is AuditAction.LOGIN_FAILED]
    assert len(refused) == 2 and all(e.object_id == str(token.pk) for e in refused)


def test_unknown_and_malformed_secrets_are_rejected(
    org: Organization, owner: User, make_token: MakeToken
) -> None:
    _, issued = make_token(org, owner)
    near = issued[:-1] + ("A" if issued[-1] != "A" else "B")  # same prefix, wrong secret
    for presented in (near, "pw_" + "x" * 43, "not-a-token", ""):
        with pytest.raises(TokenRejected):
            authenticate(presented)


def test_last_use_is_written_at_most_once_a_minute_and_the_first_use_is_audited(
    org: Organization,
    owner: User,
    make_token: MakeToken,
    audit_events: list[AuditEvent],
) -> None:
    token, issued = make_token(org, owner)
    start = timezone.now()
    authenticate(issued, now=start)
    token.refresh_from_db()
    assert token.last_used_at == start
    authenticate(issued, now=start + dt.timedelta(seconds=30))
    token.refresh_from_db()
    assert token.last_used_at == start  # not rewritten within the minute
    later = start + dt.timedelta(seconds=61)
    authenticate(issued, now=later)
    token.refresh_from_db()
    assert token.last_used_at == later
    first_uses = [e for e in audit_events if e.action is AuditAction.LOGIN]
    assert len(first_uses) == 1 and first_uses[0].object_id == str(token.pk)


def test_a_use_within_the_minute_writes_nothing(
    org: Organization, owner: User, make_token: MakeToken, django_assert_num_queries: object
) -> None:
    _, issued = make_token(org, owner)
    now = timezone.now()
    authenticate(issued, now=now)
    with django_assert_num_queries(2):  # type: ignore[operator]  # the token, the membership
        authenticate(issued, now=now + dt.timedelta(seconds=10))


def test_the_creator_and_owners_revoke_others_do_not(
    org: Organization, owner: User, make_member: Callable[..., User], make_token: MakeToken
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    auditor = make_member(org, Role.AUDITOR)
    token, _ = make_token(org, officer)
    with pytest.raises(PermissionDenied):
        revoke_token(token, by=auditor)
    assert ApiToken.objects.get().revoked_at is None
    revoke_token(token, by=officer)
    own, _ = make_token(org, auditor)
    theirs, _ = make_token(org, officer)
    revoke_token(own, by=auditor)
    revoked = revoke_token(theirs, by=owner)
    assert revoked.revoked_by == owner
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0


def test_revoking_twice_keeps_the_first_revocation(
    org: Organization, owner: User, make_token: MakeToken, audit_events: list[AuditEvent]
) -> None:
    token, _ = make_token(org, owner)
    first = revoke_token(token, by=owner).revoked_at
    assert revoke_token(token, by=None).revoked_at == first
    changes = [e for e in audit_events if e.action is AuditAction.CHANGE]
    assert len(changes) == 1


def test_owners_see_every_token_others_their_own(
    org: Organization, owner: User, make_member: Callable[..., User], make_token: MakeToken
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    mine, _ = make_token(org, officer)
    make_token(org, owner)
    assert list(visible_tokens(member_of(org, officer.username))) == [mine]
    assert visible_tokens(member_of(org, owner.username)).count() == 2


def test_removing_a_member_revokes_their_tokens_there(
    org: Organization,
    other_org: Organization,
    owner: User,
    make_member: Callable[..., User],
    make_token: MakeToken,
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    here, here_secret = make_token(org, officer)
    from phiward.core.models import Membership

    Membership.objects.create(user=officer, organization=other_org, role=Role.AUDITOR)
    elsewhere, elsewhere_secret = make_token(other_org, officer)
    remove_member(member_of(org, officer.username), by=owner)
    here.refresh_from_db()
    elsewhere.refresh_from_db()
    assert here.revoked_at is not None
    assert elsewhere.revoked_at is None
    with pytest.raises(TokenRejected):
        authenticate(here_secret)
    assert authenticate(elsewhere_secret).organization_id == other_org.pk


def test_a_demoted_creator_keeps_a_working_token_with_less_power(
    org: Organization, owner: User, make_member: Callable[..., User], make_token: MakeToken
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    _, issued = make_token(org, officer)
    change_role(member_of(org, officer.username), Role.AUDITOR, by=owner)
    credential = authenticate(issued)
    assert credential.role == Role.SECURITY_OFFICER  # capped at use: tests/tokens/test_api.py


def test_a_disabled_account_or_a_membership_gone_stops_the_token(
    org: Organization, owner: User, make_member: Callable[..., User], make_token: MakeToken
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    _, issued = make_token(org, officer)
    officer.is_active = False
    officer.save()
    with pytest.raises(TokenRejected, match="disabled"):
        authenticate(issued)
    officer.is_active = True
    officer.save()
    member_of(org, officer.username).delete()  # not through remove_member: no revocation
    with pytest.raises(TokenRejected, match="no longer"):
        authenticate(issued)


def test_creation_revocation_and_uses_are_audited_without_the_secret(
    org: Organization, owner: User, audit_events: list[AuditEvent]
) -> None:
    token, issued = create_token(org, creator=owner, name="Patient Jane Doe export")
    authenticate(issued)
    revoke_token(token, by=owner)
    with pytest.raises(TokenRejected):
        authenticate(issued)
    mine = [e for e in audit_events if e.object_type == "tokens.apitoken"]
    assert [e.action for e in mine] == [
        AuditAction.CREATE,  # from the audit app's tracking of every save
        AuditAction.LOGIN,  # the first use
        AuditAction.CHANGE,  # the revocation, tracked
        AuditAction.LOGIN_FAILED,
    ]
    assert mine[0].changes["secret_hash"] == "changed"
    assert set(mine[2].changes) >= {"revoked_at", "revoked_by"}
    for event in mine:
        assert event.organization_id == org.pk and event.object_id == str(token.pk)
        assert "Jane" not in event.summary
        assert issued not in str(event) and token.secret_hash not in str(event)


@pytest.mark.parametrize("value", ["0", "3651", "ninety", "", "-5"])
def test_an_unusable_maximum_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from phiward.tokens.checks import token_max_days

    monkeypatch.setenv("PHIWARD_TOKEN_MAX_DAYS", value)
    with pytest.raises(ImproperlyConfigured):
        max_days()
    assert [m.id for m in token_max_days(None)] == ["phiward.tokens.E001"]
    monkeypatch.setenv("PHIWARD_TOKEN_MAX_DAYS", "30")
    assert max_days() == 30 and token_max_days(None) == []
