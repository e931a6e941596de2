"""The catalog browser: login, framework tabs, filters, the htmx partial and entry pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

BROWSE = reverse("catalog:browse")


@pytest.fixture
def client_without_org(db: None) -> Client:
    """The catalog is not org data: a user with no membership may read it."""
    client = Client()
    client.force_login(User.objects.create_user("reader", password="x" * 20))
    return client


def rows(html: str) -> list[str]:
    """Citations of the rows in the results table, in order."""
    return re.findall(
        r'<th scope="row" class="nowrap">(?:&emsp;)?<a href="/catalog/[^"]+">([^<]+)</a>', html
    )


def test_anonymous_users_are_sent_to_login(client: Client) -> None:
    for url in (BROWSE, "/catalog/hipaa-security/164.308-a-1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_index_lists_the_security_rule_grouped_by_standard(officer_client: Client) -> None:
    response = officer_client.get(BROWSE)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["nav"] == "catalog"
    found = rows(html)
    assert len(found) == 68
    assert found[:2] == ["164.308(a)(1)", "164.308(a)(1)(ii)(A)"]
    assert html.count("<tbody>") == 22
    for field in ("catalog-q", "catalog-family", "catalog-requirement"):
        assert f'<label for="{field}">' in html
        assert f'id="{field}"' in html
    assert 'hx-target="#catalog-results"' in html
    assert 'id="catalog-results"' in html
    assert '<th scope="col">Requirement</th>' in html
    assert 'href="?framework=nprm-2025"' in html


def test_filters_work_without_javascript(client_without_org: Client) -> None:
    html = client_without_org.get(
        BROWSE, {"requirement": "addressable", "family": "technical"}
    ).content.decode()
    assert rows(html) == [
        "164.312(a)(1)",
        "164.312(a)(2)(iii)",
        "164.312(a)(2)(iv)",
        "164.312(c)(1)",
        "164.312(c)(2)",
        "164.312(e)(1)",
        "164.312(e)(2)(i)",
        "164.312(e)(2)(ii)",
    ]
    assert "5 of 68 entries match" in html
    assert '<option value="technical" selected>' in html
    assert '<option value="addressable" selected>' in html


def test_search_and_unknown_filter_values(client_without_org: Client) -> None:
    html = client_without_org.get(BROWSE, {"q": "media re-use"}).content.decode()
    assert rows(html) == ["164.310(d)(1)", "164.310(d)(2)(ii)"]
    nonsense = client_without_org.get(BROWSE, {"family": "bogus", "requirement": "maybe"})
    assert len(rows(nonsense.content.decode())) == 68
    empty = client_without_org.get(BROWSE, {"q": "zebra"}).content.decode()
    assert "No entries match." in empty
    assert client_without_org.get(BROWSE, {"framework": "hipaa-privacy"}).status_code == 404


def test_htmx_gets_only_the_results_table(client_without_org: Client) -> None:
    headers = {"HX-Request": "true", "HX-Target": "catalog-results"}
    response = client_without_org.get(BROWSE, {"q": "encryption"}, headers=headers)
    html = response.content.decode()
    assert html.lstrip().startswith('<p class="muted" role="status">')
    assert "<html" not in html
    assert "catalog-q" not in html
    assert "164.312(e)(2)(ii)" in rows(html)
    assert "HX-Request" in response["Vary"]
    restore = client_without_org.get(
        BROWSE, headers={**headers, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


def test_breach_and_proposed_tabs(client_without_org: Client) -> None:
    breach = client_without_org.get(BROWSE, {"framework": "hipaa-breach"}).content.decode()
    assert "catalog-family" not in breach
    assert "catalog-requirement" not in breach
    assert "164.404(b)" in rows(breach)
    nprm = client_without_org.get(BROWSE, {"framework": "nprm-2025"}).content.decode()
    assert "Proposed — not final" in nprm
    assert "This is a proposed rule, not law." in nprm
    assert '<span class="badge warn">secondary</span>' in nprm


def test_detail_of_a_standard(client_without_org: Client) -> None:
    url = reverse("catalog:entry", args=["hipaa-security", "164.308-a-1"])
    response = client_without_org.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["nav"] == "catalog"
    assert '<div class="regtext">(1)(i) Standard: Security management process.' in html
    assert '<span class="badge good">Required</span>' in html
    assert "Implementation specifications" in html
    assert 'href="/catalog/hipaa-security/164.308-a-1-ii-A/"' in html
    assert html.count("<details") == 9
    assert "Sample questions" in html
    assert "NIST.SP.800-53r5" in html


def test_detail_of_a_specification_with_quirks(client_without_org: Client) -> None:
    html = client_without_org.get("/catalog/hipaa-security/164.308-b-3/").content.decode()
    assert '<span class="badge good">Required</span>' in html
    assert 'href="/catalog/hipaa-security/164.308-b-1/"' in html  # parent standard
    assert html.count("Known quirk") == 2
    assert "NIST SP 800-66r2 cites it as</dt><dd>164.308(b)(4)" in html
    assert html.count("<details") == 1
    clearance = client_without_org.get(
        "/catalog/hipaa-security/164.308(a)(3)(ii)(B)/"
    ).content.decode()
    assert '<span class="badge">Addressable</span>' in clearance


def test_detail_of_a_proposal_and_missing_entries(client_without_org: Client) -> None:
    html = client_without_org.get("/catalog/nprm-2025/patch-management/").content.decode()
    assert "Proposed — not final" in html
    assert "secondary summaries" in html
    assert "15 calendar days" in html
    assert "regtext" not in html
    assert client_without_org.get("/catalog/hipaa-security/164.999/").status_code == 404
    assert client_without_org.get("/catalog/nope/164.308-a-1/").status_code == 404
