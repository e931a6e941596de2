"""Recording exercises, follow-up actions and major changes; what is due per organization."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from phiward.core.errors import InputProblems
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.exercises import services
from phiward.exercises.models import Exercise
from phiward.exercises.schedule import ExerciseKind
from phiward.exercises.services import ExerciseData

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def data(**kw: object) -> ExerciseData:
    values: dict[str, object] = {
        "kind": ExerciseKind.TABLETOP,
        "title": "Lost laptop tabletop",
        "held_on": TODAY - dt.timedelta(days=10),
        **kw,
    }
    return ExerciseData(**values)  # type: ignore[arg-type]


def test_record_with_participants_metrics_and_findings(
    org: Organization, officer: User, make_member: Callable[..., User]
) -> None:
    colleague = make_member(org, Role.WORKFORCE)
    x = services.record_exercise(
        org,
        data(
            participants=(officer, colleague),
            external_participants=(" Outside counsel ", "Insurer"),
            duration_minutes=90,
            metrics={"minutes_to_detect": 5, "minutes_to_notify": 0},
            findings="Escalation took too long.",
            scenario="A laptop is left on a train.",
        ),
        user=officer,
    )
    x = Exercise.objects.get(pk=x.pk)
    assert x.reference == f"X-{x.pk:03d}"
    assert set(x.participants.all()) == {officer, colleague}
    assert x.external_participants == ["Outside counsel", "Insurer"]
    assert (x.minutes_to_detect, x.minutes_to_contain, x.minutes_to_notify) == (5, None, 0)
    assert x.findings == "Escalation took too long."
    assert x.recorded_by == officer


def test_problems_name_their_fields(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    stranger = make_member(other_org, Role.OWNER)
    with pytest.raises(InputProblems) as caught:
        services.record_exercise(
            org,
            data(
                title=" ",
                participants=(stranger,),
                external_participants=("",),
                metrics={"minutes_to_detect": -1, "bogus": 1},
            ),
            user=None,
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {
        "title",
        "participants",
        "external_participants",
        "minutes_to_detect",
        "bogus",
    }
    assert Exercise.objects.count() == 0


def test_due_for_uses_held_exercises_and_major_changes(org: Organization) -> None:
    services.record_exercise(org, data(held_on=TODAY - dt.timedelta(days=30)), user=None)
    services.record_exercise(
        org, data(kind=ExerciseKind.FULL_TEST, held_on=TODAY - dt.timedelta(days=100)), user=None
    )
    services.record_exercise(org, data(held_on=TODAY + dt.timedelta(days=3)), user=None)  # planned
    due = {d.kind: d for d in services.due_for(org, TODAY)}
    assert due[ExerciseKind.TABLETOP].last_on == TODAY - dt.timedelta(days=30)
    assert due[ExerciseKind.DRILL].never
    assert not due[ExerciseKind.FULL_TEST].overdue
    services.record_major_change(
        org, "New EHR", changed_on=TODAY - dt.timedelta(days=91), user=None
    )
    due = {d.kind: d for d in services.due_for(org, TODAY)}
    assert due[ExerciseKind.FULL_TEST].overdue
    assert due[ExerciseKind.FULL_TEST].major_change_on == TODAY - dt.timedelta(days=91)


def test_actions(
    org: Organization, officer: User, other_org: Organization, make_member: Callable[..., User]
) -> None:
    x = services.record_exercise(org, data(), user=None)
    action = services.add_action(x, "Update the call tree", owner=officer, due_on=TODAY)
    assert not action.done and not action.is_overdue(TODAY)
    assert action.is_overdue(TODAY + dt.timedelta(days=1))
    services.set_action_done(action, TODAY)
    assert action.done and not action.is_overdue(TODAY + dt.timedelta(days=1))
    with pytest.raises(InputProblems):
        services.add_action(x, "x", owner=make_member(other_org, Role.OWNER), due_on=None)
    with pytest.raises(InputProblems):
        services.add_action(x, "  ", owner=None, due_on=None)


def test_findings_and_scenario_are_encrypted_at_rest(org: Organization) -> None:
    from django.db import connection

    x = services.record_exercise(org, data(findings="Patient J. Doe's chart was opened"), user=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT findings FROM exercises_exercise WHERE id = %s", [x.pk])
        (stored,) = cursor.fetchone()
    assert "Doe" not in stored


def test_demo_history(org: Organization, officer: User) -> None:
    from phiward.exercises import plan
    from phiward.exercises.demo import seed_demo

    seed_demo(org, today=TODAY, officer=officer)
    due = {d.kind: d for d in services.due_for(org, TODAY)}
    assert due[ExerciseKind.TABLETOP].overdue
    assert not due[ExerciseKind.DRILL].overdue
    assert due[ExerciseKind.FULL_TEST].major_change_on is not None
    current = plan.current(org)
    assert current is not None and current.number == 2 and "insurer" in current.body
