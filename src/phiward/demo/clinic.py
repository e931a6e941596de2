"""Riverside Family Medicine: a 60-person family practice on three sites, with realistic gaps.

The gaps, for later features to find:

- laptop ``RFM-NG-LT02`` holds ePHI with no encryption at rest;
- two workstations still run Windows 10, past its end of support (2025-10-14);
- a legacy ultrasound on Windows 7 (not patchable, no MDS2) sits in the business network
  instead of the medical-device zone;
- patient balances go to a collections agency over plain FTP, and that agency has no BAA;
- the EHR sends the ECG worklist to one ECG cart over TLS 1.0;
- after-hours messages arrive by SMTP with unknown transport encryption.
"""

from __future__ import annotations

import datetime as dt
import random

from phiward.demo.sites import EPHI_ALL, Builder, Site, SiteDevices, SiteMix, populate
from phiward.demo.spec import (
    WINDOWS_7,
    WINDOWS_SERVER,
    AssetSpec,
    ClinicSpec,
    FlowSpec,
    PersonSpec,
    RaciSpec,
    Ref,
    VendorSpec,
    ZoneSpec,
    asset,
    vendor,
)

NAME = "Riverside Family Medicine"
PREFIX = "RFM"
DOMAIN = "riverside-fm.example"

PEOPLE = (
    PersonSpec("maria.alvarez", "Maria", "Alvarez", f"maria.alvarez@{DOMAIN}", "owner",
               "Managing physician and owner"),
    PersonSpec("daniel.okafor", "Daniel", "Okafor", f"daniel.okafor@{DOMAIN}", "security_officer",
               "IT and operations manager"),
    PersonSpec("priya.raman", "Priya", "Raman", f"priya.raman@{DOMAIN}", "privacy_officer",
               "Practice administrator"),
    PersonSpec("helen.cho", "Helen", "Cho", "helen.cho@audit-partners.example", "auditor",
               "External compliance auditor"),
    PersonSpec("marcus.bell", "Marcus", "Bell", f"marcus.bell@{DOMAIN}", "workforce",
               "Medical assistant"),
)  # fmt: skip
OWNER, SECURITY, PRIVACY, AUDITOR, WORKFORCE = (p.username for p in PEOPLE)
IT_OWNER = "Daniel Okafor (IT and operations)"
CLINICAL_OWNER = "Dr. Maria Alvarez (medical director)"
BILLING_OWNER = "Priya Raman (practice administrator)"

# area -> {username: letter}; exactly one "A" per area.
RACI: dict[str, dict[str, str]] = {
    "risk": {SECURITY: "A", OWNER: "C", PRIVACY: "C", AUDITOR: "I"},
    "safeguards": {SECURITY: "A", PRIVACY: "C", OWNER: "I"},
    "vendors": {OWNER: "A", PRIVACY: "R", SECURITY: "C"},
    "training": {PRIVACY: "A", SECURITY: "R", WORKFORCE: "I"},
    "access": {SECURITY: "A", PRIVACY: "R", OWNER: "C"},
    "incidents": {PRIVACY: "A", SECURITY: "R", OWNER: "I", WORKFORCE: "I"},
    "continuity": {OWNER: "A", SECURITY: "R", PRIVACY: "C"},
    "monitoring": {SECURITY: "A", PRIVACY: "C", AUDITOR: "I"},
}

ZONE_NAMES = {
    "clinical": "Clinical",
    "medical_device": "Medical devices",
    "business": "Business",
    "guest": "Guest Wi-Fi",
    "management": "Network management",
    "server": "Servers",
}
CLOUD = "Cloud services"

EHR = "Cascade EHR"
PORTAL = "Cascade patient portal"
PM = "Cascade practice management and billing"
ERX = "RxLink e-prescribing"
M365 = "Microsoft 365 (email and files)"
CLOUD_BACKUP = "Vaultline cloud backup (offsite copy)"
REMINDERS = "RemindMe patient reminders"
FILE_SERVER = "File server (FS01)"
DC = "Domain controller (DC01)"
BACKUP = "Backup appliance (BKP01)"
PACS = "PACS server (PACS01)"
LEGACY_US = "Lakeview ultrasound (legacy)"
UNENCRYPTED_LAPTOP = "RFM-NG-LT02"

MIXES = {
    "MAIN": SiteMix(12, 4, 5, 2, 1, 1, 3, 2, 1, 1, 0, 1, 2, 3),
    "NG": SiteMix(6, 2, 3, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 2),
    "LV": SiteMix(4, 2, 2, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1),
}

# name, service, BAA status, remote access, website
VENDORS = (
    ("Cascade Health Systems", "Cloud EHR, patient portal and practice management", "signed",
     False, "https://cascade-ehr.example"),
    ("ClearPath Claims Exchange", "Claims clearinghouse (837/835)", "signed", False, ""),
    ("Summit Revenue Partners", "Outsourced billing and coding", "signed", False, ""),
    ("ScribeRight Transcription", "Medical transcription", "signed", False, ""),
    ("Valley Reference Laboratory", "Reference laboratory", "not_required", False, ""),
    ("Northstar Teleradiology", "Imaging reading service", "signed", False, ""),
    ("Vaultline Backup", "Backup appliance and cloud backup copy", "signed", False, ""),
    ("BlueRidge Managed IT", "IT managed service provider (help desk, servers, network)",
     "signed", True, ""),
    ("SecureShred Document Destruction", "Paper records shredding", "signed", False, ""),
    ("RxLink Network", "E-prescribing network", "signed", False, ""),
    ("CallPoint Answering Service", "After-hours answering service", "signed", False, ""),
    ("RemindMe Patient Messaging", "Appointment reminder texts and calls", "signed", False, ""),
    ("Microsoft", "Microsoft 365: email, Teams, OneDrive", "signed", False,
     "https://www.microsoft.com"),
    ("Sonora Imaging Service", "Ultrasound, X-ray and PACS service", "signed", True, ""),
    ("Lakeside Collections Agency", "Collection of overdue patient balances", "none", False, ""),
)  # fmt: skip
COLLECTIONS = "Lakeside Collections Agency"


class Riverside:
    """Builds the practice; ``network`` extends the same state into a multi-region network."""

    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = now
        self.b = Builder(rng, now, PREFIX)
        self.zones: list[ZoneSpec] = []
        self.vendors: list[VendorSpec] = []
        self.flows: list[FlowSpec] = []
        self.sites: list[Site] = []
        self.devices: dict[str, SiteDevices] = {}

    def build_core(self) -> None:
        self._zones()
        for name, service, baa, remote, website in VENDORS:
            self.add_vendor(name, service, baa, remote=remote, website=website)
        self.add_vendor("Keystone Facilities", "HVAC and building maintenance", "not_required",
                        handles_ephi=False)  # fmt: skip
        self._cloud_and_servers()
        for site in self.sites:
            self.devices[site.code] = populate(
                self.b, site, MIXES[site.code], it_owner=IT_OWNER, clinical_owner=CLINICAL_OWNER
            )
        self._gaps()
        self._flows()

    def spec(self, name: str = NAME, description: str = "") -> ClinicSpec:
        raci = tuple(
            RaciSpec(area, letter, user)
            for area, cells in RACI.items()
            for user, letter in cells.items()
        )
        return ClinicSpec(
            name=name,
            description=description
            or "A 60-person family practice on three sites (demo data generated by phiward).",
            address="100 Main Street, Riverside, ST 00000",
            people=PEOPLE,
            security_officer=SECURITY,
            privacy_officer=PRIVACY,
            officers_since=self.now.date() - dt.timedelta(days=730),
            raci=raci,
            zones=tuple(self.zones),
            vendors=tuple(self.vendors),
            assets=tuple(self.b.assets),
            flows=tuple(self.flows),
            sites=tuple(s.name for s in self.sites),
        )

    # --- building blocks -------------------------------------------------------------------

    def add_vendor(
        self,
        name: str,
        service: str,
        baa: str,
        *,
        remote: bool = False,
        website: str = "",
        handles_ephi: bool = True,
    ) -> None:
        signed = self.b.ids.days_ago(120, 1800) if baa in ("signed", "expired") else None
        expires = None
        if signed is not None and self.rng.random() < 0.5:
            expires = signed + dt.timedelta(days=3 * 365)
            if baa == "signed" and expires <= self.now.date():
                expires = self.now.date() + dt.timedelta(days=self.rng.randrange(60, 700))
        slug = name.lower().replace(" ", "-")
        self.vendors.append(
            VendorSpec(
                name=name,
                service=service,
                baa_status=baa,
                handles_ephi=handles_ephi,
                baa_signed_on=signed,
                baa_expires_on=expires,
                contact=f"account-manager@{slug}.example",
                website=website,
                remote_access=remote,
            )
        )

    def flow(
        self,
        name: str,
        source: Ref,
        destination: Ref,
        categories: tuple[str, ...],
        protocol: str,
        transit: str,
        tls: str = "",
        frequency: str = "real_time",
        purpose: str = "",
    ) -> None:
        self.flows.append(
            FlowSpec(name, source, destination, categories, protocol, transit, tls, purpose,
                     frequency)
        )  # fmt: skip

    def _zones(self) -> None:
        for i, (name, code) in enumerate((("Main Street", "MAIN"), ("Northgate", "NG"),
                                          ("Lakeview", "LV")), start=1):  # fmt: skip
            octet = 10 * i
            subnets = {
                "clinical": f"10.{octet}.10.0/24",
                "medical_device": f"10.{octet}.20.0/24",
                "business": f"10.{octet}.30.0/24",
                "guest": f"172.16.{octet}.0/24",
                "management": f"10.{octet}.250.0/24",
                "server": f"10.{octet}.100.0/24",
            }
            self.sites.append(Site(name, code, ZONE_NAMES, subnets))
        descriptions = {
            "clinical": "Exam rooms, nurse stations and provider devices (VLAN 10 at each site)",
            "medical_device": "Networked medical devices, isolated from the clinical VLAN",
            "business": "Front desk, billing and back-office devices",
            "guest": "Patient and visitor Wi-Fi; internet only",
            "management": "Firewalls, switches and access points",
            "server": "On-premises servers at the Main Street clinic",
        }
        for role, zone_name in ZONE_NAMES.items():
            sites = self.sites[:1] if role == "server" else self.sites
            self.zones.append(
                ZoneSpec(zone_name, role, descriptions[role],
                         tuple(s.subnets[role] for s in sites), internet_exposed=role == "guest")
            )  # fmt: skip
        self.zones.append(
            ZoneSpec(CLOUD, "cloud", "Vendor-hosted systems reached over the internet",
                     internet_exposed=True)
        )  # fmt: skip

    def _cloud(self, name: str, kind: str, vendor_name: str, host: str, **fields: object) -> None:
        self.b.add(
            AssetSpec(
                name=name,
                kind=kind,
                zone=CLOUD,
                site="Vendor-hosted",
                vendor=vendor_name,
                hostname=host,
                **fields,  # type: ignore[arg-type]
            )
        )

    def _cloud_and_servers(self) -> None:
        records = self.rng.randrange(17_000, 19_500)
        ehr = {"ephi": EPHI_ALL, "record_count": records, "encryption_at_rest": "database_tde",
               "encryption_algorithm": "AES-256", "owner": CLINICAL_OWNER}  # fmt: skip
        self._cloud(
            EHR,
            "ehr",
            "Cascade Health Systems",
            "riverside.cascade-ehr.example",
            criticality="critical",
            description="Cloud EHR, vendor-hosted",
            **ehr,
        )
        self._cloud(
            PORTAL,
            "patient_portal",
            "Cascade Health Systems",
            "portal.riverside-fm.example",
            criticality="high",
            **ehr,
        )
        self._cloud(
            PM,
            "practice_management",
            "Cascade Health Systems",
            "riverside-pm.cascade-ehr.example",
            criticality="high",
            **{**ehr, "owner": BILLING_OWNER},
        )
        self._cloud(
            ERX,
            "e_prescribing",
            "RxLink Network",
            "erx.rxlink.example",
            criticality="high",
            ephi=EPHI_ALL,
            encryption_at_rest="database_tde",
            owner=CLINICAL_OWNER,
        )
        self._cloud(
            M365,
            "email",
            "Microsoft",
            "riversidefm.onmicrosoft.com",
            criticality="high",
            ephi=EPHI_ALL,
            encryption_at_rest="file_level",
            encryption_algorithm="BitLocker + service encryption",
            owner=IT_OWNER,
        )
        self._cloud(
            CLOUD_BACKUP,
            "backup_system",
            "Vaultline Backup",
            "vault.vaultline.example",
            criticality="high",
            ephi=frozenset({"receives", "maintains"}),
            encryption_at_rest="file_level",
            encryption_algorithm="AES-256-GCM",
            owner=IT_OWNER,
        )
        self._cloud(REMINDERS, "saas_application", "RemindMe Patient Messaging",
                    "app.remindme.example", criticality="low",
                    ephi=frozenset({"receives", "maintains"}), encryption_at_rest="unknown",
                    owner=BILLING_OWNER)  # fmt: skip
        main = self.sites[0]
        server_os = {"os_name": WINDOWS_SERVER[0], "os_version": WINDOWS_SERVER[1],
                     "os_end_of_support": WINDOWS_SERVER[2], "patchable": "yes",
                     "owner": IT_OWNER, "manufacturer": "Dell",
                     "model": "PowerEdge R660xs"}  # fmt: skip
        for name, kind, ephi, extra in (
            (FILE_SERVER, "file_share", frozenset({"receives", "maintains"}),
             {"encryption_at_rest": "full_disk", "encryption_algorithm": "BitLocker XTS-AES-256",
              "criticality": "high", **server_os}),
            (DC, "identity_provider", frozenset(),
             {"encryption_at_rest": "full_disk", "criticality": "high", **server_os}),
            (BACKUP, "backup_system", frozenset({"receives", "maintains", "transmits"}),
             {"encryption_at_rest": "file_level", "encryption_algorithm": "AES-256",
              "vendor": "Vaultline Backup", "manufacturer": "Vaultline", "model": "VX-2",
              "os_name": "Vaultline OS", "patchable": "vendor_only", "criticality": "high",
              "owner": IT_OWNER}),
            (PACS, "pacs", EPHI_ALL,
             {"encryption_at_rest": "full_disk", "criticality": "high",
              "vendor": "Sonora Imaging Service", "record_count": self.rng.randrange(4000, 6000),
              **server_os, "patchable": "vendor_only"}),
        ):  # fmt: skip
            host = name.split("(")[1].rstrip(")")
            self.b.device(main, "server", "server", "SRV", name=name, kind=kind, ephi=ephi,
                          hostname=f"rfm-main-{host.lower()}", **extra)  # fmt: skip

    def _gaps(self) -> None:
        b = self.b
        b.amend(
            UNENCRYPTED_LAPTOP,
            encryption_at_rest="none",
            encryption_algorithm="",
            notes="BitLocker was suspended for a firmware update and never resumed; the "
            "provider keeps offline chart exports on this laptop.",
        )
        b.downgrade_to_windows_10(
            "RFM-MAIN-WS11", "Runs the spirometer review software, not certified for Windows 11."
        )
        b.downgrade_to_windows_10(
            "RFM-LV-WS05", "Card-reader driver for the front desk not available for Windows 11."
        )
        lakeview = self.sites[2]
        b.device(
            lakeview, "business", "ultrasound", "SV",
            name=LEGACY_US, kind="medical_device", hostname="rfm-lv-us-legacy",
            description="Older ultrasound kept for overflow; plugged into a business-network "
            "wall jack after the 2024 exam-room move",
            owner="Clinical engineering (biomed)", ephi=frozenset({"creates", "maintains",
                                                                   "transmits"}),
            criticality="high", encryption_at_rest="unknown",
            os_name=WINDOWS_7[0], os_version=WINDOWS_7[1], os_end_of_support=WINDOWS_7[2],
            manufacturer="Sonora Imaging", model="SonoView 300", mds2_on_file=False,
            patchable="no", notes="Manufacturer support ended; no security patches available.",
        )  # fmt: skip

    def _flows(self) -> None:
        f = self.flow
        demo, ids, bill, dx = "demographics", "identifiers", "billing", "diagnoses"
        notes, labs, meds, img = "clinical_notes", "lab_results", "medications", "imaging"
        sched, dev = "scheduling", "device_data"
        main, ng = self.devices["MAIN"], self.devices["NG"]
        # fmt: off
        f("Chart sync from EHR to practice management", asset(EHR), asset(PM),
          (demo, ids, sched, bill), "HTTPS", "tls", "1.3")
        f("Claims (837) to clearinghouse", asset(PM), vendor("ClearPath Claims Exchange"),
          (demo, ids, dx, bill), "HTTPS (X12 837)", "tls", "1.2", "daily")
        f("Remittances (835) from clearinghouse", vendor("ClearPath Claims Exchange"), asset(PM),
          (ids, bill), "HTTPS (X12 835)", "tls", "1.2", "daily")
        f("Billing work queue to Summit", asset(PM), vendor("Summit Revenue Partners"),
          (demo, ids, dx, bill), "SFTP", "ssh", "", "daily")
        f("Patient balances to collections", asset(PM), vendor(COLLECTIONS),
          (demo, ids, bill), "FTP", "none", "", "weekly", "Overdue balances for collection")
        f("Lab orders to Valley Reference Laboratory", asset(EHR),
          vendor("Valley Reference Laboratory"), (demo, ids, dx), "HL7 v2 (MLLP) over VPN", "vpn")
        f("Lab results from Valley Reference Laboratory", vendor("Valley Reference Laboratory"),
          asset(EHR), (ids, labs), "HL7 v2 (MLLP) over VPN", "vpn")
        f("Ultrasound studies to PACS", asset(main.ultrasound[0]), asset(PACS), (ids, img),
          "DICOM (TLS)", "tls", "1.2")
        f("Legacy ultrasound studies to PACS", asset(LEGACY_US), asset(PACS), (ids, img),
          "DICOM", "unknown", "", "ad_hoc", "Transport security not confirmed with the vendor")
        f("Studies for reading to Northstar", asset(PACS), vendor("Northstar Teleradiology"),
          (demo, ids, img), "DICOM over site-to-site VPN", "vpn")
        f("Reading reports from Northstar", vendor("Northstar Teleradiology"), asset(EHR),
          (ids, notes, dx), "HL7 v2 over HTTPS", "tls", "1.2")
        f("Prescriptions to e-prescribing", asset(EHR), asset(ERX), (demo, ids, meds),
          "HTTPS", "tls", "1.2")
        f("Prescription routing to pharmacies", asset(ERX), vendor("RxLink Network"),
          (demo, ids, meds), "NCPDP SCRIPT over HTTPS", "tls", "1.2")
        f("Patient portal sync", asset(EHR), asset(PORTAL), (demo, labs, meds, sched),
          "HTTPS", "tls", "1.3")
        f("Appointment reminder feed", asset(EHR), asset(REMINDERS), (demo, sched),
          "HTTPS (REST API)", "tls", "1.2", "hourly")
        f("Dictation audio to ScribeRight", asset(EHR), vendor("ScribeRight Transcription"),
          (ids, notes), "HTTPS", "tls", "1.2")
        f("Transcripts back to the EHR", vendor("ScribeRight Transcription"), asset(EHR),
          (ids, notes, dx), "HTTPS", "tls", "1.2")
        f("After-hours messages by email", vendor("CallPoint Answering Service"), asset(M365),
          (demo, notes), "SMTP", "unknown", "", "ad_hoc", "Opportunistic TLS; not verified")
        f("File server backups", asset(FILE_SERVER), asset(BACKUP), (demo, ids, notes, bill),
          "SMB 3.1.1 (encrypted)", "application", "", "daily")
        f("Offsite backup copy", asset(BACKUP), asset(CLOUD_BACKUP), (demo, ids, notes, bill),
          "HTTPS", "tls", "1.2", "daily")
        f("Offline chart exports to the file server", asset(UNENCRYPTED_LAPTOP),
          asset(FILE_SERVER), (demo, notes), "SMB 3.1.1 over site-to-site VPN", "vpn", "",
          "ad_hoc")
        f("ECG results to EHR", asset(main.ecg[0]), asset(EHR), (ids, dev, dx), "HTTPS", "tls",
          "1.2")
        f("ECG worklist to the Northgate ECG cart", asset(EHR), asset(ng.ecg[0]), (demo, ids),
          "HTTPS (vendor interface)", "tls", "1.0")
        for monitor in main.vitals + ng.vitals:
            f(f"Vital signs from {monitor} to EHR", asset(monitor), asset(EHR), (ids, dev),
              "HL7 v2 over TLS", "tls", "1.2")
        f("Scanned documents to EHR", asset(f"{PREFIX}-MAIN-MFP02"), asset(EHR), (ids, notes),
          "HTTPS", "tls", "1.2", "ad_hoc")
        f("Remote PACS maintenance", vendor("Sonora Imaging Service"), asset(PACS), (ids, img),
          "Vendor remote support over VPN", "vpn", "", "ad_hoc")
        f("Remote administration by BlueRidge", vendor("BlueRidge Managed IT"), asset(DC), (),
          "RDP over VPN", "vpn", "", "ad_hoc")
        f("Directory sync to Microsoft 365", asset(DC), asset(M365), (), "HTTPS", "tls", "1.2",
          "hourly")
        # fmt: on


def riverside(seed: int, now: dt.datetime) -> ClinicSpec:
    """The Riverside Family Medicine demo, the same for the same ``seed`` and ``now``."""
    practice = Riverside(random.Random(seed), now)  # noqa: S311 - demo data, not secrets
    practice.build_core()
    return practice.spec()
