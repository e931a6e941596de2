"""What the demo clinic's officers decide: ratings, treatments, answers, safeguard statuses.

Plain data for ``phiward.demo.program``, which carries it out through the domain services.
Dates are days from today. People are the demo usernames of ``phiward.demo.clinic``.
"""

from __future__ import annotations

from dataclasses import dataclass

from phiward.demo.clinic import M365, OWNER, PRIVACY, REMINDERS, SECURITY, UNENCRYPTED_LAPTOP
from phiward.risk.models import Strategy, TreatmentStatus
from phiward.safeguards.status import Decision, Implementation

QUESTIONNAIRE = "questionnaire_gap"
Q = f"{QUESTIONNAIRE}:"

# --- the risk register --------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskPlan:
    title: str
    owner: str
    due: int
    done: int | None = None


@dataclass(frozen=True)
class TreatmentPlan:
    strategy: Strategy
    description: str
    owner: str = SECURITY
    due: int | None = None
    status: TreatmentStatus = TreatmentStatus.PLANNED
    spec_ids: tuple[str, ...] = ()
    tasks: tuple[TaskPlan, ...] = ()
    justification: str = ""
    expires: int | None = None
    counterparty: str = ""
    added_by: str = SECURITY
    approved: bool = False  # an acceptance the security officer signed off
    finished_after_v1: bool = False  # done between version 1 and version 2


@dataclass(frozen=True)
class RiskPlan:
    rating: tuple[int, int] | None = None  # (likelihood, impact); None: the suggested one
    residual: tuple[int, int] | None = None
    controls: str = ""
    owner: str = SECURITY
    treatments: tuple[TreatmentPlan, ...] = ()
    dismiss: str = ""  # dismissed, with this reason, instead of accepted
    rerated_v2: tuple[int, int] | None = None  # residual once its treatments are done


MITIGATE, ACCEPT, TRANSFER, AVOID = (
    Strategy.MITIGATE,
    Strategy.ACCEPT,
    Strategy.TRANSFER,
    Strategy.AVOID,
)
IN_PROGRESS, DONE = TreatmentStatus.IN_PROGRESS, TreatmentStatus.DONE

# Keyed "<rule>:<subject>": the subject is the first asset's, the flow's or the vendor's name,
# or "<vulnerability>:<threat>" for the questionnaire's proposals. A rule's name alone is the
# plan for that rule's other proposals; a proposal no plan names is accepted as suggested.
PLANS: dict[str, RiskPlan] = {
    f"portable_device_unencrypted:{UNENCRYPTED_LAPTOP}": RiskPlan(
        (3, 3), (2, 3),
        "Intune can wipe the laptop remotely; it stays in the Northgate clinic overnight.",
        treatments=(TreatmentPlan(
            MITIGATE, "Resume BitLocker on RFM-NG-LT02 and move the offline chart exports to "
            "the file server", due=-12, status=IN_PROGRESS,
            spec_ids=("164.312(a)(2)(iv)", "164.310(d)(1)"),
            tasks=(TaskPlan("Move the provider's offline chart exports to the file server",
                            PRIVACY, -20, done=-18),
                   TaskPlan("Resume BitLocker and escrow the recovery key in Intune", SECURITY,
                            -12))),),
    ),
    "os_past_end_of_support": RiskPlan(
        (2, 2), None, "Enrolled in Windows 10 Extended Security Updates; standard user accounts.",
        treatments=(TreatmentPlan(
            MITIGATE, "Replace the front-desk card reader with a Windows 11 model and upgrade "
            "the workstation", due=35, spec_ids=("164.308(a)(1)(ii)(B)", "164.308(a)(5)(ii)(B)"),
            tasks=(TaskPlan("Order a Windows 11-compatible card reader", PRIVACY, 7),)),),
    ),
    "os_past_end_of_support:RFM-MAIN-WS11": RiskPlan(
        (2, 2), (1, 2),
        "Extended Security Updates; AppLocker allows only the spirometer review software; no "
        "email or browsing.",
        treatments=(TreatmentPlan(
            ACCEPT, "Keep RFM-MAIN-WS11 on Windows 10 until the spirometer software is "
            "certified for Windows 11", status=IN_PROGRESS, added_by=OWNER, approved=True,
            justification="The spirometer review software is not certified for Windows 11; "
            "the vendor expects a certified release next quarter. The workstation receives "
            "Extended Security Updates, runs only that application and sits in the clinical "
            "VLAN behind the firewall.", expires=150),),
    ),
    "medical_device_unpatchable": RiskPlan(
        (3, 3), (2, 3),
        "Sonora's local firewall rules allow DICOM to the PACS only; used for overflow exams "
        "a few times a month.", owner=OWNER,
        treatments=(TreatmentPlan(
            AVOID, "Retire the legacy ultrasound; overflow exams move to the Main Street "
            "ultrasound", owner=OWNER, due=60, added_by=OWNER, spec_ids=("164.310(d)(2)(i)",),
            tasks=(TaskPlan("Schedule Lakeview's overflow exams at Main Street", PRIVACY, 14),
                   TaskPlan("Wipe the ultrasound's disk (NIST SP 800-88) before it leaves",
                            SECURITY, 60))),),
    ),
    "medical_device_not_segmented": RiskPlan(
        (2, 3), None, "Only the device's own firewall.",
        treatments=(TreatmentPlan(
            MITIGATE, "Re-patch the legacy ultrasound's wall jack to the medical-device VLAN "
            "until it is retired", due=10, status=IN_PROGRESS,
            spec_ids=("164.312(a)(1)", "164.312(e)(1)")),),
    ),
    "medical_device_without_mds2": RiskPlan(
        (1, 2), None, "The device is in the medical-device VLAN.",
        treatments=(TreatmentPlan(
            MITIGATE, "Obtain the MDS2 form from the manufacturer and file it with the device",
            due=30, status=IN_PROGRESS, spec_ids=("164.308(a)(1)(ii)(A)",),
            tasks=(TaskPlan("Request the MDS2 form from the manufacturer", SECURITY, 30),)),),
    ),
    "ephi_system_without_backup": RiskPlan(
        (2, 3), (2, 2), "RAID 6 on PACS01; the modalities keep studies for 30 days.",
        treatments=(TreatmentPlan(
            MITIGATE, "Add PACS01's image store to the nightly Vaultline backup and the offsite "
            "copy", due=21, spec_ids=("164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"),
            tasks=(TaskPlan("Extend the Vaultline licence for the image store", OWNER, 7),)),),
    ),
    "cloud_service_ephi": RiskPlan(
        (1, 3), None,
        "Vendor's SOC 2 Type II report reviewed yearly; BAA signed; MFA and role-based access.",
    ),
    f"cloud_service_ephi:{M365}": RiskPlan(
        (2, 3), (1, 3),
        "MFA for every account; Defender for Office 365; Secure Score reviewed quarterly.",
        treatments=(TreatmentPlan(
            MITIGATE, "Conditional access baseline and a monthly Secure Score review", due=45,
            status=IN_PROGRESS, spec_ids=("164.312(d)", "164.308(a)(1)(ii)(D)")),),
    ),
    f"cloud_service_ephi:{REMINDERS}": RiskPlan(
        (2, 2), (1, 2), "Only names, phone numbers and appointment times are sent.",
        owner=PRIVACY,
    ),
    "flow_unencrypted": RiskPlan(
        (3, 2), None, "None: a billing PC uploads the file by FTP every week.", owner=PRIVACY,
        treatments=(TreatmentPlan(
            MITIGATE, "Send the weekly balance file by SFTP and close the FTP account", due=14,
            status=IN_PROGRESS, spec_ids=("164.312(e)(1)", "164.312(e)(2)(ii)"),
            tasks=(TaskPlan("Get Lakeside's SFTP account and host key", PRIVACY, -3),)),),
    ),
    "flow_weak_tls": RiskPlan(
        (2, 2), (1, 2), "The cart and the EHR interface talk over the site-to-site VPN.",
        treatments=(TreatmentPlan(
            MITIGATE, "Install the ECG vendor's firmware update that enables TLS 1.2", due=90,
            spec_ids=("164.312(e)(2)(ii)", "164.312(e)(2)(i)")),),
    ),
    "flow_encryption_unknown": RiskPlan(
        (2, 2), None, "Same building; the business VLAN is not reachable from guest Wi-Fi.",
    ),
    "flow_encryption_unknown:After-hours messages by email": RiskPlan(
        (1, 3), None, "Microsoft 365 offers TLS to every sender (opportunistic).",
        treatments=(TreatmentPlan(
            MITIGATE, "Require TLS on a partner connector for CallPoint and verify it with a "
            "message trace", due=30, spec_ids=("164.312(e)(1)",)),),
    ),
    "vendor_without_baa": RiskPlan(
        (2, 3), None, "The collection agreement has a confidentiality clause, not a BAA.",
        owner=PRIVACY,
        treatments=(TreatmentPlan(
            MITIGATE, "Execute a business associate agreement with Lakeside Collections "
            "Agency", owner=PRIVACY, due=-9, status=IN_PROGRESS, added_by=PRIVACY,
            spec_ids=("164.308(b)(1)", "164.314(a)(2)(i)"),
            tasks=(TaskPlan("Send the practice's BAA template to Lakeside", PRIVACY, -30,
                            done=-29),
                   TaskPlan("Follow up with Lakeside's counsel on their redlines", PRIVACY,
                            -5))),),
    ),
    f"{Q}no-audit-log-review:insider-snooping": RiskPlan(
        (2, 3), None, "The EHR logs every chart access; reports are pulled after a complaint.",
        owner=PRIVACY,
        treatments=(TreatmentPlan(
            MITIGATE, "Monthly review of EHR access reports (co-workers, family names, VIPs) "
            "by the privacy officer", owner=PRIVACY, due=30, status=IN_PROGRESS,
            added_by=PRIVACY, spec_ids=("164.308(a)(1)(ii)(D)", "164.312(b)"),
            tasks=(TaskPlan("Set up the report filters with Cascade support", PRIVACY, 10),)),),
    ),
    f"{Q}no-timely-deprovisioning:former-workforce-access": RiskPlan(
        (2, 2), None, "HR's departure checklist (badge and keys).", rerated_v2=(1, 2),
        treatments=(TreatmentPlan(
            MITIGATE, "Add same-day EHR, Microsoft 365, VPN and badge deactivation to the "
            "departure checklist", due=-20, status=IN_PROGRESS, finished_after_v1=True,
            spec_ids=("164.308(a)(3)(ii)(C)", "164.312(a)(1)")),),
    ),
    f"{Q}no-contingency-plan:ehr-outage": RiskPlan(
        (2, 3), (2, 2), "Downtime forms and Cascade's read-only downtime viewer at each site.",
        owner=OWNER,
        treatments=(
            TreatmentPlan(TRANSFER, "Cyber liability policy with dependent business "
                          "interruption cover for EHR vendor outages", owner=OWNER, status=DONE,
                          added_by=OWNER, counterparty="Harborline Mutual Insurance (cyber "
                          "liability policy CY-4410)"),
            TreatmentPlan(MITIGATE, "Contingency plan tabletop with an EHR downtime scenario",
                          due=75, spec_ids=("164.308(a)(7)(ii)(D)", "164.308(a)(7)(ii)(C)")),
        ),
    ),
    f"{Q}no-contingency-plan:power-fire-flood": RiskPlan(
        (1, 3), None, "UPS on the servers and network racks; offsite copy at Vaultline.",
        treatments=(TreatmentPlan(
            MITIGATE, "Full restore test of the file server and PACS from the offsite copy",
            due=120, spec_ids=("164.308(a)(7)(ii)(B)", "164.308(a)(7)(ii)(D)")),),
    ),
    f"{Q}no-encryption-at-rest:lost-stolen-device": RiskPlan(
        (2, 2), None,
        "BitLocker on every Windows laptop (one exception, a risk of its own); Intune "
        "compliance policy.",
        treatments=(TreatmentPlan(
            MITIGATE, "Block writing to unencrypted USB media (BitLocker To Go policy)", due=40,
            spec_ids=("164.312(a)(2)(iv)", "164.310(d)(1)")),),
    ),
    f"{Q}unattended-sessions:insider-snooping": RiskPlan(
        (2, 2), None, "Front-desk screens lock after 15 minutes.", rerated_v2=(1, 2),
        treatments=(TreatmentPlan(
            MITIGATE, "Screen lock after 10 minutes on every shared workstation (group policy)",
            due=-10, status=IN_PROGRESS, finished_after_v1=True,
            spec_ids=("164.312(a)(2)(iii)",)),),
    ),
    f"{Q}unattended-sessions:unauthorized-physical-access": RiskPlan(
        (1, 2), None, "Exam rooms are staffed in clinic hours and locked after hours.",
        owner=PRIVACY,
        treatments=(TreatmentPlan(
            ACCEPT, "Accept the remaining risk of a glance at an unlocked exam-room screen",
            owner=PRIVACY, status=IN_PROGRESS, added_by=PRIVACY, expires=365,
            justification="Rooms are staffed whenever patients are present and screens lock "
            "after 10 minutes; badge readers on every exam room would cost more than the "
            "harm they prevent."),),
    ),
    f"{Q}no-mfa:phishing-credential-theft": RiskPlan(
        (3, 3), (2, 3), "MFA on the EHR and Microsoft 365; yearly phishing training.",
        treatments=(TreatmentPlan(
            MITIGATE, "MFA on the VPN and on BlueRidge's remote administration accounts",
            due=45, status=IN_PROGRESS, spec_ids=("164.312(d)", "164.308(a)(5)(ii)(D)"),
            tasks=(TaskPlan("Sign VPN users in through Microsoft Entra with MFA", SECURITY, 20),
                   TaskPlan("Give BlueRidge named admin accounts with MFA", SECURITY, 30))),),
    ),
    f"{Q}no-baa:vendor-compromise": RiskPlan(
        dismiss="A duplicate: the one vendor handling ePHI without a BAA, Lakeside Collections "
        "Agency, has a risk of its own; every other business associate has a signed BAA.",
    ),
    f"{Q}unencrypted-transmission:interception": RiskPlan(
        dismiss="A duplicate: the two weak transmissions (the collections FTP upload and the "
        "Northgate ECG cart's TLS 1.0 worklist) each have a risk of their own.",
    ),
}  # fmt: skip


# A proposal of a rule this module does not know yet (phiward gained a rule): as suggested.
UNPLANNED = RiskPlan(controls="Not described yet: proposed by a rule added since the last review.")


def plan_for(key: str) -> RiskPlan:
    return PLANS.get(key) or PLANS.get(key.split(":", 1)[0]) or UNPLANNED


# NIST SP 800-66r2 questions: (id, answer, who answered, note). The "partial" ones show gaps.
ANSWERS: tuple[tuple[str, str, str, str], ...] = (
    ("SQ_164.308(a)(1).2.01", "yes", SECURITY, "The 2025 analysis and BlueRidge's scans."),
    ("SQ_164.308(a)(1).2.05", "yes", SECURITY, ""),
    ("SQ_164.308(a)(1).2.06", "yes", SECURITY, ""),
    ("SQ_164.308(a)(1).2.09", "yes", SECURITY, ""),
    ("SQ_164.308(a)(1).2.10", "yes", SECURITY, "Every ePHI flow is in the inventory."),
    ("SQ_164.308(a)(1).7.01", "yes", PRIVACY, ""),
    ("SQ_164.308(a)(1).7.04", "partial", PRIVACY,
     "EHR access reports are pulled after a complaint, not on a schedule."),
    ("SQ_164.308(a)(2).1.02", "yes", OWNER, ""),
    ("SQ_164.308(a)(3).5.02", "partial", PRIVACY,
     "HR's checklist covers badge and keys; IT account deactivation is not on it."),
    ("SQ_164.308(a)(3).5.03", "yes", PRIVACY, ""),
    ("SQ_164.308(a)(5).3.04", "yes", PRIVACY, ""),
    ("SQ_164.308(a)(5).3.05", "yes", PRIVACY, ""),
    ("SQ_164.308(a)(5).5.01", "yes", PRIVACY, "Annual training; every member completed it."),
    ("SQ_164.308(a)(5).5.02", "yes", PRIVACY, ""),
    ("SQ_164.308(a)(6).3.02", "yes", PRIVACY, ""),
    ("SQ_164.308(a)(6).3.08", "yes", PRIVACY, ""),
    ("SQ_164.308(a)(6).3.09", "yes", PRIVACY, "Ransomware tabletop in the spring."),
    ("SQ_164.308(a)(7).5.01", "yes", SECURITY, ""),
    ("SQ_164.308(a)(7).5.03", "yes", SECURITY, ""),
    ("SQ_164.308(a)(7).5.07", "yes", SECURITY, "Quarterly file restore tests."),
    ("SQ_164.308(a)(7).5.08", "yes", SECURITY, "Vaultline's offsite copy is immutable."),
    ("SQ_164.308(a)(7).7.04", "yes", SECURITY, ""),
    ("SQ_164.308(a)(7).7.05", "partial", SECURITY,
     "Only file restores were tested, never the recovery of operations."),
    ("SQ_164.308(b)(1).3.03", "partial", PRIVACY, "The collections agency has no BAA."),
    ("SQ_164.310(d).1.04", "yes", SECURITY, "SecureShred, with certificates of destruction."),
    ("SQ_164.310(d).1.06", "yes", SECURITY, ""),
    ("SQ_164.312(a).3.05", "yes", SECURITY, "Named accounts everywhere, no shared logins."),
    ("SQ_164.312(a).8.03", "partial", SECURITY,
     "Front desk locks after 15 minutes; two shared nurse-station PCs never lock."),
    ("SQ_164.312(a).8.05", "yes", SECURITY, ""),
    ("SQ_164.312(d).3.02", "partial", SECURITY,
     "MFA on the EHR and Microsoft 365; the VPN takes a password alone."),
    ("SQ_164.312(e)(1).4.01", "yes", SECURITY, ""),
    ("SQ_164.312(e)(1).4.07", "partial", SECURITY,
     "The collections upload still uses FTP; one ECG cart only speaks TLS 1.0."),
)  # fmt: skip

# --- safeguards ---------------------------------------------------------------------------------

INTRANET = "https://intranet.example.org/policies"
POLICIES: dict[str, dict[str, str]] = {
    key: {"title": title, ("url" if ref.startswith("https://") else "reference"): ref}
    for key, title, ref in (
        ("isp", "Information Security Policy", "RFM-POL-01 v3"),
        ("risk", "Risk Management Procedure", "RFM-POL-02"),
        ("sanction", "Sanction Policy", "RFM-POL-03"),
        ("access", "Access Control Policy", "RFM-POL-04"),
        ("training", "Security Awareness and Training Procedure", "RFM-POL-05"),
        ("incident", "Incident Response Plan", f"{INTRANET}/incident-response"),
        ("contingency", "Contingency and Disaster Recovery Plan", "RFM-POL-07"),
        ("baa", "Business Associate Procedure", "RFM-POL-08"),
        ("facility", "Facility Security Plan", "RFM-POL-09"),
        ("workstation", "Workstation Use and Security Policy", f"{INTRANET}/workstation-use"),
        ("media", "Device and Media Disposal Procedure", "RFM-POL-11"),
        ("audit", "Audit Log Review Procedure", "RFM-POL-12"),
        ("transmission", "Transmission Security Standard", "RFM-POL-13"),
        ("documentation", "Documentation and Retention Policy", "RFM-POL-14"),
    )
}


@dataclass(frozen=True)
class SafeguardPlan:
    spec_id: str
    status: Implementation
    owner: str
    description: str = ""
    policies: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()  # plan keys, or rule names (every risk of the rule)
    decision: Decision | None = None
    alternative: str = ""
    rationale: str = ""
    na_reason: str = ""
    na_requested_by: str = ""  # a required entry "not applicable": who asks ...
    na_approved_by: str = ""  # ... and who approves ("": still awaiting approval)


S = SafeguardPlan
IMPL, PART, PLAN, NOT, NA = (
    Implementation.IMPLEMENTED,
    Implementation.PARTIAL,
    Implementation.PLANNED,
    Implementation.NOT_IMPLEMENTED,
    Implementation.NOT_APPLICABLE,
)
AS_SPECIFIED, ALTERNATIVE = Decision.AS_SPECIFIED, Decision.ALTERNATIVE
LAPTOP = f"portable_device_unencrypted:{UNENCRYPTED_LAPTOP}"
NO_GROUP_PLAN = (
    "The practice is not a group health plan and sponsors none: staff coverage is a fully "
    "insured plan bought through a broker, and no plan ePHI comes to the practice."
)


def _group_health_plan(spec_id: str) -> SafeguardPlan:
    """164.314(b): the requirements for group health plans, which the practice is not."""
    return S(spec_id, NA, PRIVACY, na_reason=NO_GROUP_PLAN, na_requested_by=SECURITY,
             na_approved_by=OWNER)  # fmt: skip


# All 68 standards and implementation specifications of the Security Rule, in catalog order.
SAFEGUARDS: tuple[SafeguardPlan, ...] = (
    S("164.308(a)(1)", IMPL, SECURITY, "Yearly risk analysis of every ePHI system and flow in "
      "phiward; remediation tracked in the risk register.", ("isp", "risk")),
    S("164.308(a)(1)(ii)(A)", IMPL, SECURITY, "Annual analysis (three-level method) approved by "
      "the security officer; re-assessed when the inventory changes.", ("risk",)),
    S("164.308(a)(1)(ii)(B)", PART, SECURITY, "Every risk has an owner and treatments with due "
      "dates; two treatments are overdue.", ("risk",), (LAPTOP, "vendor_without_baa")),
    S("164.308(a)(1)(ii)(C)", IMPL, PRIVACY, "Sanctions in the staff handbook, applied by the "
      "practice administrator with HR and kept in the personnel file.", ("sanction",)),
    S("164.308(a)(1)(ii)(D)", PART, PRIVACY, "EHR access reports are pulled after complaints; "
      "the monthly review starts next month.", ("audit",),
      (f"{Q}no-audit-log-review:insider-snooping",)),
    S("164.308(a)(2)", IMPL, OWNER, "Daniel Okafor is the security official, appointed by the "
      "owner; the duties are in his job description.", ("isp",)),
    S("164.308(a)(3)", IMPL, PRIVACY, "Supervisors request access for a role; IT grants it; "
      "departures follow a checklist.", ("access",)),
    S("164.308(a)(3)(ii)(A)", IMPL, PRIVACY, "Students and temporary staff work under a named "
      "supervisor who approves their access.", ("access",), decision=AS_SPECIFIED),
    S("164.308(a)(3)(ii)(B)", IMPL, PRIVACY, "Background and licence checks before hire, kept "
      "in the personnel file.", decision=AS_SPECIFIED),
    S("164.308(a)(3)(ii)(C)", PART, PRIVACY, "HR's departure checklist covers badges and keys; "
      "IT account deactivation is being added.", ("access",),
      (f"{Q}no-timely-deprovisioning:former-workforce-access",), decision=AS_SPECIFIED),
    S("164.308(a)(4)", IMPL, SECURITY, "Access to ePHI follows role templates in the EHR and "
      "Microsoft 365 groups.", ("access",)),
    S("164.308(a)(4)(ii)(A)", NA, SECURITY, na_reason="Riverside Family Medicine is a health "
      "care provider, not a clearinghouse: it has no clearinghouse function to isolate (claims "
      "go to ClearPath Claims Exchange under a BAA).", na_requested_by=PRIVACY,
      na_approved_by=SECURITY),
    S("164.308(a)(4)(ii)(B)", IMPL, SECURITY, "EHR role templates (provider, nurse, front "
      "desk, billing) approved by the practice administrator.", ("access",),
      decision=AS_SPECIFIED),
    S("164.308(a)(4)(ii)(C)", IMPL, SECURITY, "Access changes by ticket to BlueRidge; EHR "
      "roles reviewed every quarter.", ("access",), decision=AS_SPECIFIED),
    S("164.308(a)(5)", IMPL, PRIVACY, "Security training for all staff at hire and each "
      "January, tracked by the practice administrator.", ("training",)),
    S("164.308(a)(5)(ii)(A)", IMPL, PRIVACY, "A security tip in the monthly staff newsletter; "
      "quarterly phishing simulations.", ("training",), decision=AS_SPECIFIED),
    S("164.308(a)(5)(ii)(B)", IMPL, SECURITY, "Microsoft Defender for Endpoint on every "
      "workstation and server, managed by BlueRidge.", (), ("os_past_end_of_support",),
      decision=AS_SPECIFIED),
    S("164.308(a)(5)(ii)(C)", PLAN, SECURITY, "Microsoft 365 alerts on failed sign-ins; VPN and "
      "EHR failures are to go to BlueRidge's log service.", ("audit",), decision=AS_SPECIFIED),
    S("164.308(a)(5)(ii)(D)", IMPL, SECURITY, "14-character passphrases by group policy; no "
      "reuse; MFA where the system offers it.", ("access",),
      (f"{Q}no-mfa:phishing-credential-theft",), decision=AS_SPECIFIED),
    S("164.308(a)(6)", IMPL, PRIVACY, "Incident response plan: the privacy officer coordinates, "
      "BlueRidge is on call.", ("incident",)),
    S("164.308(a)(6)(ii)", IMPL, PRIVACY, "Staff report by phone or the incident form; each "
      "incident is logged and assessed for breach.", ("incident",)),
    S("164.308(a)(7)", PART, SECURITY, "Contingency plan for the file server and the cloud "
      "systems; PACS recovery is not yet covered.", ("contingency",),
      (f"{Q}no-contingency-plan:ehr-outage", f"{Q}no-contingency-plan:power-fire-flood")),
    S("164.308(a)(7)(ii)(A)", PART, SECURITY, "Nightly backup of the file server to the "
      "Vaultline appliance, copied offsite; PACS01 is not included yet.", ("contingency",),
      ("ephi_system_without_backup",)),
    S("164.308(a)(7)(ii)(B)", PART, SECURITY, "Recovery steps for the file server and cloud "
      "systems; no runbook for PACS01.", ("contingency",),
      (f"{Q}no-contingency-plan:power-fire-flood",)),
    S("164.308(a)(7)(ii)(C)", IMPL, OWNER, "Downtime procedures: paper forms and Cascade's "
      "read-only downtime viewer at each site.", ("contingency",)),
    S("164.308(a)(7)(ii)(D)", PLAN, SECURITY, "Quarterly file restores; the first full "
      "recovery exercise is planned.", ("contingency",), (f"{Q}no-contingency-plan:ehr-outage",),
      decision=AS_SPECIFIED),
    S("164.308(a)(7)(ii)(E)", IMPL, SECURITY, "Clinical criticality is recorded for every "
      "system in the inventory (the EHR is critical).", decision=AS_SPECIFIED),
    S("164.308(a)(8)", NOT, SECURITY, "No evaluation since 2023; an external evaluation is "
      "budgeted for next year.", (), (f"cloud_service_ephi:{M365}",)),
    S("164.308(b)(1)", PART, PRIVACY, "BAAs with every vendor handling ePHI except Lakeside "
      "Collections Agency.", ("baa",), ("vendor_without_baa",)),
    S("164.308(b)(3)", PART, PRIVACY, "Signed BAAs are kept with the contracts; Lakeside's is "
      "being negotiated.", ("baa",), ("vendor_without_baa",)),
    S("164.310(a)(1)", IMPL, OWNER, "Badge access at all three sites; the server room is "
      "locked, with a key log.", ("facility",)),
    S("164.310(a)(2)(i)", IMPL, OWNER, "The security officer and BlueRidge may enter after "
      "hours to restore systems (listed in the DR plan).", ("facility", "contingency"),
      decision=AS_SPECIFIED),
    S("164.310(a)(2)(ii)", IMPL, OWNER, "A facility security plan for each site: doors, "
      "alarms, server room, after hours.", ("facility",), decision=AS_SPECIFIED),
    S("164.310(a)(2)(iii)", IMPL, PRIVACY, "Visitors sign in and are escorted past the waiting "
      "room; badges come from the practice administrator.", ("facility",),
      decision=AS_SPECIFIED),
    S("164.310(a)(2)(iv)", IMPL, OWNER, "Repairs to doors and locks are the landlord's work "
      "orders.", ("facility",), decision=ALTERNATIVE,
      alternative="Keystone Facilities' work-order system records every repair and change to "
      "doors, locks and walls; the practice reviews its monthly export with the key and badge "
      "log.", rationale="The practice leases all three sites and does no facility repairs "
      "itself; a log of its own would only copy the landlord's records."),
    S("164.310(b)", IMPL, SECURITY, "Acceptable use of workstations and devices, signed by "
      "every member at hire.", ("workstation",)),
    S("164.310(c)", IMPL, SECURITY, "Screens face away from patients; privacy filters at "
      "reception; cable locks on the front-desk PCs.", ("workstation",)),
    S("164.310(d)(1)", PART, SECURITY, "Devices are tracked in the inventory; one laptop holds "
      "ePHI unencrypted.", ("media",), (LAPTOP, f"{Q}no-encryption-at-rest:lost-stolen-device")),
    S("164.310(d)(2)(i)", IMPL, SECURITY, "Drives are wiped (NIST SP 800-88) or shredded by "
      "SecureShred, with a certificate of destruction.", ("media",),
      ("medical_device_unpatchable",)),
    S("164.310(d)(2)(ii)", IMPL, SECURITY, "BlueRidge wipes and re-images devices before they "
      "are issued again.", ("media",)),
    S("164.310(d)(2)(iii)", IMPL, SECURITY, "Hardware and its moves are recorded in the "
      "inventory; laptops are assigned by name.", decision=AS_SPECIFIED),
    S("164.310(d)(2)(iv)", IMPL, SECURITY, "A backup is taken before equipment holding ePHI is "
      "moved.", ("contingency",), decision=AS_SPECIFIED),
    S("164.312(a)(1)", IMPL, SECURITY, "Role-based access in the EHR, Microsoft 365 and "
      "Windows; medical devices on a VLAN of their own.", ("access",),
      ("medical_device_not_segmented",)),
    S("164.312(a)(2)(i)", IMPL, SECURITY, "Named accounts in the EHR, Microsoft 365 and "
      "Windows; no shared logins, front desk included.", ("access",)),
    S("164.312(a)(2)(ii)", IMPL, SECURITY, "A break-glass EHR account sealed in the owner's "
      "safe; the privacy officer reviews every use.", ("access",)),
    S("164.312(a)(2)(iii)", IMPL, SECURITY, "Screen lock with badge re-authentication instead "
      "of a full logoff.", ("workstation",), (f"{Q}unattended-sessions:insider-snooping",
      f"{Q}unattended-sessions:unauthorized-physical-access"), decision=ALTERNATIVE,
      alternative="Shared clinical workstations lock after 10 minutes and unlock with a badge "
      "tap; the EHR session itself ends after 15 idle minutes.",
      rationale="A full logoff between patients would make clinicians reopen the EHR and lose "
      "notes in progress several times an hour; the lock and the EHR timeout protect ePHI as "
      "well."),
    S("164.312(a)(2)(iv)", PART, SECURITY, "BitLocker on servers and laptops, TDE in the cloud "
      "EHR; one laptop's BitLocker is suspended.", (),
      (LAPTOP, f"{Q}no-encryption-at-rest:lost-stolen-device"), decision=AS_SPECIFIED),
    S("164.312(b)", IMPL, SECURITY, "EHR, Microsoft 365 and firewall logs are kept for 12 "
      "months.", ("audit",), (f"{Q}no-audit-log-review:insider-snooping",)),
    S("164.312(c)(1)", IMPL, SECURITY, "Only authorized roles may change records; the EHR "
      "keeps every amendment.", ("access",)),
    S("164.312(c)(2)", NA, SECURITY, decision=Decision.NOT_REASONABLE,
      rationale="Clinical records live in the vendor-hosted EHR and PACS, which the practice "
      "cannot fit with a mechanism of its own; integrity rests on access control, audit "
      "controls, TLS in transit and the vendors' BAAs. To revisit if the practice ever hosts "
      "clinical data itself."),
    S("164.312(d)", PART, SECURITY, "MFA on the EHR and Microsoft 365; the VPN still takes a "
      "password alone.", ("access",), (f"{Q}no-mfa:phishing-credential-theft",)),
    S("164.312(e)(1)", PART, SECURITY, "TLS 1.2 or better for web and interfaces; one FTP "
      "upload and one TLS 1.0 device remain.", ("transmission",),
      ("flow_unencrypted", "flow_weak_tls", "flow_encryption_unknown")),
    S("164.312(e)(2)(i)", IMPL, SECURITY, "TLS and SFTP protect integrity in transit; HL7 "
      "interfaces run over the VPN.", ("transmission",), decision=AS_SPECIFIED),
    S("164.312(e)(2)(ii)", PART, SECURITY, "Encrypted in transit everywhere but the collections "
      "FTP upload and one ECG cart.", ("transmission",), ("flow_unencrypted", "flow_weak_tls"),
      decision=AS_SPECIFIED),
    S("164.314(a)(1)", PART, PRIVACY, "BAAs meet 164.314(a)(2)(i); Lakeside Collections has "
      "none yet.", ("baa",), ("vendor_without_baa",)),
    S("164.314(a)(2)(i)", PART, PRIVACY, "The BAA template covers safeguards, subcontractors "
      "and incident reporting.", ("baa",), ("vendor_without_baa",)),
    S("164.314(a)(2)(ii)", NA, PRIVACY, na_reason="Applies only when the covered entity and "
      "its business associate are both government entities; the practice is private.",
      na_requested_by=PRIVACY),
    S("164.314(a)(2)(iii)", IMPL, PRIVACY, "The BAA template binds subcontractors to the same "
      "terms (clause 4.2).", ("baa",)),
    _group_health_plan("164.314(b)(1)"),
    _group_health_plan("164.314(b)(2)(i)"),
    _group_health_plan("164.314(b)(2)(ii)"),
    _group_health_plan("164.314(b)(2)(iii)"),
    _group_health_plan("164.314(b)(2)(iv)"),
    S("164.316(a)", IMPL, SECURITY, "Fourteen policies and procedures, approved by the "
      "owner.", ("isp", "documentation")),
    S("164.316(b)(1)", IMPL, PRIVACY, "Policies, analyses and evidence kept in writing, in "
      "phiward and on the intranet.", ("documentation",)),
    S("164.316(b)(2)(i)", IMPL, PRIVACY, "Kept at least six years after they were last in "
      "effect (phiward's evidence retention).", ("documentation",)),
    S("164.316(b)(2)(ii)", IMPL, PRIVACY, "Policies on the staff intranet; evidence in phiward "
      "for the officers and the auditor.", ("documentation",)),
    S("164.316(b)(2)(iii)", IMPL, SECURITY, "Policies reviewed each January and after a major "
      "change.", ("documentation",)),
)  # fmt: skip
