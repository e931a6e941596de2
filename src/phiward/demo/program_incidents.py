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

Every time is in the past and in the order things happened: the services take the time
something happened (``at``: reported, triaged, steps checked off, assessed, signed off, notices
sent, reviewed, closed), so each incident's timeline reads reported → triage → ... → closed,
the sign-off after the assessment and the notices after the sign-off. The audit entries keep
their own time (when the demo wrote them), as the audit log always does.
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
    Incident,
    IncidentStep,
    NoticeMethod,
    Obligation,
    PhiInvolved,
    Severity,
    Status,
    TimelineKind,
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

    def report(self, who: str, data: services.Report, at: dt.datetime) -> Incident:
        with self.by(who) as person:
            return services.report(self.organization, data, reporter=person, at=at)

    def triage(
        self, incident: Incident, who: str, at: dt.datetime, severity: Severity | None = None
    ) -> None:
        """The handler takes the incident (and may change its severity) and moves it to
        triage."""
        with self.by(who) as person:
            if severity is None:
                services.update_triage(incident, person, handler=person, at=at)
            else:
                services.update_triage(incident, person, handler=person, severity=severity, at=at)
            services.change_status(incident, Status.TRIAGE, person, at=at)

    def log(
        self, incident: Incident, who: str, moment: dt.datetime, kind: TimelineKind, text: str
    ) -> None:
        with self.by(who) as person:
            services.add_timeline_entry(incident, person, kind=kind, text_=text, at=moment)

    def apply(self, incident: Incident, who: str, at: dt.datetime) -> list[IncidentStep]:
        """Apply the category's playbook; its steps are checked off with ``check``."""
        with self.by(who) as person:
            return services.apply_playbook(incident, person, at=at)

    def check(
        self, steps: Sequence[IncidentStep], who: str, done: Mapping[int, tuple[dt.datetime, str]]
    ) -> None:
        """Check steps off: ``done`` maps a step's number (1-based) to (when, note)."""
        with self.by(who) as person:
            for n, (at, note) in sorted(done.items(), key=lambda item: item[1][0]):
                services.check_step(steps[n - 1], person, note=note, at=at)

    def walk(self, incident: Incident, who: str, *moves: tuple[Status, dt.datetime]) -> None:
        with self.by(who) as person:
            for status, at in moves:
                services.change_status(incident, status, person, at=at)

    def assess(
        self,
        incident: Incident,
        who: str,
        signer: str,
        facts: Mapping[str, object],
        *,
        run: dt.datetime,
        signed: dt.datetime,
    ) -> None:
        with self.by(who) as person:
            assessment = services.assess(incident, facts, person, at=run)
        with self.by(signer) as person:
            services.sign_off(assessment, person, at=signed)

    def keep_notice(
        self, incident: Incident, key: str, who: str, sent: dt.date, at: dt.datetime
    ) -> EvidenceItem:
        """Keep the notice as sent in the evidence library, dated and linked like the rest."""
        with self.by(who) as person:
            item = services.save_notice_as_evidence(incident, key, person, at=at)
            return library.update(item, {"effective_on": sent}, Links(spec_ids=(RESPONSE_SPEC,)))

    def review(
        self,
        incident: Incident,
        who: str,
        *,
        root_cause: str,
        lessons: str,
        written: dt.datetime,
        risks_: Sequence[Risk] = (),
        follow_ups: Sequence[tuple[str, str, int, bool]] = (),
        completed: dt.datetime | None = None,
    ) -> list[Risk]:
        """Write the review (follow-ups added ``written``; a done one was done on its due day
        at 3 pm) and complete it ``completed`` (None: still open); follow-ups are (title,
        owner, due offset, done)."""
        with self.by(who) as person:
            services.save_review(
                incident, person, root_cause=root_cause, lessons_learned=lessons, risks=risks_
            )
            added = [
                (
                    services.add_follow_up(
                        incident,
                        person,
                        title=title,
                        owner=self.people[owner],
                        due_on=self.day(due),
                        at=written,
                    ),
                    due,
                )
                for title, owner, due, done in follow_ups
            ]
            for action, due in sorted(added, key=lambda pair: pair[1]):
                if any(done for title, _, _, done in follow_ups if title == action.title):
                    services.complete_follow_up(action, person, at=self.at(self.day(due), 15))
            if completed is None:
                return []
            return services.complete_review(incident, person, at=completed)[1]

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
            self.at(occurred, 15, 20),
        )
        self.triage(incident, SECURITY, self.at(occurred, 15, 25))
        steps = self.apply(incident, SECURITY, self.at(occurred, 15, 28))
        self.log(
            incident,
            SECURITY,
            self.at(occurred, 15, 30),
            TimelineKind.ACTION,
            "Message recall attempted (failed: outside recipient). Message trace confirms "
            "delivery to one outside mailbox at a free e-mail provider.",
        )
        self.check(
            steps,
            SECURITY,
            {
                2: (
                    self.at(occurred, 15, 35),
                    "Recall failed; the recipient is not a covered entity.",
                ),
            },
        )
        self.log(
            incident,
            PRIVACY,
            self.at(occurred, 16, 10),
            TimelineKind.COMMUNICATION,
            "Wrote to the recipient asking them to delete the message and confirm in writing.",
        )
        self.check(
            steps,
            SECURITY,
            {
                3: (
                    self.at(occurred, 16, 30),
                    "Address autocomplete cached the look-alike address; cache cleared.",
                ),
                4: (
                    self.at(self.day(-213), 10, 0),
                    "File uploaded to the agency once the FTP server was back.",
                ),
            },
        )
        self.log(
            incident,
            PRIVACY,
            self.at(self.day(-212), 17, 0),
            TimelineKind.COMMUNICATION,
            "Second written request to the recipient; no reply to either.",
        )
        self.check(
            steps,
            SECURITY,
            {
                1: (
                    self.at(self.day(-212), 17, 5),
                    "Two written requests, no reply (see the timeline).",
                )
            },
        )
        self.walk(incident, SECURITY, (Status.CONTAINED, self.at(self.day(-212), 17, 10)))
        with self.by(PRIVACY) as privacy:
            services.set_affected_counts(
                incident,
                privacy,
                [
                    services.StateCount("MA", 538, next_of_kin_known=2, insufficient_contact=3),
                    services.StateCount("NH", 64, insufficient_contact=1),
                    services.StateCount("RI", 18),
                ],
                at=self.at(self.day(-211), 11, 0),
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
        self.assess(
            incident,
            SECURITY,
            PRIVACY,
            facts,
            run=self.at(self.day(-210), 14, 0),
            signed=self.at(self.day(-208), 11, 30),
        )
        self.log(
            incident,
            PRIVACY,
            self.at(self.day(-208), 11, 35),
            TimelineKind.DECISION,
            "No attestation of deletion can be obtained: the four-factor assessment cannot "
            "show a low probability of compromise. Preparing notices.",
        )
        self.check(steps, SECURITY, {5: (self.at(self.day(-208), 12, 0), "Signed off: a breach.")})
        self.walk(incident, SECURITY, (Status.RECOVERED, self.at(self.day(-208), 12, 5)))
        self.send_all(incident, occurred)
        flagged = self.review(
            incident,
            PRIVACY,
            written=self.at(self.day(-186), 10, 0),
            completed=self.at(self.day(-179), 10, 0),
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
        self.walk(incident, PRIVACY, (Status.CLOSED, self.at(self.day(-179), 11, 0)))
        return incident

    def send_all(self, incident: Incident, discovered: dt.date) -> None:
        """Every obligation recorded as sent inside its deadline (letters three weeks after
        discovery, HHS the day after: contemporaneously). Each day, the notices are kept as
        evidence in the morning and recorded as sent in the afternoon."""
        mailed = discovered + dt.timedelta(days=21)
        plan: list[tuple[dt.date, Obligation, NoticeMethod, str, str]] = []
        for obligation in Obligation.objects.filter(incident=incident).order_by("pk"):
            key = obligation.key
            if key == "individuals":
                plan.append(
                    (mailed, obligation, NoticeMethod.FIRST_CLASS_MAIL, "individual",
                     "614 letters mailed first class by the print vendor.")
                )  # fmt: skip
            elif key == "next-of-kin":
                plan.append((mailed, obligation, NoticeMethod.FIRST_CLASS_MAIL, "next_of_kin", ""))
            elif key == "substitute-notice":
                plan.append(
                    (mailed + dt.timedelta(days=6), obligation, NoticeMethod.TELEPHONE, "",
                     "All four reached by telephone; the call log is in the privacy file.")
                )  # fmt: skip
            elif key.startswith("media:"):
                plan.append(
                    (mailed, obligation, NoticeMethod.MEDIA, key,
                     "Press release to two regional newspapers and a local TV station.")
                )  # fmt: skip
            elif key == "hhs":
                plan.append(
                    (mailed + dt.timedelta(days=1), obligation, NoticeMethod.HHS_PORTAL, "", "")
                )
            else:
                raise InvalidInput(f"the demo breach has an unexpected obligation '{key}'")
        plan.sort(key=lambda item: (item[0], item[1].pk))
        for sent in sorted({item[0] for item in plan}):
            today = [item for item in plan if item[0] == sent]
            evidence: dict[int, EvidenceItem] = {}
            for n, (_, obligation, method, notice, _) in enumerate(today):
                if notice:
                    kept = self.keep_notice(incident, notice, PRIVACY, sent, self.at(sent, 9, n))
                    evidence[obligation.pk] = kept
                elif method == NoticeMethod.HHS_PORTAL:
                    evidence[obligation.pk] = self.hhs_record(incident, sent)
            with self.by(PRIVACY) as privacy:
                for n, (_, obligation, method, _, notes) in enumerate(today):
                    services.record_sent(
                        obligation,
                        privacy,
                        sent_on=sent,
                        method=method,
                        evidence=evidence.get(obligation.pk),
                        notes=notes,
                        at=self.at(sent, 16, n),
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
            self.at(occurred, 10, 20),
        )
        self.triage(incident, PRIVACY, self.at(occurred, 10, 25))
        self.log(
            incident,
            PRIVACY,
            self.at(occurred, 10, 40),
            TimelineKind.COMMUNICATION,
            "The receiving practice's office manager confirmed only the cover page was "
            "read and faxed back a signed attestation that the pages were shredded.",
        )
        steps = self.apply(incident, PRIVACY, self.at(occurred, 10, 45))
        self.check(
            steps,
            PRIVACY,
            {
                1: (
                    self.at(occurred, 10, 50),
                    "Signed attestation of shredding received the same day.",
                ),
                2: (
                    self.at(occurred, 10, 55),
                    "The recipient is a covered entity bound by the Privacy Rule.",
                ),
                3: (self.at(occurred, 11, 30), "Fax number corrected in the referral directory."),
                4: (self.at(occurred, 12, 0), ""),
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
        self.assess(
            incident,
            PRIVACY,
            OWNER,
            facts,
            run=self.at(self.day(-124), 14, 0),
            signed=self.at(self.day(-124), 16, 0),
        )
        self.check(steps, PRIVACY, {5: (self.at(self.day(-124), 16, 10), "")})
        self.walk(incident, PRIVACY, (Status.RECOVERED, self.at(self.day(-124), 16, 15)))
        self.review(
            incident,
            PRIVACY,
            written=self.at(self.day(-123), 10, 0),
            completed=self.at(self.day(-100), 16, 0),
            root_cause="The referral directory still had the practice's old fax number.",
            lessons="Check the fax number against the directory before sending; review the "
            "directory twice a year.",
            follow_ups=(
                ("Review every fax number in the referral directory", PRIVACY, -100, True),
            ),
        )
        self.walk(incident, PRIVACY, (Status.CLOSED, self.at(self.day(-100), 16, 30)))
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
            self.at(occurred, 7, 45),
        )
        self.triage(incident, SECURITY, self.at(occurred, 8, 0))
        steps = self.apply(incident, SECURITY, self.at(occurred, 8, 5))
        self.check(
            steps,
            SECURITY,
            {
                1: (
                    self.at(occurred, 8, 10),
                    "Remote wipe queued; the device has not checked in since.",
                ),
                2: (self.at(occurred, 8, 20), ""),
                3: (
                    self.at(occurred, 8, 40),
                    "Police report filed; the number is in the incident file.",
                ),
            },
        )
        with self.by(SECURITY) as officer:
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
                kind=TimelineKind.EVIDENCE,
                evidence=status,
                text_="Encryption confirmed from device management: full disk, key not stored "
                "with the device.",
                at=self.at(occurred, 9, 15),
            )
        self.check(
            steps,
            SECURITY,
            {
                4: (
                    self.at(occurred, 9, 20),
                    "BitLocker on, TPM + PIN, recovery key escrowed (evidence attached).",
                ),
                5: (self.at(occurred, 11, 0), ""),
                6: (self.at(self.day(-72), 14, 0), ""),
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
        self.assess(
            incident,
            SECURITY,
            PRIVACY,
            facts,
            run=self.at(self.day(-72), 15, 0),
            signed=self.at(self.day(-72), 16, 0),
        )
        self.check(steps, SECURITY, {7: (self.at(self.day(-72), 16, 5), "")})
        self.walk(incident, SECURITY, (Status.RECOVERED, self.at(self.day(-72), 16, 10)))
        self.review(
            incident,
            SECURITY,
            written=self.at(self.day(-70), 10, 0),
            completed=self.at(self.day(-60), 16, 0),
            root_cause="A laptop left in a car overnight.",
            lessons="Encryption made this a non-event: keep full-disk encryption verified on "
            "every laptop (the one still without it is on the risk register), and take devices "
            "inside.",
            follow_ups=(("Remind providers: no devices left in cars", PRIVACY, -60, True),),
        )
        self.walk(incident, SECURITY, (Status.CLOSED, self.at(self.day(-60), 16, 30)))
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
            self.at(discovered, 16, 10),
        )
        self.triage(incident, PRIVACY, self.at(discovered, 16, 15))
        steps = self.apply(incident, PRIVACY, self.at(discovered, 16, 20))
        self.check(
            steps,
            PRIVACY,
            {
                1: (self.at(discovered, 16, 40), "Limited to scheduling the same day."),
                2: (self.at(self.day(-32), 10, 0), ""),
                3: (self.at(self.day(-32), 11, 0), "One chart, opened twice; no work reason."),
            },
        )
        self.walk(incident, PRIVACY, (Status.CONTAINED, self.at(self.day(-32), 11, 5)))
        self.log(
            incident,
            PRIVACY,
            self.at(self.day(-30), 10, 0),
            TimelineKind.DECISION,
            "Interviewed the employee with the owner; sanction per policy (written "
            "warning, retraining); EHR access limited to scheduling.",
        )
        self.check(
            steps,
            PRIVACY,
            {
                4: (
                    self.at(self.day(-30), 10, 30),
                    "Written warning and retraining, signed by the employee.",
                ),
                5: (self.at(self.day(-30), 11, 0), ""),
            },
        )
        self.walk(incident, PRIVACY, (Status.RECOVERED, self.at(self.day(-30), 11, 5)))
        with self.by(PRIVACY) as privacy:
            services.set_affected_counts(
                incident,
                privacy,
                [services.StateCount("MA", 1)],
                at=self.at(self.day(-29), 9, 0),
            )
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
        self.assess(
            incident,
            PRIVACY,
            OWNER,
            facts,
            run=self.at(self.day(-6), 10, 0),
            signed=self.at(self.day(-6), 15, 0),
        )
        self.check(steps, PRIVACY, {6: (self.at(self.day(-6), 15, 5), "")})
        self.review(
            incident,
            PRIVACY,
            written=self.at(self.day(-5), 10, 0),
            root_cause="EHR access reports were never reviewed, and front-desk roles could "
            "open any chart.",
            lessons="Front-desk roles need scheduling only; the monthly access-report review "
            "(the register risk's treatment) would have found this before the patient did.",
            risks_=[self.risk("Insider snooping: Organization-wide (audit logs")],
            follow_ups=(("Limit every front-desk EHR role to scheduling", SECURITY, 14, False),),
            # not completed: the incident stays open until the letter is sent
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
            self.at(seen, 9, 10),
        )
        self.triage(incident, SECURITY, self.at(seen, 9, 40), severity=Severity.LOW)
        steps = self.apply(incident, SECURITY, self.at(seen, 9, 45))
        self.check(
            steps,
            SECURITY,
            {
                1: (
                    self.at(seen, 10, 15),
                    "No password entered (checked the sign-in log); sessions revoked anyway.",
                )
            },
        )
        self.log(
            incident,
            SECURITY,
            self.at(seen, 11, 0),
            TimelineKind.ACTION,
            "Message found in 9 mailboxes and purged; sender and link domain blocked. "
            "No sign-ins from unusual locations so far.",
        )
        self.check(
            steps,
            SECURITY,
            {3: (self.at(seen, 11, 5), "9 copies purged."), 5: (self.at(seen, 13, 0), "")},
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
