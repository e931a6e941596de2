"""Who belongs to an organization, in which role, and its profile: the one write path.

The web pages, the API and the CLI all change people and the profile through these functions;
none of them writes a ``Membership`` or the profile fields itself. The rules live here:

- only a member whose role may administer the organization (owners) manages members and the
  profile, and nobody grants a role with permissions their own role lacks;
- an organization always keeps at least one owner;
- the designated security or privacy officer is not removed until someone else is designated.

``by`` is the user acting. ``by=None`` means the install's system administrator (the
``phiward org`` commands run by whoever operates the install): the permission checks are
skipped, the organization's invariants are not.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet

from phiward.core.errors import InputProblems, InvalidInput, NotFound, PermissionDenied, Problem
from phiward.core.models import Membership, Organization, ResponsibilityAssignment
from phiward.core.permissions import TABLE, Action, Area, Role, allowed

PROFILE_FIELDS = ("name", "kind", "description", "address")
GENERATED_PASSWORD_BYTES = 15  # 20 URL-safe characters


def may_grant(actor: Role, role: Role) -> bool:
    """Whether ``actor`` may give someone ``role``: never more permissions than their own."""
    own = TABLE[actor]
    return all(actions <= own.get(area, frozenset()) for area, actions in TABLE[role].items())


def grantable_roles(actor: Role | None) -> list[Role]:
    """The roles ``actor`` may give (every role for the system administrator, ``None``)."""
    return [role for role in Role if actor is None or may_grant(actor, role)]


def members(organization: Organization) -> QuerySet[Membership]:
    """The organization's memberships with their users, by username."""
    return organization.memberships.select_related("user").order_by("user__username")


def member_of(organization: Organization, username: str) -> Membership:
    """The membership of ``username``; people outside the organization are not found."""
    found = members(organization).filter(user__username=username).first()
    if found is None:
        raise NotFound(f"no member '{username}' in this organization")
    return found


def add_member(
    organization: Organization,
    *,
    username: str,
    role: Role | str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    create: bool = False,
    password: str | None = None,
    generate_password: bool = True,
    by: User | None,
) -> tuple[Membership, str | None]:
    """Make ``username`` a member with ``role``; with ``create``, make the user first.

    A created user gets ``password`` (checked by the install's password validators) when one is
    given, else a generated one-time password when ``generate_password``, else an unusable
    password (they cannot log in until an administrator sets one). Returns the membership and
    the generated password, which the caller shows once and never stores.
    """
    wanted = _role(role)
    username = username.strip()
    if not username:
        raise InputProblems([Problem("a username is required", field="username")])
    with transaction.atomic():
        org = _lock(organization)
        _check_grant(_actor_role(org, by), wanted)
        generated: str | None = None
        if create:
            user, generated = _new_user(
                username, email, first_name, last_name, password, generate_password
            )
        else:
            if email or first_name or last_name or password is not None:
                raise InvalidInput(
                    "a name, email or password only applies when creating a new user"
                )
            found = User.objects.filter(username=username).first()
            if found is None:
                raise NotFound(
                    f"no user '{username}' on this install: create one with a name and email"
                )
            user = found
            existing = Membership.objects.filter(organization=org, user=user).first()
            if existing is not None:
                message = (
                    f"'{username}' already is a member ({existing.role_enum.label.lower()}): "
                    "change their role instead"
                )
                raise InputProblems([Problem(message, field="username")])
        membership = Membership.objects.create(user=user, organization=org, role=wanted)
    return membership, generated


def change_role(membership: Membership, role: Role | str, *, by: User | None) -> Membership:
    """Give a member another role; the last owner keeps theirs."""
    wanted = _role(role)
    with transaction.atomic():
        org = _lock(membership.organization)
        actor = _actor_role(org, by)
        current = _current(membership)
        _check_grant(actor, current.role_enum)
        _check_grant(actor, wanted)
        if current.role == wanted:
            return current
        if _is_last_owner(current):
            raise InvalidInput(
                f"'{current.user.get_username()}' is the last owner of {org.name}: "
                "make someone else an owner first"
            )
        current.role = wanted
        current.save(update_fields=["role"])
        _access_changed(current, removed=False)
    membership.role = wanted
    return current


def remove_member(membership: Membership, *, by: User | None) -> int:
    """Remove a member and their cells of the responsibility matrix; returns how many cells.

    The user account stays (it may belong to other organizations); only this membership ends.
    """
    with transaction.atomic():
        org = _lock(membership.organization)
        actor = _actor_role(org, by)
        current = _current(membership)
        _check_grant(actor, current.role_enum)
        username = current.user.get_username()
        if _is_last_owner(current):
            raise InvalidInput(
                f"'{username}' is the last owner of {org.name}: make someone else an owner first"
            )
        for title, officer_id in (
            ("security officer", org.security_officer_id),
            ("privacy officer", org.privacy_officer_id),
        ):
            if officer_id == current.user_id:
                raise InvalidInput(
                    f"'{username}' is the designated {title}: designate someone else first"
                )
        cleared, _ = (
            ResponsibilityAssignment.objects.for_org(org).filter(user_id=current.user_id).delete()
        )
        _access_changed(current, removed=True)
        current.delete()
    return cleared


def update_profile(organization: Organization, *, by: User | None, **fields: str) -> Organization:
    """Change the profile's name, kind, description or address.

    Officers are designated through ``phiward.core.governance.appoint_officer``, which keeps a
    record; the slug does not change (addresses and API clients depend on it).
    """
    unknown = sorted(set(fields) - set(PROFILE_FIELDS))
    if unknown:
        raise InputProblems(
            [Problem("not a field of the profile that can be changed", field=f) for f in unknown]
        )
    with transaction.atomic():
        org = _lock(organization)
        _actor_role(org, by)
        for name, value in fields.items():
            setattr(org, name, value)
        try:
            org.full_clean()
        except DjangoValidationError as exc:
            raise _problems(exc) from exc
        org.save(update_fields=list(fields))
    for name, value in fields.items():
        setattr(organization, name, value)
    return org


def _access_changed(membership: Membership, *, removed: bool) -> None:
    """The one place a member's access to an organization changes (role change or removal).

    Called inside the transaction that makes the change: after a new role is saved, and just
    before a removed membership is deleted. The platform-security issue ends the person's
    sessions and API tokens for this organization here and records the change in the audit
    log; no interface needs to change for that.
    """
    from phiward.accounts.sessions import end_sessions

    # Sessions are not scoped to one organization: all of the person's sessions end, and their
    # next login picks up the new role (and, with it, the MFA and session policy).
    end_sessions(membership.user)
    if removed:
        from phiward.tokens.lifecycle import revoke_for_member

        revoke_for_member(membership)  # a demoted member's tokens are capped at use instead


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise InputProblems(
            [Problem(f"unknown role '{value}'; choose one of: {choices}", field="role")]
        ) from None


def _lock(organization: Organization) -> Organization:
    """The organization row, locked: membership changes of one organization run one at a time."""
    found = Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if found is None:
        raise NotFound("organization not found")
    return found


def _actor_role(organization: Organization, by: User | None) -> Role | None:
    """The acting member's role (``None`` for the system administrator), if they may administer."""
    if by is None:
        return None
    membership = Membership.objects.filter(organization=organization, user=by).first()
    if membership is None or not allowed(membership.role, Action.ADMINISTER, Area.ORGANIZATION):
        raise PermissionDenied("only an owner of the organization manages its members and profile")
    return membership.role_enum


def _check_grant(actor: Role | None, role: Role) -> None:
    if actor is not None and not may_grant(actor, role):
        raise PermissionDenied(f"your role may not grant or manage the role '{role.label}'")


def _current(membership: Membership) -> Membership:
    found = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(pk=membership.pk)
        .first()
    )
    if found is None:
        raise NotFound("no such member in this organization")
    return found


def _is_last_owner(membership: Membership) -> bool:
    if membership.role != Role.OWNER:
        return False
    others = Membership.objects.filter(
        organization_id=membership.organization_id, role=Role.OWNER
    ).exclude(pk=membership.pk)
    return not others.exists()


def _new_user(
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    password: str | None,
    generate_password: bool,
) -> tuple[User, str | None]:
    if User.objects.filter(username=username).exists():
        raise InputProblems(
            [
                Problem(
                    f"a user named '{username}' already exists: add them without creating one",
                    field="username",
                )
            ]
        )
    user = User(username=username, email=email.strip(), first_name=first_name, last_name=last_name)
    generated: str | None = None
    if password is not None:
        try:
            validate_password(password, user)
        except DjangoValidationError as exc:
            raise InputProblems([Problem(m, field="password") for m in exc.messages]) from exc
        user.set_password(password)
    elif generate_password:
        generated = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
        user.set_password(generated)
    else:
        user.set_unusable_password()
    try:
        user.full_clean()
    except DjangoValidationError as exc:
        raise _problems(exc) from exc
    user.save()
    return user, generated


def _problems(error: DjangoValidationError) -> InputProblems:
    return InputProblems(
        [
            Problem(message, field=field)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    )
