"""The demo clinic's HIPAA security program: a risk analysis, safeguards and evidence.

``build_program`` runs after the loader wrote Riverside's inventory and people, and does what
the practice's officers would have done in phiward, through the same domain services the web,
API and CLI call (so every write is validated and on the audit log, attributed to the demo
person who made it, source ``demo``):

1. **Risk analysis.** The security officer starts "Annual risk analysis <year>" (three-level
   method, all ePHI), the officers answer part of the NIST SP 800-66r2 questionnaire (some
   answers "partially", so answer-driven proposals appear), the proposals are synchronized,
   accepted with ratings, controls and owners (two org-wide duplicates are dismissed with a
   reason) and treated with every strategy. Version 1 is approved; two treatments finish, their
   risks are re-rated and version 2 is approved; then a few things change after approval (a
   risk re-rated, one closed, an MDS2 arrives in the inventory and flags its risk), so "changed
   since approval" and the re-assessment list have content.
2. **Safeguards.** A status, owner, description and policies for all 68 Security Rule entries,
   the addressable decisions (two equivalent alternatives, one "not reasonable and
   appropriate"), required entries "not applicable" with approvals (one still pending), and
   links to the risks each safeguard addresses; the gaps are the risks' gaps.
3. **Evidence.** A dozen items — small generated files (CSV, text, one-page PDFs), generated
   records and intranet links — linked to specifications, risks and assets; some current, one
   expiring within 30 days, two expired, and many implemented safeguards still without any,
   so the posture shows both "implemented" and "evidence missing".

Dates are relative to the services' today (``timezone.localdate()``): the services judge
"overdue", "expired" and "expiring" against it, and the loader's clock is midnight today too.
Approvals are stamped now (``approve_analysis`` takes no clock). The program is the same for
the same seed on the same day; it is only built with the organization (``phiward demo`` on a
new organization, or ``--reset``), never for the ``--size`` benchmark networks.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from phiward.audit.context import Actor, acting_as
from phiward.core.apiscope import problems_from
from phiward.core.errors import InvalidInput
from phiward.core.models import Organization
from phiward.demo.clinic import (
    BACKUP,
    CLOUD_BACKUP,
    FILE_SERVER,
    M365,
    OWNER,
    PORTAL,
    PRIVACY,
    SECURITY,
)
from phiward.demo.program_incidents import build_incident_response
from phiward.demo.program_plans import (
    ANSWERS,
    POLICIES,
    QUESTIONNAIRE,
    SAFEGUARDS,
    TreatmentPlan,
    plan_for,
)
from phiward.evidence import library
from phiward.evidence.library import Links, Metadata
from phiward.evidence.models import EvidenceItem
from phiward.inventory.models import Asset
from phiward.risk import services as risks
from phiward.risk.models import (
    ProposalStatus,
    Risk,
    RiskAnalysis,
    RiskProposal,
    RiskStatus,
    Treatment,
    TreatmentStatus,
    TreatmentTask,
)
from phiward.risk.scoring import Method
from phiward.safeguards import services as safeguards
from phiward.safeguards.models import SafeguardStatus
from phiward.safeguards.status import Implementation

AUDIT_SOURCE = "demo"  # audit entries name the demo person, with this source


# --- the program --------------------------------------------------------------------------------


@dataclass
class _Program:
    organization: Organization
    people: dict[str, User]
    today: dt.date
    rng: random.Random
    analysis: RiskAnalysis | None = None
    risks: dict[str, Risk] = field(default_factory=dict)  # by plan key

    # --- helpers -------------------------------------------------------------------------------

    @contextmanager
    def by(self, username: str) -> Iterator[User]:
        """Write as this demo person: the audit log names them (source "demo")."""
        user = self.people[username]
        with acting_as(Actor(user.pk, user.get_username(), AUDIT_SOURCE)):
            yield user

    def day(self, offset: int | None) -> dt.date | None:
        return None if offset is None else self.today + dt.timedelta(days=offset)

    def find(self, *keys: str) -> list[Risk]:
        """The risks of these plan keys; a rule's name alone means every risk of the rule."""
        found: dict[int, Risk] = {}
        for key in keys:
            for name, risk in self.risks.items():
                if name == key or (":" not in key and name.split(":", 1)[0] == key):
                    found[risk.pk] = risk
        return sorted(found.values(), key=lambda r: r.number)

    def asset(self, name: str) -> Asset:
        return Asset.objects.for_org(self.organization).get(name=name)

    def the_analysis(self) -> RiskAnalysis:
        assert self.analysis is not None
        return self.analysis

    # --- 1. risk analysis ------------------------------------------------------------------------

    def analyse(self) -> None:
        started = self.today - dt.timedelta(days=42)
        with self.by(SECURITY) as officer:
            self.analysis = risks.start_analysis(
                self.organization,
                officer,
                title=f"Annual risk analysis {self.today.year}",
                method=Method.THREE_LEVEL,
                scope_text="Every system, data flow and vendor handling ePHI at the Main Street, "
                "Northgate and Lakeview sites, and the vendor-hosted EHR, portal, billing, "
                "e-prescribing, email and backup services.",
                scope_all_ephi=True,
                participants=[
                    {"name": "Daniel Okafor", "role": "Security officer (leads the analysis)"},
                    {"name": "Priya Raman", "role": "Privacy officer"},
                    {"name": "Dr. Maria Alvarez", "role": "Owner and medical director"},
                    {"name": "BlueRidge Managed IT", "role": "IT service provider (technical)"},
                ],
                started_on=started,
                next_review_on=started + dt.timedelta(days=365),
            )
        for question_id, answer, who, note in ANSWERS:
            with self.by(who) as person:
                risks.record_answer(self.analysis, person, question_id, answer, note)
        with self.by(SECURITY):
            risks.sync_proposals(self.analysis, self.today)
        names = dict(Asset.objects.for_org(self.organization).values_list("pk", "name"))
        decisions = []
        for proposal in RiskProposal.objects.filter(
            analysis=self.analysis, status=ProposalStatus.PROPOSED
        ).select_related("vendor", "data_flow"):
            key = _plan_key(proposal, names)
            plan = plan_for(key)
            rating = plan.rating or (
                proposal.suggested_likelihood or 1,
                proposal.suggested_impact or 1,
            )
            decisions.append((key, plan, rating, proposal))
        # The worst risks first, so they get the first R-numbers, as when people enter them.
        decisions.sort(key=lambda d: (-d[2][0] * d[2][1], d[0]))
        for key, plan, (likelihood, impact), proposal in decisions:
            with self.by(SECURITY) as officer:
                if plan.dismiss:
                    risks.dismiss_proposal(proposal, officer, plan.dismiss)
                    continue
                residual = plan.residual or (None, None)
                self.risks[key] = risks.accept_proposal(
                    proposal,
                    officer,
                    current_controls=plan.controls,
                    likelihood=likelihood,
                    impact=impact,
                    residual_likelihood=residual[0],
                    residual_impact=residual[1],
                    owner=self.people[plan.owner],
                )
        for key, risk in self.risks.items():
            for treatment in plan_for(key).treatments:
                self.treat(risk, treatment)
        self.confirm_flagged("The residual rating already counts the completed treatment.")

    def treat(self, risk: Risk, plan: TreatmentPlan) -> Treatment:
        with self.by(plan.added_by) as person:
            treatment = risks.add_treatment(
                risk,
                person,
                strategy=plan.strategy,
                description=plan.description,
                owner=self.people[plan.owner],
                due_on=self.day(plan.due),
                status=plan.status,
                spec_ids=plan.spec_ids,
                justification=plan.justification,
                expires_on=self.day(plan.expires),
                counterparty=plan.counterparty,
            )
            for task in plan.tasks:
                added = risks.add_task(
                    treatment,
                    person,
                    title=task.title,
                    owner=self.people[task.owner],
                    due_on=self.day(task.due),
                )
                if task.done is not None:
                    risks.complete_task(added, person, done_on=self.day(task.done))
        if plan.approved:
            with self.by(SECURITY) as officer:
                treatment = risks.approve_acceptance(treatment, officer)
        return treatment

    def confirm_flagged(self, note: str) -> None:
        flagged = Risk.objects.filter(
            analysis=self.the_analysis(), status=RiskStatus.OPEN, needs_reassessment=True
        )
        with self.by(SECURITY) as officer:
            for risk in flagged.order_by("number"):
                risks.confirm_risk(risk, officer, note)

    def approve(self, note: str) -> None:
        with self.by(SECURITY) as officer:
            risks.approve_analysis(self.the_analysis(), officer, note)

    def finish_treatments(self) -> None:
        """Between version 1 and 2: treatments finish and their risks are rated again."""
        for key, risk in self.risks.items():
            plan = plan_for(key)
            finishing = [t for t in plan.treatments if t.finished_after_v1]
            if not finishing:
                continue
            for treatment_plan in finishing:
                treatment = Treatment.objects.get(risk=risk, description=treatment_plan.description)
                with self.by(treatment_plan.owner) as person:
                    risks.update_treatment(treatment, person, status=TreatmentStatus.DONE)
            risk.refresh_from_db()
            residual = plan.rerated_v2 or (risk.residual_likelihood, risk.residual_impact)
            with self.by(SECURITY) as officer:
                risks.rate_risk(
                    risk,
                    officer,
                    likelihood=risk.likelihood or 1,
                    impact=risk.impact or 1,
                    residual_likelihood=residual[0],
                    residual_impact=residual[1],
                )

    def change_after_approval(self) -> None:
        """What happened since version 2: the register is no longer what was approved."""
        for risk in self.find(f"cloud_service_ephi:{M365}"):
            with self.by(SECURITY) as officer:
                risks.rate_risk(
                    risk,
                    officer,
                    likelihood=2,
                    impact=3,
                    residual_likelihood=2,
                    residual_impact=3,
                    current_controls="MFA for every account; Defender for Office 365. The "
                    "Secure Score review found anonymous sharing links still allowed in "
                    "OneDrive.",
                )
        for risk in self.find(f"{QUESTIONNAIRE}:no-timely-deprovisioning:former-workforce-access"):
            with self.by(SECURITY) as officer:
                risks.close_risk(
                    risk,
                    officer,
                    "The departure checklist now deactivates every account the same day; the "
                    "quarterly access review found no account of a former workforce member.",
                )
            with self.by(PRIVACY) as person:
                safeguards.update(
                    self.organization,
                    "164.308(a)(3)(ii)(C)",
                    {
                        "status": Implementation.IMPLEMENTED,
                        "description": "Same-day departure checklist: badge, keys, EHR, "
                        "Microsoft 365 and VPN accounts.",
                    },
                    by=person,
                    today=self.today,
                )
        # The manufacturer sends the MDS2: the task is done and the inventory says so, which
        # marks the risk for re-assessment (the rule that proposed it no longer applies).
        for risk in self.find("medical_device_without_mds2"):
            for task in TreatmentTask.objects.filter(treatment__risk=risk, done_on=None):
                with self.by(SECURITY) as officer:
                    risks.complete_task(task, officer, done_on=self.today)
            for link in risk.asset_links.select_related("asset"):
                with self.by(SECURITY):
                    device = link.asset
                    device.mds2_on_file = True
                    _save_inventory(device)

    # --- 2. safeguards ---------------------------------------------------------------------------

    def safeguard(self) -> None:
        for plan in SAFEGUARDS:
            changes: dict[str, object] = {
                "status": plan.status,
                "owner": self.people[plan.owner],
                "description": plan.description,
                "policies": [POLICIES[p] for p in plan.policies],
                "decision": plan.decision or "",
                "alternative": plan.alternative,
                "rationale": plan.rationale,
                "na_reason": plan.na_reason,
            }
            with self.by(plan.na_requested_by or plan.owner) as person:
                safeguards.update(
                    self.organization, plan.spec_id, changes, by=person, today=self.today
                )
            if plan.na_approved_by:
                with self.by(plan.na_approved_by) as approver:
                    safeguards.approve_not_applicable(self.organization, plan.spec_id, by=approver)
        with self.by(SECURITY):
            for plan in SAFEGUARDS:
                for risk in self.find(*plan.risks):
                    safeguards.link_risk(self.organization, plan.spec_id, risk)

    # --- 3. evidence -----------------------------------------------------------------------------

    def evidence(self) -> None:
        year = self.today.year
        quarter = (self.today.month - 1) // 3 + 1
        self.add_file(
            f"Workforce security training roster {year}.csv",
            self.training_roster(year),
            Metadata(
                f"Workforce security training roster {year}",
                "Completion of the annual security awareness module by every workforce member.",
                effective_on=self.day(-75),
                expires_on=self.day(290),
                reviewer=self.people[PRIVACY],
                reviewed_on=self.day(-70),
            ),
            Links(spec_ids=("164.308(a)(5)", "164.308(a)(5)(ii)(A)")),
            PRIVACY,
        )
        self.add_file(
            "Backup restore test log.txt",
            self.restore_log(),
            Metadata(
                f"Backup restore test, Q{quarter} {year}",
                "Quarterly restore of sample folders from the Vaultline appliance and the "
                "offsite copy, with checksums compared.",
                effective_on=self.day(-21),
                expires_on=self.day(70),
                reviewer=self.people[SECURITY],
                reviewed_on=self.day(-20),
            ),
            Links(
                spec_ids=("164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"),
                risks=tuple(self.find(f"{QUESTIONNAIRE}:no-contingency-plan:power-fire-flood")),
                assets=(self.asset(FILE_SERVER), self.asset(BACKUP)),
            ),
            SECURITY,
        )
        signed = self.day(-300)
        assert signed is not None
        for title, specs in (
            ("Information Security Policy v3", ("164.316(a)", "164.316(b)(1)", "164.308(a)(1)")),
            ("Sanction Policy", ("164.308(a)(1)(ii)(C)",)),
        ):
            self.add_file(
                f"{title} (signed).pdf",
                _pdf(
                    [
                        f"Riverside Family Medicine - {title}",
                        "",
                        "This policy applies to every workforce member and every system",
                        "that creates, receives, maintains or transmits ePHI.",
                        "",
                        f"Approved and signed: Dr. Maria Alvarez, owner, {signed.isoformat()}",
                    ]
                ),
                Metadata(
                    f"{title} (signed)",
                    "Signed by the owner; reviewed every January.",
                    effective_on=signed,
                    expires_on=self.day(65),
                    reviewer=self.people[OWNER],
                    reviewed_on=signed,
                ),
                Links(spec_ids=specs),
                SECURITY,
            )
        self.add_file(
            f"Certificate of destruction - SecureShred {year - 1}.pdf",
            _pdf(
                [
                    "SecureShred Document Destruction - Certificate of destruction",
                    "",
                    "Customer: Riverside Family Medicine",
                    "Items: 14 hard drives, 3 SSDs, 2 backup tapes (shredded on site)",
                    "Method: NIST SP 800-88 Destroy (shred, 2 mm particles)",
                ]
            ),
            Metadata(
                f"Certificate of destruction, SecureShred {year - 1}",
                "Yearly destruction of retired drives; the next pick-up is overdue.",
                effective_on=self.day(-400),
                expires_on=self.day(-35),
                reviewer=self.people[SECURITY],
                reviewed_on=self.day(-398),
            ),
            Links(spec_ids=("164.310(d)(2)(i)",)),
            SECURITY,
        )
        self.add_file(
            f"Break-glass access test {year - 1}.txt",
            (
                f"Break-glass test {self.day(-420)}: sealed envelope opened by the owner, "
                "emergency EHR account used to open a test chart, password rotated and the "
                "envelope resealed; use reviewed by the privacy officer the same day.\n"
            ).encode(),
            Metadata(
                f"Break-glass access test {year - 1}",
                "Yearly test of the emergency access procedure.",
                effective_on=self.day(-420),
                expires_on=self.day(-55),
                reviewer=self.people[PRIVACY],
                reviewed_on=self.day(-419),
            ),
            Links(spec_ids=("164.312(a)(2)(ii)",)),
            SECURITY,
        )
        self.add_file(
            f"Facility key and badge log Q{quarter} {year}.csv",
            self.badge_log(),
            Metadata(
                f"Facility key and badge log, Q{quarter} {year}",
                "Badges issued and returned, server-room key use, and the landlord's work "
                "orders for doors and locks.",
                effective_on=self.day(-30),
                expires_on=self.day(60),
                reviewer=self.people[PRIVACY],
                reviewed_on=self.day(-28),
            ),
            Links(spec_ids=("164.310(a)(1)", "164.310(a)(2)(iii)", "164.310(a)(2)(iv)")),
            PRIVACY,
        )
        portal = self.asset(PORTAL)
        assert portal.hostname
        with self.by(SECURITY) as officer:
            library.add_record(
                self.organization,
                self.tls_check(portal.hostname),
                meta=Metadata(
                    f"TLS check: {portal.hostname}",
                    "TLS 1.2 and 1.3 only, no weak ciphers, certificate valid for 28 more days.",
                    effective_on=self.day(-3),
                    expires_on=self.day(27),
                ),
                links=Links(
                    spec_ids=("164.312(e)(1)", "164.312(e)(2)(i)", "164.312(e)(2)(ii)"),
                    assets=(portal,),
                ),
                user=officer,
            )
            intranet: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
                ("Workstation Use and Security Policy (intranet)", "workstation-use", -200,
                 ("164.310(b)", "164.310(c)")),
                ("Incident Response Plan (intranet)", "incident-response", -150,
                 ("164.308(a)(6)", "164.308(a)(6)(ii)")),
            )  # fmt: skip
            for title, path, days, cited in intranet:
                library.add_link(
                    self.organization,
                    f"https://intranet.example.org/policies/{path}",
                    meta=Metadata(
                        title,
                        "The current version on the staff intranet.",
                        effective_on=self.day(days),
                    ),
                    links=Links(spec_ids=cited),
                    user=officer,
                )
            library.add_link(
                self.organization,
                f"https://trust.example.org/vaultline/soc2-type2-{year}",
                meta=Metadata(
                    f"Vaultline SOC 2 Type II report {year}",
                    "Read on Vaultline's trust portal; no exceptions relevant to the practice.",
                    effective_on=self.day(-120),
                    expires_on=self.day(245),
                    reviewer=officer,
                    reviewed_on=self.day(-110),
                ),
                links=Links(
                    spec_ids=("164.308(b)(1)", "164.314(a)(1)"),
                    risks=tuple(self.find(f"cloud_service_ephi:{CLOUD_BACKUP}")),
                    assets=(self.asset(CLOUD_BACKUP),),
                ),
                user=officer,
            )

    def record_approval(self) -> None:
        """The approved analysis is evidence of the risk analysis (after version 1)."""
        analysis = self.the_analysis()
        version = analysis.versions.order_by("-number").first()
        assert version is not None
        with self.by(SECURITY) as officer:
            library.add_record(
                self.organization,
                {
                    "analysis": analysis.title,
                    "version": version.number,
                    "approved_by": version.approver_name,
                    "approved_at": version.approved_at.isoformat(),
                    "snapshot_sha256": version.digest,
                    "open_risks": Risk.objects.filter(
                        analysis=analysis, status=RiskStatus.OPEN
                    ).count(),
                },
                meta=Metadata(
                    f"{analysis.title}: approval of version {version.number}",
                    "The approved snapshot's digest, from phiward.",
                    effective_on=self.today,
                    expires_on=analysis.next_review_on,
                ),
                links=Links(spec_ids=("164.308(a)(1)", "164.308(a)(1)(ii)(A)")),
                user=officer,
            )

    def add_file(
        self, name: str, content: bytes, meta: Metadata, links: Links, uploader: str
    ) -> EvidenceItem:
        with self.by(uploader) as person:
            return library.add_file(
                self.organization,
                io.BytesIO(content),
                name=name,
                media_type="",
                meta=meta,
                links=links,
                user=person,
            )

    # --- generated documents ---------------------------------------------------------------------

    def training_roster(self, year: int) -> bytes:
        first = ("Ana", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ivy", "Jon",
                 "Kemi", "Luis", "Mina", "Noah", "Omar", "Paula")  # fmt: skip
        last = ("Baker", "Chen", "Diaz", "Evans", "Foster", "Garcia", "Hughes", "Ito", "Jones",
                "Khan", "Lopez", "Moreau", "Nguyen", "Okoro", "Patel", "Quinn")  # fmt: skip
        roles = ("Medical assistant", "Nurse", "Front desk", "Billing", "Provider")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["name", "role", "module", "completed_on", "quiz_score"])
        start = self.today - dt.timedelta(days=90)
        for n in range(12):
            day = start + dt.timedelta(days=self.rng.randrange(0, 14))
            writer.writerow(
                [
                    f"{self.rng.choice(first)} {last[n]}",
                    self.rng.choice(roles),
                    f"Security awareness {year}",
                    day.isoformat(),
                    self.rng.randrange(80, 101, 5),
                ]
            )
        return out.getvalue().encode()

    def restore_log(self) -> bytes:
        day = self.day(-21)
        lines = [f"Restore test {day} - operator: Daniel Okafor (with BlueRidge Managed IT)"]
        for source in ("Vaultline appliance (BKP01)", "Vaultline offsite copy"):
            files = self.rng.randrange(180, 420)
            minutes = self.rng.randrange(6, 25)
            lines.append(
                f"{source}: restored {files} files from \\\\FS01\\Shared\\Billing to a scratch "
                f"folder in {minutes} min; SHA-256 of every file matched the source."
            )
        lines.append("Result: PASS. PACS01 is not in the backup job yet (see the risk register).")
        return ("\n".join(lines) + "\n").encode()

    def badge_log(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["date", "site", "event", "badge_or_key", "by"])
        for n in range(8):
            day = self.today - dt.timedelta(days=90 - 10 * n)
            site = self.rng.choice(("Main Street", "Northgate", "Lakeview"))
            event = self.rng.choice(
                (
                    "badge issued",
                    "badge returned",
                    "server room key out",
                    "server room key in",
                    "lock re-keyed (landlord work order)",
                )
            )
            writer.writerow([day.isoformat(), site, event, f"B-{self.rng.randrange(100, 999)}",
                             "Priya Raman"])  # fmt: skip
        return out.getvalue().encode()

    def tls_check(self, host: str) -> dict[str, object]:
        checked = dt.datetime.combine(self.day(-3) or self.today, dt.time(6, 0), tzinfo=dt.UTC)
        return {
            "check": "tls_endpoint_min_version_1_2",
            "target": f"{host}:443",
            "result": "PASS",
            "checked_at": checked.isoformat(),
            "protocols": {"TLSv1.0": False, "TLSv1.1": False, "TLSv1.2": True, "TLSv1.3": True},
            "weak_ciphers": [],
            "certificate": {
                "subject": host,
                "issuer": "Example Issuing CA R3",
                "not_after": (self.today + dt.timedelta(days=28)).isoformat(),
            },
        }


def _plan_key(proposal: RiskProposal, asset_names: dict[int, str]) -> str:
    """``<rule>:<subject>``: the proposal's vulnerability and threat (answers), flow, vendor
    or first asset by name."""
    if proposal.rule == QUESTIONNAIRE:
        return f"{proposal.rule}:{proposal.subject_key.removeprefix('answers:')}"
    if proposal.data_flow is not None:
        return f"{proposal.rule}:{proposal.data_flow.name}"
    if proposal.vendor is not None:
        return f"{proposal.rule}:{proposal.vendor.name}"
    names = sorted(asset_names[pk] for pk in proposal.asset_ids or () if pk in asset_names)
    return f"{proposal.rule}:{names[0] if names else proposal.subject_label}"


def _save_inventory(record: Asset) -> None:
    """The inventory's write path (as its forms and API): validate, then save (audited, and
    the risk app's receivers flag the risks that depend on the changed facts)."""
    try:
        record.full_clean()
    except ValidationError as exc:
        raise problems_from(exc) from exc
    record.save()


def _pdf(lines: Sequence[str]) -> bytes:
    """A one-page PDF (Helvetica, US Letter) with these lines of ASCII text."""

    def text(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    shown = " ".join(f"({text(line)}) '" for line in lines)
    stream = f"BT /F1 11 Tf 16 TL 72 740 Td {shown} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        start,
    )
    return bytes(out)


@transaction.atomic
def build_program(organization: Organization, *, seed: int) -> RiskAnalysis:
    """Run the demo clinic's program on a freshly loaded organization (see the module);
    returns the risk analysis."""
    members = User.objects.filter(
        memberships__organization=organization, username__in=(OWNER, SECURITY, PRIVACY)
    )
    people = {user.get_username(): user for user in members}
    missing = sorted({OWNER, SECURITY, PRIVACY} - set(people))
    if missing:
        raise InvalidInput(f"the demo program needs the demo people: {', '.join(missing)}")
    program = _Program(
        organization=organization,
        people=people,
        today=timezone.localdate(),
        rng=random.Random(seed),  # noqa: S311 - demo data, not secrets
    )
    program.analyse()
    program.safeguard()
    program.evidence()
    program.approve("Annual analysis reviewed with Dr. Alvarez and Priya Raman.")
    program.record_approval()
    program.finish_treatments()
    program.approve("Re-rated after the departure checklist and the screen lock went live.")
    program.change_after_approval()
    build_incident_response(organization, today=program.today)  # incidents, IR exercises, plan
    return program.the_analysis()


def program_counts(organization: Organization) -> dict[str, int]:
    """What the program holds: risks, safeguard statuses recorded, evidence items, incidents
    (and how many were reportable breaches), IR exercises."""
    from phiward.exercises.models import Exercise
    from phiward.incidents.models import BreachAssessment, Incident

    signed = BreachAssessment.objects.for_org(organization).filter(
        signed_off_at__isnull=False, superseded_by__isnull=True
    )
    return {
        "risks": Risk.objects.for_org(organization).count(),
        "safeguards": SafeguardStatus.objects.for_org(organization).count(),
        "evidence": EvidenceItem.objects.for_org(organization).count(),
        "incidents": Incident.objects.for_org(organization).count(),
        "breaches": signed.filter(notification_required=True).count(),
        "exercises": Exercise.objects.for_org(organization).count(),
    }


__all__ = ["build_program", "program_counts"]
