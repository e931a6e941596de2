"""What the incident services share: validated saves, members named in requests, the
timeline writer, and the approver check."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone

from phiward.core.errors import InputProblems, PermissionDenied, Problem
from phiward.core.models import Membership, Organization, display_name
from phiward.core.permissions import Action, Area, allowed
from phiward.evidence.models import EvidenceItem
from phiward.incidents.models import Incident, TimelineEntry, TimelineKind
from phiward.risk.validation import problems_from

ANONYMOUS_NAME = "anonymous report"
MAX_TEXT = 20_000


def save(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """``full_clean()`` then ``save()``: the one way the incident services write a record."""
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise problems_from(exc) from exc
    instance.save()


def text(value: str | None, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InputProblems([Problem("this field is required", field=field)])
    if len(cleaned) > limit:
        raise InputProblems([Problem(f"at most {limit} characters", field=field)])
    return cleaned


def aware(moment: dt.datetime | None, field: str) -> dt.datetime | None:
    """A timezone-aware datetime (naive ones are refused: they name no instant)."""
    if moment is None:
        return None
    if timezone.is_naive(moment):
        raise InputProblems([Problem("give a time zone with the time", field=field)])
    return moment


def check_member(organization: Organization, user: User | None, field: str) -> None:
    if user is None:
        return
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise InputProblems(
            [
                Problem(
                    f"'{user.get_username()}' is not a member of {organization.slug}", field=field
                )
            ]
        )


def require_approver(organization: Organization, user: User | None, what: str) -> None:
    """Only a member whose role may approve in the incidents area signs off."""
    membership = (
        Membership.objects.filter(organization=organization, user=user).first() if user else None
    )
    if membership is None or not allowed(membership.role, Action.APPROVE, Area.INCIDENTS):
        raise PermissionDenied(f"only a member allowed to approve incident decisions can {what}")


def evidence_of(incident: Incident, evidence: EvidenceItem | None, field: str) -> None:
    if evidence is not None and evidence.organization_id != incident.organization_id:
        raise InputProblems([Problem("the evidence belongs to another organization", field=field)])


def add_entry(
    incident: Incident,
    kind: TimelineKind | str,
    text_: str,
    *,
    author: User | None,
    at: dt.datetime | None = None,
    evidence: EvidenceItem | None = None,
    author_name: str | None = None,
) -> TimelineEntry:
    """Append one entry to the incident's timeline (in the caller's transaction)."""
    entry = TimelineEntry(
        organization_id=incident.organization_id,
        incident=incident,
        kind=TimelineKind(kind),
        at=at or timezone.now(),
        author=author,
        author_name=author_name if author_name is not None else _name(author),
        text=text_,
        evidence=evidence,
        evidence_sha256=evidence.sha256 if evidence is not None else "",
    )
    save(entry)
    return entry


def _name(user: User | None) -> str:
    return display_name(user) if user is not None else ""
