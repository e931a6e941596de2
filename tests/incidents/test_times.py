"""The services take the time something happened (``at``): imports and the demo record the past.

A given time is stored on the record and its timeline entry; it must be timezone-aware, not in
the future and not before the incident was reported (obligations: not before the sign-off).
Without it the services stamp now, as the web and the API always do. The audit log keeps its
own, real, time either way.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from phiward.audit.models import AuditEntry
from phiward.core.errors import InputProblems, InvalidInput
from phiward.core.models import Organization
from phiward.incidents import services
from phiward.incidents.models import (
    Incident,
    Obligation,
    ObligationStatus,
    Status,
    TimelineEntry,
    TimelineKind,
)
from tests.incidents.conftest import facts

pytestmark = pytest.mark.django_db

NOW = timezone.now()
REPORTED = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)


def hours(n: float) -> dt.datetime:
    return REPORTED + dt.timedelta(hours=n)


def field_of(caught: pytest.ExceptionInfo[InvalidInput]) -> set[str | None]:
    assert isinstance(caught.value, InputProblems)
    return {p.field for p in caught.value.problems}


def last_entry(incident: Incident) -> TimelineEntry:
    entry = incident.timeline.order_by("-pk").first()
    assert entry is not None
    return entry


@pytest.fixture
def past(org: Organization, officer: User) -> Incident:
    """An incident reported in March 2026 (the discovery date of ``facts()``)."""
    return services.report(
        org,
        services.Report(
            title="Laptop stolen from car",
            category="lost_stolen_device",
            occurred_at=dt.datetime(2026, 3, 5, 22, 0, tzinfo=dt.UTC),
            discovered_at=dt.datetime(2026, 3, 6, 8, 0, tzinfo=dt.UTC),
        ),
        reporter=officer,
        at=REPORTED,
    )


def test_report_stores_when_it_was_reported(past: Incident) -> None:
    assert past.reported_at == REPORTED
    first = past.timeline.get()
    assert first.kind == TimelineKind.STATUS_CHANGE and first.at == REPORTED
    # the audit entry's own time is when it was written, not when the report was made
    created = AuditEntry.objects.get(object_type="incidents.incident", action="create")
    assert created.timestamp > REPORTED + dt.timedelta(days=1)


def test_report_refuses_a_time_in_the_future_or_before_the_discovery(
    org: Organization, officer: User
) -> None:
    data = services.Report(title="x", discovered_at=dt.datetime(2026, 3, 6, 8, 0, tzinfo=dt.UTC))
    for bad in (
        timezone.now() + dt.timedelta(hours=1),
        dt.datetime(2026, 3, 6, 7, 0, tzinfo=dt.UTC),
    ):
        with pytest.raises(InvalidInput) as caught:
            services.report(org, data, reporter=officer, at=bad)
        assert field_of(caught) == {"at"}
    with pytest.raises(InvalidInput) as caught:
        services.report(org, data, reporter=officer, at=dt.datetime(2026, 3, 7, 9, 0))
    assert field_of(caught) == {"at"}  # naive: names no instant
    assert not Incident.objects.exists()


def test_anonymous_report_takes_the_time_too(org: Organization, officer: User) -> None:
    found = services.report(
        org, services.Report(title="x"), reporter=officer, anonymous=True, at=REPORTED
    )
    assert found.reported_at == REPORTED and found.reported_by is None


def test_without_a_time_the_services_stamp_now(incident: Incident, officer: User) -> None:
    before = timezone.now()
    assert incident.reported_at >= NOW
    services.change_status(incident, Status.CLOSED, officer)
    incident.refresh_from_db()
    assert incident.closed_at is not None and incident.closed_at >= before


def test_triage_and_status_changes(past: Incident, officer: User) -> None:
    services.update_triage(past, officer, handler=officer, at=hours(1))
    assert last_entry(past).at == hours(1) and last_entry(past).kind == TimelineKind.DECISION
    services.change_status(past, Status.TRIAGE, officer, at=hours(1))
    services.change_status(past, Status.CLOSED, officer, at=hours(30))
    past.refresh_from_db()
    assert past.closed_at == hours(30) and last_entry(past).at == hours(30)
    with pytest.raises(InvalidInput) as caught:
        services.change_status(past, Status.TRIAGE, officer, reason="again", at=hours(-1))
    assert field_of(caught) == {"at"}
    with pytest.raises(InvalidInput) as caught:
        services.change_status(
            past, Status.TRIAGE, officer, reason="again", at=timezone.now() + dt.timedelta(1)
        )
    assert field_of(caught) == {"at"}
    past.refresh_from_db()
    assert past.status == Status.CLOSED


def test_playbook_applied_and_steps_checked_off(past: Incident, officer: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.apply_playbook(past, officer, at=timezone.now() + dt.timedelta(hours=1))
    assert field_of(caught) == {"at"}
    steps = services.apply_playbook(past, officer, at=hours(1))
    assert last_entry(past).at == hours(1)
    step = services.check_step(steps[0], officer, note="wiped", at=hours(2))
    assert step.done_at == hours(2) and last_entry(past).at == hours(2)
    for bad in (hours(-2), timezone.now() + dt.timedelta(hours=1)):
        with pytest.raises(InvalidInput) as caught:
            services.check_step(steps[1], officer, at=bad)
        assert field_of(caught) == {"at"}
    steps[1].refresh_from_db()
    assert steps[1].done_at is None


def test_assessment_sign_off_and_notices(past: Incident, officer: User) -> None:
    services.set_affected_counts(past, officer, [services.StateCount("MA", 120)], at=hours(3))
    assert last_entry(past).at == hours(3)
    assessment = services.assess(past, facts(), officer, at=hours(24))
    assert last_entry(past).at == hours(24)
    # the facts are judged as of the day the assessment was run
    assert assessment.facts["dates"]["as_of"] == "2026-03-07"  # type: ignore[index,call-overload]
    with pytest.raises(InvalidInput) as caught:
        services.sign_off(assessment, officer, at=timezone.now() + dt.timedelta(hours=1))
    assert field_of(caught) == {"at"}
    signed = services.sign_off(assessment, officer, at=hours(26))
    assert signed.signed_off_at == hours(26) and last_entry(past).at == hours(26)
    letters = Obligation.objects.get(incident=past, key="individuals")
    with pytest.raises(InvalidInput) as caught:  # recorded before the sign-off
        services.record_sent(
            letters, officer, sent_on=dt.date(2026, 3, 7), method="email", at=hours(25)
        )
    assert field_of(caught) == {"at"}
    sent = services.record_sent(
        letters, officer, sent_on=dt.date(2026, 3, 20), method="email", at=hours(24 * 14 + 8)
    )
    assert sent.closed_at == hours(24 * 14 + 8) and last_entry(past).at == sent.closed_at
    hhs = Obligation.objects.get(incident=past, key="hhs-annual-log")
    closed = services.mark_not_required(hhs, officer, reason="test", at=hours(24 * 15))
    assert closed.status == ObligationStatus.NOT_REQUIRED
    assert closed.closed_at == hours(24 * 15) and last_entry(past).at == hours(24 * 15)


def test_a_newer_sign_off_closes_the_replaced_obligations_at_its_time(
    past: Incident, officer: User
) -> None:
    services.sign_off(services.assess(past, facts(), officer, at=hours(24)), officer, at=hours(25))
    services.sign_off(
        services.assess(past, facts(total=30), officer, at=hours(48)), officer, at=hours(49)
    )
    replaced = Obligation.objects.filter(assessment__number=1)
    assert {o.closed_at for o in replaced} == {hours(49)}


def test_review_and_follow_ups(past: Incident, officer: User) -> None:
    action = services.add_follow_up(past, officer, title="Buy locks", at=hours(5))
    assert last_entry(past).at == hours(5)
    with pytest.raises(InvalidInput) as caught:
        services.complete_follow_up(action, officer, at=timezone.now() + dt.timedelta(hours=1))
    assert field_of(caught) == {"at"}
    done = services.complete_follow_up(action, officer, at=hours(50))
    assert done.done_at == hours(50) and last_entry(past).at == hours(50)
    services.save_review(past, officer, root_cause="Car", lessons_learned="Take it inside")
    with pytest.raises(InvalidInput) as caught:
        services.complete_review(past, officer, at=hours(-5))
    assert field_of(caught) == {"at"}
    review, _ = services.complete_review(past, officer, at=hours(60))
    assert review.completed_at == hours(60) and last_entry(past).at == hours(60)


def test_a_timeline_entry_may_tell_of_something_before_the_report(
    past: Incident, officer: User
) -> None:
    entry = services.add_timeline_entry(
        past, officer, kind="action", text_="Called the police", at=hours(-0.5)
    )
    assert entry.at == hours(-0.5)
    with pytest.raises(InvalidInput) as caught:
        services.add_timeline_entry(
            past, officer, kind="note", text_="x", at=timezone.now() + dt.timedelta(hours=1)
        )
    assert field_of(caught) == {"at"}
