"""Importing and exporting an organization's inventory through the database.

``build_clinic_inventory`` is shared with the CLI and web tests of inventory transfer.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import models

from phiward.core.errors import InputProblems, InvalidInput
from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from phiward.inventory.transfer import formats
from phiward.inventory.transfer.formats import Format
from phiward.inventory.transfer.service import (
    ImportSummary,
    TableCounts,
    export_inventory,
    import_inventory,
    inventory_document,
)

UTC = dt.UTC


def build_clinic_inventory(org: Organization) -> None:
    """A realistic small clinic: 5 zones, 5 vendors, 22 assets, 10 flows (every endpoint pair)."""
    zones = {
        z.name: z
        for z in Zone.objects.bulk_create(
            [
                Zone(organization=org, name="Clinical LAN", kind="clinical", cidrs="10.10.0.0/24"),
                Zone(
                    organization=org,
                    name="Imaging VLAN",
                    kind="medical_device",
                    cidrs="10.20.0.0/24, 10.21.0.0/24",
                    description="Modalities and the PACS gateway.\nNo internet.",
                ),
                Zone(organization=org, name="Server room", kind="server"),
                Zone(organization=org, name="Guest Wi-Fi", kind="guest", internet_exposed=True),
                Zone(organization=org, name="AWS us-east-1", kind="cloud"),
            ]
        )
    }
    vendors = {
        v.name: v
        for v in Vendor.objects.bulk_create(
            [
                Vendor(
                    organization=org,
                    name="Acme Billing",
                    service="Claims and statements",
                    baa_status="signed",
                    baa_signed_on=dt.date(2023, 4, 1),
                    baa_expires_on=dt.date(2026, 3, 31),
                    website="https://acme-billing.example",
                    contact="Jo Smith, jo@acme-billing.example",
                ),
                Vendor(
                    organization=org,
                    name="CloudPACS Inc.",
                    baa_status="signed",
                    remote_access=True,
                    notes='Remote support via "SecureLink"; sessions recorded.',
                ),
                Vendor(organization=org, name="Lab Partners", baa_status="requested"),
                Vendor(
                    organization=org,
                    name="Shred-It",
                    handles_ephi=False,
                    baa_status="not_required",
                ),
                Vendor(organization=org, name="=Fax Relay", baa_status="none"),
            ]
        )
    }
    seen = dt.datetime(2025, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)
    assets = [
        Asset(
            organization=org,
            name="EHR",
            kind="ehr",
            zone=zones["Server room"],
            vendor=vendors["Acme Billing"],
            ephi_creates=True,
            ephi_receives=True,
            ephi_maintains=True,
            ephi_transmits=True,
            record_count=48_000,
            criticality="critical",
            encryption_at_rest="database_tde",
            encryption_algorithm="AES-256",
            os_name="Windows Server",
            os_version="2019",
            os_end_of_support=dt.date(2029, 1, 9),
            hostname="ehr01.clinic.local",
            ip_address="10.30.0.10",
            owner="Practice manager",
            site="Main street",
            notes="Vendor-hosted DB mirror; see runbook, section 3",
        ),
        Asset(
            organization=org,
            name="PACS",
            kind="pacs",
            zone=zones["Imaging VLAN"],
            vendor=vendors["CloudPACS Inc."],
            ephi_maintains=True,
            ip_address="2001:db8::20",
        ),
        Asset(
            organization=org,
            name="MRI scanner",
            kind="medical_device",
            zone=zones["Imaging VLAN"],
            ephi_creates=True,
            ephi_transmits=True,
            criticality="critical",
            encryption_at_rest="none",
            os_name="Windows",
            os_version="7 Embedded",
            os_end_of_support=dt.date(2020, 1, 14),
            ip_address="10.20.0.5",
            mac_address="00:1a:2b:3c:4d:5e",
            serial_number="MR-55-0042",
            manufacturer="Siemens",
            model="Magnetom 1.5T",
            mds2_on_file=True,
            patchable="vendor_only",
            last_seen=seen,
        ),
        Asset(
            organization=org,
            name="Ultrasound",
            kind="medical_device",
            zone=zones["Imaging VLAN"],
            mds2_on_file=False,
            patchable="no",
            manufacturer="GE",
        ),
        *[
            Asset(
                organization=org,
                name=f"Infusion pump {n}",
                kind="medical_device",
                zone=zones["Clinical LAN"],
                criticality="critical",
                manufacturer="BD",
                model="Alaris 8015",
                patchable="vendor_only",
                serial_number=f"ALR-{n:04d}",
            )
            for n in range(1, 4)
        ],
        *[
            Asset(
                organization=org,
                name=f"Front desk PC {n}",
                kind="workstation",
                zone=zones["Clinical LAN"],
                ephi_receives=True,
                encryption_at_rest="full_disk",
                encryption_algorithm="XTS-AES-128",
                os_name="Windows",
                os_version="11 23H2",
                ip_address=f"10.10.0.{100 + n}",
                mac_address=f"a4:bb:6d:00:00:{n:02x}",
                last_seen=seen + dt.timedelta(hours=n),
            )
            for n in range(1, 6)
        ],
        *[
            Asset(
                organization=org,
                name=f"Laptop {n}",
                kind="laptop",
                ephi_maintains=n % 2 == 0,
                encryption_at_rest="unknown" if n == 3 else "full_disk",
                lifecycle="retired" if n == 4 else "active",
            )
            for n in range(1, 5)
        ],
        Asset(organization=org, name="Firewall", kind="firewall", zone=zones["Server room"]),
        Asset(organization=org, name="Backup NAS", kind="backup_system", record_count=0),
        Asset(
            organization=org,
            name="Email",
            kind="saas_application",
            zone=zones["AWS us-east-1"],
            ephi_transmits=True,
        ),
        Asset(
            organization=org,
            name="Patient portal",
            kind="patient_portal",
            zone=zones["AWS us-east-1"],
            description="Patients see results, book visits.",
        ),
        Asset(organization=org, name="Fax machine", kind="printer", site="Café corner"),
        Asset(organization=org, name="-Old kiosk", kind="other", lifecycle="disposed"),
    ]
    Asset.objects.bulk_create(assets)
    a = {asset.name: asset for asset in Asset.objects.for_org(org)}
    flows = [
        ("Orders to lab", a["EHR"], None, None, vendors["Lab Partners"], ["lab_results"]),
        ("Results from lab", None, vendors["Lab Partners"], a["EHR"], None, ["lab_results"]),
        ("Images to PACS", a["MRI scanner"], None, a["PACS"], None, ["imaging", "identifiers"]),
        ("Claims", a["EHR"], None, None, vendors["Acme Billing"], ["billing", "demographics"]),
        ("Remits", None, vendors["Acme Billing"], None, vendors["=Fax Relay"], ["billing"]),
        ("Portal sync", a["EHR"], None, a["Patient portal"], None, ["clinical_notes"]),
        ("Front desk", a["Front desk PC 1"], None, a["EHR"], None, []),
        ("Fax out", a["Fax machine"], None, None, vendors["=Fax Relay"], ["sensitive"]),
        ("Backups", a["EHR"], None, a["Backup NAS"], None, ["demographics"]),
        ("Reading", None, vendors["CloudPACS Inc."], a["PACS"], None, ["imaging"]),
    ]
    transit = ["tls", "vpn", "none", "tls", "unknown", "tls", "ssh", "none", "application", "tls"]
    tls = ["1.2", "", "", "1.0", "", "1.3", "", "", "", ""]
    DataFlow.objects.bulk_create(
        DataFlow(
            organization=org,
            name=name,
            source_asset=sa,
            source_vendor=sv,
            destination_asset=da,
            destination_vendor=dv,
            ephi_categories=categories,
            protocol="HL7 v2 / MLLP" if n % 2 else "HTTPS",
            transit_encryption=transit[n],
            tls_version=tls[n],
            purpose="Treatment" if n < 3 else "Payment",
            frequency=["real_time", "daily", "ad_hoc"][n % 3],
            notes="" if n % 3 else "Reviewed 2025-01",
        )
        for n, (name, sa, sv, da, dv, categories) in enumerate(flows)
    )


def snapshot(org: Organization) -> dict[str, dict[str, dict[str, Any]]]:
    """Every inventory object of ``org`` as plain values, related objects by name."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    skip = {"id", "uid", "organization", "created_at", "updated_at"}
    model: Any
    for model in (Zone, Vendor, Asset, DataFlow):
        rows: dict[str, dict[str, Any]] = {}
        for obj in model.objects.for_org(org):
            row = {}
            for f in model._meta.concrete_fields:
                if f.name in skip:
                    continue
                value = getattr(obj, f.name)
                row[f.name] = str(value) if isinstance(value, models.Model) else value
            rows[obj.name] = row
        result[model.__name__] = rows
    return result


def counts(org: Organization) -> tuple[int, int, int, int]:
    return (
        Zone.objects.for_org(org).count(),
        Vendor.objects.for_org(org).count(),
        Asset.objects.for_org(org).count(),
        DataFlow.objects.for_org(org).count(),
    )


@pytest.fixture
def clinic(make_org: Callable[..., Organization]) -> Organization:
    org = make_org("clinic", "Clinic")
    build_clinic_inventory(org)
    return org


@pytest.mark.parametrize("fmt", list(Format))
def test_round_trip_into_a_new_organization(
    clinic: Organization, make_org: Callable[..., Organization], fmt: Format
) -> None:
    exported = export_inventory(clinic, fmt)
    copy = make_org("copy", "Copy")
    summary = import_inventory(copy, exported, filename=f"clinic-inventory.{fmt.extension}")
    assert summary.zones == TableCounts(created=5)
    assert summary.vendors == TableCounts(created=5)
    assert summary.assets == TableCounts(created=22)
    assert summary.data_flows == TableCounts(created=10)
    assert export_inventory(copy, fmt) == exported
    assert snapshot(copy) == snapshot(clinic)
    assert counts(clinic) == (5, 5, 22, 10)


def test_fixture_has_flows_between_every_kind_of_endpoint(clinic: Organization) -> None:
    pairs = {(f.source.kind, f.destination.kind) for f in inventory_document(clinic).data_flows}
    assert pairs == {
        ("asset", "asset"),
        ("asset", "vendor"),
        ("vendor", "asset"),
        ("vendor", "vendor"),
    }


def test_reimport_changes_nothing_and_an_edit_updates_one_object(clinic: Organization) -> None:
    exported = export_inventory(clinic, Format.YAML)
    before = Asset.objects.get(organization=clinic, name="Laptop 3").updated_at
    again = import_inventory(clinic, exported, filename="x.yaml")
    assert again.assets == TableCounts(unchanged=22)
    assert again.data_flows == TableCounts(unchanged=10)
    assert Asset.objects.get(organization=clinic, name="Laptop 3").updated_at == before

    # Laptop 3 moves into a zone that the same file adds.
    edited = exported.replace(
        b"- name: Laptop 3\n  kind: laptop\n",
        b"- name: Laptop 3\n  kind: laptop\n  zone: Home office\n",
    ).replace(b"zones:\n", b"zones:\n- name: Home office\n  kind: remote\n")
    assert edited != exported
    summary = import_inventory(clinic, edited, filename="x.yaml")
    assert summary.zones == TableCounts(created=1, unchanged=5)
    assert summary.assets == TableCounts(updated=1, unchanged=21)
    laptop = Asset.objects.select_related("zone").get(organization=clinic, name="Laptop 3")
    assert laptop.zone is not None
    assert laptop.zone.name == "Home office"
    assert laptop.updated_at > before


def test_replace_deletes_what_the_file_does_not_name(clinic: Organization) -> None:
    doc = inventory_document(clinic)
    keep = tuple(a for a in doc.assets if a.name != "Fax machine")
    flows = tuple(f for f in doc.data_flows if f.name != "Fax out")
    smaller = formats.write(type(doc)(doc.zones, doc.vendors, keep, flows, doc.tables), Format.JSON)
    merged = import_inventory(clinic, smaller, filename="x.json")
    assert merged.assets.deleted == 0
    assert counts(clinic) == (5, 5, 22, 10)
    replaced = import_inventory(clinic, smaller, filename="x.json", replace=True)
    assert replaced.assets == TableCounts(unchanged=21, deleted=1)
    assert replaced.data_flows == TableCounts(unchanged=9, deleted=1)
    assert counts(clinic) == (5, 5, 21, 9)


def test_replacing_one_table_leaves_the_others(clinic: Organization) -> None:
    summary = import_inventory(clinic, b"name,kind\nDMZ,dmz\n", filename="zones.csv", replace=True)
    assert summary.zones == TableCounts(created=1, deleted=5)
    assert counts(clinic) == (1, 5, 22, 10)
    assert not Asset.objects.filter(organization=clinic, zone__isnull=False).exists()


def test_replace_moves_a_flow_off_a_vendor_that_goes(clinic: Organization) -> None:
    doc = inventory_document(clinic)
    yaml_text = formats.write(doc, Format.YAML).decode()
    # Remove the vendor "=Fax Relay" and point its flows at Acme Billing instead.
    start = yaml_text.index("- name: =Fax Relay")
    end = yaml_text.index("- name:", start + 1)
    edited = (yaml_text[:start] + yaml_text[end:]).replace(
        "{vendor: =Fax Relay}", "{vendor: Acme Billing}"
    )
    summary = import_inventory(clinic, edited.encode(), filename="x.yaml", replace=True)
    assert summary.vendors.deleted == 1
    assert summary.data_flows == TableCounts(updated=2, unchanged=8)
    fax_out = DataFlow.objects.select_related("destination_vendor").get(
        organization=clinic, name="Fax out"
    )
    assert fax_out.destination_vendor is not None
    assert fax_out.destination_vendor.name == "Acme Billing"


def test_single_table_may_refer_to_what_the_organization_has(clinic: Organization) -> None:
    csv = b"name,kind,zone,vendor\nNew scanner,medical_device,Imaging VLAN,CloudPACS Inc.\n"
    summary = import_inventory(clinic, csv, filename="assets.csv")
    assert summary.assets == TableCounts(created=1)
    assert summary.zones == TableCounts()
    with pytest.raises(InputProblems) as caught:
        import_inventory(clinic, b"name,kind,zone\nX,ehr,Nowhere\n", filename="assets.csv")
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.field) == ("assets.csv", 2, "zone")
    assert problem.message == "no zone with this name in the input or the organization"


def test_one_bad_row_writes_nothing(clinic: Organization) -> None:
    text = export_inventory(clinic, Format.YAML).decode()
    broken = text.replace("criticality: critical", "criticality: severe", 1)
    broken = broken.replace("- name: Laptop 1\n", "- name: Laptop 1\n  color: blue\n", 1)
    broken += "- name: New flow\n  from: {asset: EHR}\n  to: {vendor: Nobody}\n"
    before = (counts(clinic), snapshot(clinic))
    with pytest.raises(InputProblems) as caught:
        import_inventory(clinic, broken.encode(), filename="x.yaml", replace=True)
    fields = sorted(p.field or "" for p in caught.value.problems)
    assert fields == ["color", "criticality", "to"]
    assert (counts(clinic), snapshot(clinic)) == before


def test_model_validation_problems_are_located_and_write_nothing(
    make_org: Callable[..., Organization],
) -> None:
    org = make_org()
    data = (
        b"phiward_inventory: 1\nzones: [{name: A}]\n"
        b"vendors:\n- name: Acme\n  website: not a web address\n"
    )
    with pytest.raises(InputProblems) as caught:
        import_inventory(org, data, filename="inv.yaml")
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.field) == ("inv.yaml", 5, "website")
    assert problem.message == "Enter a valid URL."
    assert counts(org) == (0, 0, 0, 0)


def test_dry_run_reports_but_saves_nothing(
    clinic: Organization, make_org: Callable[..., Organization]
) -> None:
    org = make_org()
    summary = import_inventory(
        org, export_inventory(clinic, Format.CSV), filename="x.zip", dry_run=True
    )
    assert summary.dry_run
    assert summary.assets.created == 22
    assert "dry run, nothing saved" in summary.describe()
    assert counts(org) == (0, 0, 0, 0)


def test_organizations_stay_apart(
    clinic: Organization, make_org: Callable[..., Organization]
) -> None:
    other = make_org()
    Zone.objects.create(organization=other, name="Clinical LAN", kind="guest")
    import_inventory(other, b"name,kind\nClinical LAN,dmz\n", filename="zones.csv")
    assert Zone.objects.get(organization=clinic, name="Clinical LAN").kind == "clinical"
    assert Zone.objects.get(organization=other, name="Clinical LAN").kind == "dmz"
    assert b"Clinical LAN" not in export_inventory(make_org(), Format.YAML)


def test_format_from_argument_or_extension(clinic: Organization) -> None:
    data = export_inventory(clinic, Format.JSON)
    assert import_inventory(clinic, data, filename="upload.bin", fmt="json").zones.unchanged == 5
    with pytest.raises(InputProblems):
        import_inventory(clinic, data, filename="upload.bin")
    with pytest.raises(InvalidInput):
        export_inventory(clinic, "xlsx")


def test_summary_as_dict() -> None:
    summary = ImportSummary(assets=TableCounts(created=2))
    assert summary.as_dict() == {
        "dry_run": False,
        "replace": False,
        "tables": {
            "zones": {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0},
            "vendors": {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0},
            "assets": {"created": 2, "updated": 0, "unchanged": 0, "deleted": 0},
            "data_flows": {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0},
        },
    }


def _large_inventory(n_assets: int) -> bytes:
    lines = ["phiward_inventory: 1", "zones:"]
    lines += [f"- {{name: Zone {z}, kind: clinical}}" for z in range(20)]
    lines += ["vendors:", "- {name: Vendor, baa_status: signed}", "assets:"]
    for n in range(n_assets):
        lines += [
            f"- name: Host {n:05d}",
            "  kind: workstation",
            f"  zone: Zone {n % 20}",
            "  vendor: Vendor",
            f"  ip_address: 10.{n // 65536}.{n // 256 % 256}.{n % 256}",
            f"  mac_address: 02:00:00:{n // 65536:02x}:{n // 256 % 256:02x}:{n % 256:02x}",
            "  ephi_receives: true",
            "  last_seen: 2025-01-01T00:00:00+00:00",
        ]
    lines += ["data_flows:"]
    lines += [
        f"- {{name: Flow {n}, from: {{asset: Host {n:05d}}}, to: {{vendor: Vendor}}}}"
        for n in range(0, n_assets, 10)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_five_thousand_assets_import_in_seconds_with_few_queries(
    make_org: Callable[..., Organization], django_assert_max_num_queries: Any
) -> None:
    org = make_org()
    data = _large_inventory(5000)
    started = time.perf_counter()
    with django_assert_max_num_queries(400):
        summary = import_inventory(org, data, filename="big.yaml")
    elapsed = time.perf_counter() - started
    assert summary.assets.created == 5000
    assert summary.data_flows.created == 500
    assert elapsed < 20, elapsed
    # A second import finds everything unchanged without touching rows one by one.
    with django_assert_max_num_queries(20):
        again = import_inventory(org, data, filename="big.yaml")
    assert again.assets.unchanged == 5000
    exported = export_inventory(org, Format.CSV)
    assert len(inventory_document(org).assets) == 5000
    assert exported == export_inventory(org, Format.CSV)


def test_narrow_updates_write_every_changed_field(clinic: Organization) -> None:
    """Updates write only the changed fields, grouped; the result must still be exact."""
    import json

    document = json.loads(export_inventory(clinic, Format.JSON))
    assets = document["assets"]
    assets[0]["record_count"] = 123_456
    assets[1]["owner"] = "New owner"
    assets[1]["criticality"] = "low"
    assets[2]["os_version"] = ""
    assets[2]["notes"] = "edited"
    zones = [zone["name"] for zone in document["zones"]]
    assets[3]["zone"] = zones[-1]
    edited = json.dumps(document).encode()
    summary = import_inventory(clinic, edited, filename="x.json")
    assert summary.assets.updated == 4
    assert json.loads(export_inventory(clinic, Format.JSON)) == document


def test_an_imported_change_flags_the_risks_of_the_asset(clinic: Organization) -> None:
    """Bulk updates send no signals; the importer tells the risk register itself."""
    from phiward.risk.analysis import start_analysis
    from phiward.risk.register import add_risk

    laptop = Asset.objects.get(organization=clinic, name="Laptop 3")
    analysis = start_analysis(clinic, None, title="2026")
    risk = add_risk(
        analysis,
        None,
        title="Laptop theft",
        threat="lost-stolen-device",
        vulnerability="no-encryption-at-rest",
        assets=[laptop],
    )
    exported = export_inventory(clinic, Format.YAML)
    edited = exported.replace(
        b"- name: Laptop 3\n  kind: laptop\n",
        b"- name: Laptop 3\n  kind: laptop\n  zone: Home office\n",
    ).replace(b"zones:\n", b"zones:\n- name: Home office\n  kind: remote\n")
    import_inventory(clinic, edited, filename="x.yaml")
    risk.refresh_from_db()
    assert risk.needs_reassessment
    reason = risk.reassessments.get().reason
    assert "Laptop 3" in reason and "zone" in reason.lower()
