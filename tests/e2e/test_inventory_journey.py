"""The foundation's end-to-end journey in a real browser.

Log in, open the demo clinic, create an asset and a data flow through the UI, see them on the
ePHI map, export the inventory as YAML, re-import it into a new organization, and find the same
counts. Also takes the README's dashboard screenshot.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server, login

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs"
COUNTED = ("Assets", "Data flows with ePHI", "Zones", "Vendors", "Unencrypted ePHI flows")


def dashboard_counts(page: Page) -> dict[str, int]:
    counts: dict[str, int] = {}
    for card in page.locator(".card").all():
        label = card.locator(".label").inner_text().strip()
        if label in COUNTED:  # the inventory's counts (the program's figures include percents)
            counts[label] = int(card.locator(".num").inner_text())
    return counts


def test_create_map_export_and_reimport(page: Page, server: Server, tmp_path: Path) -> None:
    login(page, server, "owner")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Riverside")
    before = dashboard_counts(page)
    assert before["Assets"] > 40

    # An asset, through the form.
    page.get_by_role("link", name="Assets", exact=True).click()
    page.get_by_role("link", name="New asset").click()
    page.get_by_label("Name", exact=True).fill("E2E reception laptop")
    page.get_by_label("Kind", exact=True).select_option("laptop")
    business = page.locator("#id_zone option", has_text="Business").first.get_attribute("value")
    assert business
    page.get_by_label("Zone", exact=True).select_option(business)
    page.get_by_label("maintains ePHI").check()
    page.get_by_label("Encryption at rest").select_option("none")
    page.get_by_label("Hostname").fill("rcp-lt-99")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("E2E reception laptop")

    # A data flow from it to a vendor, unencrypted.
    page.get_by_role("link", name="New flow from this asset").click()
    page.get_by_label("Name", exact=True).fill("E2E scans to billing")
    page.get_by_label("or to vendor").select_option(index=1)
    page.get_by_label("Billing, claims and payment").check()
    page.get_by_label("Protocol", exact=True).fill("FTP")
    page.get_by_label("Transit encryption").select_option("none")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("E2E scans to billing")
    flow_id = re.search(r"/flows/(\d+)/", page.url)
    assert flow_id is not None

    # The map shows the new asset and highlights the flow as unencrypted ePHI.
    page.get_by_role("link", name="ePHI map").click()
    svg = page.locator("#ephi-map svg")
    expect(svg).to_be_visible()
    expect(svg.locator("text", has_text="E2E reception laptop")).to_have_count(1)
    flow_edge = svg.locator(f"[data-flows~='f-{flow_id.group(1)}']")
    expect(flow_edge).to_have_count(1)
    assert flow_edge.get_attribute("data-transit") == "unencrypted"

    page.get_by_role("link", name="Dashboard").click()
    after = dashboard_counts(page)
    assert after["Assets"] == before["Assets"] + 1
    assert after["Unencrypted ePHI flows"] == before["Unencrypted ePHI flows"] + 1
    if os.environ.get("PHIWARD_UPDATE_SCREENSHOTS"):
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / "screenshot-dashboard.png"))

    # Export as YAML.
    page.get_by_role("link", name="Import / export").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("YAML", re.I)).click()
    exported = tmp_path / "inventory.yaml"
    download_info.value.save_as(exported)
    assert "E2E reception laptop" in exported.read_text()

    # A new organization, then re-import the file into it.
    page.get_by_role("link", name="All organizations").click()
    page.get_by_label("Name", exact=True).fill("Imported Clinic")
    page.get_by_label("Slug").fill("imported-clinic")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Imported Clinic")
    assert dashboard_counts(page)["Assets"] == 0

    page.get_by_role("link", name="Import / export").click()
    page.get_by_label(re.compile("Inventory file", re.I)).set_input_files(str(exported))
    page.get_by_role("button", name=re.compile("Import", re.I)).click()
    expect(page.locator(".messages")).to_contain_text(f"assets {after['Assets']} created")

    page.get_by_role("link", name="Dashboard").click()
    imported = dashboard_counts(page)
    for label in COUNTED:
        assert imported[label] == after[label], label


def test_catalog_browser_search(page: Page, server: Server) -> None:
    login(page, server, "auditor")
    page.get_by_role("link", name="HIPAA catalog").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label(re.compile("Search", re.I)).fill("encryption")
    page.get_by_label(re.compile("Search", re.I)).press("Enter")
    expect(page.locator("main")).to_contain_text("164.312(a)(2)(iv)")


def test_auditor_sees_no_edit_controls(page: Page, server: Server) -> None:
    login(page, server, "auditor")
    page.get_by_role("link", name="Assets", exact=True).click()
    expect(page.get_by_role("link", name="New asset")).to_have_count(0)


def test_keyboard_reaches_main_content(page: Page, server: Server) -> None:
    login(page, server, "security_officer")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
