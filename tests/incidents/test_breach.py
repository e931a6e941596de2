"""Breach assessments, sign-off, obligations, affected counts, notices and the annual log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from phiward.core.errors import InputProblems, InvalidInput, PermissionDenied
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.evidence import library
from phiward.incidents import services
from phiward.incidents.affected import StateCount, summarise_list
from phiward.incidents.deadlines import incident_deadlines
from phiward.incidents.models import (
    AffectedCount,
    AffectedIndividuals,
    BreachAssessment,
    Frozen,
    Incident,
    Obligation,
    ObligationStatus,
    TimelineKind,
)
from tests.incidents.conftest import facts

pytestmark = pytest.mark.django_db


def test_assess_records_an_unsigned_assessment_with_its_digest(
    incident: Incident, officer: User
) -> None:
    assessment = services.assess(incident, facts(), officer)
    assert assessment.outcome == "breach" and assessment.notification_required
    assert assessment.discovered_on == dt.date(2026, 3, 5)
    assert assessment.facts["individuals"]["total"] == 120
    assert assessment.result["determination"]["outcome"] == "breach"
    assert assessment.verify() and len(assessment.digest) == 64
    assert not assessment.is_signed and not Obligation.objects.exists()
    assert incident.timeline.filter(kind=TimelineKind.ASSESSMENT).count() == 1


def test_engine_problems_name_their_fields(incident: Incident, officer: User) -> None:
    bad = facts()
    bad["individuals"] = {"total": 3, "by_state": {"MA": 5}}
    bad["colour"] = "red"
    with pytest.raises(InputProblems) as exc:
        services.assess(incident, bad, officer)
    named = {p.field for p in exc.value.problems}
    assert "colour" in named and any(f and f.startswith("individuals") for f in named)
    assert not BreachAssessment.objects.exists()


def test_facts_are_judged_as_of_today(incident: Incident, officer: User) -> None:
    """The engine never reads the clock; the service gives it today, so a discovery date in
    the future (a typo) is refused, naming the field, and a stated as_of is kept."""
    from django.utils import timezone

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(InputProblems) as caught:
        services.assess(incident, facts(discovered=tomorrow), officer)
    assert "dates.discovered_on" in {p.field for p in caught.value.problems}
    past = facts()
    past["dates"]["as_of"] = "2026-03-10"
    assessment = services.assess(incident, past, officer)
    assert assessment.facts["dates"]["as_of"] == "2026-03-10"
    assert services.assess(incident, facts(), officer).facts["dates"]["as_of"] == str(
        timezone.localdate()
    )


def test_sign_off_creates_obligations_and_freezes(
    incident: Incident, officer: User, make_member: Callable[..., User], org: Organization
) -> None:
    assessment = services.assess(
        incident, facts(total=600, by_state={"MA": 550, "RI": 50}), officer
    )
    auditor = make_member(org, Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        services.sign_off(assessment, auditor)
    signed = services.sign_off(assessment, officer)
    assert signed.signed_by_author  # allowed, and recorded
    keys = set(Obligation.objects.filter(assessment=signed).values_list("key", flat=True))
    assert {"individuals", "media:MA", "hhs"} <= keys and "media:RI" not in keys
    individuals = Obligation.objects.get(assessment=signed, key="individuals")
    assert individuals.due_on == dt.date(2026, 5, 4)  # discovery + 60 calendar days
    assert individuals.citation
    signed.facts = {"tampered": True}
    with pytest.raises(Frozen):
        signed.save()
    with pytest.raises(InputProblems):
        services.sign_off(signed, officer)


def test_a_changed_fact_supersedes_and_replaces_open_obligations(
    incident: Incident, officer: User, privacy: User
) -> None:
    first = services.sign_off(services.assess(incident, facts(), officer), privacy)
    assert not first.signed_by_author
    individuals = Obligation.objects.get(assessment=first, key="individuals")
    second = services.assess(incident, facts(total=130, by_state={"MA": 130}), officer)
    first.refresh_from_db()
    assert first.superseded_by == second and services.current_assessment(incident) == second
    assert services.signed_assessment(incident) == first  # still in force until signed
    with pytest.raises(InputProblems):
        services.sign_off(first, privacy)  # it may not be signed again, nor superseded ones
    individuals.refresh_from_db()
    assert individuals.is_open  # the old obligations stay open until the new one is signed
    services.sign_off(second, privacy)
    individuals.refresh_from_db()
    assert individuals.status == ObligationStatus.NOT_REQUIRED
    assert "assessment 2" in individuals.notes
    assert BreachAssessment.objects.filter(incident=incident).count() == 2


def test_not_a_breach_has_no_obligations(incident: Incident, officer: User) -> None:
    secured = facts(
        safe_harbor={"encryption": {"encrypted": True, "standard": "nist-sp-800-111",
                                    "key_compromised": False}}
    )  # fmt: skip
    assessment = services.sign_off(services.assess(incident, secured, officer), officer)
    assert assessment.outcome == "secured" and not assessment.notification_required
    assert not Obligation.objects.filter(assessment=assessment).exists()


def test_recording_a_notice_closes_the_obligation_with_evidence(
    incident: Incident, officer: User
) -> None:
    signed = services.sign_off(services.assess(incident, facts(), officer), officer)
    obligation = Obligation.objects.get(assessment=signed, key="individuals")
    item = library.add_record(
        incident.organization,
        {"letters": 120},
        meta=library.Metadata("Mailing receipt"),
        links=library.Links(),
        user=officer,
    )
    with pytest.raises(InputProblems) as exc:
        services.record_sent(
            obligation, officer, sent_on=dt.date.today() + dt.timedelta(days=2), method="fax"
        )
    assert {p.field for p in exc.value.problems} == {"sent_on", "method"}
    done = services.record_sent(
        obligation, officer, sent_on=dt.date(2026, 4, 1), method="first_class_mail", evidence=item
    )
    assert done.status == ObligationStatus.DONE and done.evidence_sha256 == item.sha256
    entry = incident.timeline.get(kind=TimelineKind.NOTICE)
    assert entry.evidence == item
    with pytest.raises(InputProblems):
        services.record_sent(done, officer, sent_on=dt.date(2026, 4, 2), method="email")
    done.notes = "silently changed"
    with pytest.raises(Frozen):
        done.save()
    other = Obligation.objects.get(assessment=signed, key="hhs-annual-log")
    closed = services.mark_not_required(other, officer, reason="Filed with the large report.")
    assert closed.status == ObligationStatus.NOT_REQUIRED


def test_deadlines_feed_the_calendar(incident: Incident, officer: User) -> None:
    signed = services.sign_off(services.assess(incident, facts(), officer), officer)
    found = list(
        incident_deadlines(incident.organization, dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    )
    titles = [d.title for d in found]
    assert any(t.startswith("INC-0001") for t in titles)
    individuals = next(d for d in found if d.key.endswith(":individuals"))
    assert individuals.due_on == dt.date(2026, 5, 4) and not individuals.done
    assert str(incident.pk) in individuals.url
    assert "laptop" not in " ".join(titles).lower() or "Laptop" in incident.title
    none = list(incident_deadlines(incident.organization, dt.date(2030, 1, 1), dt.date(2030, 2, 1)))
    assert none == [] and signed.pk


# --- affected individuals -----------------------------------------------------------------------


LIST = b"""name,state,deceased,contact_ok
Jane Roe,MA,n,y
John Doe,MA,y,y
Ann Poe,ri,n,n
Bob Moe,RI,y,n
"""


def test_an_uploaded_list_is_summarised_without_names(incident: Incident, officer: User) -> None:
    rows = services.upload_affected_list(incident, officer, LIST, name="patients.csv")
    by_state = {r.state: r for r in rows}
    assert by_state["MA"].individuals == 2 and by_state["MA"].next_of_kin_known == 1
    assert by_state["RI"].insufficient_contact == 1 and by_state["RI"].next_of_kin_unknown == 1
    info = AffectedIndividuals.objects.get(incident=incident)
    assert info.source == "upload" and info.list_rows == 4 and len(info.list_sha256) == 64
    individuals = services.individuals_facts(incident)
    assert individuals is not None and individuals["total"] == 4
    assert individuals["by_state"] == {"MA": 2, "RI": 2}
    document = facts(total=4, by_state={"MA": 2, "RI": 2})
    document["individuals"] = individuals
    assessment = services.assess(incident, document, officer)
    assert assessment.facts["individuals"]["list"]["rows"] == 4
    from phiward.audit.models import AuditEntry

    assert "Roe" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_a_bad_list_names_line_and_column_and_writes_nothing(
    incident: Incident, officer: User
) -> None:
    services.set_affected_counts(incident, officer, [StateCount("MA", 3)])
    bad = b"state,deceased,contact_ok\nMA,n,y\nZZ,maybe,y\nRI,n\n"
    with pytest.raises(InputProblems) as exc:
        services.upload_affected_list(incident, officer, bad, name="list.csv")
    found = {(p.row, p.field) for p in exc.value.problems}
    assert found == {(3, "state"), (3, "deceased"), (4, None)}
    assert all(p.file == "list.csv" for p in exc.value.problems)
    assert list(AffectedCount.objects.values_list("state", "individuals")) == [("MA", 3)]
    with pytest.raises(InputProblems) as exc:
        summarise_list(b"state,deceased\nMA,n\n")
    assert {(p.row, p.field) for p in exc.value.problems} == {(1, "contact_ok")}


def test_entered_counts_are_checked(incident: Incident, officer: User) -> None:
    with pytest.raises(InputProblems) as exc:
        services.set_affected_counts(
            incident, officer, [StateCount("XX", 1), StateCount("MA", 1, insufficient_contact=2)]
        )
    assert {p.field for p in exc.value.problems} == {"counts.XX", "counts.MA"}


# --- notices and the annual log ------------------------------------------------------------------


def test_notice_drafts_show_what_is_missing_then_become_evidence(
    incident: Incident, officer: User
) -> None:
    with pytest.raises(InvalidInput):
        services.notice_drafts(incident)
    services.sign_off(
        services.assess(incident, facts(total=600, by_state={"MA": 600}), officer), officer
    )
    drafts = services.notice_drafts(incident)
    assert drafts.signed and drafts.problems
    keys = [d.key for d in drafts.drafts]
    assert keys[0] == "individual" and "media:MA" in keys
    assert drafts.portal and any(f.missing for f in drafts.portal)
    with pytest.raises(InputProblems):
        services.save_notice_as_evidence(incident, "individual", officer)
    services.update_notice_settings(
        incident.organization, officer, contact_toll_free="1-800-555-0100"
    )
    services.update_notice_text(
        incident,
        officer,
        what_happened="A laptop was stolen from a staff member's car.",
        phi_types=["names", "diagnoses"],
        steps_for_individuals="Watch your statements from your health plan.",
        what_we_are_doing="We are encrypting every laptop.",
    )
    drafts = services.notice_drafts(incident)
    assert not drafts.problems
    letter = drafts.drafts[0].notice
    assert "stolen" in letter.body and "1-800-555-0100" in letter.body
    item = services.save_notice_as_evidence(incident, "individual", officer)
    assert item.kind == "record" and incident.reference in item.title


def test_the_annual_log_holds_breaches_under_500_of_the_year(
    org: Organization, officer: User
) -> None:
    from phiward.breach.hhs_log import log_csv

    def breach(title: str, total: int, discovered: dt.date) -> Incident:
        incident = services.report(org, services.Report(title=title), reporter=officer)
        document = facts(total=total, by_state={"MA": total}, discovered=discovered)
        services.sign_off(services.assess(incident, document, officer), officer)
        return incident

    small = breach("Misdirected fax", 12, dt.date(2025, 12, 30))
    breach("Ransomware", 800, dt.date(2025, 6, 1))
    breach("Next year", 3, dt.date(2026, 1, 2))
    entries = services.annual_log_entries(org, 2025)
    assert [e.reference for e in entries] == [small.reference]
    assert entries[0].individuals == 12 and entries[0].discovered_on == dt.date(2025, 12, 30)
    csv = log_csv(entries)
    assert csv.splitlines()[0].startswith("reference,") and small.reference in csv


def test_the_provider_is_registered_with_the_calendar() -> None:
    from phiward.calendar import registered_providers

    assert incident_deadlines in registered_providers()
