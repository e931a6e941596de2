"""Playbooks (``/{org}/incident-playbooks``), an incident's steps, its review and follow-ups."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Status

from phiward.core.apiscope import SCOPED_ERRORS, WRITE_ERRORS, in_org, org_scope, scoped
from phiward.core.errors import NotFound
from phiward.core.permissions import Action
from phiward.incidents import services
from phiward.incidents.api.common import AREA, INCIDENT, api_names, member, named, person, router
from phiward.incidents.models import (
    Category,
    FollowUpAction,
    Incident,
    IncidentStep,
    Playbook,
    Review,
)
from phiward.incidents.schemas import (
    ApplyPlaybookIn,
    CheckStepIn,
    FollowUpIn,
    FollowUpOut,
    IncidentStepOut,
    PlaybookIn,
    PlaybookOut,
    ReviewIn,
    ReviewOut,
)
from phiward.risk.models import Risk


def _playbook_out(playbook: Playbook) -> dict[str, object]:
    return {
        "id": playbook.pk,
        "category": playbook.category,
        "title": playbook.title,
        "version": playbook.version,
        "steps": [{"phase": s.phase, "text": s.text} for s in playbook.steps.all()],
    }


@router.get(
    "/{org}/incident-playbooks",
    response={200: list[PlaybookOut], **SCOPED_ERRORS},
    operation_id="list_incident_playbooks",
    summary="The organization's playbooks, one per category (seeded on first use)",
)
def list_incident_playbooks(request: HttpRequest, org: str) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, AREA)
    services.ensure_playbooks(scope.organization)
    books = scoped(Playbook, scope).prefetch_related("steps").order_by("category")
    return [_playbook_out(p) for p in books]


@router.put(
    "/{org}/incident-playbooks/{category}",
    response={200: PlaybookOut, **WRITE_ERRORS},
    operation_id="update_incident_playbook",
    summary="Replace a playbook's title and steps (its version goes up; incidents keep theirs)",
)
def update_incident_playbook(
    request: HttpRequest, org: str, category: Category, payload: PlaybookIn
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    playbook = services.playbook_for(scope.organization, category)
    steps = [services.StepSpec(s.phase, s.text) for s in payload.steps]
    services.update_playbook(playbook, scope.user, title=payload.title, steps=steps)
    return _playbook_out(scoped(Playbook, scope).prefetch_related("steps").get(pk=playbook.pk))


def _step_out(step: IncidentStep) -> dict[str, object]:
    return {
        "id": step.pk,
        "playbook_title": step.playbook_title,
        "playbook_version": step.playbook_version,
        "phase": step.phase,
        "order": step.order,
        "text": step.text,
        "done_at": step.done_at,
        "done_by": person(step.done_by),
        "note": step.note,
    }


@router.get(
    f"{INCIDENT}/steps",
    response={200: list[IncidentStepOut], **SCOPED_ERRORS},
    operation_id="list_incident_steps",
    summary="The incident's playbook steps, in order, with who checked them off and when",
)
def list_incident_steps(
    request: HttpRequest, org: str, incident_id: int
) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, AREA)
    incident = in_org(Incident, scope, incident_id)
    steps = IncidentStep.objects.filter(incident=incident).select_related("done_by")
    return [_step_out(s) for s in steps]


@router.post(
    f"{INCIDENT}/playbook",
    response={201: list[IncidentStepOut], **WRITE_ERRORS},
    operation_id="apply_incident_playbook",
    summary="Copy a playbook's steps into the incident (default: its category's playbook)",
)
def apply_incident_playbook(
    request: HttpRequest, org: str, incident_id: int, payload: ApplyPlaybookIn
) -> Status[list[dict[str, object]]]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    playbook = (
        services.playbook_for(scope.organization, payload.category) if payload.category else None
    )
    with api_names({"playbook": "category"}):
        steps = services.apply_playbook(incident, scope.user, playbook)
    return Status(201, [_step_out(s) for s in steps])


@router.post(
    f"{INCIDENT}/steps/{{step_id}}/check",
    response={200: IncidentStepOut, **WRITE_ERRORS},
    operation_id="check_incident_step",
    summary="Check a step off (who and when go on the timeline)",
)
def check_incident_step(
    request: HttpRequest, org: str, incident_id: int, step_id: int, payload: CheckStepIn
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    step = in_org(IncidentStep, scope, step_id)
    if step.incident_id != incident.pk:
        raise NotFound("incident step not found")
    with api_names({"step": "step_id"}):
        done = services.check_step(step, scope.user, note=payload.note)
    return _step_out(done)


def _review_out(incident: Incident, flagged: list[Risk] | None = None) -> dict[str, object]:
    review = Review.objects.filter(incident=incident).select_related("completed_by").first()
    follow_ups = FollowUpAction.objects.filter(incident=incident).select_related("owner")
    return {
        "root_cause": review.root_cause if review else "",
        "lessons_learned": review.lessons_learned if review else "",
        "completed_at": review.completed_at if review else None,
        "completed_by": person(review.completed_by) if review else None,
        "risk_ids": sorted(link.risk_id for link in review.risk_links.all()) if review else [],
        "follow_ups": [_follow_up_out(f) for f in follow_ups],
        "flagged_risk_ids": sorted(r.pk for r in flagged or []),
    }


def _follow_up_out(action: FollowUpAction) -> dict[str, object]:
    return {
        "id": action.pk,
        "title": action.title,
        "owner": person(action.owner),
        "due_on": action.due_on,
        "done_at": action.done_at,
    }


@router.get(
    f"{INCIDENT}/review",
    response={200: ReviewOut, **SCOPED_ERRORS},
    operation_id="get_incident_review",
    summary="The post-incident review with its follow-up actions and linked risks",
)
def get_incident_review(request: HttpRequest, org: str, incident_id: int) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    return _review_out(in_org(Incident, scope, incident_id))


@router.put(
    f"{INCIDENT}/review",
    response={200: ReviewOut, **WRITE_ERRORS},
    operation_id="save_incident_review",
    summary="Write the review's root cause, lessons learned and linked risks (fields left out "
    "stay)",
)
def save_incident_review(
    request: HttpRequest, org: str, incident_id: int, payload: ReviewIn
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    risks = (
        named(Risk, scope, payload.risk_ids, "risk_ids") if payload.risk_ids is not None else None
    )
    with api_names():
        services.save_review(
            incident,
            scope.user,
            root_cause=payload.root_cause,
            lessons_learned=payload.lessons_learned,
            risks=risks,
        )
    return _review_out(incident)


@router.post(
    f"{INCIDENT}/review/complete",
    response={200: ReviewOut, **WRITE_ERRORS},
    operation_id="complete_incident_review",
    summary="Complete the review: it is frozen and each linked risk is flagged for re-assessment",
)
def complete_incident_review(request: HttpRequest, org: str, incident_id: int) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    _, flagged = services.complete_review(incident, scope.user)
    return _review_out(incident, flagged)


@router.post(
    f"{INCIDENT}/follow-ups",
    response={201: FollowUpOut, **WRITE_ERRORS},
    operation_id="create_incident_follow_up",
    summary="Add a follow-up action with an owner and a due date",
)
def create_incident_follow_up(
    request: HttpRequest, org: str, incident_id: int, payload: FollowUpIn
) -> Status[dict[str, object]]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    action = services.add_follow_up(
        incident,
        scope.user,
        title=payload.title,
        owner=member(scope, payload.owner, "owner"),
        due_on=payload.due_on,
    )
    return Status(201, _follow_up_out(action))


@router.post(
    f"{INCIDENT}/follow-ups/{{follow_up_id}}/done",
    response={200: FollowUpOut, **WRITE_ERRORS},
    operation_id="complete_incident_follow_up",
    summary="Mark a follow-up action done",
)
def complete_incident_follow_up(
    request: HttpRequest, org: str, incident_id: int, follow_up_id: int
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    incident = in_org(Incident, scope, incident_id)
    action = in_org(FollowUpAction, scope, follow_up_id)
    if action.incident_id != incident.pk:
        raise NotFound("follow-up action not found")
    return _follow_up_out(services.complete_follow_up(action, scope.user))
