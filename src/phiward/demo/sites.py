"""The endpoints of one clinic site: workstations, laptops, tablets, printers, medical devices
and network gear, with hostnames, addresses, MACs and serials consistent with the site's subnets.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass

from phiward.demo.spec import (
    WINDOWS_10,
    WINDOWS_11,
    AddressPlan,
    AssetSpec,
    Identities,
)

EPHI_ALL = frozenset({"creates", "receives", "maintains", "transmits"})
EPHI_VIEW = frozenset({"receives", "transmits"})
EPHI_DEVICE = frozenset({"creates", "maintains", "transmits"})

# Fictional manufacturer prefixes (locally administered style); one per product line.
OUI = {
    "workstation": "3C:7A:41",
    "laptop": "5E:31:0C",
    "tablet": "6A:0D:92",
    "printer": "7C:11:58",
    "pump": "0E:48:B3",
    "vitals": "0E:48:C7",
    "ecg": "1A:62:07",
    "ultrasound": "2E:95:D1",
    "xray": "2E:95:E4",
    "spirometer": "1A:62:F0",
    "switch": "9A:3F:20",
    "ap": "9A:3F:44",
    "firewall": "A6:0B:7E",
    "server": "B2:14:6D",
}


@dataclass(frozen=True)
class Site:
    """A clinic location: which zone each role of device sits in, and that zone's subnet here."""

    name: str
    code: str
    zones: Mapping[str, str]  # role -> zone name
    subnets: Mapping[str, str]  # role -> CIDR at this site


@dataclass(frozen=True)
class SiteMix:
    clinical_workstations: int
    business_workstations: int
    laptops: int
    tablets: int
    printers: int
    fax_printers: int
    pumps: int
    vitals: int
    ecg: int
    ultrasound: int
    xray: int
    spirometers: int
    switches: int
    access_points: int

    @property
    def total(self) -> int:
        return sum(int(getattr(self, f.name)) for f in dataclasses.fields(self)) + 1  # + firewall


@dataclass(frozen=True)
class SiteDevices:
    """Names of the devices at a site that take part in data flows."""

    vitals: tuple[str, ...]
    ecg: tuple[str, ...]
    ultrasound: tuple[str, ...]
    xray: tuple[str, ...]
    laptops: tuple[str, ...]
    workstations: tuple[str, ...]


class Builder:
    """Accumulates asset specs; every device draws its address from its zone's subnet."""

    def __init__(self, rng: random.Random, now: dt.datetime, prefix: str) -> None:
        self.rng = rng
        self.now = now
        self.prefix = prefix
        self.ids = Identities(rng, now)
        self.plan = AddressPlan()
        self.assets: list[AssetSpec] = []
        self._index: dict[str, int] = {}

    def add(self, spec: AssetSpec) -> AssetSpec:
        if spec.name in self._index:
            raise ValueError(f"duplicate asset name {spec.name}")
        self._index[spec.name] = len(self.assets)
        self.assets.append(spec)
        return spec

    def amend(self, name: str, **changes: object) -> None:
        i = self._index[name]
        self.assets[i] = dataclasses.replace(self.assets[i], **changes)  # type: ignore[arg-type]

    def device(
        self, site: Site, role: str, oui: str, serial_prefix: str, **fields: object
    ) -> AssetSpec:
        spec = AssetSpec(
            zone=site.zones[role],
            site=site.name,
            ip_address=self.plan.take(site.subnets[role]),
            mac_address=self.ids.mac(OUI[oui]),
            serial_number=self.ids.serial(serial_prefix),
            last_seen=self.ids.seen(),
            **fields,  # type: ignore[arg-type]
        )
        return self.add(spec)

    def windows_pc(
        self, site: Site, role: str, n: int, *, laptop: bool, room: str, owner: str
    ) -> str:
        os_name, os_version, eos = WINDOWS_11
        tag = "LT" if laptop else "WS"
        name = f"{self.prefix}-{site.code}-{tag}{n:02d}"
        self.device(
            site,
            role,
            "laptop" if laptop else "workstation",
            "PF" if laptop else "D",
            name=name,
            kind="laptop" if laptop else "workstation",
            hostname=name.lower(),
            description=room,
            owner=owner,
            ephi=EPHI_VIEW | ({"maintains"} if laptop else set()),
            criticality="moderate",
            encryption_at_rest="full_disk",
            encryption_algorithm="BitLocker XTS-AES-256",
            os_name=os_name,
            os_version=os_version,
            os_end_of_support=eos,
            manufacturer="Lenovo" if laptop else "Dell",
            model="ThinkPad T14 Gen 5" if laptop else "OptiPlex 7020",
            patchable="yes",
        )
        return name

    def downgrade_to_windows_10(self, name: str, reason: str) -> None:
        os_name, os_version, eos = WINDOWS_10
        self.amend(
            name, os_name=os_name, os_version=os_version, os_end_of_support=eos, notes=reason
        )

    def medical(
        self,
        site: Site,
        label: str,
        n: int,
        *,
        oui: str,
        manufacturer: str,
        model: str,
        criticality: str,
        mds2: bool | None,
        patchable: str,
        os: tuple[str, str, dt.date | None] = ("Embedded Linux", "", None),
        encryption: str = "unknown",
        role: str = "medical_device",
    ) -> str:
        name = f"{site.name} {label} {n}"
        code = label.replace(" ", "")[:5].upper()
        self.device(
            site,
            role,
            oui,
            manufacturer[:2].upper(),
            name=name,
            kind="medical_device",
            hostname=f"{self.prefix}-{site.code}-{code}{n:02d}".lower(),
            owner="Clinical engineering (biomed)",
            ephi=EPHI_DEVICE,
            criticality=criticality,
            encryption_at_rest=encryption,
            os_name=os[0],
            os_version=os[1],
            os_end_of_support=os[2],
            manufacturer=manufacturer,
            model=model,
            mds2_on_file=mds2,
            patchable=patchable,
        )
        return name


def populate(
    b: Builder, site: Site, mix: SiteMix, *, it_owner: str, clinical_owner: str
) -> SiteDevices:
    """Every endpoint of ``site`` in the proportions of ``mix``."""
    workstations = [
        b.windows_pc(site, "clinical", i, laptop=False, room=_room(i), owner=clinical_owner)
        for i in range(1, mix.clinical_workstations + 1)
    ]
    first = mix.clinical_workstations + 1
    for i in range(first, first + mix.business_workstations):
        b.windows_pc(site, "business", i, laptop=False, room="Front desk / billing", owner=it_owner)
    laptops = [
        b.windows_pc(site, "clinical", i, laptop=True, room="Provider laptop", owner=clinical_owner)
        for i in range(1, mix.laptops + 1)
    ]
    for i in range(1, mix.tablets + 1):
        name = f"{b.prefix}-{site.code}-TAB{i:02d}"
        b.device(
            site,
            "clinical",
            "tablet",
            "DMP",
            name=name,
            kind="mobile_device",
            hostname=name.lower(),
            description="Patient intake and consent forms",
            owner=clinical_owner,
            ephi=frozenset({"creates", "transmits"}),
            encryption_at_rest="full_disk",
            encryption_algorithm="iOS data protection (AES-256)",
            os_name="iPadOS",
            os_version="26",
            manufacturer="Apple",
            model="iPad (A16)",
            patchable="yes",
        )
    for i in range(1, mix.printers + mix.fax_printers + 1):
        fax = i > mix.printers
        name = f"{b.prefix}-{site.code}-{'MFP' if fax else 'PRN'}{i:02d}"
        b.device(
            site,
            "business" if fax else "clinical",
            "printer",
            "VNB",
            name=name,
            kind="printer",
            hostname=name.lower(),
            owner=it_owner,
            description="Multifunction printer with fax (referrals, records requests)"
            if fax
            else "Exam-area printer (visit summaries)",
            ephi=frozenset({"receives", "maintains"} if fax else {"receives"}),
            encryption_at_rest="full_disk" if fax else "unknown",
            manufacturer="HP",
            model="LaserJet Enterprise MFP M634" if fax else "LaserJet Pro 4001",
            patchable="yes",
        )
    for i in range(1, mix.pumps + 1):
        b.medical(
            site,
            "infusion pump",
            i,
            oui="pump",
            manufacturer="Halcyon Medical",
            model="HX-220 infusion system",
            criticality="critical",
            mds2=True,
            patchable="vendor_only",
        )
    vitals = [
        b.medical(
            site,
            "vitals monitor",
            i,
            oui="vitals",
            manufacturer="Welton Diagnostics",
            model="VS-4 connected vital signs",
            criticality="high",
            mds2=True,
            patchable="vendor_only",
        )
        for i in range(1, mix.vitals + 1)
    ]
    ecg = [
        b.medical(
            site,
            "ECG cart",
            i,
            oui="ecg",
            manufacturer="Cardiona",
            model="CX-12 resting ECG",
            criticality="high",
            mds2=b.rng.random() < 0.7,
            patchable="vendor_only",
            os=("Windows 10 IoT Enterprise LTSC", "2021", dt.date(2032, 1, 13)),
            encryption="full_disk",
        )
        for i in range(1, mix.ecg + 1)
    ]
    ultrasound = [
        b.medical(
            site,
            "ultrasound",
            i,
            oui="ultrasound",
            manufacturer="Sonora Imaging",
            model="UX-9 point-of-care ultrasound",
            criticality="high",
            mds2=True,
            patchable="vendor_only",
            encryption="full_disk",
        )
        for i in range(1, mix.ultrasound + 1)
    ]
    xray = [
        b.medical(
            site,
            "digital X-ray",
            i,
            oui="xray",
            manufacturer="Sonora Imaging",
            model="DR-40 digital radiography",
            criticality="high",
            mds2=True,
            patchable="vendor_only",
            encryption="full_disk",
        )
        for i in range(1, mix.xray + 1)
    ]
    for i in range(1, mix.spirometers + 1):
        b.medical(
            site,
            "spirometer",
            i,
            oui="spirometer",
            manufacturer="Cardiona",
            model="SP-3 spirometry workstation",
            criticality="moderate",
            mds2=False,
            patchable="unknown",
        )
    _network_gear(b, site, mix, it_owner)
    return SiteDevices(
        tuple(vitals),
        tuple(ecg),
        tuple(ultrasound),
        tuple(xray),
        tuple(laptops),
        tuple(workstations),
    )


def _network_gear(b: Builder, site: Site, mix: SiteMix, owner: str) -> None:
    name = f"{b.prefix}-{site.code}-FW01"
    b.device(
        site,
        "management",
        "firewall",
        "FGT60F",
        name=name,
        kind="firewall",
        hostname=name.lower(),
        owner=owner,
        description="Site firewall and site-to-site VPN",
        criticality="high",
        os_name="FortiOS",
        os_version="7.4",
        manufacturer="Fortinet",
        model="FortiGate 60F",
        patchable="yes",
    )
    gear = [("SW", "switch", "Switch", "CBS350-48P")] * mix.switches + [
        ("AP", "ap", "Wireless access point", "MR36")
    ] * mix.access_points
    counters: dict[str, int] = {}
    for tag, oui, description, model in gear:
        counters[tag] = counters.get(tag, 0) + 1
        name = f"{b.prefix}-{site.code}-{tag}{counters[tag]:02d}"
        b.device(
            site,
            "management",
            oui,
            "Q2",
            name=name,
            kind="network_device",
            hostname=name.lower(),
            owner=owner,
            description=description,
            criticality="moderate",
            manufacturer="Cisco" if tag == "SW" else "Cisco Meraki",
            model=model,
            patchable="yes",
        )


def _room(i: int) -> str:
    if i % 5 == 0:
        return "Nurse station"
    return f"Exam room {i - i // 5}"
