"""Issue 4's walk in a real browser: a risk analysis for the demo clinic from start to the
approved PDF report and the OSCAL system security plan.

Start an analysis (scoped to one device so the walk stays short), bring its proposals up to
date and accept them, rate the risks, add a treatment, record an addressable specification as
an equivalent alternative with its rationale, upload an evidence file, approve the analysis,
then download the PDF report (its pages render, its text names the scope and the risk levels)
and the SSP (valid OSCAL per compliance-trestle).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import Page, expect
from trestle.oscal.ssp import SystemSecurityPlan

from tests.e2e.conftest import Server, login

pytestmark = pytest.mark.e2e

SCOPE = "The legacy ultrasound at Lakeview, walked in a browser."
DEVICE = "Lakeview ultrasound (legacy)"


def _start(page: Page, server: Server) -> str:
    base = f"{server.url}/o/{server.org_slug}/risk"
    page.goto(f"{base}/analyses/new/")
    page.fill("[name=title]", "Browser walk")
    page.check("[name=scope_all_ephi]")
    page.uncheck("[name=scope_all_ephi]")
    page.fill("[name=scope]", SCOPE)
    page.select_option("[name=assets]", label=DEVICE)
    page.get_by_role("button", name=re.compile("Start|Save|Create")).click()
    page.wait_for_load_state()
    match = re.search(r"/analyses/(\d+)/", page.url)
    assert match, page.url
    return f"{base}/analyses/{match.group(1)}"


def _accept_all(page: Page, analysis: str) -> None:
    page.goto(f"{analysis}/proposals/")
    page.get_by_role("button", name="Bring the proposals up to date").click()
    page.wait_for_load_state()
    accept = page.get_by_role("button", name="Accept as proposed")
    expect(accept.first).to_be_visible()
    for _ in range(20):
        if accept.count() == 0:
            break
        accept.first.click()
        page.wait_for_load_state()
        page.goto(f"{analysis}/proposals/")
    assert accept.count() == 0


def _rate_all(page: Page, server: Server, title: str) -> list[str]:
    register = f"{server.url}/o/{server.org_slug}/risk/risks/"
    page.goto(register)
    links = page.locator("a[href*='/risk/risks/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href')).filter(h => /risks\\/\\d+\\/$/.test(h))"
    )
    rated = []
    for href in dict.fromkeys(links):
        page.goto(f"{server.url}{href}")
        if title not in page.content():
            continue
        rate = page.get_by_role("link", name=re.compile("^(Rate|Re-rate)$"))
        if rate.count() == 0:
            continue
        rate.first.click()
        page.select_option("[name=likelihood]", "3")
        page.select_option("[name=impact]", "3")
        page.select_option("[name=residual_likelihood]", "2")
        page.select_option("[name=residual_impact]", "2")
        page.get_by_role("button", name=re.compile("Save|Rate")).click()
        page.wait_for_load_state()
        rated.append(page.url)
    return rated


def test_analysis_to_approved_report_and_ssp(page: Page, server: Server, tmp_path: Path) -> None:
    login(page, server, "security_officer")
    analysis = _start(page, server)
    _accept_all(page, analysis)
    rated = _rate_all(page, server, "Browser walk")
    assert rated, "no risk of the new analysis to rate"

    # A treatment on the first risk.
    page.goto(rated[0])
    page.get_by_role("link", name="Add a treatment").click()
    page.check("[name=strategy][value=mitigate]")
    page.fill("[name=description]", "Move the ultrasound to the clinical VLAN")
    page.select_option("[name=owner]", index=1)
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    page.fill("[name=due_on]", due)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("Move the ultrasound to the clinical VLAN")

    # An addressable specification met by an equivalent alternative.
    page.goto(f"{server.url}/o/{server.org_slug}/safeguards/164.312-a-2-iv/edit/")
    page.select_option("[name=status]", "implemented")
    page.select_option("[name=decision]", "alternative")
    page.fill("[name=alternative]", "Ultrasound images leave the device within minutes.")
    page.fill("[name=rationale]", "The device vendor offers no disk encryption.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("Equivalent alternative")

    # An evidence file.
    proof = tmp_path / "vlan-change-ticket.txt"
    proof.write_text("Change ticket 4711: ultrasound moved to VLAN 20.\n")
    page.goto(f"{server.url}/o/{server.org_slug}/evidence/upload/")
    page.fill("[name=title]", "VLAN change ticket")
    kind = page.locator("[name=kind]")
    if kind.count() and kind.first.evaluate("e => e.tagName") == "SELECT":
        kind.select_option("file")
    elif kind.count():
        page.check("[name=kind][value=file]")
    page.set_input_files("[name=file]", str(proof))
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("VLAN change ticket")

    # Approve the analysis.
    page.goto(f"{analysis}/approve/")
    page.fill("[name=note]", "Walked in a browser.")
    page.get_by_role("button", name=re.compile("Approve version")).click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text(re.compile("as version 1", re.IGNORECASE))

    # The PDF report of the approved version.
    page.goto(f"{server.url}/o/{server.org_slug}/reports/")
    form = page.locator("form", has_text="Browser walk")
    form.locator("[name=format]").select_option("pdf")
    with page.expect_download() as download:
        form.get_by_role("button", name="Download").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    document = pdfium.PdfDocument(pdf.read_bytes())
    text = ""
    for number in range(len(document)):
        pdf_page = document[number]
        text += pdf_page.get_textpage().get_text_range()
        low, high = pdf_page.render(scale=0.3).to_pil().convert("L").getextrema()
        assert low < 128 < high, f"page {number + 1} is blank"
    flat = " ".join(text.split())
    assert "legacy ultrasound at Lakeview" in flat
    assert "Critical" in flat and "Medium" in flat  # 3x3 inherent, 2x2 residual
    assert "Version 1" in flat

    # The OSCAL system security plan.
    with page.expect_download() as download:
        page.get_by_role("link", name="System security plan").click()
    ssp = tmp_path / "ssp.json"
    download.value.save_as(ssp)
    plan = json.loads(ssp.read_text())
    SystemSecurityPlan.model_validate(plan["system-security-plan"])
    reqs = plan["system-security-plan"]["control-implementation"]["implemented-requirements"]
    encryption = next(r for r in reqs if r["control-id"] == "hipaa-164.312-a-2-iv")
    assert encryption["by-components"][0]["implementation-status"]["state"] == "alternative"
