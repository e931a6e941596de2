"""Playbooks (shipped data, seeding, editing, applying, checking off) and the review."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phiward.audit.models import AuditEntry
from phiward.core.errors import InputProblems
from phiward.core.models import Organization
from phiward.incidents import services
from phiward.incidents.models import (
    Category,
    Incident,
    IncidentStep,
    Playbook,
    PlaybookStep,
    TimelineKind,
)
from phiward.incidents.playbook_data import load_playbooks, parse_playbooks
from phiward.risk.models import ReassessmentReason, Risk
from tests.evidence.conftest import make_risk

pytestmark = pytest.mark.django_db


def test_the_shipped_file_has_one_playbook_per_category_with_every_phase() -> None:
    shipped = load_playbooks()
    assert sorted(p.category for p in shipped.playbooks) == sorted(Category.values)
    for playbook in shipped.playbooks:
        assert {s.phase for s in playbook.steps} == {
            "containment",
            "eradication",
            "recovery",
            "communication",
        }, playbook.category
    lost = shipped.for_category("lost_stolen_device")
    assert lost is not None and any("encryption" in s.text for s in lost.steps)


def test_a_bad_playbook_file_names_every_problem() -> None:
    text = """version: "1"
playbooks:
  - category: ransomware_malware
    title: ""
    steps:
      - {phase: containment, text: Isolate}
      - {phase: cleanup, text: ""}
  - category: ransomware_malware
    title: Twice
    colour: red
    steps: []
"""
    with pytest.raises(InputProblems) as exc:
        parse_playbooks(text, file="pb.yaml")
    found = {(p.row, p.field) for p in exc.value.problems}
    assert found == {
        (1, "title"),
        (1, "steps[2].phase"),
        (1, "steps[2].text"),
        (2, "category"),
        (2, "colour"),
        (2, "steps"),
    }
    assert all(p.file == "pb.yaml" for p in exc.value.problems)


def test_seeding_is_two_inserts_and_one_audit_batch(org: Organization) -> None:
    with CaptureQueriesContext(connection) as queries:
        added = services.ensure_playbooks(org)
    assert added == len(Category.values)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    tables = [sql.split('"')[1] for sql in inserts]
    assert tables.count("incidents_playbook") == 1
    assert tables.count("incidents_playbookstep") == 1
    assert set(tables) <= {"incidents_playbook", "incidents_playbookstep", "audit_auditentry",
                            "audit_audithead", "audit_checkpoint"}  # fmt: skip
    steps = PlaybookStep.objects.for_org(org).count()
    logged = AuditEntry.objects.filter(organization_id=org.pk, object_type__startswith="incidents.")
    assert logged.count() == len(Category.values) + steps
    assert services.ensure_playbooks(org) == 0  # idempotent


def test_apply_and_check_off_keep_their_own_copy(incident: Incident, officer: User) -> None:
    steps = services.apply_playbook(incident, officer)
    assert steps[0].playbook_title == "Lost or stolen device" and steps[0].order == 1
    with pytest.raises(InputProblems) as exc:
        services.apply_playbook(incident, officer)
    assert {p.field for p in exc.value.problems} == {"playbook"}
    playbook = Playbook.objects.get(organization=incident.organization, category=incident.category)
    services.update_playbook(
        playbook, officer, title="Device lost", steps=[services.StepSpec("containment", "Wipe")]
    )
    playbook.refresh_from_db()
    assert playbook.version == 2 and playbook.steps.count() == 1
    assert IncidentStep.objects.filter(incident=incident).count() == len(steps)
    done = services.check_step(steps[0], officer, note="Wiped at 10:02")
    assert done.done_at is not None and done.done_by == officer
    with pytest.raises(InputProblems):
        services.check_step(steps[0], officer)
    entry = incident.timeline.filter(kind=TimelineKind.PLAYBOOK_STEP).last()
    assert entry is not None and "Wiped at 10:02" in entry.text
    # Another category's playbook may be added on top (an outage that turns out to be malware).
    more = services.apply_playbook(
        incident, officer, services.playbook_for(incident.organization, "other")
    )
    assert more[0].order == len(steps) + 1


def test_editing_a_playbook_checks_its_steps(org: Organization, officer: User) -> None:
    playbook = services.playbook_for(org, "other")
    with pytest.raises(InputProblems) as exc:
        services.update_playbook(
            playbook, officer, title="x", steps=[services.StepSpec("cleanup", " ")]
        )
    assert {p.field for p in exc.value.problems} == {"steps[1].phase", "steps[1].text"}


def test_completing_the_review_flags_linked_risks(
    incident: Incident, officer: User, org: Organization, other_org: Organization
) -> None:
    risk = make_risk(org)
    with pytest.raises(InputProblems):
        services.save_review(incident, officer, risks=[make_risk(other_org, 2)])
    services.save_review(incident, officer, root_cause="No disk encryption", risks=[risk])
    with pytest.raises(InputProblems) as exc:
        services.complete_review(incident, officer)
    assert {p.field for p in exc.value.problems} == {"lessons_learned"}
    services.save_review(incident, officer, lessons_learned="Encrypt every laptop")
    review, flagged = services.complete_review(incident, officer)
    assert review.completed_by == officer and flagged == [risk]
    risk = Risk.objects.get(pk=risk.pk)
    assert risk.needs_reassessment
    reason = ReassessmentReason.objects.get(risk=risk)
    assert reason.source == "incident" and incident.reference in reason.reason
    assert "patient" not in reason.reason  # the description is never copied
    with pytest.raises(InputProblems):
        services.save_review(incident, officer, root_cause="changed later")


def test_follow_ups(incident: Incident, officer: User) -> None:
    import datetime as dt

    action = services.add_follow_up(
        incident, officer, title="Enable BitLocker", owner=officer, due_on=dt.date(2026, 6, 1)
    )
    services.complete_follow_up(action, officer)
    action.refresh_from_db()
    assert action.done_at is not None
    with pytest.raises(InputProblems):
        services.complete_follow_up(action, officer)
