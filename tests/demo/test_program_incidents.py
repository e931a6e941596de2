"""The demo clinic's incident-response history (``phiward.demo.program_incidents``): a closed
reportable breach with every notice sent, a low-probability determination, a stolen encrypted
laptop, a small breach still open, a phishing report in triage, IR exercises and the IR plan.

The clinic is built once for the module (in a transaction rolled back at the end); each test
runs in a savepoint of its own inside it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from phiward.audit import store
from phiward.audit.models import AuditEntry
from phiward.calendar import upcoming, warning_level
from phiward.core.models import Organization
from phiward.demo import program, program_incidents
from phiward.demo.clinic import OWNER, PRIVACY, SECURITY, WORKFORCE
from phiward.demo.credentials import PASSWORD_ENV
from phiward.demo.loader import load_demo
from phiward.evidence import library
from phiward.exercises.models import Exercise, IRPlanVersion, PlanStatus
from phiward.exercises.schedule import ExerciseKind
from phiward.incidents import services
from phiward.incidents.models import (
    BreachAssessment,
    Category,
    Incident,
    NoticeMethod,
    Obligation,
    ObligationStatus,
    Outcome,
    Recipient,
    Status,
)
from phiward.risk.models import ReassessmentSource

SLUG = "riverside"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def clinic(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Organization]:
    data_dir = tmp_path_factory.mktemp("clinic")
    with (
        django_db_blocker.unblock(),
        override_settings(DATA_DIR=data_dir, PASSWORD_HASHERS=FAST_HASHER),
        pytest.MonkeyPatch.context() as env,
    ):
        env.setenv(PASSWORD_ENV, "demo incidents test password")
        with transaction.atomic():
            load_demo(slug=SLUG)
            yield Organization.objects.get(slug=SLUG)
            transaction.set_rollback(True)


@pytest.fixture
def org(clinic: Organization, db: None) -> Organization:
    return clinic


def people(org: Organization) -> dict[str, Any]:
    return {m.user.username: m.user for m in org.memberships.select_related("user")}


def incident(org: Organization, category: str) -> Incident:
    return Incident.objects.for_org(org).get(category=category)


def signed(found: Incident) -> BreachAssessment:
    assessment = services.signed_assessment(found)
    assert assessment is not None and assessment.is_signed and assessment.is_current
    assert assessment.verify()
    return assessment


# --- the three past incidents ---------------------------------------------------------------------


def test_five_incidents_oldest_first_two_still_open(org: Organization) -> None:
    incidents = list(Incident.objects.for_org(org).order_by("number"))
    assert [i.reference for i in incidents] == [f"INC-000{n}" for n in range(1, 6)]
    assert [i.status for i in incidents] == [
        Status.CLOSED, Status.CLOSED, Status.CLOSED, Status.RECOVERED, Status.TRIAGE
    ]  # fmt: skip
    discovered = [i.discovered_at for i in incidents]
    assert all(d is not None for d in discovered)
    assert discovered == sorted(discovered)  # type: ignore[type-var]
    today = timezone.localdate()
    assert discovered[0].date() < today - dt.timedelta(days=180)  # type: ignore[union-attr]
    assert discovered[-1].date() >= today - dt.timedelta(days=7)  # type: ignore[union-attr]
    assert all(i.handler_id and i.timeline.count() >= 5 for i in incidents)


def test_the_demo_summary_counts_incidents_breaches_and_exercises(org: Organization) -> None:
    from phiward.demo.program import program_counts

    counts = program_counts(org)
    assert (counts["incidents"], counts["breaches"]) == (5, 2)  # INC-0001 and INC-0004
    assert counts["exercises"] >= 3


def test_the_reportable_breach_was_reported_by_a_workforce_member_and_signed_off(
    org: Organization,
) -> None:
    who = people(org)
    breach = Incident.objects.for_org(org).get(number=1)
    assert breach.category == Category.MISDIRECTED_COMMUNICATION
    assert breach.reported_by == who[WORKFORCE] and not breach.anonymous
    assert breach.handler == who[SECURITY]
    assert breach.assets.exists() and breach.vendors.exists()
    assessment = signed(breach)
    assert assessment.outcome == Outcome.BREACH and assessment.notification_required
    assert assessment.created_by == who[SECURITY]
    assert assessment.signed_off_by == who[PRIVACY] and not assessment.signed_by_author
    factors = assessment.facts["risk_assessment"]
    assert factors["conclusion"] == "not_low_probability"  # type: ignore[index,call-overload]
    steps = breach.steps.all()
    assert steps.exists() and not steps.filter(done_at=None).exists()
    assert {c.state: c.individuals for c in breach.affected_counts.all()} == {
        "MA": 538, "NH": 64, "RI": 18
    }  # fmt: skip


def test_every_notice_of_the_breach_was_sent_inside_its_deadline(org: Organization) -> None:
    breach = Incident.objects.for_org(org).get(number=1)
    assessment = signed(breach)
    obligations = list(Obligation.objects.filter(assessment=assessment))
    # 620 people: individuals, HHS at the same time (500 or more), media in MA only (538 > 500;
    # NH 64 and RI 18 are not), next of kin of two deceased, four reached by substitute notice.
    assert {o.key for o in obligations} == {
        "individuals", "next-of-kin", "substitute-notice", "media:MA", "hhs"
    }  # fmt: skip
    discovered = assessment.discovered_on
    assert discovered is not None
    for o in obligations:
        assert o.status == ObligationStatus.DONE and o.closed_by is not None
        assert o.method and o.done_on and o.due_on
        assert discovered <= o.done_on <= o.due_on, o.key
        assert o.due_on == discovered + dt.timedelta(days=60)
    by_key = {o.key: o for o in obligations}
    assert by_key["individuals"].method == NoticeMethod.FIRST_CLASS_MAIL
    assert by_key["media:MA"].method == NoticeMethod.MEDIA and by_key["media:MA"].state == "MA"
    assert by_key["hhs"].method == NoticeMethod.HHS_PORTAL
    assert by_key["substitute-notice"].method == NoticeMethod.TELEPHONE
    # HHS was told at about the same time as the individuals (164.408(b)).
    assert 0 <= (by_key["hhs"].done_on - by_key["individuals"].done_on).days <= 1  # type: ignore[operator]
    for key in ("individuals", "next-of-kin", "media:MA", "hhs"):
        item = by_key[key].evidence
        assert item is not None and by_key[key].evidence_sha256 == item.sha256
        assert item.effective_on == by_key[key].done_on
    letter = by_key["individuals"].evidence
    assert letter is not None and json.loads(letter.document)["kind"] == "individual"
    drafts = services.notice_drafts(breach)
    assert drafts.signed and not drafts.problems


def test_the_breach_review_flagged_its_register_risk_which_was_reconsidered(
    org: Organization,
) -> None:
    who = people(org)
    breach = Incident.objects.for_org(org).get(number=1)
    review = breach.review
    assert review.completed_at and review.completed_by == who[PRIVACY]
    assert review.root_cause and review.lessons_learned
    (risk,) = [link.risk for link in review.risk_links.select_related("risk")]
    assert "Patient balances to collections" in risk.title
    flagged = risk.reassessments.get(source=ReassessmentSource.INCIDENT)
    assert breach.reference in flagged.reason and flagged.resolved_at is not None
    assert not risk.needs_reassessment
    follow_ups = list(breach.follow_ups.all())
    assert sorted(f.done_at is not None for f in follow_ups) == [False, True]
    assert all(f.owner_id and f.due_on for f in follow_ups)


def test_the_misdirected_fax_was_low_probability_with_no_obligations(org: Organization) -> None:
    who = people(org)
    fax = Incident.objects.for_org(org).get(number=2)
    assert fax.category == Category.MISDIRECTED_COMMUNICATION and fax.status == Status.CLOSED
    assessment = signed(fax)
    assert assessment.outcome == Outcome.LOW_PROBABILITY and not assessment.notification_required
    assert assessment.signed_off_by == who[OWNER]
    factors = assessment.facts["risk_assessment"]
    assert isinstance(factors, dict) and factors["conclusion"] == "low_probability"
    for name in ("nature_and_extent", "unauthorized_person", "acquired_or_viewed", "mitigation"):
        assert factors[name]["answer"] and factors[name]["rating"] in ("low", "medium")
    steps = assessment.result["determination"]["steps"]  # type: ignore[index,call-overload]
    assert any("164.402(2)" in s["citation"] and s["decisive"] for s in steps)
    assert not Obligation.objects.filter(incident=fax).exists()


def test_the_stolen_encrypted_laptop_was_secured_under_the_safe_harbor(org: Organization) -> None:
    who = people(org)
    laptop = incident(org, Category.LOST_STOLEN_DEVICE)
    assert laptop.status == Status.CLOSED and laptop.reported_by == who[OWNER]
    (device,) = laptop.assets.all()
    assert device.kind == "laptop" and device.encryption_at_rest == "full_disk"
    assessment = signed(laptop)
    assert assessment.outcome == Outcome.SECURED and assessment.signed_off_by == who[PRIVACY]
    encryption = assessment.facts["safe_harbor"]["encryption"]  # type: ignore[index,call-overload]
    assert encryption == {
        "encrypted": True, "standard": "nist-sp-800-111", "key_compromised": False
    }  # fmt: skip
    assert not Obligation.objects.filter(incident=laptop).exists()
    assert laptop.timeline.filter(kind="evidence", evidence__isnull=False).exists()


# --- what is still open -------------------------------------------------------------------------


def test_the_small_breach_shows_on_the_calendar_and_the_annual_log(org: Organization) -> None:
    today = timezone.localdate()
    small = incident(org, Category.UNAUTHORIZED_ACCESS)
    assessment = signed(small)
    assert assessment.outcome == Outcome.BREACH and assessment.discovered_on is not None
    open_ = {o.key: o for o in small.obligations.filter(status=ObligationStatus.OPEN)}
    assert set(open_) == {"individuals", "hhs-annual-log"}
    letter = open_["individuals"]
    assert letter.due_on is not None and warning_level(letter.due_on, today) == 30
    year = assessment.discovered_on.year
    assert open_["hhs-annual-log"].due_on == dt.date(year, 12, 31) + dt.timedelta(days=60)
    assert open_["hhs-annual-log"].recipient == Recipient.HHS
    (entry,) = services.annual_log_entries(org, year)
    assert entry.reference == small.reference and entry.individuals == 1
    soon = {d.title for d in upcoming(org, role=None, today=today, days=30)}
    assert f"{small.reference}: {letter.title}" in soon
    assert small.review.completed_at is None and small.review.risk_links.exists()


def test_a_phishing_report_from_this_week_is_in_triage(org: Organization) -> None:
    who = people(org)
    phish = incident(org, Category.PHISHING_ACCOUNT_COMPROMISE)
    assert phish.status == Status.TRIAGE and phish.reported_by == who[WORKFORCE]
    assert phish.reported_at.date() == timezone.localdate() - dt.timedelta(days=1)
    assert services.current_assessment(phish) is None
    steps = phish.steps.all()
    assert steps.filter(done_at=None).exists() and steps.exclude(done_at=None).exists()


# --- the times: every timeline reads in the order things happened ---------------------------------


def test_every_timeline_reads_in_the_order_it_was_written(org: Organization) -> None:
    """The services were given the time each thing happened, so no entry the services wrote
    ("reported", status changes, check-offs, sign-offs, notices) sorts after a later one."""
    now = timezone.now()
    for found in Incident.objects.for_org(org):
        entries = list(found.timeline.order_by("pk"))
        times = [e.at for e in entries]
        assert times == sorted(times), found.reference
        assert all(t < now - dt.timedelta(hours=12) for t in times), found.reference
        assert entries[0].kind == "status_change" and entries[0].text.startswith("Reported")
        assert entries[0].at == found.reported_at
        assert found.occurred_at and found.discovered_at
        assert found.occurred_at <= found.discovered_at <= found.reported_at
        statuses = [e.text for e in entries if e.kind == "status_change"][1:]
        assert statuses and "Reported → Triage" in statuses[0], found.reference
        if found.status == Status.CLOSED:
            assert entries[-1].kind == "status_change" and "→ Closed" in entries[-1].text
            assert found.closed_at == entries[-1].at
            assert found.review.completed_at is not None
            assert found.review.completed_at <= found.closed_at
        for step in found.steps.exclude(done_at=None):
            assert found.reported_at <= step.done_at <= now  # type: ignore[operator]


def test_sign_offs_follow_assessments_and_notices_follow_sign_offs(org: Organization) -> None:
    for found in Incident.objects.for_org(org):
        assessment = services.signed_assessment(found)
        if assessment is None:
            continue
        entries = list(found.timeline.filter(kind="assessment"))  # text is encrypted
        (run,) = [e for e in entries if "run (engine" in e.text]
        (signed,) = [e for e in entries if "signed off" in e.text]
        assert assessment.signed_off_at == signed.at
        assert found.reported_at <= run.at < signed.at, found.reference
        # judged as of the day it was run, not the day the demo was built
        assert assessment.facts["dates"]["as_of"] == str(run.at.date())  # type: ignore[index,call-overload]
        for notice in found.timeline.filter(kind__in=("notice", "evidence"), pk__gt=signed.pk):
            assert notice.at > signed.at
        for obligation in found.obligations.exclude(closed_at=None):
            assert obligation.closed_at is not None and obligation.closed_at > signed.at
            assert obligation.done_on is None or obligation.closed_at.date() >= obligation.done_on


def test_no_incident_older_than_a_week_was_reported_today(org: Organization) -> None:
    today = timezone.localdate()
    week_ago = today - dt.timedelta(days=7)
    old = [i for i in Incident.objects.for_org(org) if i.discovered_at.date() < week_ago]  # type: ignore[union-attr]
    assert len(old) == 4
    for found in old:
        assert found.reported_at.date() < week_ago, found.reference
        assert found.reported_at.date() == found.discovered_at.date()  # type: ignore[union-attr]
        if found.closed_at is not None:
            assert found.closed_at.date() < week_ago
        for follow_up in found.follow_ups.exclude(done_at=None):
            assert follow_up.done_at is not None and follow_up.done_at.date() < today


# --- exercises, the audit log -------------------------------------------------------------------


def test_exercises_of_every_kind_and_an_approved_plan(org: Organization) -> None:
    kinds = set(Exercise.objects.for_org(org).values_list("kind", flat=True))
    assert kinds == {k.value for k in ExerciseKind}
    plans = IRPlanVersion.objects.for_org(org).order_by("number")
    assert [p.status for p in plans] == [PlanStatus.APPROVED, PlanStatus.APPROVED]


def test_everything_is_on_the_audit_log_as_the_demo_people(org: Organization) -> None:
    who = people(org)
    demo = AuditEntry.objects.filter(organization_id=org.pk, source=program.AUDIT_SOURCE)
    assert program_incidents.AUDIT_SOURCE == program.AUDIT_SOURCE
    reports = demo.filter(object_type="incidents.incident", action="create")
    assert reports.count() == 5
    assert set(reports.values_list("actor", flat=True)) == {WORKFORCE, PRIVACY, OWNER}
    assert demo.filter(actor_id=who[WORKFORCE].pk).exists()
    signoffs = demo.filter(object_type="incidents.breachassessment", action="change")
    assert set(signoffs.values_list("actor", flat=True)) >= {PRIVACY, OWNER}
    assert demo.filter(object_type__startswith="exercises.").exists()
    assert store.verify().ok
    assert not library.verify(org).failures


def test_the_pages_show_the_demo_incidents(org: Organization) -> None:
    from allauth.mfa.models import Authenticator

    privacy = people(org)[PRIVACY]  # enrolled in MFA, as after the first login
    Authenticator.objects.create(user=privacy, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client = Client()
    client.force_login(privacy)
    base = f"/o/{org.slug}"
    pages = [f"{base}/", f"{base}/incidents/", f"{base}/incidents/hhs-log/", f"{base}/calendar/",
             f"{base}/exercises/"]  # fmt: skip
    for found in Incident.objects.for_org(org):
        pages.append(f"{base}/incidents/{found.pk}/")
        if services.current_assessment(found) is not None:
            pages.append(f"{base}/incidents/{found.pk}/determination/")
            pages.append(f"{base}/incidents/{found.pk}/notices/")
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    listing = client.get(f"{base}/incidents/").content.decode()
    assert all(f"INC-000{n}" in listing for n in range(1, 6))
