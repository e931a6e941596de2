"""The exercises API: exercises and their follow-up actions, what is due per kind, major
changes, and the versioned IR plan (drafts, approval, a revision opened by an exercise).

Every operation is in the incidents area; writes go through ``services`` and ``plan``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from phiward.core.apiscope import (
    SCOPED_ERRORS,
    WRITE_ERRORS,
    OrgScope,
    in_org,
    org_scope,
    page_of,
    reference,
    scoped,
)
from phiward.core.errors import InputProblems, Problem
from phiward.core.permissions import Action, Area
from phiward.evidence.models import EvidenceItem
from phiward.exercises import intervals, plan, services
from phiward.exercises.models import METRICS, Exercise, FollowUpAction, IRPlanVersion, MajorChange
from phiward.exercises.schedule import ExerciseKind
from phiward.exercises.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    DueOut,
    ExerciseIn,
    ExerciseOut,
    ExercisePage,
    ExercisePatch,
    ExerciseQuery,
    IntervalsIn,
    IntervalsOut,
    MajorChangeIn,
    MajorChangeOut,
    PlanApproveIn,
    PlanDraftPatch,
    PlanVersionOut,
)

router = Router(tags=["exercises"])
AREA = Area.INCIDENTS
EXERCISE = "/{org}/exercises/{exercise_id}"
VERSION = "/{org}/ir-plan/versions/{version_id}"


def _action_out(action: FollowUpAction) -> dict[str, object]:
    return {
        "id": action.pk,
        "exercise_id": action.exercise_id,
        "title": action.title,
        "owner": action.owner.get_username() if action.owner else None,
        "due_on": action.due_on,
        "done_on": action.done_on,
    }


def _out(x: Exercise) -> dict[str, object]:
    today = timezone.localdate()
    data: dict[str, object] = {
        "id": x.pk,
        "reference": x.reference,
        "kind": x.kind,
        "title": x.title,
        "held_on": x.held_on,
        "planned": x.held_on > today,
        "duration_minutes": x.duration_minutes,
        "scenario": x.scenario,
        "participants": sorted(u.get_username() for u in x.participants.all()),
        "external_participants": list(x.external_participants),
        "findings": x.findings,
        "evidence_id": x.evidence_id,
        "actions": [_action_out(a) for a in x.actions.all()],
        "plan_revision_ids": sorted(v.pk for v in x.plan_revisions.all()),
    }
    data.update({name: getattr(x, name) for name, _label in METRICS})
    return data


def _exercises(scope: OrgScope) -> QuerySet[Exercise]:
    return scoped(Exercise, scope).prefetch_related(
        "participants", "actions__owner", "plan_revisions"
    )


def _member(scope: OrgScope, username: str | None, field: str) -> User | None:
    if username is None or not username.strip():
        return None
    found = User.objects.filter(
        username=username.strip(), memberships__organization=scope.organization
    ).first()
    if found is None:
        raise InputProblems(
            [Problem("no member of this organization has that username", field=field)]
        )
    return found


def _members(scope: OrgScope, usernames: list[str]) -> tuple[User, ...]:
    found = [_member(scope, name, "participants") for name in usernames]
    return tuple(u for u in found if u is not None)


def _evidence(scope: OrgScope, pk: int | None) -> EvidenceItem | None:
    return None if pk is None else reference(EvidenceItem, scope, pk, "evidence_id")


@router.get(
    "/{org}/exercises",
    response={200: ExercisePage, **WRITE_ERRORS},
    operation_id="list_exercises",
    summary="List IR exercises (newest first)",
)
def list_exercises(
    request: HttpRequest, org: str, query: Query[ExerciseQuery]
) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    found = _exercises(scope)
    if query.kind:
        found = found.filter(kind=query.kind)
    return page_of(found, query, _out)


@router.post(
    "/{org}/exercises",
    response={201: ExerciseOut, **WRITE_ERRORS},
    operation_id="create_exercise",
    summary="Record an IR exercise",
)
def create_exercise(request: HttpRequest, org: str, payload: ExerciseIn) -> Status[dict[str, Any]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    data = services.ExerciseData(
        kind=payload.kind,
        title=payload.title,
        held_on=payload.held_on or timezone.localdate(),
        scenario=payload.scenario,
        duration_minutes=payload.duration_minutes,
        participants=_members(scope, payload.participants),
        external_participants=tuple(payload.external_participants),
        metrics={name: getattr(payload, name) for name, _label in METRICS},
        findings=payload.findings,
        evidence=_evidence(scope, payload.evidence_id),
    )
    exercise = services.record_exercise(scope.organization, data, user=scope.user)
    return Status(201, _out(_exercises(scope).get(pk=exercise.pk)))


@router.get(
    EXERCISE,
    response={200: ExerciseOut, **SCOPED_ERRORS},
    operation_id="get_exercise",
    summary="Get an IR exercise",
)
def get_exercise(request: HttpRequest, org: str, exercise_id: int) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    in_org(Exercise, scope, exercise_id)
    return _out(_exercises(scope).get(pk=exercise_id))


@router.patch(
    EXERCISE,
    response={200: ExerciseOut, **WRITE_ERRORS},
    operation_id="update_exercise",
    summary="Change an IR exercise (fields given are replaced)",
)
def update_exercise(
    request: HttpRequest, org: str, exercise_id: int, payload: ExercisePatch
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    x = in_org(Exercise, scope, exercise_id)
    given = payload.model_dump(exclude_unset=True)
    metrics = {name: given.get(name, getattr(x, name)) for name, _label in METRICS}
    participants = (
        _members(scope, given["participants"] or [])
        if "participants" in given
        else tuple(x.participants.all())
    )
    data = services.ExerciseData(
        kind=ExerciseKind(given.get("kind") or x.kind),
        title=given["title"] if given.get("title") is not None else x.title,
        held_on=given.get("held_on") or x.held_on,
        scenario=given["scenario"] if given.get("scenario") is not None else x.scenario,
        duration_minutes=given.get("duration_minutes", x.duration_minutes),
        participants=participants,
        external_participants=tuple(
            given["external_participants"]
            if given.get("external_participants") is not None
            else x.external_participants
        ),
        metrics=metrics,
        findings=given["findings"] if given.get("findings") is not None else x.findings,
        evidence=(_evidence(scope, given["evidence_id"]) if "evidence_id" in given else x.evidence),
    )
    services.update_exercise(x, data)
    return _out(_exercises(scope).get(pk=x.pk))


@router.post(
    f"{EXERCISE}/actions",
    response={201: ActionOut, **WRITE_ERRORS},
    operation_id="create_exercise_action",
    summary="Add a follow-up action to an exercise",
)
def create_exercise_action(
    request: HttpRequest, org: str, exercise_id: int, payload: ActionIn
) -> Status[dict[str, object]]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    x = in_org(Exercise, scope, exercise_id)
    action = services.add_action(
        x, payload.title, owner=_member(scope, payload.owner, "owner"), due_on=payload.due_on
    )
    return Status(201, _action_out(action))


@router.patch(
    "/{org}/exercise-actions/{action_id}",
    response={200: ActionOut, **WRITE_ERRORS},
    operation_id="update_exercise_action",
    summary="Mark a follow-up action done (done_on) or open again (null)",
)
def update_exercise_action(
    request: HttpRequest, org: str, action_id: int, payload: ActionPatch
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    action = in_org(FollowUpAction, scope, action_id)
    return _action_out(services.set_action_done(action, payload.done_on))


@router.get(
    "/{org}/exercises-due",
    response={200: list[DueOut], **SCOPED_ERRORS},
    operation_id="list_exercises_due",
    summary="What is due per kind of exercise, and what is overdue",
)
def list_exercises_due(request: HttpRequest, org: str) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, AREA)
    return [
        {**d.to_dict(), "kind": d.kind, "last_on": d.last_on, "due_on": d.due_on}
        for d in services.due_for(scope.organization)
    ]


@router.get(
    "/{org}/exercise-intervals",
    response={200: IntervalsOut, **SCOPED_ERRORS},
    operation_id="get_exercise_intervals",
    summary="The organization's exercise intervals (the S31 defaults until changed)",
)
def get_exercise_intervals(request: HttpRequest, org: str) -> dict[str, int]:
    scope = org_scope(request, org, Action.READ, AREA)
    return intervals.as_dict(intervals.intervals_for(scope.organization))


@router.put(
    "/{org}/exercise-intervals",
    response={200: IntervalsOut, **WRITE_ERRORS},
    operation_id="update_exercise_intervals",
    summary="Shorten exercise intervals (never longer than the S31 maximum: 422)",
)
def update_exercise_intervals(
    request: HttpRequest, org: str, payload: IntervalsIn
) -> dict[str, int]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    row = intervals.update_intervals(scope.organization, **payload.model_dump())
    return intervals.as_dict(row)


@router.get(
    "/{org}/major-changes",
    response={200: list[MajorChangeOut], **SCOPED_ERRORS},
    operation_id="list_major_changes",
    summary="Major changes recorded (each makes a full test due)",
)
def list_major_changes(request: HttpRequest, org: str) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, AREA)
    return [
        {"id": c.pk, "changed_on": c.changed_on, "description": c.description}
        for c in scoped(MajorChange, scope)[:500]
    ]


@router.post(
    "/{org}/major-changes",
    response={201: MajorChangeOut, **WRITE_ERRORS},
    operation_id="create_major_change",
    summary="Record a major change: a full test becomes due (within 90 days by default)",
)
def create_major_change(
    request: HttpRequest, org: str, payload: MajorChangeIn
) -> Status[dict[str, object]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    change = services.record_major_change(
        scope.organization,
        payload.description,
        changed_on=payload.changed_on or timezone.localdate(),
        user=scope.user,
    )
    return Status(
        201, {"id": change.pk, "changed_on": change.changed_on, "description": change.description}
    )


def _version_out(v: IRPlanVersion, current: IRPlanVersion | None) -> dict[str, object]:
    return {
        "id": v.pk,
        "number": v.number,
        "title": v.title,
        "status": v.status,
        "current": current is not None and current.pk == v.pk,
        "body": v.body,
        "change_summary": v.change_summary,
        "effective_on": v.effective_on,
        "digest": v.digest,
        "based_on_number": v.based_on.number if v.based_on else None,
        "source_exercise_id": v.source_exercise_id,
        "created_by": v.created_by.get_username() if v.created_by else None,
        "approved_by": v.approved_by.get_username() if v.approved_by else None,
        "approved_at": v.approved_at,
    }


def _versions(scope: OrgScope) -> QuerySet[IRPlanVersion]:
    return scoped(IRPlanVersion, scope).select_related("based_on", "created_by", "approved_by")


@router.get(
    "/{org}/ir-plan/versions",
    response={200: list[PlanVersionOut], **SCOPED_ERRORS},
    operation_id="list_ir_plan_versions",
    summary="The IR plan's versions, newest first",
)
def list_ir_plan_versions(request: HttpRequest, org: str) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, AREA)
    current = plan.current(scope.organization)
    return [_version_out(v, current) for v in _versions(scope)[:500]]


@router.post(
    "/{org}/ir-plan/versions",
    response={201: PlanVersionOut, **WRITE_ERRORS},
    operation_id="create_ir_plan_draft",
    summary="Start a draft copying the current approved version (one draft at a time)",
)
def create_ir_plan_draft(request: HttpRequest, org: str) -> Status[dict[str, object]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    draft = plan.start_draft(scope.organization, user=scope.user)
    return Status(
        201, _version_out(_versions(scope).get(pk=draft.pk), plan.current(draft.organization))
    )


@router.get(
    VERSION,
    response={200: PlanVersionOut, **SCOPED_ERRORS},
    operation_id="get_ir_plan_version",
    summary="One version of the IR plan",
)
def get_ir_plan_version(request: HttpRequest, org: str, version_id: int) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    in_org(IRPlanVersion, scope, version_id)
    return _version_out(_versions(scope).get(pk=version_id), plan.current(scope.organization))


@router.patch(
    VERSION,
    response={200: PlanVersionOut, **WRITE_ERRORS},
    operation_id="update_ir_plan_draft",
    summary="Change the draft (approved versions never change: 422)",
)
def update_ir_plan_draft(
    request: HttpRequest, org: str, version_id: int, payload: PlanDraftPatch
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    v = in_org(IRPlanVersion, scope, version_id)
    plan.update_draft(
        v,
        title=payload.title if payload.title is not None else v.title,
        body=payload.body if payload.body is not None else v.body,
        change_summary=(
            payload.change_summary if payload.change_summary is not None else v.change_summary
        ),
    )
    return _version_out(_versions(scope).get(pk=v.pk), plan.current(scope.organization))


@router.post(
    f"{VERSION}/approve",
    response={200: PlanVersionOut, **WRITE_ERRORS},
    operation_id="approve_ir_plan_version",
    summary="Approve the draft: it becomes the current IR plan",
)
def approve_ir_plan_version(
    request: HttpRequest, org: str, version_id: int, payload: PlanApproveIn
) -> dict[str, object]:
    scope = org_scope(request, org, Action.APPROVE, AREA)
    v = in_org(IRPlanVersion, scope, version_id)
    plan.approve(v, user=scope.user, role=scope.membership.role, effective_on=payload.effective_on)
    return _version_out(_versions(scope).get(pk=v.pk), plan.current(scope.organization))


@router.post(
    f"{EXERCISE}/plan-revision",
    response={201: PlanVersionOut, **WRITE_ERRORS},
    operation_id="open_ir_plan_revision",
    summary="Open an IR plan revision from an exercise's findings (a draft linked to it)",
)
def open_ir_plan_revision(
    request: HttpRequest, org: str, exercise_id: int
) -> Status[dict[str, object]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    x = in_org(Exercise, scope, exercise_id)
    draft = plan.open_revision(x, user=scope.user)
    return Status(
        201, _version_out(_versions(scope).get(pk=draft.pk), plan.current(x.organization))
    )
