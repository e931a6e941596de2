"""What the risk services share: saving through validation, and who may be named or approve."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models

from phiward.core.errors import InputProblems, PermissionDenied, Problem
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Action, Area, allowed


def problems_from(error: DjangoValidationError) -> InputProblems:
    """A model's validation errors as ``InputProblems`` naming each field."""
    problems = []
    for field, errors in error.error_dict.items():
        for item in errors:
            place = None
            if field != NON_FIELD_ERRORS:
                place = field
            else:
                params = item.params if isinstance(item.params, dict) else {}
                unique = [f for f in params.get("unique_check", ()) if f != "organization"]
                place = unique[0] if len(unique) == 1 else None
            for message in item.messages:
                problems.append(Problem(message, field=place))
    return InputProblems(problems)


def save(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """``full_clean()`` then ``save()``: the one way the risk services write a record."""
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise problems_from(exc) from exc
    instance.save()


def require_text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InputProblems([Problem(message, field=field)])
    return text


def check_member(organization: Organization, user: User | None, field: str) -> list[Problem]:
    """A problem when ``user`` is named (as owner, say) but is not a member of the organization."""
    if user is None:
        return []
    if Membership.objects.filter(organization=organization, user=user).exists():
        return []
    return [Problem(f"'{user.get_username()}' is not a member of {organization.slug}", field=field)]


def require_approver(organization: Organization, user: User | None, what: str) -> None:
    """Only a member whose role may approve in the risk area signs off (the caller checks too)."""
    membership = (
        Membership.objects.filter(organization=organization, user=user).first() if user else None
    )
    if membership is None or not allowed(membership.role, Action.APPROVE, Area.RISK):
        raise PermissionDenied(f"only a member allowed to approve risk decisions can {what}")
