"""The demo clinic's security program: an approved, living risk analysis, safeguards and
evidence, written through the domain services (validated and on the audit log).

The clinic is built once for the module (in a transaction rolled back at the end); each test
runs in a savepoint of its own inside it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from phiward.audit import store
from phiward.audit.models import AuditEntry
from phiward.catalog.catalog import Requirement
from phiward.core.models import Organization
from phiward.demo import program
from phiward.demo.clinic import OWNER, PRIVACY, SECURITY, WORKFORCE
from phiward.demo.credentials import PASSWORD_ENV
from phiward.demo.loader import counts, load_demo
from phiward.evidence import library
from phiward.evidence.models import (
    EvidenceAssetLink,
    EvidenceItem,
    EvidenceKind,
    EvidenceRiskLink,
)
from phiward.evidence.retention import State
from phiward.inventory.models import Asset
from phiward.risk import services as risks
from phiward.risk.models import (
    AnalysisVersion,
    Answer,
    ProposalStatus,
    ReassessmentSource,
    Risk,
    RiskProposal,
    RiskStatus,
    Strategy,
    Treatment,
)
from phiward.risk.scoring import Level
from phiward.safeguards import services as safeguards
from phiward.safeguards.status import Decision, Implementation, Shown

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
        env.setenv(PASSWORD_ENV, "demo program test password")
        with transaction.atomic():
            load_demo(slug=SLUG)
            yield Organization.objects.get(slug=SLUG)
            transaction.set_rollback(True)


@pytest.fixture
def org(clinic: Organization, db: None) -> Organization:
    return clinic


def people(org: Organization) -> tuple[Any, Any, Any]:
    """Owner, security officer, privacy officer."""
    by_name = {m.user.username: m.user for m in org.memberships.select_related("user")}
    return by_name[OWNER], by_name[SECURITY], by_name[PRIVACY]


# --- the risk analysis ----------------------------------------------------------------------------


def test_the_annual_analysis_is_approved_in_two_versions(org: Organization) -> None:
    _, officer, _ = people(org)
    analysis = risks.latest_analysis(org)
    assert analysis is not None
    assert analysis.title == f"Annual risk analysis {timezone.localdate().year}"
    assert (analysis.method, analysis.scope_all_ephi) == ("three_level", True)
    assert {"Daniel Okafor", "Priya Raman", "Dr. Maria Alvarez"} <= {
        p["name"] for p in analysis.participants
    }
    assert all(p["role"] for p in analysis.participants)
    assert analysis.started_on < timezone.localdate() < analysis.next_review_on  # type: ignore[operator]
    versions = list(AnalysisVersion.objects.filter(analysis=analysis).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert analysis.version == 2
    assert all(risks.verify_version(v) and v.approved_by == officer for v in versions)
    # The two versions differ: treatments finished and their risks were re-rated in between.
    assert risks.diff_versions(versions[0], versions[1]).changed
    assert [p.label for p in risks.risk_trend(analysis)] == ["v1", "v2", "now"]


def test_answers_propose_gaps_and_two_duplicates_are_dismissed(org: Organization) -> None:
    analysis = risks.latest_analysis(org)
    answers = set(analysis.answers.values_list("answer", flat=True))  # type: ignore[union-attr]
    assert {Answer.YES, Answer.PARTIAL} <= answers
    proposals = RiskProposal.objects.filter(analysis=analysis)
    assert not proposals.filter(status=ProposalStatus.PROPOSED).exists()
    from_answers = proposals.filter(rule="questionnaire_gap", status=ProposalStatus.ACCEPTED)
    assert from_answers.count() >= 5
    dismissed = list(proposals.filter(status=ProposalStatus.DISMISSED))
    assert len(dismissed) == 2
    assert all(p.dismiss_reason.startswith("A duplicate") for p in dismissed)


def test_risks_are_rated_at_several_levels_with_controls_and_owners(org: Organization) -> None:
    register = list(Risk.objects.for_org(org))
    assert len(register) >= 20
    assert {r.inherent_level for r in register} >= {
        Level.CRITICAL, Level.HIGH, Level.MEDIUM, Level.LOW
    }  # fmt: skip
    assert all(r.owner_id and r.current_controls and r.likelihood for r in register)
    residual = [r for r in register if r.residual_level]
    assert residual
    assert all(r.residual_likelihood <= r.likelihood for r in residual)  # type: ignore[operator]
    # The worst come first in the register, and first in the remediation plan.
    assert register[0].inherent_level == Level.CRITICAL
    assert risks.remediation_plan(org)[0].level in (Level.CRITICAL, Level.HIGH)


def test_treatments_use_every_strategy_and_one_is_overdue(org: Organization) -> None:
    owner, officer, privacy = people(org)
    treatments = Treatment.objects.for_org(org)
    assert set(treatments.values_list("strategy", flat=True)) == set(Strategy.values)
    approved = treatments.get(strategy=Strategy.ACCEPT, approved_by=officer)
    assert approved.justification and approved.expires_on
    assert approved.acceptance_effective()
    assert [t.risk.owner for t in risks.pending_acceptances(org)] == [privacy]
    transfer = treatments.get(strategy=Strategy.TRANSFER)
    assert "cyber liability" in transfer.counterparty
    mitigations = treatments.filter(strategy=Strategy.MITIGATE)
    assert all(t.owner_id and t.due_on for t in mitigations)
    assert any(t.spec_ids for t in mitigations)
    assert mitigations.filter(tasks__isnull=False).exists()
    overdue = list(risks.overdue_treatments(org))
    assert overdue
    assert all(t.due_on < timezone.localdate() for t in overdue)  # type: ignore[operator]
    assert risks.overdue_tasks(org).exists()
    assert owner in {t.owner for t in treatments}


def test_changes_since_approval_and_a_risk_to_reassess(org: Organization) -> None:
    analysis = risks.latest_analysis(org)
    assert analysis is not None
    diff = risks.diff_since_approval(analysis)
    changed = {c.reference: {f.field for f in c.changes} for c in diff.changed}
    assert any("residual_likelihood" in fields for fields in changed.values())
    closed = Risk.objects.for_org(org).get(status=RiskStatus.CLOSED)
    assert closed.close_reason
    assert {"status", "close_reason"} <= changed[closed.reference]
    flagged = Risk.objects.for_org(org).get(needs_reassessment=True, status=RiskStatus.OPEN)
    reason = flagged.reassessments.get(resolved_at=None)
    assert reason.source == ReassessmentSource.INVENTORY
    assert "MDS2 form on file changed from no to yes" in reason.reason
    assert Asset.objects.for_org(org).get(pk=int(reason.object_id)).mds2_on_file is True
    assert risks.blockers(analysis)  # version 3 needs the re-assessment first


# --- safeguards -----------------------------------------------------------------------------------


def test_every_safeguard_has_a_status_owner_and_description(org: Organization) -> None:
    rows = safeguards.statuses(org)
    assert len(rows) == 68
    assert all(row.is_recorded and row.owner_id for row in rows)
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row.status] = by_status.get(row.status, 0) + 1
        assert row.description or row.status == Implementation.NOT_APPLICABLE
    assert by_status[Implementation.IMPLEMENTED] + by_status[Implementation.PARTIAL] >= 50
    assert by_status[Implementation.PLANNED] >= 1
    assert by_status[Implementation.NOT_IMPLEMENTED] >= 1
    assert sum(1 for row in rows if row.policies) >= 50
    assert all(p["title"] and (p["url"] or p["reference"]) for r in rows for p in r.policies)


def test_addressable_decisions_and_not_applicable_approvals(org: Organization) -> None:
    _, officer, privacy = people(org)
    rows = {row.spec_id: row for row in safeguards.statuses(org)}
    alternatives = [r for r in rows.values() if r.decision == Decision.ALTERNATIVE]
    assert alternatives
    assert all(r.alternative and r.rationale for r in alternatives)
    unreasonable = [r for r in rows.values() if r.decision == Decision.NOT_REASONABLE]
    assert len(unreasonable) == 1
    assert unreasonable[0].status == Implementation.NOT_APPLICABLE and unreasonable[0].rationale
    clearinghouse = rows["164.308(a)(4)(ii)(A)"]
    assert clearinghouse.requirement is Requirement.REQUIRED
    assert clearinghouse.na_reason
    assert (clearinghouse.na_requested_by, clearinghouse.na_approved_by) == (privacy, officer)
    required_na = [
        r
        for r in rows.values()
        if r.requirement is Requirement.REQUIRED and r.status == Implementation.NOT_APPLICABLE
    ]
    approved = [r for r in required_na if r.na_approved_by_id]
    assert all(r.na_approved_by_id != r.na_requested_by_id for r in approved)
    assert [r.spec_id for r in required_na if r.na_pending] == ["164.314(a)(2)(ii)"]


def test_the_posture_is_neither_empty_nor_perfect_and_gaps_name_risks(org: Organization) -> None:
    posture = safeguards.posture_for(org)
    percent = posture.tallies.overall.percent
    assert percent is not None and 0 < percent < 100
    overall = posture.tallies.overall
    assert overall.count(Shown.IMPLEMENTED) > 0
    assert overall.count(Shown.EVIDENCE_MISSING) > 0
    assert overall.count(Shown.EVIDENCE_EXPIRED) > 0
    assert overall.unassessed == 0
    with_risks = [item for item in posture.gaps if item.facts.risks]
    assert len(with_risks) >= 10
    partial = [i for i in posture.items if i.facts.recorded.status == Implementation.PARTIAL]
    assert all(i.facts.risks for i in partial)


# --- evidence -------------------------------------------------------------------------------------


def test_evidence_is_current_expiring_and_expired_and_linked(org: Organization) -> None:
    items = list(EvidenceItem.objects.for_org(org))
    assert {i.kind for i in items} == set(EvidenceKind.values)
    states = [i.state() for i in items]
    assert State.CURRENT in states and State.EXPIRED in states
    assert sum(1 for i in items if i.expiring_soon()) == 1
    assert EvidenceRiskLink.objects.for_org(org).exists()
    assert EvidenceAssetLink.objects.for_org(org).exists()
    assert all(i.spec_links.exists() for i in items)  # type: ignore[attr-defined]
    assert all(
        i.url.startswith("https://") and ".example.org/" in i.url
        for i in items
        if i.kind == EvidenceKind.LINK
    )
    verification = library.verify(org)
    assert verification.hashed >= 8 and not verification.failures


def test_the_signed_policies_are_real_pdfs(org: Organization) -> None:
    pdfs = EvidenceItem.objects.for_org(org).filter(media_type="application/pdf")
    assert pdfs.count() >= 2
    for item in pdfs:
        document = pdfium.PdfDocument(b"".join(library.content(item)))
        text = document[0].get_textpage().get_text_range()
        assert "Riverside Family Medicine" in text
    policy = pdfs.get(title__startswith="Information Security Policy")
    document = pdfium.PdfDocument(b"".join(library.content(policy)))
    assert "Approved and signed: Dr. Maria Alvarez" in document[0].get_textpage().get_text_range()


# --- the audit log and idempotency ----------------------------------------------------------------


def test_each_write_is_on_the_audit_log_as_the_person_who_made_it(org: Organization) -> None:
    owner, officer, privacy = people(org)
    entries = AuditEntry.objects.filter(organization_id=org.pk)
    demo = entries.filter(source=program.AUDIT_SOURCE)
    assert demo.count() > 300
    # The workforce member reported two of the demo's incidents.
    assert set(demo.values_list("actor", flat=True)) == {
        owner.username, officer.username, privacy.username, WORKFORCE
    }  # fmt: skip
    approvals = demo.filter(object_type="risk.analysisversion", action="create")
    assert set(approvals.values_list("actor_id", flat=True)) == {officer.pk}
    assert approvals.count() == 2
    assert demo.filter(object_type="inventory.asset", action="change").count() >= 1
    assert store.verify().ok


def test_a_second_load_without_reset_changes_nothing(org: Organization) -> None:
    before = counts(org)
    entries = AuditEntry.objects.count()
    files = sorted((Path(django_settings.DATA_DIR) / "evidence").rglob("*.pwseal"))
    result = load_demo(slug=SLUG)
    assert not result.created
    assert result.counts == before
    assert before["risks"] >= 20 and before["safeguards"] == 68 and before["evidence"] >= 10
    assert AuditEntry.objects.count() == entries
    assert sorted((Path(django_settings.DATA_DIR) / "evidence").rglob("*.pwseal")) == files


# --- rebuilding, and organizations without a program ----------------------------------------------


@pytest.mark.django_db
def test_reset_rebuilds_the_program_and_erases_the_old_files(
    settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DATA_DIR = tmp_path
    load_demo(slug="rebuilt")
    first = Organization.objects.get(slug="rebuilt")
    old_files = sorted((tmp_path / "evidence" / str(first.pk)).glob("*.pwseal"))
    assert len(old_files) >= 6
    with django_capture_on_commit_callbacks(execute=True):
        result = load_demo(slug="rebuilt", reset=True)
    assert result.created
    again = Organization.objects.get(slug="rebuilt")
    assert not any(path.exists() for path in old_files)
    assert not (tmp_path / "evidence" / str(first.pk)).exists()
    assert len(list((tmp_path / "evidence" / str(again.pk)).glob("*.pwseal"))) == len(old_files)
    assert risks.latest_analysis(again).version == 2  # type: ignore[union-attr]
    assert result.counts["risks"] == Risk.objects.for_org(again).count() > 0


@pytest.mark.django_db
def test_benchmark_networks_and_inventory_only_loads_have_no_program(
    settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    network = load_demo(slug="network", size=120)
    bare = load_demo(slug="bare", program=False)
    for result in (network, bare):
        assert (result.counts["risks"], result.counts["evidence"]) == (0, 0)
        assert result.counts["safeguards"] == 0
    assert not (tmp_path / "evidence").exists()


# --- the generated documents (no database) --------------------------------------------------------


def _documents(seed: int) -> tuple[bytes, bytes, bytes]:
    today = dt.date(2026, 11, 29)
    plan = program._Program(Organization(slug="x"), {}, today, random.Random(seed))
    return plan.training_roster(2026), plan.restore_log(), plan.badge_log()


def test_generated_documents_follow_the_seed() -> None:
    assert _documents(7) == _documents(7)
    assert _documents(7) != _documents(8)
    roster = _documents(7)[0].decode().splitlines()
    assert roster[0] == "name,role,module,completed_on,quiz_score"
    assert len(roster) == 13


def test_the_pdf_writer_makes_a_valid_one_page_document() -> None:
    data = program._pdf(["Line (one)", "Back\\slash", "Approved and signed: someone"])
    document = pdfium.PdfDocument(data)
    assert len(document) == 1
    text = document[0].get_textpage().get_text_range()
    assert "Line (one)" in text and "Back\\slash" in text and "Approved and signed" in text
    assert len(data) < 2_000


def test_the_plans_cover_the_catalog_and_name_real_questions_and_risks() -> None:
    from phiward.demo.program_plans import ANSWERS, PLANS, POLICIES, SAFEGUARDS
    from phiward.risk import questionnaire
    from phiward.risk.rules import RULES

    assert [s.spec_id for s in SAFEGUARDS] == [e.id for e in safeguards.safeguard_entries()]
    rules = {rule.key for rule in RULES}
    for key in PLANS:
        assert key.split(":", 1)[0] in rules, key
    for plan in SAFEGUARDS:
        assert set(plan.policies) <= set(POLICIES), plan.spec_id
        for key in plan.risks:
            assert key in PLANS or key in rules, (plan.spec_id, key)
    for question_id, answer, _, _ in ANSWERS:
        assert questionnaire.question(question_id).id == question_id
        assert answer in Answer.values
