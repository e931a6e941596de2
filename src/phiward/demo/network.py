"""A large demo organization of about N assets, for benchmarks: Riverside grown into a network.

Riverside Family Medicine stays at its core (its systems, vendors and gaps); many more clinic
sites are added in regions, each region with its own clinical, medical-device, business, guest
and management zones, plus more vendors and the data flows of every site's devices. Each added
site has about 60 assets in the proportions of a real clinic, and a few of the same gaps
(unencrypted laptops, Windows 10 workstations, legacy devices on the business network).
"""

from __future__ import annotations

import datetime as dt
import random

from phiward.demo.clinic import EHR, PACS, ZONE_NAMES, Riverside
from phiward.demo.sites import Site, SiteDevices, SiteMix, populate
from phiward.demo.spec import WINDOWS_7, ClinicSpec, ZoneSpec, asset, vendor

NAME = "Riverside Health Network"
SITE_MIX = SiteMix(18, 6, 8, 4, 2, 2, 4, 4, 1, 1, 1, 1, 3, 4)
SITES_PER_REGION = 10
REGIONS = (
    "North", "South", "East", "West", "Central", "Coastal", "Valley", "Highland", "Lakes",
    "Prairie", "Harbor", "Summit", "Canyon", "Meadow", "Forest", "River",
)  # fmt: skip
TOWN_START = (
    "Oak", "Cedar", "Maple", "Pine", "Willow", "Birch", "Elm", "Ash", "Aspen", "Spruce",
    "Hazel", "Juniper", "Laurel", "Alder", "Cypress", "Magnolia",
)  # fmt: skip
TOWN_END = (
    "dale", "field", "brook", "wood", "ridge", "ton", "view", "haven", "port", "ford",
    "creek", "gate", "hill", "crest", "mont", "water",
)  # fmt: skip
VENDOR_START = (
    "Apex", "Beacon", "Crescent", "Evergreen", "Granite", "Harborview", "Ironwood", "Kestrel",
    "Lumen", "Meridian", "Nimbus", "Orchard", "Pinnacle", "Quarry", "Redwood", "Sterling",
)  # fmt: skip
# noun, service
VENDOR_KINDS = (
    ("Home Health", "Home health agency (referrals)"),
    ("Telehealth", "Telehealth video visits"),
    ("Interpreting", "Medical interpreting"),
    ("Dictation", "Speech recognition dictation"),
    ("Analytics", "Population health analytics"),
    ("Specialty Pharmacy", "Specialty pharmacy hub"),
    ("Release of Information", "Records requests fulfilment"),
    ("Care Management", "Chronic care management"),
)
BAA_STATUSES = ("signed", "requested", "expired", "none")
BAA_WEIGHTS = (85, 7, 5, 3)


def _site(index: int, region_zones: dict[str, str]) -> Site:
    """Added site ``index`` (0-based): 10.<100 + index/16>.<(index%16)*16 + slot>.0/24."""
    second, block = 100 + index // 16, (index % 16) * 16
    slots = {"clinical": 0, "medical_device": 1, "business": 2, "management": 3}
    subnets = {role: f"10.{second}.{block + slot}.0/24" for role, slot in slots.items()}
    subnets["guest"] = f"172.{17 + index // 256}.{index % 256}.0/24"
    town = TOWN_START[index % 16] + TOWN_END[(index // 16) % 16]
    if index >= 256:
        town += f" {index // 256 + 1}"
    return Site(town, f"S{index + 1:03d}", region_zones, subnets)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class Network(Riverside):
    def grow(self, size: int) -> None:
        self.build_core()
        base = len(self.b.assets)
        count = max(0, round((size - base - size // 400) / SITE_MIX.total))
        roles = [r for r in ZONE_NAMES if r != "server"]
        for first in range(0, count, SITES_PER_REGION):
            r = first // SITES_PER_REGION
            region = REGIONS[r % len(REGIONS)] + ("" if r < len(REGIONS) else f" {r + 1}")
            zones = {role: f"{region} {_lower_first(ZONE_NAMES[role])}" for role in roles}
            sites = [_site(i, zones) for i in range(first, min(first + SITES_PER_REGION, count))]
            for role in roles:
                self.zones.append(
                    ZoneSpec(
                        zones[role],
                        role,
                        f"{ZONE_NAMES[role]} VLANs of the {region} region's clinics",
                        tuple(s.subnets[role] for s in sites),
                        internet_exposed=role == "guest",
                    )
                )
            for site in sites:
                self.sites.append(site)
                devices = populate(
                    self.b, site, SITE_MIX, it_owner="Regional IT", clinical_owner="Site lead"
                )
                self._site_gaps(site, devices)
                self._site_flows(site, devices)
        self._more_vendors(size // 400)

    def _site_gaps(self, site: Site, devices: SiteDevices) -> None:
        for laptop in devices.laptops:
            if self.rng.random() < 0.03:
                self.b.amend(laptop, encryption_at_rest="none", encryption_algorithm="")
        for workstation in devices.workstations:
            if self.rng.random() < 0.03:
                self.b.downgrade_to_windows_10(workstation, "Upgrade blocked by legacy software.")
        if self.rng.random() < 0.15:
            self.b.medical(
                site,
                "legacy ultrasound",
                1,
                oui="ultrasound",
                manufacturer="Sonora Imaging",
                model="SonoView 300",
                criticality="high",
                mds2=False,
                patchable="no",
                os=WINDOWS_7,
                role="business",
            )

    def _site_flows(self, site: Site, devices: SiteDevices) -> None:
        ids, dev, img = "identifiers", "device_data", "imaging"
        for name in devices.vitals + devices.ecg:
            self.flow(f"Device data from {name} to EHR", asset(name), asset(EHR), (ids, dev),
                      "HL7 v2 over TLS", "tls", "1.2")  # fmt: skip
        for name in devices.ultrasound + devices.xray:
            tls = "1.0" if self.rng.random() < 0.05 else "1.2"
            self.flow(f"Studies from {name} to PACS", asset(name), asset(PACS), (ids, img),
                      "DICOM (TLS)", "tls", tls)  # fmt: skip

    def _more_vendors(self, count: int) -> None:
        for i in range(count):
            noun, service = VENDOR_KINDS[i % len(VENDOR_KINDS)]
            start = VENDOR_START[(i // len(VENDOR_KINDS)) % len(VENDOR_START)]
            lap = i // (len(VENDOR_KINDS) * len(VENDOR_START))
            name = f"{start} {noun}" + (f" {lap + 1}" if lap else "")
            baa = self.rng.choices(BAA_STATUSES, BAA_WEIGHTS)[0]
            self.add_vendor(name, service, baa)
            secure = self.rng.random() < 0.9
            self.flow(f"Referral data to {name}", asset(EHR), vendor(name),
                      ("demographics", "identifiers", "diagnoses"),
                      "HTTPS" if secure else "SFTP", "tls" if secure else "ssh",
                      "1.2" if secure else "", "daily")  # fmt: skip


def riverside_network(seed: int, now: dt.datetime, size: int) -> ClinicSpec:
    """A network of about ``size`` assets, the same for the same ``seed``, ``now`` and ``size``."""
    network = Network(random.Random(seed), now)  # noqa: S311 - demo data, not secrets
    network.grow(size)
    sites = len(network.sites)
    return network.spec(
        NAME,
        f"A regional network of {sites} clinics grown around Riverside Family Medicine "
        f"(demo data of about {size} assets generated by phiward).",
    )
