"""The versioned incident-response plan: drafts, approval, revisions opened by exercises.

Versions are numbered 1, 2, 3 … per organization. A draft is edited freely; approving it
(``approve`` in the incidents area: the security or privacy officer, or the owner) fixes it for
good, records who and when and its SHA-256 digest, and makes it the current plan from its
effective date. A new draft starts as a copy of the current approved version; at most one
draft is open at a time.
"""

from __future__ import annotations

import datetime as dt
import difflib

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from phiward.core.errors import InputProblems, InvalidInput, PermissionDenied, Problem
from phiward.core.models import Organization
from phiward.core.permissions import Action, Area, Role, allowed
from phiward.exercises.models import Exercise, IRPlanVersion, PlanStatus

DEFAULT_TITLE = "Incident response plan"
# The skeleton a first draft starts from: the headings 164.308(a)(6) and (a)(7) call for.
STARTER_BODY = """\
# Incident response plan

## 1. Purpose and scope
Security incidents affecting ePHI (45 CFR 164.308(a)(6)) and breaches of unsecured PHI
(45 CFR 164.400-414).

## 2. Roles
Security officer, privacy officer, incident handler, communications, legal counsel.

## 3. Reporting
How the workforce reports a suspected incident, and to whom.

## 4. Triage and severity

## 5. Containment, eradication and recovery

## 6. Breach determination and notification
The four-factor risk assessment (164.402(2)); notices to individuals within 60 days of
discovery (164.404), the media (164.406) and HHS (164.408).

## 7. Documentation and retention (6 years, 164.530(j))

## 8. Testing and revision (164.308(a)(7)(ii)(D))
Tabletop exercises quarterly, technical drills twice a year, a full test yearly and after
major changes.
"""


def versions(org: Organization) -> list[IRPlanVersion]:
    return list(IRPlanVersion.objects.for_org(org).select_related("approved_by", "created_by"))


def current(org: Organization) -> IRPlanVersion | None:
    """The approved version with the highest number."""
    return (
        IRPlanVersion.objects.for_org(org)
        .filter(status=PlanStatus.APPROVED)
        .order_by("-number")
        .first()
    )


def open_draft(org: Organization) -> IRPlanVersion | None:
    return IRPlanVersion.objects.for_org(org).filter(status=PlanStatus.DRAFT).first()


def start_draft(
    org: Organization,
    *,
    user: User | None,
    change_summary: str = "",
    source_exercise: Exercise | None = None,
) -> IRPlanVersion:
    """A new draft copying the current approved version (or the starter skeleton)."""
    with transaction.atomic():
        existing = open_draft(org)
        if existing is not None:
            raise InvalidInput(f"draft v{existing.number} is already open; edit or approve it")
        base = current(org)
        top = IRPlanVersion.objects.for_org(org).aggregate(top=Max("number"))["top"] or 0
        return IRPlanVersion.objects.create(
            organization=org,
            number=top + 1,
            title=base.title if base else DEFAULT_TITLE,
            body=base.body if base else STARTER_BODY,
            change_summary=change_summary,
            based_on=base,
            source_exercise=source_exercise,
            created_by=user,
        )


def open_revision(exercise: Exercise, *, user: User | None) -> IRPlanVersion:
    """A draft revision opened from an exercise's findings (linked to the exercise).

    When a draft is already open and not yet linked to an exercise, it is linked to this one;
    a draft linked to another exercise stays as it is (InvalidInput).
    """
    org = exercise.organization
    summary = f"Revision opened from the findings of {exercise.reference} ({exercise.title})."
    existing = open_draft(org)
    if existing is not None:
        if existing.source_exercise_id not in (None, exercise.pk):
            raise InvalidInput(
                f"draft v{existing.number} is already open for another exercise; approve it first"
            )
        existing.source_exercise = exercise
        if not existing.change_summary.strip():
            existing.change_summary = summary
        existing.save()
        return existing
    return start_draft(org, user=user, change_summary=summary, source_exercise=exercise)


def update_draft(
    version: IRPlanVersion, *, title: str, body: str, change_summary: str
) -> IRPlanVersion:
    if not version.is_draft:
        raise InvalidInput(f"v{version.number} is approved and cannot change; start a new draft")
    problems = []
    if not title.strip() or len(title) > 200:
        problems.append(Problem("A title of up to 200 characters.", field="title"))
    if len(body) > 500_000:
        problems.append(Problem("At most 500,000 characters.", field="body"))
    if problems:
        raise InputProblems(problems)
    version.title, version.body, version.change_summary = title.strip(), body, change_summary
    version.save()
    return version


def approve(
    version: IRPlanVersion,
    *,
    user: User | None,
    role: Role | str | None,
    effective_on: dt.date | None = None,
) -> IRPlanVersion:
    """Approve a draft. ``role`` is the approver's (None: the CLI acting as administrator)."""
    if role is not None and not allowed(role, Action.APPROVE, Area.INCIDENTS):
        raise PermissionDenied(f"role '{role}' may not approve the IR plan")
    if not version.is_draft:
        raise InvalidInput(f"v{version.number} is already approved")
    problems = []
    if not version.body.strip():
        problems.append(Problem("An empty plan cannot be approved.", field="body"))
    if not version.change_summary.strip() and version.number > 1:
        problems.append(Problem("Say what changed in this version.", field="change_summary"))
    if problems:
        raise InputProblems(problems)
    version.status = PlanStatus.APPROVED
    version.approved_by = user
    version.approved_at = timezone.now()
    version.effective_on = effective_on or timezone.localdate()
    version.save()
    return version


def diff(older: IRPlanVersion | None, newer: IRPlanVersion) -> list[str]:
    """A unified diff of the bodies (older: the version ``newer`` was based on, or empty)."""
    before = older.body.splitlines() if older else []
    name = f"v{older.number}" if older else "(nothing)"
    return list(
        difflib.unified_diff(
            before, newer.body.splitlines(), name, f"v{newer.number}", lineterm="", n=3
        )
    )


def previous(version: IRPlanVersion) -> IRPlanVersion | None:
    """The approved version before this one (by number)."""
    return (
        IRPlanVersion.objects.for_org(version.organization)
        .filter(status=PlanStatus.APPROVED, number__lt=version.number)
        .order_by("-number")
        .first()
    )
