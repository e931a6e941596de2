"""Loading the demo into the database, and ``phiward demo``."""

from __future__ import annotations

import datetime as dt
import json
import random
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.db.models import Q

from phiward.core.errors import InvalidInput
from phiward.core.models import (
    Membership,
    OfficerAppointment,
    Organization,
    ResponsibilityAssignment,
)
from phiward.demo.cli import demo
from phiward.demo.clinic import COLLECTIONS, LEGACY_US, UNENCRYPTED_LAPTOP
from phiward.demo.credentials import CREDENTIALS_FILE, PASSWORD_ENV
from phiward.demo.loader import load_demo
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone

NOW = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_demo(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.delenv(PASSWORD_ENV, raising=False)


def inventory_dump(slug: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything about an organization's inventory except ids and timestamps."""
    org = Organization.objects.get(slug=slug)
    skip = {"id", "uid", "organization", "created_at", "updated_at"}

    def rows(model: Any, related: dict[str, str]) -> list[tuple[Any, ...]]:
        names = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
        names = [n for n in names if n.removesuffix("_id") not in related]
        # Encrypted fields are compared by their plaintext: each load seals them afresh.
        secret = [f.attname for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
        names = [n for n in names if n not in secret]
        objects = model.objects.for_org(org)
        plain = {o.pk: tuple(getattr(o, n) for n in secret) for o in objects}
        stored = objects.values_list("pk", *names, *related.values())
        out = [(*row[1:], *plain[row[0]]) for row in stored]
        return sorted(out, key=repr)

    return {
        "zones": rows(Zone, {}),
        "vendors": rows(Vendor, {}),
        "assets": rows(Asset, {"zone": "zone__name", "vendor": "vendor__name"}),
        "flows": rows(
            DataFlow,
            {
                "source_asset": "source_asset__name",
                "source_vendor": "source_vendor__name",
                "destination_asset": "destination_asset__name",
                "destination_vendor": "destination_vendor__name",
            },
        ),
    }


def test_load_builds_the_clinic_with_people_officers_and_matrix() -> None:
    result = load_demo(now=NOW)
    assert result.created
    assert result.slug == "riverside"
    org = Organization.objects.get(slug="riverside")
    assert 80 <= result.counts["assets"] <= 100
    assert result.counts["vendors"] >= 12
    assert result.counts["data_flows"] >= 20
    roles = dict(Membership.objects.filter(organization=org).values_list("user__username", "role"))
    assert roles == {a.username: a.role.value for a in result.accounts}
    assert org.security_officer is not None
    assert org.security_officer.username == "daniel.okafor"
    assert org.privacy_officer is not None
    assert org.privacy_officer.username == "priya.raman"
    appointments = OfficerAppointment.objects.for_org(org)
    assert {a.officer for a in appointments} == {"security", "privacy"}
    assert {a.approved_by.username for a in appointments} == {"maria.alvarez"}
    accountable = ResponsibilityAssignment.objects.for_org(org).filter(raci="A")
    assert accountable.count() == 8
    assert authenticate(username="marcus.bell", password=result.password) is not None


def test_a_second_run_changes_nothing() -> None:
    first = load_demo(now=NOW)
    before = inventory_dump("riverside")
    stamps = list(Asset.objects.order_by("pk").values_list("pk", "updated_at"))
    passwords = list(User.objects.order_by("pk").values_list("password", flat=True))
    second = load_demo(now=NOW + dt.timedelta(days=3))
    assert not second.created
    assert second.counts == first.counts
    assert inventory_dump("riverside") == before
    assert list(Asset.objects.order_by("pk").values_list("pk", "updated_at")) == stamps
    assert list(User.objects.order_by("pk").values_list("password", flat=True)) == passwords


def test_reset_rebuilds_the_same_organization() -> None:
    load_demo(now=NOW)
    original = inventory_dump("riverside")
    org = Organization.objects.get(slug="riverside")
    old_pks = set(Asset.objects.for_org(org).values_list("pk", flat=True))
    Asset.objects.for_org(org).filter(kind="printer").delete()
    Asset.objects.create(organization=org, name="Rogue device", kind="other")
    result = load_demo(reset=True, now=NOW)
    assert result.created
    assert inventory_dump("riverside") == original
    new_org = Organization.objects.get(slug="riverside")
    assert not old_pks & set(Asset.objects.for_org(new_org).values_list("pk", flat=True))
    assert OfficerAppointment.objects.for_org(new_org).count() == 2


def test_same_seed_gives_an_identical_inventory_and_another_seed_does_not() -> None:
    load_demo(slug="one", seed=11, now=NOW, program=False)
    load_demo(slug="two", seed=11, now=NOW, program=False)
    load_demo(slug="three", seed=12, now=NOW, program=False)
    assert inventory_dump("one") == inventory_dump("two")
    assert inventory_dump("one") != inventory_dump("three")


def test_the_gaps_can_be_found_by_query() -> None:
    load_demo(now=NOW)
    org = Organization.objects.get(slug="riverside")
    assets = Asset.objects.for_org(org)
    ephi = Q(ephi_creates=True) | Q(ephi_receives=True) | Q(ephi_maintains=True)
    unencrypted = assets.filter(ephi, encryption_at_rest="none")
    assert list(unencrypted.values_list("name", flat=True)) == [UNENCRYPTED_LAPTOP]
    misplaced = assets.filter(kind="medical_device").exclude(zone__kind="medical_device")
    assert list(misplaced.values_list("name", flat=True)) == [LEGACY_US]
    assert misplaced.get().zone.kind == "business"  # type: ignore[union-attr]
    assert misplaced.get().patchable == "no"
    assert misplaced.get().mds2_on_file is False
    flows = DataFlow.objects.for_org(org)
    plain = flows.filter(transit_encryption="none").exclude(ephi_categories=[])
    assert plain.count() == 1
    assert plain.get().destination_vendor.name == COLLECTIONS  # type: ignore[union-attr]
    assert plain.get().destination_vendor.baa_status == "none"  # type: ignore[union-attr]
    weak = flows.filter(transit_encryption="tls", tls_version__in=["1.0", "1.1"])
    assert weak.count() == 1
    assert weak.get().destination_asset.kind == "medical_device"
    unsupported = assets.filter(os_end_of_support__lt=NOW.date(), os_name__startswith="Windows 10")
    assert unsupported.count() == 2
    no_baa = Vendor.objects.for_org(org).filter(handles_ephi=True, baa_status="none")
    assert list(no_baa.values_list("name", flat=True)) == [COLLECTIONS]


def test_everything_belongs_to_the_organization_and_validates() -> None:
    load_demo(now=NOW, program=False)
    load_demo(slug="neighbour", seed=5, now=NOW, program=False)
    org = Organization.objects.get(slug="riverside")
    zones = list(Zone.objects.for_org(org))
    vendors = list(Vendor.objects.for_org(org))
    flows = list(DataFlow.objects.for_org(org).select_related(
        "source_asset", "source_vendor", "destination_asset", "destination_vendor"
    ))  # fmt: skip
    assets = list(Asset.objects.for_org(org).select_related("zone", "vendor"))
    for asset in assets:
        assert asset.zone is None or asset.zone.organization_id == org.pk
        assert asset.vendor is None or asset.vendor.organization_id == org.pk
    for flow in flows:
        for end in (flow.source, flow.destination):
            assert end is not None
            assert end.organization_id == org.pk
    sample = zones + vendors + flows + random.Random(1).sample(assets, 30)
    for obj in sample:
        obj.full_clean()


def test_size_gives_about_that_many_assets() -> None:
    result = load_demo(slug="network", size=600, now=NOW)
    assert 570 <= result.counts["assets"] <= 630
    assert result.name == "Riverside Health Network"
    assert result.counts["zones"] > 7


def test_the_admin_superuser_becomes_an_owner() -> None:
    admin = User.objects.create_superuser("admin", password="admin password 123")
    result = load_demo(now=NOW, program=False)
    assert result.admin_is_owner
    assert Membership.objects.get(user=admin, organization__slug="riverside").role == "owner"


def test_the_password_is_generated_once_into_a_private_file(tmp_path: Path) -> None:
    first = load_demo(now=NOW, program=False)
    path = tmp_path / CREDENTIALS_FILE
    assert first.credentials_file == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["password"] == first.password
    again = load_demo(slug="again", now=NOW, program=False)
    assert again.password == first.password
    assert authenticate(username="helen.cho", password=first.password) is not None


def test_the_environment_overrides_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "demo password from env")
    result = load_demo(now=NOW, program=False)
    assert result.password == "demo password from env"
    assert result.credentials_file is None
    assert not (tmp_path / CREDENTIALS_FILE).exists()
    assert authenticate(username="priya.raman", password="demo password from env") is not None


def test_a_real_organization_is_never_reset(make_org: Callable[..., Organization]) -> None:
    make_org("riverside", "Our real clinic")
    with pytest.raises(InvalidInput, match="not a demo organization"):
        load_demo(reset=True, now=NOW)
    assert Organization.objects.filter(slug="riverside", name="Our real clinic").exists()


def test_a_real_account_with_a_demo_username_is_left_alone() -> None:
    User.objects.create_user("maria.alvarez", email="maria@real-clinic.example", password="x")
    with pytest.raises(InvalidInput, match="not a demo account"):
        load_demo(now=NOW)
    assert not Organization.objects.filter(slug="riverside").exists()


def test_bad_slug_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a valid slug"):
        load_demo(slug="no spaces please", now=NOW)


def test_cli_json_then_idempotent_then_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "browser test password")
    runner = CliRunner()
    first = runner.invoke(demo, ["--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert data["created"] is True
    assert data["url"] == "http://127.0.0.1:8000/"
    assert data["password"] == "browser test password"
    assert {a["role"] for a in data["accounts"]} == {
        "owner", "security_officer", "privacy_officer", "auditor", "workforce"
    }  # fmt: skip
    second = runner.invoke(demo, [])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    assert "maria.alvarez" in second.output
    assert "browser test password" in second.output
    third = runner.invoke(demo, ["--reset", "--json"])
    assert json.loads(third.output)["created"] is True
