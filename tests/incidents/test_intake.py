"""Intake, triage, status transitions and the append-only timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from phiward.audit.models import AuditEntry
from phiward.core.errors import InputProblems
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.incidents import services
from phiward.incidents.models import (
    AppendOnly,
    Incident,
    IncidentAsset,
    Status,
    TimelineEntry,
    TimelineKind,
)
from phiward.inventory.models import Asset, AssetKind, Vendor

pytestmark = pytest.mark.django_db


def fields(exc: pytest.ExceptionInfo[InputProblems]) -> set[str | None]:
    return {p.field for p in exc.value.problems}


def test_report_numbers_per_organization_and_starts_the_timeline(
    org: Organization, other_org: Organization, officer: User
) -> None:
    first = services.report(org, services.Report(title="Phish"), reporter=officer)
    second = services.report(org, services.Report(title="Outage"), reporter=officer)
    elsewhere = services.report(other_org, services.Report(title="Other"), reporter=None)
    assert (first.reference, second.reference, elsewhere.reference) == (
        "INC-0001",
        "INC-0002",
        "INC-0001",
    )
    assert first.status == Status.REPORTED and first.reported_by == officer
    entry = TimelineEntry.objects.get(incident=first)
    assert entry.kind == TimelineKind.STATUS_CHANGE and entry.author == officer


def test_report_checks_title_times_and_links(
    org: Organization, other_org: Organization, officer: User
) -> None:
    foreign = Asset.objects.create(organization=other_org, name="PC", kind=AssetKind.WORKSTATION)
    later = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(InputProblems) as exc:
        services.report(org, services.Report(title=" "), reporter=officer)
    assert fields(exc) == {"title"}
    with pytest.raises(InputProblems) as exc:
        services.report(org, services.Report(title="x", occurred_at=later), reporter=officer)
    assert fields(exc) == {"occurred_at"}
    with pytest.raises(InputProblems) as exc:
        services.report(org, services.Report(title="x", assets=[foreign]), reporter=officer)
    assert fields(exc) == {"assets"}
    naive = dt.datetime(2026, 1, 1, 12, 0)
    with pytest.raises(InputProblems) as exc:
        services.report(org, services.Report(title="x", discovered_at=naive), reporter=officer)
    assert fields(exc) == {"discovered_at"}
    assert not Incident.objects.exists()


def test_anonymous_report_is_not_linked_to_its_reporter(
    org: Organization, make_member: Callable[..., User]
) -> None:
    from phiward.audit.context import Actor, acting_as

    worker = make_member(org, Role.WORKFORCE, username="nurse-jane")
    asset = Asset.objects.create(organization=org, name="Front desk", kind=AssetKind.WORKSTATION)
    before = AuditEntry.objects.count()
    # As the web would: the request's user is the reporter.
    with acting_as(Actor(worker.pk, worker.get_username(), "web")):
        incident = services.report(
            org,
            services.Report(title="Colleague snooping", assets=[asset]),
            reporter=worker,
            anonymous=True,
        )
    incident.refresh_from_db()
    assert incident.anonymous and incident.reported_by_id is None
    entries = list(AuditEntry.objects.order_by("seq")[before:])
    assert entries, "the report is on the audit log"
    for entry in entries:
        assert entry.actor_id is None
        assert entry.actor == "anonymous report"
        assert "nurse-jane" not in str(entry.changes) and str(worker.pk) != str(
            entry.changes.get("reported_by", {}).get("after", "")
        )
    timeline = TimelineEntry.objects.get(incident=incident)
    assert timeline.author_id is None and timeline.author_name == "anonymous report"
    assert IncidentAsset.objects.filter(incident=incident).count() == 1


def test_status_moves_forward_and_reopens_with_a_reason(incident: Incident, officer: User) -> None:
    assert services.allowed_statuses(incident)[0] == Status.TRIAGE
    services.change_status(incident, "triage", officer)
    with pytest.raises(InputProblems) as exc:
        services.change_status(incident, "reported", officer)
    assert fields(exc) == {"status"}
    services.change_status(incident, "closed", officer)  # a false alarm may close from triage
    incident.refresh_from_db()
    assert incident.closed_at is not None
    assert services.allowed_statuses(incident) == [Status.TRIAGE]
    with pytest.raises(InputProblems) as exc:
        services.change_status(incident, "triage", officer)
    assert fields(exc) == {"reason"}
    services.change_status(incident, "triage", officer, reason="More devices missing.")
    incident.refresh_from_db()
    assert incident.status == Status.TRIAGE and incident.closed_at is None
    texts = [e.text for e in incident.timeline.filter(kind=TimelineKind.STATUS_CHANGE)]
    assert texts[-1].startswith("Reopened") and "More devices missing." in texts[-1]


def test_triage_changes_are_on_the_timeline(
    incident: Incident, officer: User, org: Organization, make_member: Callable[..., User]
) -> None:
    vendor = Vendor.objects.create(organization=org, name="Shred Co")
    handler = make_member(org, Role.PRIVACY_OFFICER)
    services.update_triage(
        incident, officer, severity="critical", handler=handler, vendors=[vendor]
    )
    incident.refresh_from_db()
    assert incident.severity == "critical" and incident.handler == handler
    assert list(incident.vendors.all()) == [vendor]
    decision = incident.timeline.get(kind=TimelineKind.DECISION)
    assert "severity: Critical" in decision.text and "handler:" in decision.text
    outsider = User.objects.create_user("outsider")
    with pytest.raises(InputProblems) as exc:
        services.update_triage(incident, officer, handler=outsider)
    assert fields(exc) == {"handler"}


def test_timeline_is_append_only(incident: Incident, officer: User) -> None:
    entry = services.add_timeline_entry(
        incident, officer, kind="communication", text_="Called the police."
    )
    entry.text = "rewritten"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    stored = TimelineEntry.objects.get(pk=entry.pk)
    assert stored.text == "Called the police."
    with pytest.raises(InputProblems) as exc:
        services.add_timeline_entry(incident, officer, kind="status_change", text_="x")
    assert fields(exc) == {"kind"}
    with pytest.raises(InputProblems) as exc:
        services.add_timeline_entry(incident, officer, kind="evidence", text_="x")
    assert fields(exc) == {"evidence"}


def test_description_is_encrypted_and_not_on_the_audit_log(incident: Incident) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM incidents_incident WHERE id = %s", [incident.pk])
        stored = cursor.fetchone()[0]
    assert "patient list" not in stored
    entry = AuditEntry.objects.get(object_type="incidents.incident", object_id=str(incident.pk))
    assert entry.changes["description"] == "changed"
