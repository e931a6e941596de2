"""The audit-log page, its exports, the API list, and what bulk writers record."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from phiward.audit import store
from phiward.audit.models import AuditEntry
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.inventory.models import Zone
from phiward.inventory.transfer.service import export_inventory, import_inventory
from tests.conftest import client_for


def _zones(org: Organization, *names: str) -> None:
    for name in names:
        Zone.objects.create(organization=org, name=name)


def test_the_page_shows_only_the_organizations_entries(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    _zones(org, "Home zone")
    _zones(other_org, "Foreign zone")
    auditor = make_member(org, Role.AUDITOR)
    response = client_for(auditor).get(f"/o/{org.slug}/audit/?object_type=inventory.zone")
    assert response.status_code == 200
    shown = response.context["entries"]
    assert shown and all(e.organization_id == org.pk for e in shown)
    assert b"Home zone" in response.content and b"Foreign zone" not in response.content


def test_filters_narrow_the_list(org: Organization, make_member: Callable[..., User]) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    client = client_for(officer)
    client.post(f"/o/{org.slug}/inventory/zones/new/", {"name": "Lab", "kind": "clinical"})
    _zones(org, "Made by the system")
    response = client.get(f"/o/{org.slug}/audit/?user={officer.username}&action=create")
    entries = list(response.context["entries"])
    assert [e.actor for e in entries] == [officer.username]
    response = client.get(f"/o/{org.slug}/audit/?since=2000-01-01&until=2000-01-02")
    assert list(response.context["entries"]) == []


def test_csv_and_json_exports_are_themselves_logged(
    org: Organization, make_member: Callable[..., User]
) -> None:
    _zones(org, "=HYPERLINK(evil)")
    auditor = make_member(org, Role.AUDITOR)
    client = client_for(auditor)
    response = client.get(f"/o/{org.slug}/audit/export/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))  # streamed
    assert any(r["object_type"] == "inventory.zone" for r in rows)
    assert not any(cell.startswith("=") for r in rows for cell in r.values())
    exported = AuditEntry.objects.filter(action="export", object_type="audit.auditentry")
    assert exported.get().actor == auditor.username

    data = json.loads(client.get(f"/o/{org.slug}/audit/export/?format=json").getvalue())
    assert data[0]["action"] == "export"  # newest first: the previous export
    assert exported.count() == 2
    assert store.verify().ok


def test_the_api_lists_filters_and_pages(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    _zones(org, "One", "Two", "Three")
    _zones(other_org, "Elsewhere")
    client: Client = client_for(make_member(org, Role.AUDITOR))
    base = f"/api/organizations/{org.slug}/audit"
    page = client.get(f"{base}?object_type=inventory.zone&limit=2").json()
    assert page["count"] == 3 and len(page["items"]) == 2
    assert [i["seq"] for i in page["items"]] == sorted(
        (i["seq"] for i in page["items"]), reverse=True
    )
    rest = client.get(f"{base}?object_type=inventory.zone&limit=2&offset=2").json()
    assert len(rest["items"]) == 1
    assert client.get(f"{base}?action=delete").json()["count"] == 0
    assert client.get(f"{base}?action=nonsense").status_code == 422


def test_an_import_records_one_entry_per_object(org: Organization) -> None:
    _zones(org, "Existing")
    before = AuditEntry.objects.count()
    document = (
        "phiward_inventory: 1\n"
        "zones:\n  - name: Existing\n    description: now described\n  - name: New one\n"
    )
    summary = import_inventory(org, document.encode(), filename="inventory.yaml")
    assert summary.zones.created == 1 and summary.zones.updated == 1
    new = AuditEntry.objects.filter(seq__gte=before, object_type="inventory.zone")
    assert sorted(e.action for e in new) == ["change", "create"]
    change = new.get(action="change")
    assert change.changes["description"] == {"before": "", "after": "now described"}
    assert store.verify().ok


def test_an_export_is_logged(org: Organization) -> None:
    export_inventory(org, "json")
    entry = AuditEntry.objects.filter(action="export", object_type="inventory").get()
    assert entry.organization_id == org.pk and entry.changes["format"] == "json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "since", ["1021-07-30T06:50:56-22:22", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-12:00"]
)
def test_extreme_times_and_offsets_are_answered_not_500(
    since: str, org: Organization, make_member: Callable[..., User]
) -> None:
    client = client_for(make_member(org, Role.AUDITOR))
    response = client.get(f"/api/organizations/{org.slug}/audit", {"since": since, "until": since})
    assert response.status_code == 200, response.content
