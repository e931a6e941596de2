"""Evidence tests: each test's own data directory (evidence files land there), sample
objects, and helpers to add items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from pytest_django import Settings

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.evidence import library
from phiward.evidence.models import EvidenceItem
from phiward.inventory.models import Asset, AssetKind
from phiward.risk.models import Risk, RiskAnalysis, Threat, Vulnerability


@pytest.fixture(autouse=True)
def data_dir(settings: Settings, tmp_path: Path) -> Path:
    """Evidence files go to this test's own data directory (the keys stay the suite's)."""
    folder = tmp_path / "data"
    folder.mkdir()
    settings.DATA_DIR = folder
    return folder


@pytest.fixture
def owner(org: Organization, make_member: Callable[..., User]) -> User:
    return make_member(org, Role.OWNER)


@pytest.fixture
def asset(org: Organization) -> Asset:
    return Asset.objects.create(organization=org, name="EHR server", kind=AssetKind.EHR)


def meta(title: str = "Risk analysis 2026", **kwargs: object) -> library.Metadata:
    return library.Metadata(title=title, **kwargs)  # type: ignore[arg-type]


class Source:
    """A file-like source whose ``read`` may fail after some bytes (a crash mid-write)."""

    def __init__(self, data: bytes, fail_after: int | None = None) -> None:
        self.data, self.pos, self.fail_after = data, 0, fail_after

    def read(self, size: int = -1) -> bytes:
        if self.fail_after is not None and self.pos >= self.fail_after:
            raise OSError("the disk went away")
        end = len(self.data) if size < 0 else self.pos + size
        block, self.pos = self.data[self.pos : end], min(end, len(self.data))
        return block


@pytest.fixture
def add_file(org: Organization) -> Callable[..., EvidenceItem]:
    def add(
        data: bytes = b"%PDF-1.7 the risk analysis",
        name: str = "analysis.pdf",
        organization: Organization | None = None,
        links: library.Links | None = None,
        **kwargs: object,
    ) -> EvidenceItem:
        return library.add_file(
            organization or org,
            Source(data),
            name=name,
            media_type="application/pdf",
            meta=meta(**kwargs),
            links=links or library.Links(),
            user=None,
        )

    return add


def backdate(item: EvidenceItem, created: dt.date) -> EvidenceItem:
    """Pretend the item was added on ``created`` (created_at is set on insert)."""
    moment = dt.datetime.combine(created, dt.time(12), tzinfo=dt.UTC)
    EvidenceItem.objects.filter(pk=item.pk).update(created_at=moment)
    item.refresh_from_db()
    return item


def make_risk(org: Organization, number: int = 1) -> Risk:
    """A risk of ``org`` (with the analysis, threat and vulnerability it needs)."""
    analysis = RiskAnalysis.objects.create(organization=org, title="Annual analysis")
    threat = Threat.objects.create(
        organization=org, key=f"ransomware-{number}", name="Ransomware", source="adversarial"
    )
    weakness = Vulnerability.objects.create(organization=org, key=f"no-mfa-{number}", name="No MFA")
    return Risk.objects.create(
        organization=org,
        analysis=analysis,
        number=number,
        title="Ransomware encrypts the EHR",
        threat=threat,
        vulnerability=weakness,
    )


@pytest.fixture
def risk(org: Organization) -> Risk:
    return make_risk(org)
