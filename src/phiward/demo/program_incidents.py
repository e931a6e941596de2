"""The demo clinic's incident-response history: past incidents, IR exercises and the IR plan.

``build_incident_response`` runs at the end of ``phiward.demo.program.build_program``. Like the
rest of the program it goes through the domain services only (``phiward.incidents.services``,
``phiward.exercises``, the evidence library), so every write is validated and on the audit log
under the demo person who made it (source ``demo``). Everything is invented and PHI-free: the
affected "patients" are counts, never people.

Five incidents, oldest first (INC-0001 ... INC-0005), relative to today:

1. **A reportable breach, closed** (about seven months ago): the weekly patient-balance file
   for the collections agency e-mailed (the FTP upload had failed) to a look-alike outside
   address that autocomplete picked; 620 patients (MA 538, NH 64, RI 18; two deceased, four
   without a usable address). Reported by a workforce member, triaged, the playbook done, a
   four-factor assessment that does not show a
   low probability, signed off by the privacy officer; every obligation (individuals, next of
   kin, substitute notice, media in MA, HHS at the same time) recorded as sent inside its
   deadline, the letters kept as evidence; a completed review linked to the register risk of
   that data flow (flagged, then reconsidered by the security officer), one follow-up done and
   one open.
2. **Low probability** (about four months ago): a referral faxed to another practice, whose
   office manager called and attested to shredding it; signed off by the owner; no obligations.
3. **Safe harbor** (about ten weeks ago): a provider laptop (BitLocker, NIST SP 800-111, key not
   on the device) stolen from a car: PHI secured, signed off; closed.
4. **A small breach still open** (discovered about a month ago): a front-desk employee looked at
   a neighbour's chart. One patient; the letter is due within 30 days (a calendar warning) and
   the annual HHS log entry is due 60 days after the year ends.
5. **In triage** (this week): a phishing e-mail reported by a workforce member.

Then ``phiward.exercises.demo.seed_demo``: tabletops, drills, a full test, follow-ups and the
IR plan in two approved versions.

Dates the people give (occurred, discovered, sent, timeline entries, due dates) are in the
past; the stamps the services write themselves (reported, signed off, steps checked, closed)
are "now", as for the risk program's approvals: the services take no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from phiward.audit.context import Actor, acting_as
from phiward.core.errors import InvalidInput
from phiward.core.models import Organization
from phiward.demo.clinic import EHR, M365, OWNER, PRIVACY, SECURITY, WORKFORCE
from phiward.evidence import library
from phiward.evidence.library import Links, Metadata
from phiward.evidence.models import EvidenceItem
from phiward.exercises.demo import seed_demo
from phiward.incidents import services
from phiward.incidents.models import (
    Category,
    EntryKind,
    Incident,
    NoticeMethod,
    Obligation,
    PhiInvolved,
    Severity,
    Status,
)
from phiward.inventory.models import Asset, Vendor
from phiward.risk import services as risks
from phiward.risk.models import Risk

AUDIT_SOURCE = "demo"  # the same source as phiward.demo.program.AUDIT_SOURCE
RESPONSE_SPEC = "164.308(a)(6)(ii)"  # security incident procedures: response and reporting
COLLECTIONS_FLOW = "Patient balances to collections"  # the data flow behind the e-mail breach
LAPTOP = "RFM-MAIN-LT03"
FAX = "RFM-NG-MFP02"
COLLECTIONS = "Lakeside Collections Agency"

NOTICE_CONTACT = {
    "contact_toll_free": "1-800-555-0142",
    "contact_email": "privacy@riverside-fm.example",
    "contact_website": "https://www.riverside-fm.example/privacy-notice",
    "contact_address": "Privacy Office, Riverside Family Medicine, 100 Main Street, "
    "Riverside, ST 00000",
}


def _four_factors(
    conclusion: str, performed_on: dt.date, **factors: tuple[str, str]
) -> dict[str, object]:
    """The 164.402(2) risk assessment of a facts document: each factor as (rating, answer)."""
    assessed: dict[str, object] = {
        name: {"rating": rating, "answer": answer} for name, (rating, answer) in factors.items()
    }
    return {**assessed, "conclusion": conclusion, "performed_on": performed_on.isoformat()}


@dataclass
class _Response:
    organization: Organization
    people: dict[str, User]
    today: dt.date

    @contextmanager
    def by(self, username: str) -> Iterator[User]:
        user = self.people[username]
        with acting_as(Actor(user.pk, user.get_username(), AUDIT_SOURCE)):
            yield user

    def day(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)

    def asset(self, name: str) -> Asset:
        return Asset.objects.for_org(self.organization).get(name=name)

    def risk(self, contains: str) -> Risk:
        found = Risk.objects.for_org(self.organization).filter(title__contains=contains)
        risk = found.order_by("number").first()
        if risk is None:
            raise InvalidInput(f"the demo incidents need the register risk '{contains}'")
        return risk

    # --- shared steps ----------------------------------------------------------------------------

    def report(self, who: str, data: services.Report) -> Incident:
        with self.by(who) as person:
            return services.report(self.organization, data, reporter=person)

    def log(
        self, incident: Incident, who: str, moment: dt.datetime, kind: EntryKind, text: str
    ) -> None:
        with self.by(who) as person:
            services.add_timeline_entry(incident, person, kind=kind, text_=text, at=moment)

    def playbook(
        self, incident: Incident, who: str, notes: dict[int, str], *, done: Sequence[int] = ()
    ) -> None:
        """Apply the category's playbook and check steps off (those numbered in ``done``, 1-based;
        none given: all), with ``notes`` by step number."""
        with self.by(who) as person:
            steps = services.apply_playbook(incident, person)
            for n, step in enumerate(steps, start=1):
                if not done or n in done:
                    services.check_step(step, person, note=notes.get(n, ""))

    def walk(self, incident: Incident, who: str, *statuses: Status) -> None:
        with self.by(who) as person:
            for status in statuses:
                services.change_status(incident, status, person)

    def assess(
        self, incident: Incident, who: str, signer: str, facts: Mapping[str, object]
    ) -> None:
        with self.by(who) as person:
            assessment = services.assess(incident, facts, person)
        with self.by(signer) as person:
            services.sign_off(assessment, person)

    def keep_notice(self, incident: Incident, key: str, who: str, sent: dt.date) -> EvidenceItem:
        """Keep the notice as sent in the evidence library, dated and linked like the rest."""
        with self.by(who) as person:
            item = services.save_notice_as_evidence(incident, key, person)
            return library.update(item, {"effective_on": sent}, Links(spec_ids=(RESPONSE_SPEC,)))

    def review(
        self,
        incident: Incident,
        who: str,
        *,
        root_cause: str,
        lessons: str,
        risks_: Sequence[Risk] = (),
        follow_ups: Sequence[tuple[str, str, int, bool]] = (),
        complete: bool = True,
    ) -> list[Risk]:
        """Write the review; follow-ups are (title, owner, due offset, done)."""
        with self.by(who) as person:
            services.save_review(
                incident, person, root_cause=root_cause, lessons_learned=lessons, risks=risks_
            )
            for title, owner, due, done in follow_ups:
                action = services.add_follow_up(
                    incident, person, title=title, owner=self.people[owner], due_on=self.day(due)
                )
                if done:
                    services.complete_follow_up(action, person)
            return services.complete_review(incident, person)[1] if complete else []

    # --- 1. the reportable breach ----------------------------------------------------------------

    def misdirected_email(self) -> Incident:
        occurred = self.day(-214)
        incident = self.report(
            WORKFORCE,
            services.Report(
                title="Billing spreadsheet e-mailed to the wrong outside address",
                description="Covering the billing desk, I e-mailed the weekly patient-balance "
                "file for the collections agency because the FTP upload failed. Autocomplete "
                "picked a look-alike address. The spreadsheet has names, addresses, dates of "
                "birth, account numbers, balances and visit dates. I noticed when the agency "
                "called to ask where the file was.",
                category=Category.MISDIRECTED_COMMUNICATION,
                severity=Severity.HIGH,
                occurred_at=self.at(occurred, 9, 40),
                discovered_at=self.at(occurred, 15, 5),
                phi_involved=PhiInvolved.YES,
                assets=(self.asset(M365),),
                vendors=(Vendor.objects.for_org(self.organization).get(name=COLLECTIONS),),
            ),
        )
        with self.by(SECURITY) as officer:
            services.update_triage(incident, officer, handler=officer)
            services.change_status(incident, Status.TRIAGE, officer)
        self.log(
            incident,
            SECURITY,
            self.at(occurred, 15, 30),
            EntryKind.ACTION,
            "Message recall attempted (failed: outside recipient). Message trace confirms "
            "delivery to one outside mailbox at a free e-mail provider.",
        )
        self.log(
            incident,
            PRIVACY,
            self.at(occurred, 16, 10),
            EntryKind.COMMUNICATION,
            "Wrote to the recipient asking them to delete the message and confirm in "
            "writing; no reply. Second request sent two days later; no reply.",
        )
        self.log(
            incident,
            PRIVACY,
            self.at(self.day(-208), 11, 0),
            EntryKind.DECISION,
            "No attestation of deletion can be obtained: the four-factor assessment cannot "
            "show a low probability of compromise. Preparing notices.",
        )
        self.playbook(
            incident,
            SECURITY,
            {
                1: "Two written requests, no reply (see the timeline).",
                2: "Recall failed; the recipient is not a covered entity.",
                3: "Address autocomplete cached the look-alike address; cache cleared.",
                4: "File uploaded to the agency once the FTP server was back.",
            },
        )
        self.walk(incident, SECURITY, Status.CONTAINED, Status.RECOVERED)
        with self.by(PRIVACY) as privacy:
            services.set_affected_counts(
                incident,
                privacy,
                [
                    services.StateCount("MA", 538, next_of_kin_known=2, insufficient_contact=3),
                    services.StateCount("NH", 64, insufficient_contact=1),
                    services.StateCount("RI", 18),
                ],
            )
            services.update_notice_settings(self.organization, privacy, **NOTICE_CONTACT)
            services.update_notice_text(
                incident,
                privacy,
                what_happened=(
                    f"On {occurred:%B} {occurred.day}, {occurred.year}, a billing file meant for "
                    "our collections agency was e-mailed by mistake to an outside e-mail address. "
                    "We found the error the same day. The recipient did not answer our requests to "
                    "delete the message."
                ),
                phi_types=[
                    "name",
                    "address",
                    "date of birth",
                    "account number",
                    "balance owed",
                    "dates of visits",
                ],
                steps_for_individuals=(
                    "We are not aware of any misuse. Review the statements you receive from us "
                    "and your insurer, and tell us about any visit you do not recognize. The file "
                    "held no Social Security or bank card numbers."
                ),
                what_we_are_doing=(
                    "We switched off address suggestions for outside recipients, retrained our "
                    "billing staff and no longer send billing files by e-mail."
                ),
            )
        facts = {
            "description": "Billing export e-mailed to a wrong outside recipient.",
            "entity": {"role": "covered_entity", "name": self.organization.name},
            "dates": {"occurred_on": occurred.isoformat(), "discovered_on": occurred.isoformat()},
            "phi": {
                "involved": True,
                "permitted": False,
                "types": ["name", "address", "date of birth", "account number", "balance"],
            },
            "safe_harbor": {"encryption": {"encrypted": False}},
            "risk_assessment": _four_factors(
                "not_low_probability",
                self.day(-210),
                nature_and_extent=(
                    "medium",
                    "Demographics, account numbers, balances and visit dates of 620 patients; "
                    "no SSN, no diagnoses.",
                ),
                unauthorized_person=(
                    "high",
                    "An unknown person at a free e-mail provider, not bound by HIPAA.",
                ),
                acquired_or_viewed=(
                    "high",
                    "Delivered; whether it was opened cannot be determined.",
                ),
                mitigation=(
                    "high",
                    "No reply to two requests to delete; no assurance the file was destroyed.",
                ),
            ),
            "individuals": services.individuals_facts(incident),
        }
        self.assess(incident, SECURITY, PRIVACY, facts)
        self.send_all(incident, occurred)
        flagged = self.review(
            incident,
            PRIVACY,
            root_cause="The FTP upload failed and there was no fallback but e-mail; address "
            "autocomplete offered a look-alike outside address, with no prompt for outside "
            "recipients.",
            lessons="Files with many patients never go by e-mail; the collections file moves to "
            "SFTP (the register risk's treatment); outside recipients need a confirmation "
            "prompt. The notices and the HHS report went out three weeks after discovery "
            "because the assessment was done within a week.",
            risks_=[self.risk(COLLECTIONS_FLOW)],
            follow_ups=(
                (
                    "Turn off autocomplete and add an external-recipient prompt in Microsoft 365",
                    SECURITY,
                    -180,
                    True,
                ),
                (
                    "Block outgoing e-mail with spreadsheets of patient accounts (DLP rule)",
                    SECURITY,
                    21,
                    False,
                ),
            ),
        )
        with self.by(SECURITY) as officer:
            for risk in flagged:
                risks.confirm_risk(
                    risk,
                    officer,
                    f"Reconsidered after {incident.reference}: the approved rating already "
                    "counts it; the SFTP treatment will lower the likelihood.",
                )
        self.walk(incident, PRIVACY, Status.CLOSED)
        return incident

    def send_all(self, incident: Incident, discovered: dt.date) -> None:
        """Every obligation recorded as sent inside its deadline (letters three weeks after
        discovery, HHS the day after: contemporaneously)."""
        mailed = discovered + dt.timedelta(days=21)
        for obligation in Obligation.objects.filter(incident=incident).order_by("pk"):
            key = obligation.key
            evidence: EvidenceItem | None = None
            notes = ""
            if key == "individuals":
                sent, method = mailed, NoticeMethod.FIRST_CLASS_MAIL
                evidence = self.keep_notice(incident, "individual", PRIVACY, sent)
                notes = "614 letters mailed first class by the print vendor."
            elif key == "next-of-kin":
                sent, method = mailed, NoticeMethod.FIRST_CLASS_MAIL
                evidence = self.keep_notice(incident, "next_of_kin", PRIVACY, sent)
            elif key == "substitute-notice":
                sent, method = mailed + dt.timedelta(days=6), NoticeMethod.TELEPHONE
                notes = "All four reached by telephone; the call log is in the privacy file."
            elif key.startswith("media:"):
                sent, method = mailed, NoticeMethod.MEDIA
                evidence = self.keep_notice(incident, key, PRIVACY, sent)
                notes = "Press release to two regional newspapers and a local TV station."
            elif key == "hhs":
                sent, method = mailed + dt.timedelta(days=1), NoticeMethod.HHS_PORTAL
                evidence = self.hhs_record(incident, sent)
            else:
                raise InvalidInput(f"the demo breach has an unexpected obligation '{key}'")
            with self.by(PRIVACY) as privacy:
                services.record_sent(
                    obligation,
                    privacy,
                    sent_on=sent,
                    method=method,
                    evidence=evidence,
                    notes=notes,
                )

    def hhs_record(self, incident: Incident, sent: dt.date) -> EvidenceItem:
        fields = {f.key: f.value for f in services.notice_drafts(incident).portal}
        with self.by(PRIVACY) as privacy:
            return library.add_record(
                self.organization,
                {
                    "incident": incident.reference,
                    "submitted_on": sent.isoformat(),
                    "portal": "HHS OCR breach portal",
                    "fields": fields,
                },
                meta=Metadata(
                    f"{incident.reference} HHS breach report (500 or more)",
                    "What was entered in HHS's breach portal, kept as submitted.",
                    effective_on=sent,
                ),
                links=Links(spec_ids=(RESPONSE_SPEC,)),
                user=privacy,
            )

    # --- 2. low probability ----------------------------------------------------------------------

    def misdirected_fax(self) -> Incident:
        occurred = self.day(-126)
        incident = self.report(
            PRIVACY,
            services.Report(
                title="Referral faxed to another practice",
                description="A referral with one lab result went to a neighbouring practice's "
                "fax (an outdated number in the referral directory). Their office manager "
                "called the same morning.",
                category=Category.MISDIRECTED_COMMUNICATION,
                severity=Severity.LOW,
                occurred_at=self.at(occurred, 8, 50),
                discovered_at=self.at(occurred, 10, 15),
                phi_involved=PhiInvolved.YES,
                assets=(self.asset(FAX),),
            ),
        )
        with self.by(PRIVACY) as privacy:
            services.update_triage(incident, privacy, handler=privacy)
            services.change_status(incident, Status.TRIAGE, privacy)
        self.log(
            incident,
            PRIVACY,
            self.at(occurred, 10, 40),
            EntryKind.COMMUNICATION,
            "The receiving practice's office manager confirmed only the cover page was "
            "read and faxed back a signed attestation that the pages were shredded.",
        )
        self.playbook(
            incident,
            PRIVACY,
            {
                1: "Signed attestation of shredding received the same day.",
                2: "The recipient is a covered entity bound by the Privacy Rule.",
                3: "Fax number corrected in the referral directory.",
            },
        )
        facts = {
            "entity": {"role": "covered_entity", "name": self.organization.name},
            "dates": {"occurred_on": occurred.isoformat(), "discovered_on": occurred.isoformat()},
            "phi": {"involved": True, "permitted": False, "types": ["name", "lab result"]},
            "risk_assessment": _four_factors(
                "low_probability",
                self.day(-124),
                nature_and_extent=(
                    "medium",
                    "One patient's name, date of birth and one lab result; no financial data.",
                ),
                unauthorized_person=(
                    "low",
                    "A physician practice, a covered entity with its own HIPAA duties.",
                ),
                acquired_or_viewed=("low", "The office manager read the cover page only."),
                mitigation=("low", "Signed attestation that the pages were shredded the same day."),
            ),
            "individuals": {"total": 1, "by_state": {"MA": 1}},
        }
        self.assess(incident, PRIVACY, OWNER, facts)
        self.walk(incident, PRIVACY, Status.RECOVERED)
        self.review(
            incident,
            PRIVACY,
            root_cause="The referral directory still had the practice's old fax number.",
            lessons="Check the fax number against the directory before sending; review the "
            "directory twice a year.",
            follow_ups=(
                ("Review every fax number in the referral directory", PRIVACY, -100, True),
            ),
        )
        self.walk(incident, PRIVACY, Status.CLOSED)
        return incident

    # --- 3. safe harbor --------------------------------------------------------------------------

    def stolen_laptop(self) -> Incident:
        occurred = self.day(-73)
        laptop = self.asset(LAPTOP)
        incident = self.report(
            OWNER,
            services.Report(
                title=f"Provider laptop {LAPTOP} stolen from a parked car",
                description="Stolen from a locked car overnight; reported to the police the "
                "next morning.",
                category=Category.LOST_STOLEN_DEVICE,
                severity=Severity.MEDIUM,
                occurred_at=self.at(occurred, 1, 0),
                discovered_at=self.at(occurred, 7, 30),
                phi_involved=PhiInvolved.YES,
                assets=(laptop,),
            ),
        )
        with self.by(SECURITY) as officer:
            services.update_triage(incident, officer, handler=officer)
            services.change_status(incident, Status.TRIAGE, officer)
            status = library.add_record(
                self.organization,
                {
                    "device": LAPTOP,
                    "protection": "BitLocker XTS-AES-256 (full disk)",
                    "protection_status": "on",
                    "key_protector": "TPM + PIN",
                    "recovery_key": "escrowed in the directory, not on the device",
                    "checked_on": occurred.isoformat(),
                },
                meta=Metadata(
                    f"BitLocker status of {LAPTOP}",
                    "Exported from device management after the theft.",
                    effective_on=occurred,
                ),
                links=Links(spec_ids=("164.312(a)(2)(iv)",), assets=(laptop,)),
                user=officer,
            )
            services.add_timeline_entry(
                incident,
                officer,
                kind=EntryKind.EVIDENCE,
                evidence=status,
                text_="Encryption confirmed from device management: full disk, key not stored "
                "with the device.",
                at=self.at(occurred, 9, 15),
            )
        self.playbook(
            incident,
            SECURITY,
            {
                1: "Remote wipe queued; the device has not checked in since.",
                3: "Police report filed; the number is in the incident file.",
                4: "BitLocker on, TPM + PIN, recovery key escrowed (evidence attached).",
            },
        )
        facts = {
            "entity": {"role": "covered_entity", "name": self.organization.name},
            "dates": {"occurred_on": occurred.isoformat(), "discovered_on": occurred.isoformat()},
            "phi": {
                "involved": True,
                "permitted": False,
                "types": ["name", "appointment dates", "visit notes"],
            },
            "safe_harbor": {
                "encryption": {
                    "encrypted": True,
                    "standard": "nist-sp-800-111",
                    "key_compromised": False,
                }
            },
            "individuals": {"total": 85, "estimated": True},
        }
        self.assess(incident, SECURITY, PRIVACY, facts)
        self.walk(incident, SECURITY, Status.RECOVERED)
        self.review(
            incident,
            SECURITY,
            root_cause="A laptop left in a car overnight.",
            lessons="Encryption made this a non-event: keep full-disk encryption verified on "
            "every laptop (the one still without it is on the risk register), and take devices "
            "inside.",
            follow_ups=(("Remind providers: no devices left in cars", PRIVACY, -60, True),),
        )
        self.walk(incident, SECURITY, Status.CLOSED)
        return incident

    # --- 4. a small breach, notices pending ------------------------------------------------------

    def snooping(self) -> Incident:
        discovered = self.day(-33)
        incident = self.report(
            PRIVACY,
            services.Report(
                title="Front-desk employee opened a neighbour's chart",
                description="A patient asked how a front-desk employee knew about her visit. "
                "The EHR access report shows the employee opened her chart with no work reason.",
                category=Category.UNAUTHORIZED_ACCESS,
                severity=Severity.MEDIUM,
                occurred_at=self.at(self.day(-40), 12, 20),
                discovered_at=self.at(discovered, 16, 0),
                phi_involved=PhiInvolved.YES,
                assets=(self.asset(EHR),),
            ),
        )
        with self.by(PRIVACY) as privacy:
            services.update_triage(incident, privacy, handler=privacy)
            services.change_status(incident, Status.TRIAGE, privacy)
        self.log(
            incident,
            PRIVACY,
            self.at(self.day(-30), 10, 0),
            EntryKind.DECISION,
            "Interviewed the employee with the owner; sanction per policy (written "
            "warning, retraining); EHR access limited to scheduling.",
        )
        self.playbook(
            incident,
            PRIVACY,
            {
                1: "Limited to scheduling the same day.",
                3: "One chart, opened twice; no work reason.",
                4: "Written warning and retraining, signed by the employee.",
            },
        )
        self.walk(incident, PRIVACY, Status.CONTAINED, Status.RECOVERED)
        with self.by(PRIVACY) as privacy:
            services.set_affected_counts(incident, privacy, [services.StateCount("MA", 1)])
            services.update_notice_text(
                incident,
                privacy,
                what_happened="A member of our staff looked at your medical record without a "
                "work reason. We found this after you raised it with us.",
                phi_types=["name", "dates of visits", "reason for visit"],
                steps_for_individuals="You do not need to do anything. Call us with questions.",
                what_we_are_doing="The employee was sanctioned and retrained and no longer has "
                "access to medical records; we now review access reports every month.",
            )
        facts = {
            "entity": {"role": "covered_entity", "name": self.organization.name},
            "dates": {
                "occurred_on": self.day(-40).isoformat(),
                "discovered_on": discovered.isoformat(),
            },
            "phi": {
                "involved": True,
                "permitted": False,
                "types": ["name", "dates of visits", "reason for visit"],
            },
            "risk_assessment": _four_factors(
                "not_low_probability",
                self.day(-6),
                nature_and_extent=("medium", "One patient's visit history and reasons for visits."),
                unauthorized_person=(
                    "medium",
                    "A workforce member bound by policy, but a neighbour with a personal interest.",
                ),
                acquired_or_viewed=(
                    "high",
                    "Viewed, per the EHR access report; the employee spoke of it to the patient.",
                ),
                mitigation=(
                    "medium",
                    "Sanctions and an attestation; what was said cannot be taken back.",
                ),
            ),
            "individuals": services.individuals_facts(incident),
        }
        self.assess(incident, PRIVACY, OWNER, facts)
        self.review(
            incident,
            PRIVACY,
            root_cause="EHR access reports were never reviewed, and front-desk roles could "
            "open any chart.",
            lessons="Front-desk roles need scheduling only; the monthly access-report review "
            "(the register risk's treatment) would have found this before the patient did.",
            risks_=[self.risk("Insider snooping: Organization-wide (audit logs")],
            follow_ups=(("Limit every front-desk EHR role to scheduling", SECURITY, 14, False),),
            complete=False,  # the incident stays open until the letter is sent
        )
        return incident

    # --- 5. in triage ----------------------------------------------------------------------------

    def phishing(self) -> Incident:
        seen = self.day(-1)
        incident = self.report(
            WORKFORCE,
            services.Report(
                title="Voicemail e-mail asking to sign in to Microsoft 365",
                description="An e-mail about a new voicemail linked to a Microsoft 365 "
                "sign-in page on a strange address. I did not enter my password.",
                category=Category.PHISHING_ACCOUNT_COMPROMISE,
                severity=Severity.MEDIUM,
                occurred_at=self.at(seen, 8, 55),
                discovered_at=self.at(seen, 9, 5),
                phi_involved=PhiInvolved.UNKNOWN,
                assets=(self.asset(M365),),
            ),
        )
        with self.by(SECURITY) as officer:
            services.update_triage(incident, officer, handler=officer, severity=Severity.LOW)
            services.change_status(incident, Status.TRIAGE, officer)
        self.log(
            incident,
            SECURITY,
            self.at(seen, 11, 0),
            EntryKind.ACTION,
            "Message found in 9 mailboxes and purged; sender and link domain blocked. "
            "No sign-ins from unusual locations so far.",
        )
        self.playbook(
            incident,
            SECURITY,
            {
                1: "No password entered (checked the sign-in log); sessions revoked anyway.",
                3: "9 copies purged.",
            },
            done=(1, 3, 5),
        )
        return incident

    def exercises(self) -> None:
        with self.by(SECURITY) as officer:
            seed_demo(self.organization, today=self.today, officer=officer)


def build_incident_response(organization: Organization, *, today: dt.date | None = None) -> None:
    """Write the demo clinic's incidents, IR exercises and IR plan (see the module)."""
    names = (OWNER, SECURITY, PRIVACY, WORKFORCE)
    members = User.objects.filter(memberships__organization=organization, username__in=names)
    people = {user.get_username(): user for user in members}
    missing = sorted(set(names) - set(people))
    if missing:
        raise InvalidInput(f"the demo incidents need the demo people: {', '.join(missing)}")
    response = _Response(organization, people, today or timezone.localdate())
    response.misdirected_email()
    response.misdirected_fax()
    response.stolen_laptop()
    response.snooping()
    response.phishing()
    response.exercises()


__all__ = ["build_incident_response"]
