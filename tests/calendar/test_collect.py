"""Collecting deadlines from the registered providers, filtered by the viewer's role; the
providers that ship with the calendar (risk, evidence, exercises)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from phiward.calendar import deadlines_for, register, registered_providers, unregister, upcoming
from phiward.calendar.providers import evidence, exercises, risk
from phiward.calendar.registry import EARLIEST
from phiward.core.models import Organization
from phiward.core.permissions import Area, Role
from phiward.evidence import library
from phiward.exercises import services
from phiward.exercises.schedule import ExerciseKind
from phiward.risk.models import Strategy, Treatment, TreatmentStatus, TreatmentTask
from tests.calendar.conftest import Fixed
from tests.exercises.sample import build_exercises
from tests.risk.register_sample import build_register

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def test_the_builtin_providers_are_registered() -> None:
    found = registered_providers()
    for provider in (
        risk.treatment_deadlines,
        risk.acceptance_deadlines,
        evidence.evidence_deadlines,
        exercises.exercise_deadlines,
        exercises.follow_up_deadlines,
    ):
        assert provider in found


def test_register_twice_keeps_one(fixed: Fixed) -> None:
    register(fixed)
    assert registered_providers().count(fixed) == 1


def test_window_and_sorting(org: Organization, fixed: Fixed) -> None:
    fixed.add(org, days(5), "b", Area.RISK)
    fixed.add(org, days(1), "a", Area.RISK)
    fixed.add(org, days(40), "later", Area.RISK)
    found = deadlines_for(org, TODAY, days(30), role=Role.OWNER)
    assert [d.title for d in found if d.kind == "test"] == ["a", "b"]
    assert deadlines_for(org, days(2), days(1), role=None) == []


def test_viewers_see_only_areas_their_role_reads(org: Organization, fixed: Fixed) -> None:
    fixed.add(org, days(3), "notify HHS", Area.INCIDENTS)
    fixed.add(org, days(3), "mitigate", Area.RISK)
    fixed.add(org, days(3), "renew policy", Area.EVIDENCE)

    def titles(role: Role) -> set[str]:
        return {d.title for d in deadlines_for(org, TODAY, days(10), role=role) if d.kind == "test"}

    everything = {"notify HHS", "mitigate", "renew policy"}
    assert titles(Role.AUDITOR) == everything
    assert titles(Role.SECURITY_OFFICER) == everything
    assert titles(Role.OWNER) == everything
    assert titles(Role.WORKFORCE) == set()  # nothing from incidents, nor anything else


def test_a_provider_answering_for_another_organization_is_a_bug(
    org: Organization, other_org: Organization
) -> None:
    def wrong(o: Organization, start: dt.date, end: dt.date) -> list:  # type: ignore[type-arg]
        from phiward.calendar import Deadline

        return [Deadline(other_org.pk, days(1), "x", Area.RISK, "/")]

    register(wrong)
    try:
        with pytest.raises(ValueError, match="another organization"):
            deadlines_for(org, TODAY, days(5), role=None)
    finally:
        unregister(wrong)


def test_upcoming_overdue_first_without_done(org: Organization, fixed: Fixed) -> None:
    fixed.add(org, days(-400), "ancient", Area.RISK)
    fixed.add(org, days(2), "soon", Area.RISK)
    fixed.add(org, days(-3), "late", Area.RISK)
    fixed.add(org, days(-1), "finished", Area.RISK, done=True)
    fixed.add(org, days(90), "far", Area.RISK)
    found = [d.title for d in upcoming(org, role=Role.OWNER, today=TODAY) if d.kind == "test"]
    assert found == ["ancient", "late", "soon"]
    limited = upcoming(org, role=Role.OWNER, today=TODAY, limit=1)
    assert len(limited) == 1


def test_risk_treatments_tasks_and_acceptances(org: Organization) -> None:
    sample = build_register(org)
    mitigation = Treatment.objects.create(
        organization=org,
        risk=sample.risk,
        strategy=Strategy.MITIGATE,
        description="Turn on MFA for remote access",
        due_on=days(10),
    )
    Treatment.objects.create(
        organization=org,
        risk=sample.risk,
        strategy=Strategy.MITIGATE,
        description="Cancelled idea",
        due_on=days(11),
        status=TreatmentStatus.CANCELLED,
    )
    TreatmentTask.objects.filter(pk=sample.task.pk).update(due_on=days(-2))
    found = deadlines_for(org, EARLIEST, days(400), role=Role.AUDITOR)
    by_kind = {(d.kind, d.title) for d in found}
    ref = sample.risk.reference
    assert ("treatment", f"{ref} mitigate: Turn on MFA for remote access") in by_kind
    assert ("treatment-task", f"{ref} task: Review the plan") in by_kind
    assert ("acceptance", f"{ref} risk acceptance expires") in by_kind
    assert not [d for d in found if "Cancelled" in d.title]
    treatment = next(d for d in found if d.kind == "treatment")
    assert treatment.key == str(mitigation.uid)
    assert treatment.url == f"/o/{org.slug}/risk/risks/{sample.risk.pk}/"
    assert treatment.area is Area.RISK
    assert deadlines_for(org, EARLIEST, days(400), role=Role.WORKFORCE) == []


def test_evidence_expiring_and_superseded(org: Organization) -> None:
    meta = library.Metadata("BAA with Billing Co", effective_on=days(-300), expires_on=days(20))
    item = library.add_link(
        org, "https://x.example/baa", meta=meta, links=library.Links(), user=None
    )
    (found,) = [
        d for d in deadlines_for(org, TODAY, days(30), role=Role.AUDITOR) if d.kind == "evidence"
    ]
    assert found.title == f"{item.reference} expires: BAA with Billing Co"
    assert found.url == f"/o/{org.slug}/evidence/{item.pk}/"
    assert not found.done
    item.superseded_on = days(-1)
    item.save()
    (again,) = [d for d in deadlines_for(org, TODAY, days(30), role=None) if d.kind == "evidence"]
    assert again.done


def test_exercises_due_and_follow_ups(org: Organization) -> None:
    build_exercises(org)
    found = deadlines_for(org, EARLIEST, days(800), role=Role.AUDITOR)
    exercise_items = {d.key: d for d in found if d.kind == "exercise"}
    assert set(exercise_items) == {k.value for k in ExerciseKind}
    assert exercise_items["drill"].due_on == TODAY  # never held: due now
    assert exercise_items["tabletop"].due_on == dt.date(2026, 4, 15)
    assert exercise_items["tabletop"].area is Area.INCIDENTS
    (action,) = [d for d in found if d.kind == "exercise-action"]
    assert action.due_on == dt.date(2026, 3, 1)
    assert action.title.endswith("follow-up: Add the insurer's hotline to the plan")
    assert deadlines_for(org, EARLIEST, days(800), role=Role.WORKFORCE) == []


def test_planned_exercises_do_not_count_as_held(org: Organization) -> None:
    services.record_exercise(
        org,
        services.ExerciseData(kind=ExerciseKind.DRILL, title="Restore drill", held_on=days(5)),
        user=None,
    )
    due = {d.key: d for d in deadlines_for(org, TODAY, days(1), role=None) if d.kind == "exercise"}
    assert due["drill"].due_on == TODAY
