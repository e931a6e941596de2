"""The safeguards posture report: statuses by citation, decisions, gaps, the NPRM lens."""

from __future__ import annotations

from collections.abc import Callable

import pypdfium2 as pdfium
import pytest
from django.contrib.auth.models import User

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.reports import posture
from phiward.safeguards import services as safeguards

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(make_org: Callable[..., Organization], make_member: Callable[..., User]) -> Organization:
    org = make_org(slug="riverside", name="Riverside Clinic")
    officer = make_member(org, Role.SECURITY_OFFICER, username="sofia")
    safeguards.update(
        org,
        "164.312(a)(2)(iv)",
        {
            "status": "implemented",
            "decision": "alternative",
            "alternative": "Thin clients keep no ePHI on the device.",
            "rationale": "Stateless terminals make disk encryption moot.",
        },
        by=officer,
    )
    safeguards.update(
        org,
        "164.308(a)(1)(ii)(A)",
        {"status": "partial", "description": "Inventory-based analysis under way."},
        by=officer,
    )
    return org


def test_html_lists_every_entry_with_decisions_and_gaps(org: Organization) -> None:
    html = posture.render_html(org)
    assert html.count("<tr>") > 68
    assert "Equivalent alternative measure" in html
    assert "Thin clients keep no ePHI on the device." in html
    assert "Stateless terminals make disk encryption moot." in html
    # Implemented with no evidence counts as a gap: "evidence missing".
    assert "Implemented — evidence missing" in html
    assert "Inventory-based analysis under way." in html
    assert "Lens: the 2025 proposed rule" not in html


def test_nprm_lens_is_optional(org: Organization) -> None:
    html = posture.render_html(org, nprm=True)
    assert "Lens: the 2025 proposed rule (not final)" in html
    assert "164.312(a)(2)(iv)" in html.split("Lens: the 2025 proposed rule")[1]


def test_pdf_renders(org: Organization) -> None:
    document = pdfium.PdfDocument(posture.render(org, "pdf"))
    assert len(document) >= 3
    text = "".join(page.get_textpage().get_text_range() for page in document)
    assert "Technical safeguards (164.312)" in text
    assert "Partially implemented" in text
