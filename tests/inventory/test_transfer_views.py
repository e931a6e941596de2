"""The import / export page: downloads, uploads, and who may do which."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.inventory.transfer.formats import Format
from phiward.inventory.transfer.service import export_inventory
from tests.conftest import client_for
from tests.inventory.test_transfer_service import build_clinic_inventory, counts


@pytest.fixture
def clinic(org: Organization) -> Organization:
    build_clinic_inventory(org)
    return org


def urls(org: Organization) -> dict[str, str]:
    return {
        name: reverse(f"inventory:{name}", args=[org.slug])
        for name in ("transfer", "export", "import")
    }


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_page_offers_three_downloads_and_the_upload_form(
    clinic: Organization, officer_client: Client
) -> None:
    response = officer_client.get(urls(clinic)["transfer"])
    assert response.status_code == 200
    assert response.context["nav"] == "transfer"
    html = response.content.decode()
    for fmt in ("yaml", "json", "csv"):
        assert f"{urls(clinic)['export']}?format={fmt}" in html
    assert 'download="clinic-a-inventory.zip"' in html
    assert '<label for="id_file">Inventory file:</label>' in html
    assert 'enctype="multipart/form-data"' in html
    assert f'action="{urls(clinic)["import"]}"' in html


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        (Format.YAML, "application/yaml; charset=utf-8"),
        (Format.JSON, "application/json"),
        (Format.CSV, "application/zip"),
    ],
)
def test_export_downloads(
    clinic: Organization, officer_client: Client, fmt: Format, media_type: str
) -> None:
    response = officer_client.get(urls(clinic)["export"], {"format": fmt.value})
    assert response.status_code == 200
    assert response["Content-Type"] == media_type
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="clinic-a-inventory.{fmt.extension}"'
    )
    assert response["Cache-Control"] == "no-store"
    assert response.content == export_inventory(clinic, fmt)


def test_export_of_an_unknown_format_is_a_bad_request(
    clinic: Organization, officer_client: Client
) -> None:
    assert officer_client.get(urls(clinic)["export"], {"format": "xlsx"}).status_code == 400


def test_upload_imports_and_reports_the_summary(
    clinic: Organization,
    make_org: Callable[..., Organization],
    make_member: Callable[..., User],
) -> None:
    copy = make_org("copy", "Copy")
    client = client_for(make_member(copy, Role.OWNER))
    payload = export_inventory(clinic, Format.CSV)
    response = client.post(
        urls(copy)["import"], {"file": upload("clinic.zip", payload), "format": ""}, follow=True
    )
    assert response.redirect_chain == [(urls(copy)["transfer"], 302)]
    [message] = list(response.context["messages"])
    assert message.level_tag == "success"
    assert str(message).startswith("clinic.zip: zones 5 created, 0 updated")
    assert counts(copy) == counts(clinic)
    assert export_inventory(copy, Format.CSV) == payload


def test_upload_with_problems_lists_them_all_and_saves_nothing(
    clinic: Organization, officer_client: Client
) -> None:
    bad = (
        b"name,kind,zone,ip_address\n"
        b"Good one,server,Server room,10.0.0.1\n"
        b"Bad kind,toaster,Server room,10.0.0.2\n"
        b"Bad ip,server,Server room,999.1.1.1\n"
        b"Bad zone,server,Attic,\n"
    )
    before = counts(clinic)
    response = officer_client.post(
        urls(clinic)["import"], {"file": upload("assets.csv", bad), "replace": "on"}
    )
    assert response.status_code == 200
    problems = response.context["problems"]
    assert [(p.row, p.field) for p in problems] == [(3, "kind"), (4, "ip_address"), (5, "zone")]
    html = response.content.decode()
    assert "Nothing was imported: 3 problems" in html
    assert "not an IPv4 or IPv6 address" in html
    assert counts(clinic) == before


def test_dry_run_from_the_page(clinic: Organization, officer_client: Client) -> None:
    response = officer_client.post(
        urls(clinic)["import"],
        {"file": upload("zones.csv", b"name,kind\nNew,dmz\n"), "dry_run": "on"},
        follow=True,
    )
    [message] = list(response.context["messages"])
    assert "dry run, nothing saved: zones 1 created" in str(message)
    assert counts(clinic)[0] == 5


def test_auditor_exports_but_cannot_import(
    clinic: Organization, make_member: Callable[..., User]
) -> None:
    client = client_for(make_member(clinic, Role.AUDITOR))
    page = client.get(urls(clinic)["transfer"])
    assert page.status_code == 200
    assert "Inventory file" not in page.content.decode()
    assert client.get(urls(clinic)["export"], {"format": "json"}).status_code == 200
    response = client.post(urls(clinic)["import"], {"file": upload("zones.csv", b"name\nSneaky\n")})
    assert response.status_code == 403
    assert client.get(urls(clinic)["import"]).status_code == 403
    assert counts(clinic)[0] == 5


def test_workforce_cannot_see_the_inventory(
    clinic: Organization, make_member: Callable[..., User]
) -> None:
    client = client_for(make_member(clinic, Role.WORKFORCE))
    assert client.get(urls(clinic)["transfer"]).status_code == 403
    assert client.get(urls(clinic)["export"], {"format": "yaml"}).status_code == 403


def test_members_of_another_organization_get_not_found(
    clinic: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    client = client_for(make_member(other_org, Role.OWNER))
    assert client.get(urls(clinic)["transfer"]).status_code == 404
    assert client.get(urls(clinic)["export"], {"format": "yaml"}).status_code == 404
    response = client.post(urls(clinic)["import"], {"file": upload("zones.csv", b"name\nX\n")})
    assert response.status_code == 404
    assert counts(clinic)[0] == 5


def test_anonymous_users_are_sent_to_log_in(clinic: Organization) -> None:
    response = Client().get(urls(clinic)["export"], {"format": "yaml"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
