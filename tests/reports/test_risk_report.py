"""The risk analysis report: OCR's elements, the scope and the risk levels, in HTML and PDF."""

from __future__ import annotations

from collections.abc import Callable

import pypdfium2 as pdfium
import pytest
from django.contrib.auth.models import User

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.inventory.models import Asset, AssetKind, AtRestEncryption, Zone, ZoneKind
from phiward.reports import risk_analysis
from phiward.risk.analysis import accept_proposal, start_analysis, sync_proposals
from phiward.risk.approval import approve_analysis
from phiward.risk.models import AnalysisVersion, ProposalStatus, RiskAnalysis, RiskProposal
from phiward.risk.register import rate_risk

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(
    make_org: Callable[..., Organization], make_member: Callable[..., User]
) -> tuple[RiskAnalysis, User]:
    org = make_org(slug="riverside", name="Riverside Clinic")
    officer = make_member(org, Role.SECURITY_OFFICER, username="sofia")
    zone = Zone.objects.create(organization=org, name="Front desk", kind=ZoneKind.CLINICAL)
    for number in range(3):
        Asset.objects.create(
            organization=org,
            name=f"Laptop {number}",
            kind=AssetKind.LAPTOP,
            zone=zone,
            ephi_maintains=True,
            encryption_at_rest=AtRestEncryption.NONE,
        )
    analysis = start_analysis(
        org,
        officer,
        title="Annual risk analysis 2026",
        scope_text="All clinics and the billing office.",
        participants=[{"name": "Sofia Reyes", "role": "Security officer"}],
    )
    sync_proposals(analysis)
    proposals = RiskProposal.objects.filter(analysis=analysis, status=ProposalStatus.PROPOSED)
    assert proposals.exists()
    for proposal in proposals:
        risk = accept_proposal(proposal, officer)
        rate_risk(risk, officer, likelihood=3, impact=3, residual_likelihood=2, residual_impact=2)
    return analysis, officer


def _pdf_text(data: bytes) -> tuple[int, str]:
    document = pdfium.PdfDocument(data)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    for page in document:
        image = page.render(scale=0.4).to_pil().convert("L")
        low, high = image.getextrema()
        assert low < 128 < high, "a blank page"
    return len(document), text


def test_draft_report_is_marked_and_has_every_ocr_element(
    analysed: tuple[RiskAnalysis, User],
) -> None:
    analysis, _ = analysed
    html = risk_analysis.render_html(risk_analysis.source_for(analysis))
    assert "Draft: this analysis has not been approved" in html
    for number, (title, anchor) in enumerate(risk_analysis.OCR_ELEMENTS, start=1):
        assert f'id="{anchor}">{number}. ' in html, title
    assert "All clinics and the billing office." in html
    assert "Laptop 0" in html


def test_approved_pdf_names_scope_levels_and_signoff(analysed: tuple[RiskAnalysis, User]) -> None:
    analysis, officer = analysed
    version = approve_analysis(analysis, officer, note="Reviewed with the practice owner.")
    source = risk_analysis.source_for(analysis)
    assert source.version == version
    pages, text = _pdf_text(risk_analysis.render(source, "pdf"))
    assert pages >= 2
    assert "Scope of the analysis" in text
    assert "All clinics and the billing office." in text
    assert "Critical" in text  # inherent 3x3 on the three-level method
    assert "Medium" in text  # residual 2x2
    assert ("Version 1" in text and "sofia" in text.lower()) or "Sofia" in text
    assert version.digest in text.replace("\n", "").replace(" ", "")


def test_tampered_version_is_flagged(analysed: tuple[RiskAnalysis, User]) -> None:
    analysis, officer = analysed
    version = approve_analysis(analysis, officer)
    snapshot = dict(version.snapshot)
    snapshot["risks"] = []
    AnalysisVersion.objects.filter(pk=version.pk).update(snapshot=snapshot)
    html = risk_analysis.render_html(risk_analysis.source_for(analysis))
    assert "no longer matches the digest" in html


def test_unknown_version_is_not_found(analysed: tuple[RiskAnalysis, User]) -> None:
    from phiward.core.errors import NotFound

    analysis, _ = analysed
    with pytest.raises(NotFound):
        risk_analysis.source_for(analysis, 7)
