"""Inventory pages: CRUD through the forms, filters, and organization scoping."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory(org: Organization) -> dict[str, object]:
    zone = Zone.objects.create(organization=org, name="Clinical", kind="clinical")
    vendor = Vendor.objects.create(organization=org, name="Acme Billing", baa_status="none")
    ehr = Asset.objects.create(
        organization=org,
        name="EHR",
        kind="ehr",
        zone=zone,
        ephi_maintains=True,
        encryption_at_rest="database_tde",
    )
    laptop = Asset.objects.create(
        organization=org,
        name="Laptop 7",
        kind="laptop",
        zone=zone,
        ephi_maintains=True,
        encryption_at_rest="none",
    )
    flow = DataFlow.objects.create(
        organization=org,
        name="Claims export",
        source_asset=ehr,
        destination_vendor=vendor,
        ephi_categories=["billing"],
        protocol="FTP",
        transit_encryption="none",
    )
    return {"zone": zone, "vendor": vendor, "ehr": ehr, "laptop": laptop, "flow": flow}


def url(name: str, org: Organization, *args: object) -> str:
    return reverse(f"inventory:{name}", args=[org.slug, *args])


def test_asset_list_filters_and_search(
    officer_client: Client, org: Organization, inventory: dict[str, object]
) -> None:
    ehr, laptop = inventory["ehr"], inventory["laptop"]
    assert isinstance(ehr, Asset)
    assert isinstance(laptop, Asset)
    ehr_link = f'href="{url("asset-detail", org, ehr.pk)}"'.encode()
    laptop_link = f'href="{url("asset-detail", org, laptop.pk)}"'.encode()

    page = officer_client.get(url("asset-list", org))
    assert page.status_code == 200
    assert ehr_link in page.content
    assert laptop_link in page.content

    unencrypted = officer_client.get(url("asset-list", org), {"encryption_at_rest": "none"})
    assert laptop_link in unencrypted.content
    assert ehr_link not in unencrypted.content

    searched = officer_client.get(url("asset-list", org), {"q": "laptop"})
    assert laptop_link in searched.content
    assert ehr_link not in searched.content

    ephi_no = officer_client.get(url("asset-list", org), {"ephi": "no"})
    assert laptop_link not in ephi_no.content
    assert ehr_link not in ephi_no.content


def test_htmx_request_gets_only_the_table(
    officer_client: Client, org: Organization, inventory: dict[str, object]
) -> None:
    page = officer_client.get(url("asset-list", org), {"q": "EHR"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert page.content.lstrip().startswith(b"<table")


def test_create_edit_delete_asset_through_forms(
    officer_client: Client, org: Organization, inventory: dict[str, object]
) -> None:
    zone = inventory["zone"]
    assert isinstance(zone, Zone)
    response = officer_client.post(
        url("asset-create", org),
        {
            "name": "Ultrasound 2",
            "kind": "medical_device",
            "zone": zone.pk,
            "lifecycle": "active",
            "criticality": "critical",
            "encryption_at_rest": "unknown",
            "patchable": "no",
            "mds2_on_file": "true",
            "ephi_creates": "on",
            "manufacturer": "Sonix",
            "model": "S9",
            "mac_address": "00-1A-2B-3C-4D-5E",
            "ip_address": "10.20.0.15",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    asset = Asset.objects.for_org(org).get(name="Ultrasound 2")
    assert asset.mac_address == "00:1a:2b:3c:4d:5e"
    assert asset.mds2_on_file is True
    assert asset.handles_ephi

    edit = officer_client.post(
        url("asset-update", org, asset.pk),
        {
            "name": "Ultrasound 2",
            "kind": "medical_device",
            "lifecycle": "retired",
            "criticality": "critical",
            "encryption_at_rest": "unknown",
            "patchable": "no",
        },
    )
    assert edit.status_code == 302
    asset.refresh_from_db()
    assert asset.lifecycle == "retired"

    assert officer_client.post(url("asset-delete", org, asset.pk)).status_code == 302
    assert not Asset.objects.filter(pk=asset.pk).exists()


def test_duplicate_name_and_bad_mac_are_form_errors(
    officer_client: Client, org: Organization, inventory: dict[str, object]
) -> None:
    response = officer_client.post(
        url("asset-create", org),
        {
            "name": "EHR",
            "kind": "ehr",
            "lifecycle": "active",
            "criticality": "high",
            "encryption_at_rest": "none",
            "patchable": "unknown",
            "mac_address": "zz",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "already exists" in errors["name"][0]
    assert "MAC address" in errors["mac_address"][0]
    assert Asset.objects.for_org(org).count() == 2


def test_flow_form_requires_exactly_one_source(
    officer_client: Client, org: Organization, inventory: dict[str, object]
) -> None:
    ehr, vendor = inventory["ehr"], inventory["vendor"]
    assert isinstance(ehr, Asset)
    assert isinstance(vendor, Vendor)
    response = officer_client.post(
        url("flow-create", org),
        {
            "name": "Both",
            "source_asset": ehr.pk,
            "source_vendor": vendor.pk,
            "destination_vendor": vendor.pk,
            "transit_encryption": "tls",
            "tls_version": "1.3",
            "frequency": "daily",
        },
    )
    assert response.status_code == 200
    assert "exactly one source" in str(response.context["form"].errors)

    ok = officer_client.post(
        url("flow-create", org),
        {
            "name": "Statements",
            "source_asset": ehr.pk,
            "destination_vendor": vendor.pk,
            "ephi_categories": ["billing", "demographics"],
            "transit_encryption": "tls",
            "tls_version": "1.2",
            "frequency": "daily",
            "protocol": "HTTPS",
        },
    )
    assert ok.status_code == 302
    flow = DataFlow.objects.for_org(org).get(name="Statements")
    assert flow.ephi_categories == ["billing", "demographics"]
    assert not flow.unencrypted


def test_related_choices_are_limited_to_the_organization(
    officer_client: Client,
    org: Organization,
    other_org: Organization,
    inventory: dict[str, object],
) -> None:
    foreign_zone = Zone.objects.create(organization=other_org, name="Their zone")
    response = officer_client.post(
        url("asset-create", org),
        {
            "name": "Sneaky",
            "kind": "server",
            "zone": foreign_zone.pk,
            "lifecycle": "active",
            "criticality": "low",
            "encryption_at_rest": "none",
            "patchable": "unknown",
        },
    )
    assert response.status_code == 200
    assert "zone" in response.context["form"].errors
    assert not Asset.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize("name", ["asset-detail", "asset-update", "asset-delete"])
def test_other_organizations_objects_are_404(
    name: str,
    org: Organization,
    other_org: Organization,
    make_member: Callable[..., User],
    inventory: dict[str, object],
) -> None:
    outsider = client_for(make_member(other_org, Role.OWNER))
    ehr = inventory["ehr"]
    assert isinstance(ehr, Asset)
    # Addressed under the victim's slug: not a member, so 404.
    assert outsider.get(url(name, org, ehr.pk)).status_code == 404
    # Addressed under the outsider's own slug: the object is not in that organization.
    assert outsider.get(url(name, other_org, ehr.pk)).status_code == 404
    assert outsider.post(url("asset-delete", other_org, ehr.pk)).status_code == 404
    assert Asset.objects.filter(pk=ehr.pk).exists()


def test_auditor_reads_but_cannot_change(
    org: Organization, make_member: Callable[..., User], inventory: dict[str, object]
) -> None:
    auditor = client_for(make_member(org, Role.AUDITOR))
    ehr = inventory["ehr"]
    assert isinstance(ehr, Asset)
    assert auditor.get(url("asset-detail", org, ehr.pk)).status_code == 200
    assert auditor.get(url("asset-create", org)).status_code == 403
    assert auditor.post(url("asset-delete", org, ehr.pk)).status_code == 403
    assert b"Edit</a>" not in auditor.get(url("asset-detail", org, ehr.pk)).content


def test_workforce_member_cannot_browse_inventory(
    org: Organization, make_member: Callable[..., User], inventory: dict[str, object]
) -> None:
    staff = client_for(make_member(org, Role.WORKFORCE))
    assert staff.get(url("asset-list", org)).status_code == 403


@pytest.mark.parametrize("resource", ["asset", "flow", "zone", "vendor"])
def test_every_list_and_detail_page_renders(
    resource: str, officer_client: Client, org: Organization, inventory: dict[str, object]
) -> None:
    obj = inventory[{"asset": "ehr", "flow": "flow", "zone": "zone", "vendor": "vendor"}[resource]]
    assert officer_client.get(url(f"{resource}-list", org)).status_code == 200
    assert officer_client.get(url(f"{resource}-detail", org, obj.pk)).status_code == 200  # type: ignore[attr-defined]
    assert officer_client.get(url(f"{resource}-create", org)).status_code == 200
    assert officer_client.get(url(f"{resource}-update", org, obj.pk)).status_code == 200  # type: ignore[attr-defined]


def test_asset_list_query_count_does_not_grow(
    officer_client: Client,
    org: Organization,
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    zone = Zone.objects.create(organization=org, name="Business")
    Asset.objects.bulk_create(
        Asset(organization=org, name=f"WS-{i:03}", kind="workstation", zone=zone) for i in range(60)
    )
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert officer_client.get(url("asset-list", org)).status_code == 200


def test_unknown_organization_is_404_for_everyone(officer_client: Client) -> None:
    assert officer_client.get("/o/no-such-org/inventory/assets/").status_code == 404
