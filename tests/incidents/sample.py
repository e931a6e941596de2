"""Sample incident records for the access matrices (tests/api/test_roles.py and the web's).

``build_incidents(org)`` makes one incident with everything an operation on it may need: a
playbook step, a follow-up action, a signed assessment whose obligations are open, and a newer
unsigned assessment an approver may sign. ``incident_operations()`` is the API role table's
entries for the incidents operations (``OPERATIONS`` in tests/api/test_roles.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from phiward.core.models import Organization
from phiward.incidents import services
from phiward.incidents.models import (
    BreachAssessment,
    FollowUpAction,
    Incident,
    IncidentStep,
    Obligation,
)


def breach_facts(total: int = 12, discovered: dt.date = dt.date(2026, 3, 5)) -> dict[str, Any]:
    """A facts document for a breach of unencrypted PHI of ``total`` people in MA."""
    return {
        "entity": {"role": "covered_entity", "name": "Clinic"},
        "dates": {
            "occurred_on": (discovered - dt.timedelta(days=2)).isoformat(),
            "discovered_on": discovered.isoformat(),
        },
        "phi": {"involved": True, "permitted": False, "types": ["name", "diagnosis"]},
        "safe_harbor": {"encryption": {"encrypted": False}},
        "individuals": {"total": total, "by_state": {"MA": total}},
    }


@dataclass(frozen=True)
class IncidentSample:
    incident: Incident
    step: IncidentStep
    follow_up: FollowUpAction
    signed: BreachAssessment  # its obligations are open
    unsigned: BreachAssessment  # current, awaiting sign-off
    obligation: Obligation  # open, of the signed assessment

    def ids(self) -> dict[str, object]:
        return {
            "incident_id": self.incident.pk,
            "step_id": self.step.pk,
            "follow_up_id": self.follow_up.pk,
            "assessment_id": self.unsigned.pk,
            "obligation_id": self.obligation.pk,
            "category": self.incident.category,
        }


def build_incidents(org: Organization, approver: User) -> IncidentSample:
    """The sample records of ``org``; ``approver`` (an owner, say) signs the first assessment."""
    incident = services.report(
        org,
        services.Report(title="Laptop stolen", category="lost_stolen_device", severity="high"),
        reporter=None,
    )
    step = services.apply_playbook(incident, None)[0]
    follow_up = services.add_follow_up(incident, None, title="Encrypt every laptop")
    services.save_review(
        incident, None, root_cause="No disk encryption", lessons_learned="Encrypt laptops"
    )
    signed = services.sign_off(services.assess(incident, breach_facts(12), None), approver)
    unsigned = services.assess(incident, breach_facts(14), None)
    obligation = Obligation.objects.get(assessment=signed, key="individuals")
    return IncidentSample(incident, step, follow_up, signed, unsigned, obligation)


# --- the API role table's entries ---------------------------------------------------------------


def incident_operations(
    scoped: Callable[..., Any], sample: Callable[[Any, Any], dict[str, object]]
) -> dict[str, Any]:
    """``OPERATIONS`` entries; ``scoped`` is test_roles' helper and ``sample`` a Values callable
    returning ``build_incidents(world.org, world.boss).ids()`` (made once per world)."""
    from phiward.core.permissions import Action, Area

    area = Area.INCIDENTS
    read, change = Action.READ, Action.CHANGE

    def on(action: Action, body: Callable[[Any], dict[str, Any]] | None = None) -> Any:
        return scoped(area, action, body, values=sample)

    return {
        "list_incidents": on(read),
        "create_incident": on(Action.CREATE, lambda w: {"title": "Fax to the wrong number"}),
        "get_incident": on(read),
        "update_incident": on(change, lambda w: {"severity": "critical"}),
        "change_incident_status": on(change, lambda w: {"status": "triage"}),
        "list_incident_timeline": on(read),
        "add_incident_timeline_entry": on(change, lambda w: {"kind": "note", "text": "Called."}),
        "list_incident_playbooks": on(read),
        "update_incident_playbook": on(
            change,
            lambda w: {
                "title": "Lost device",
                "steps": [{"phase": "containment", "text": "Wipe it"}],
            },
        ),
        "list_incident_steps": on(read),
        "apply_incident_playbook": on(change, lambda w: {"category": "other"}),
        "check_incident_step": on(change, lambda w: {"note": "Done"}),
        "get_incident_review": on(read),
        "save_incident_review": on(change, lambda w: {"lessons_learned": "Encrypt laptops"}),
        "complete_incident_review": on(change),
        "create_incident_follow_up": on(change, lambda w: {"title": "Buy cable locks"}),
        "complete_incident_follow_up": on(change),
        "list_breach_assessments": on(read),
        "create_breach_assessment": on(Action.CREATE, lambda w: {"facts": breach_facts()}),
        "get_breach_assessment": on(read),
        "sign_breach_assessment": on(Action.APPROVE),
        "list_incident_obligations": on(read),
        "record_obligation_sent": on(
            change, lambda w: {"sent_on": "2026-04-01", "method": "first_class_mail"}
        ),
        "mark_obligation_not_required": on(change, lambda w: {"reason": "Counted twice."}),
        "get_incident_affected": on(read),
        "put_incident_affected": on(
            change, lambda w: {"counts": [{"state": "MA", "individuals": 12}]}
        ),
        "upload_incident_affected_list": scoped(
            area,
            change,
            lambda w: {"file": _csv_upload()},
            values=sample,
            multipart=True,
        ),
        "get_incident_notices": on(read),
        "update_incident_notice_text": on(change, lambda w: {"what_happened": "A theft."}),
        "get_incident_notice_settings": on(read),
        "update_incident_notice_settings": on(
            change, lambda w: {"contact_toll_free": "1-800-555-0100"}
        ),
        "get_hhs_annual_log": on(Action.EXPORT),
        "download_hhs_annual_log": on(Action.EXPORT),
    }


def _csv_upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("list.csv", b"state,deceased,contact_ok\nMA,n,y\n")
