"""What a demo organization consists of, as plain frozen values (no Django).

The generators (``clinic``, ``network``) build a ``ClinicSpec`` from a seeded random source;
the loader writes it to the database. Choice values are the model's stored strings.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ref:
    """One end of a data flow: an asset or a vendor, by name."""

    kind: str  # "asset" or "vendor"
    name: str


def asset(name: str) -> Ref:
    return Ref("asset", name)


def vendor(name: str) -> Ref:
    return Ref("vendor", name)


@dataclass(frozen=True)
class ZoneSpec:
    name: str
    kind: str
    description: str = ""
    cidrs: tuple[str, ...] = ()
    internet_exposed: bool = False


@dataclass(frozen=True)
class VendorSpec:
    name: str
    service: str
    baa_status: str
    handles_ephi: bool = True
    baa_signed_on: dt.date | None = None
    baa_expires_on: dt.date | None = None
    contact: str = ""
    website: str = ""
    remote_access: bool = False
    notes: str = ""


@dataclass(frozen=True)
class AssetSpec:
    name: str
    kind: str
    zone: str | None
    description: str = ""
    owner: str = ""
    site: str = ""
    vendor: str | None = None
    ephi: frozenset[str] = frozenset()  # of "creates", "receives", "maintains", "transmits"
    record_count: int | None = None
    criticality: str = "moderate"
    encryption_at_rest: str = "unknown"
    encryption_algorithm: str = ""
    os_name: str = ""
    os_version: str = ""
    os_end_of_support: dt.date | None = None
    hostname: str = ""
    ip_address: str | None = None
    mac_address: str = ""
    serial_number: str = ""
    last_seen: dt.datetime | None = None
    lifecycle: str = "active"
    manufacturer: str = ""
    model: str = ""
    mds2_on_file: bool | None = None
    patchable: str = "unknown"
    notes: str = ""


@dataclass(frozen=True)
class FlowSpec:
    name: str
    source: Ref
    destination: Ref
    categories: tuple[str, ...]
    protocol: str
    transit: str
    tls_version: str = ""
    purpose: str = ""
    frequency: str = "real_time"
    notes: str = ""


@dataclass(frozen=True)
class PersonSpec:
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    title: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class RaciSpec:
    area: str
    raci: str
    username: str


@dataclass(frozen=True)
class ClinicSpec:
    name: str
    description: str
    address: str
    people: tuple[PersonSpec, ...]
    security_officer: str
    privacy_officer: str
    officers_since: dt.date
    raci: tuple[RaciSpec, ...]
    zones: tuple[ZoneSpec, ...]
    vendors: tuple[VendorSpec, ...]
    assets: tuple[AssetSpec, ...]
    flows: tuple[FlowSpec, ...]
    kind: str = "covered_entity"
    sites: tuple[str, ...] = field(default=())


# Operating systems with their end of support (Microsoft lifecycle dates).
WINDOWS_11 = ("Windows 11 Enterprise", "25H2", dt.date(2028, 10, 10))
WINDOWS_10 = ("Windows 10 Pro", "22H2", dt.date(2025, 10, 14))
WINDOWS_7 = ("Windows 7 Embedded", "SP1", dt.date(2020, 1, 14))
WINDOWS_SERVER = ("Windows Server", "2022", dt.date(2031, 10, 14))


class AddressPlan:
    """Hands out host addresses from each subnet in order, skipping the gateway (.1)."""

    def __init__(self) -> None:
        self._hosts: dict[str, Iterator[ipaddress.IPv4Address]] = {}

    def take(self, cidr: str) -> str:
        hosts = self._hosts.get(cidr)
        if hosts is None:
            hosts = iter(ipaddress.IPv4Network(cidr).hosts())
            next(hosts)  # the gateway
            self._hosts[cidr] = hosts
        return str(next(hosts))


class Identities:
    """Seeded MAC addresses, serial numbers and last-seen times for devices."""

    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = now
        self._macs: set[str] = set()

    def mac(self, prefix: str) -> str:
        while True:
            tail = ":".join(f"{self.rng.randrange(256):02X}" for _ in range(3))
            mac = f"{prefix}:{tail}".lower()  # the canonical form the models store
            if mac not in self._macs:
                self._macs.add(mac)
                return mac

    def serial(self, prefix: str, length: int = 7) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return prefix + "".join(self.rng.choice(alphabet) for _ in range(length))

    def seen(self, max_hours: int = 48) -> dt.datetime:
        return self.now - dt.timedelta(minutes=self.rng.randrange(2, max_hours * 60))

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.now.date() - dt.timedelta(days=self.rng.randrange(low, high))
