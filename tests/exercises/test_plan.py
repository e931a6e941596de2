"""The versioned IR plan: drafts, approval by the approve permission only, immutability,
digests, a finding opening a revision, and diffs."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from phiward.audit.models import AuditEntry
from phiward.core.errors import InputProblems, InvalidInput, PermissionDenied
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.exercises import plan, services
from phiward.exercises.models import IRPlanVersion, PlanStatus
from phiward.exercises.schedule import ExerciseKind

pytestmark = pytest.mark.django_db


def test_first_draft_starts_from_the_skeleton_and_is_approved(org: Organization) -> None:
    draft = plan.start_draft(org, user=None)
    assert (draft.number, draft.status, draft.title) == (1, PlanStatus.DRAFT, plan.DEFAULT_TITLE)
    assert "164.308(a)(7)(ii)(D)" in draft.body
    assert draft.digest == hashlib.sha256(f"{draft.title}\x00{draft.body}".encode()).hexdigest()
    assert plan.current(org) is None
    approved = plan.approve(
        draft, user=None, role=Role.SECURITY_OFFICER, effective_on=dt.date(2026, 2, 1)
    )
    assert approved.status == PlanStatus.APPROVED
    assert approved.approved_at is not None and approved.effective_on == dt.date(2026, 2, 1)
    assert plan.current(org) == approved
    assert AuditEntry.objects.filter(
        organization_id=org.pk, object_type="exercises.irplanversion", action="change"
    ).exists()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.WORKFORCE])
def test_only_the_approve_permission_approves(org: Organization, role: Role) -> None:
    draft = plan.start_draft(org, user=None)
    with pytest.raises(PermissionDenied):
        plan.approve(draft, user=None, role=role)
    draft.refresh_from_db()
    assert draft.is_draft


@pytest.mark.parametrize("role", [Role.OWNER, Role.SECURITY_OFFICER, Role.PRIVACY_OFFICER])
def test_officers_and_owners_approve(org: Organization, role: Role) -> None:
    assert plan.approve(plan.start_draft(org, user=None), user=None, role=role).status == "approved"


def test_approved_versions_never_change_and_one_draft_at_a_time(org: Organization) -> None:
    v1 = plan.approve(plan.start_draft(org, user=None), user=None, role=None)
    with pytest.raises(InvalidInput, match="approved"):
        plan.update_draft(v1, title="x", body="y", change_summary="z")
    with pytest.raises(InvalidInput, match="already approved"):
        plan.approve(v1, user=None, role=None)
    v2 = plan.start_draft(org, user=None)
    assert (v2.number, v2.body, v2.based_on) == (2, v1.body, v1)
    with pytest.raises(InvalidInput, match="already open"):
        plan.start_draft(org, user=None)
    with pytest.raises(InputProblems) as problems:
        plan.approve(v2, user=None, role=None)  # no change summary
    assert problems.value.problems[0].field == "change_summary"
    plan.update_draft(
        v2, title="IR plan", body=v1.body + "\n## 9. Insurer\n", change_summary="Insurer"
    )
    plan.approve(v2, user=None, role=None)
    assert plan.current(org) == v2
    assert [v.number for v in plan.versions(org)] == [2, 1]


def test_an_empty_plan_cannot_be_approved(org: Organization) -> None:
    draft = plan.start_draft(org, user=None)
    plan.update_draft(draft, title="Plan", body="  ", change_summary="")
    with pytest.raises(InputProblems):
        plan.approve(draft, user=None, role=None)


def test_a_finding_opens_a_revision_linked_to_the_exercise(org: Organization) -> None:
    v1 = plan.approve(plan.start_draft(org, user=None), user=None, role=None)
    exercise = services.record_exercise(
        org,
        services.ExerciseData(
            kind=ExerciseKind.TABLETOP,
            title="Phishing tabletop",
            held_on=dt.date(2026, 5, 1),
            findings="The on-call list was out of date.",
        ),
        user=None,
    )
    draft = plan.open_revision(exercise, user=None)
    assert draft.is_draft and draft.number == 2
    assert draft.source_exercise == exercise and draft.based_on == v1
    assert draft.body == v1.body
    assert exercise.reference in draft.change_summary
    assert "on-call" not in draft.change_summary  # findings stay in the encrypted field
    assert plan.open_revision(exercise, user=None) == draft  # again: the same draft
    other = services.record_exercise(
        org,
        services.ExerciseData(kind=ExerciseKind.DRILL, title="Drill", held_on=dt.date(2026, 5, 2)),
        user=None,
    )
    with pytest.raises(InvalidInput, match="another exercise"):
        plan.open_revision(other, user=None)


def test_an_open_unlinked_draft_gets_linked(org: Organization) -> None:
    draft = plan.start_draft(org, user=None)
    exercise = services.record_exercise(
        org,
        services.ExerciseData(kind=ExerciseKind.DRILL, title="Drill", held_on=dt.date(2026, 5, 2)),
        user=None,
    )
    assert plan.open_revision(exercise, user=None).pk == draft.pk
    draft.refresh_from_db()
    assert draft.source_exercise == exercise


def test_diff_against_the_previous_approved(org: Organization) -> None:
    v1 = plan.approve(plan.start_draft(org, user=None), user=None, role=None)
    v2 = plan.start_draft(org, user=None)
    plan.update_draft(
        v2, title=v2.title, body=v1.body.replace("Roles", "Roles and deputies"), change_summary="d"
    )
    assert plan.previous(v2) == v1
    lines = plan.diff(plan.previous(v2), v2)
    assert lines[0] == "--- v1" and lines[1] == "+++ v2"
    assert "-## 2. Roles" in lines and "+## 2. Roles and deputies" in lines
    assert plan.diff(None, v1)[0] == "--- (nothing)"


def test_numbers_are_per_organization(org: Organization, other_org: Organization) -> None:
    plan.start_draft(org, user=None)
    assert plan.start_draft(other_org, user=None).number == 1
    assert IRPlanVersion.objects.for_org(other_org).count() == 1
