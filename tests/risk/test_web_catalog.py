"""The threat and vulnerability catalog pages: lists, editing, adding the organization's own."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.models import Threat, Vulnerability
from phiward.risk.org_catalog import ensure_catalog
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def url(name: str, org: Organization, *args: object) -> str:
    return reverse(f"risk:{name}", args=[org.slug, *args])


def html(response: Any) -> str:
    return unescape(response.content.decode())


def field_errors(page: str, field: str) -> str:
    start = page.index(f'name="{field}"')
    end = page.find('<div class="field', start)
    return page[start : end if end != -1 else None]


def test_lists_show_citations_controls_and_origin(
    officer_client: Client, org: Organization
) -> None:
    empty = html(officer_client.get(url("threat-list", org)))
    assert "copied here when the first risk analysis starts" in empty
    ensure_catalog(org)
    ransomware = Threat.objects.get(organization=org, key="ransomware")
    page = html(officer_client.get(url("threat-list", org)))
    assert ransomware.name in page and ", ".join(ransomware.spec_ids) in page
    assert ", ".join(ransomware.nist_controls) in page and "Adversarial" in page
    vulnerabilities = html(officer_client.get(url("vulnerability-list", org)))
    assert Vulnerability.objects.get(organization=org, key="no-mfa").name in vulnerabilities


def test_edit_a_shipped_threat_keeps_it_edited(officer_client: Client, org: Organization) -> None:
    ensure_catalog(org)
    threat = Threat.objects.get(organization=org, key="ransomware")
    shipped_name = threat.name
    edit = url("threat-edit", org, threat.pk)
    form = html(officer_client.get(edit))
    assert 'name="key"' not in form  # the key names it elsewhere; it does not change
    data = {
        "name": "Ransomware and extortion",
        "source": "adversarial",
        "description": threat.description,
        "affects": ["confidentiality", "availability"],
        "events": "\n".join(threat.events),
        "spec_ids": "164.308(a)(7)(ii)(A)\n164.999(z)",
        "nist_controls": "CP-9, SI-3",
    }
    bad = html(officer_client.post(edit, data))
    assert "Not in the Security Rule catalog: 164.999(z)." in field_errors(bad, "spec_ids")
    threat.refresh_from_db()
    assert threat.name == shipped_name
    done = officer_client.post(edit, {**data, "spec_ids": "164.308(a)(7)(ii)(A)"})
    assert done["Location"] == url("threat-list", org)
    threat.refresh_from_db()
    assert threat.name == "Ransomware and extortion"
    assert (threat.spec_ids, threat.nist_controls) == (["164.308(a)(7)(ii)(A)"], ["CP-9", "SI-3"])
    ensure_catalog(org)  # phiward's next catalog update does not overwrite the edit
    threat.refresh_from_db()
    assert threat.name == "Ransomware and extortion"


def test_add_a_custom_vulnerability_and_retire_one(
    officer_client: Client, org: Organization
) -> None:
    ensure_catalog(org)
    new = url("vulnerability-create", org)
    data = {"key": "no-mfa", "name": "Shared front-desk login", "spec_ids": "164.312(d)"}
    duplicate = html(officer_client.post(new, data))
    assert "An entry with this key already exists here." in field_errors(duplicate, "key")
    bad = html(
        officer_client.post(new, {**data, "key": "shared-login", "key_activities": "KA_nothing"})
    )
    assert "Not NIST SP 800-66r2 key activities: KA_nothing." in field_errors(bad, "key_activities")
    officer_client.post(new, {**data, "key": "shared-login"})
    custom = Vulnerability.objects.get(organization=org, key="shared-login")
    assert (custom.name, custom.shipped, custom.spec_ids) == (
        "Shared front-desk login",
        False,
        ["164.312(d)"],
    )
    weak = Vulnerability.objects.get(organization=org, key="weak-tls")
    officer_client.post(
        url("vulnerability-edit", org, weak.pk),
        {"name": weak.name, "spec_ids": "\n".join(weak.spec_ids), "retired": "on"},
    )
    weak.refresh_from_db()
    assert weak.retired
    assert "retired" in html(officer_client.get(url("vulnerability-list", org)))


def test_auditors_read_the_catalog_only(
    org: Organization, make_member: Callable[..., User]
) -> None:
    ensure_catalog(org)
    auditor = client_for(make_member(org, Role.AUDITOR))
    page = html(auditor.get(url("threat-list", org)))
    assert url("threat-create", org) not in page and "/edit/" not in page
    assert auditor.post(url("threat-create", org), {"key": "x", "name": "X"}).status_code == 403


def test_add_a_custom_threat(officer_client: Client, org: Organization) -> None:
    new = url("threat-create", org)
    missing = html(officer_client.post(new, {"key": "tailgating", "source": "adversarial"}))
    assert "This field is required." in field_errors(missing, "name")
    done = officer_client.post(
        new,
        {
            "key": "tailgating",
            "name": "Tailgating into the records room",
            "source": "adversarial",
            "affects": ["confidentiality"],
            "events": "Physical access by an unauthorized person",
            "spec_ids": "164.310(a)(1)",
            "nist_controls": "PE-3",
        },
    )
    assert done["Location"] == url("threat-list", org)
    threat = Threat.objects.get(organization=org, key="tailgating")
    assert (threat.affects, threat.events, threat.shipped) == (
        ["confidentiality"],
        ["Physical access by an unauthorized person"],
        False,
    )
