"""The safeguard pages: matrix (filters, htmx), detail and edit, approval, risks, posture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.models import Risk
from phiward.safeguards import services
from phiward.safeguards.models import SafeguardRisk, SafeguardStatus
from tests.conftest import client_for
from tests.safeguards.conftest import EvidenceTable

pytestmark = pytest.mark.django_db

ENCRYPTION = "164.312-a-2-iv"
CLEARINGHOUSE = "164.308-a-4-ii-A"


def url(name: str, org: Organization, *args: object) -> str:
    return reverse(f"safeguards:{name}", args=[org.slug, *args])


def test_matrix_lists_every_entry_by_family_with_status_and_ra(
    officer_client: Client, org: Organization, officer: User, evidence: EvidenceTable
) -> None:
    services.update(org, "164.312(b)", {"status": "implemented", "owner": officer}, by=officer)
    services.update(org, "164.312(d)", {"status": "implemented"}, by=officer)
    evidence[org.slug] = {"164.312(d)": (1, 0)}
    page = officer_client.get(url("matrix", org))
    assert page.status_code == 200
    html = page.content.decode()
    assert "68 of 68 standards and implementation specifications" in html
    assert "Technical safeguards (164.312)" in html
    assert "Implemented — evidence missing" in html  # 164.312(b): no evidence
    assert html.count('<span class="badge good">Implemented</span>') == 1  # 164.312(d)
    assert '<abbr title="Addressable">A</abbr>' in html


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ({"family": "physical"}, "164.310(a)(1)", "164.312(b)"),
        ({"requirement": "addressable"}, "164.312(a)(2)(iv)", "164.312(b)"),
        ({"status": "partial"}, "164.312(b)", "164.312(d)"),
        ({"owner": "security_officer-clinic-a"}, "164.312(b)", "164.312(d)"),
        ({"owner": "none"}, "164.312(d)", "164.312(b)&lt;"),
    ],
)
def test_matrix_filters(
    officer_client: Client,
    org: Organization,
    officer: User,
    query: dict[str, str],
    expected: str,
    absent: str,
) -> None:
    services.update(org, "164.312(b)", {"status": "partial", "owner": officer}, by=officer)
    html = officer_client.get(url("matrix", org), query).content.decode()
    assert f">{expected}</a>" in html
    assert f">{absent}</a>" not in html


def test_htmx_filter_gets_only_the_table(officer_client: Client, org: Organization) -> None:
    page = officer_client.get(url("matrix", org), {"family": "technical"}, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert "<html" not in html and "164.312(b)" in html and "164.308(a)(1)" not in html
    assert "HX-Request" in page["Vary"]


def test_matrix_query_count_is_flat(
    officer_client: Client,
    org: Organization,
    officer: User,
    django_assert_max_num_queries: Any,
) -> None:
    for item in services.safeguard_entries()[:30]:
        if item.requirement and item.requirement.value == "required":
            services.update(org, item.id, {"status": "planned", "owner": officer}, by=officer)
    with django_assert_max_num_queries(14):
        assert officer_client.get(url("matrix", org)).status_code == 200


def test_edit_addressable_with_alternative_measure(
    officer_client: Client, org: Organization, officer: User
) -> None:
    page = officer_client.get(url("edit", org, ENCRYPTION))
    assert page.status_code == 200
    assert 'name="decision"' in page.content.decode()
    assert 'name="na_reason"' not in page.content.decode()
    form = {
        "status": "implemented",
        "decision": "alternative",
        "alternative": "",
        "rationale": "",
        "owner": str(officer.pk),
        "policies": "Encryption standard | https://intranet.example/enc\nKey SOP | SOP-7",
    }
    bad = officer_client.post(url("edit", org, ENCRYPTION), form)
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "Describe the equivalent alternative measure." in html
    assert "164.306(d)(3)(ii)(B)(1)" in html
    assert not SafeguardStatus.objects.filter(spec_id="164.312(a)(2)(iv)").exists()
    form.update(alternative="Vendor-hosted EHR only", rationale="No ePHI at rest locally.")
    done = officer_client.post(url("edit", org, ENCRYPTION), form)
    assert done.status_code == 302 and done["Location"] == url("detail", org, ENCRYPTION)
    row = SafeguardStatus.objects.get(organization=org, spec_id="164.312(a)(2)(iv)")
    assert (row.decision, row.owner) == ("alternative", officer)
    assert row.policies == [
        {"title": "Encryption standard", "url": "https://intranet.example/enc", "reference": ""},
        {"title": "Key SOP", "url": "", "reference": "SOP-7"},
    ]
    detail = officer_client.get(url("detail", org, ENCRYPTION)).content.decode()
    assert "Equivalent alternative measure" in detail and "Vendor-hosted EHR only" in detail
    assert "SOP-7" in detail


def test_policy_lines_must_have_a_target(officer_client: Client, org: Organization) -> None:
    page = officer_client.post(
        url("edit", org, "164.316-a"), {"status": "planned", "policies": "Just a title"}
    )
    assert page.status_code == 200
    assert "Line 1: write" in page.content.decode()


def test_required_not_applicable_approve_and_reject_on_the_web(
    officer_client: Client, org: Organization, officer: User, make_member: Callable[..., User]
) -> None:
    page = officer_client.get(url("edit", org, CLEARINGHOUSE)).content.decode()
    assert 'name="na_reason"' in page and 'name="decision"' not in page
    officer_client.post(url("edit", org, CLEARINGHOUSE), {"status": "planned"})
    asked = officer_client.post(
        url("edit", org, CLEARINGHOUSE),
        {"status": "not_applicable", "na_reason": "Not a clearinghouse."},
        follow=True,
    )
    assert "It awaits approval." in asked.content.decode()
    detail = officer_client.get(url("detail", org, CLEARINGHOUSE)).content.decode()
    assert "Not applicable — awaiting approval" in detail
    # The requester may not approve their own request.
    own = officer_client.post(url("approve", org, CLEARINGHOUSE), follow=True)
    assert "Someone other than the person who asked" in own.content.decode()
    second = client_for(make_member(org, Role.SECURITY_OFFICER, username="second"))
    second.post(url("approve", org, CLEARINGHOUSE))
    assert SafeguardStatus.objects.get(spec_id="164.308(a)(4)(ii)(A)").na_approved_by is not None
    # Asking again (new reason), then a rejection with a note restores "planned".
    officer_client.post(
        url("edit", org, CLEARINGHOUSE),
        {"status": "not_applicable", "na_reason": "Still not a clearinghouse."},
    )
    no_note = second.post(url("reject", org, CLEARINGHOUSE), {"note": ""}, follow=True)
    assert "Say why the request is rejected." in no_note.content.decode()
    second.post(url("reject", org, CLEARINGHOUSE), {"note": "We run a billing service."})
    row = SafeguardStatus.objects.get(spec_id="164.308(a)(4)(ii)(A)")
    assert row.status == "planned" and row.na_rejection_note == "We run a billing service."
    assert (
        "We run a billing service."
        in officer_client.get(url("detail", org, CLEARINGHOUSE)).content.decode()
    )


def test_link_and_unlink_risks(
    officer_client: Client,
    org: Organization,
    other_org: Organization,
    make_risk: Callable[..., Risk],
) -> None:
    risk = make_risk(org, "Lost laptop")
    foreign = make_risk(other_org, "Someone else's risk")
    page = officer_client.get(url("detail", org, ENCRYPTION)).content.decode()
    assert f'<option value="{risk.pk}">R-{risk.number:03d} Lost laptop</option>' in page
    assert "Someone else" not in page
    officer_client.post(url("risks", org, ENCRYPTION), {"risk": risk.pk, "action": "link"})
    assert SafeguardRisk.objects.filter(risk=risk).count() == 1
    again = officer_client.post(
        url("risks", org, ENCRYPTION), {"risk": risk.pk, "action": "link"}, follow=True
    )
    assert "is already linked" in again.content.decode()
    refused = officer_client.post(
        url("risks", org, ENCRYPTION), {"risk": foreign.pk, "action": "link"}, follow=True
    )
    assert "Choose a risk of this organization" in refused.content.decode()
    assert not SafeguardRisk.objects.filter(risk=foreign).exists()
    officer_client.post(url("risks", org, ENCRYPTION), {"risk": risk.pk, "action": "unlink"})
    assert not SafeguardRisk.objects.exists()


def test_posture_page_bars_gaps_and_nprm_lens(
    officer_client: Client, org: Organization, officer: User, evidence: EvidenceTable
) -> None:
    services.update(org, "164.312(b)", {"status": "implemented"}, by=officer)
    services.update(
        org,
        ENCRYPTION,
        {
            "status": "not_applicable",
            "decision": "not_reasonable",
            "rationale": "No ePHI stored locally.",
        },
        by=officer,
    )
    evidence[org.slug] = {"164.312(b)": (1, 0)}
    html = officer_client.get(url("posture", org)).content.decode()
    assert "<svg" in html and 'fill="#1e6b35"' in html  # an "implemented" segment
    assert "Gaps (66)" in html  # 68 entries - 1 implemented - 1 not applicable
    assert "What the 2025 proposed rule would add" not in html
    assert "Addressable specifications that would become required" not in html
    lensed = officer_client.get(url("posture", org), {"nprm": "1"}).content.decode()
    assert "Proposed — not final" in lensed
    assert "Addressable specifications that would become required (22)" in lensed
    assert "Documented as not reasonable and appropriate" in lensed
    assert "Multi-factor authentication" in lensed


@pytest.mark.parametrize("name", ["matrix", "posture"])
def test_auditor_reads_workforce_does_not(
    name: str, org: Organization, make_member: Callable[..., User]
) -> None:
    auditor = client_for(make_member(org, Role.AUDITOR))
    workforce = client_for(make_member(org, Role.WORKFORCE))
    assert auditor.get(url(name, org)).status_code == 200
    assert workforce.get(url(name, org)).status_code == 403


def test_auditor_sees_no_edit_or_approval_controls(
    org: Organization, officer: User, make_member: Callable[..., User]
) -> None:
    services.update(
        org, CLEARINGHOUSE, {"status": "not_applicable", "na_reason": "Not one."}, by=officer
    )
    auditor = client_for(make_member(org, Role.AUDITOR))
    html = auditor.get(url("detail", org, CLEARINGHOUSE)).content.decode()
    assert "awaiting approval" in html
    assert url("edit", org, CLEARINGHOUSE) not in html
    assert url("approve", org, CLEARINGHOUSE) not in html
    assert auditor.post(url("approve", org, CLEARINGHOUSE)).status_code == 403
    assert auditor.post(url("edit", org, CLEARINGHOUSE), {"status": "planned"}).status_code == 403
    assert SafeguardStatus.objects.get(spec_id="164.308(a)(4)(ii)(A)").status == "not_applicable"


def test_unknown_spec_is_404(officer_client: Client, org: Organization) -> None:
    assert officer_client.get(url("detail", org, "164.999-z")).status_code == 404
    assert officer_client.get(url("edit", org, "nprm-encryption")).status_code == 404
