"""Issue 5's walk in a real browser: an incident from a workforce member's report to the notice
recorded as sent.

A workforce member reports a misdirected e-mail (and cannot open the incident afterwards); the
security officer triages it, applies the playbook, runs the breach assessment (a breach of 40
people in one State), signs the determination off, sees the notification deadlines on the
dashboard with their dates, writes what the notices say, generates the individual notice (every
164.404(c)(1) element present) and records it as sent with the letter kept as evidence; the
obligation closes.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server, login

pytestmark = pytest.mark.e2e

TITLE = "Lab results e-mailed to the wrong patient"
ELEMENTS = ("164.404(c)(1)(A)", "164.404(c)(1)(B)", "164.404(c)(1)(C)", "164.404(c)(1)(D)",
            "164.404(c)(1)(E)")  # fmt: skip


def _logout(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def _report_as_workforce(page: Page, server: Server) -> str:
    login(page, server, "workforce")
    page.get_by_role("link", name="Report an incident").click()
    page.fill("#id_title", TITLE)
    page.fill("#id_description", "I sent a patient's lab results to a different patient.")
    page.select_option("#id_category", "misdirected_communication")
    page.locator("#submit").click()
    reference = page.locator("#incident-reference").inner_text().strip()
    assert re.fullmatch(r"INC-\d{4}", reference), reference
    # The workforce may report, not read: the incident list is refused (asked with the page's
    # cookies, outside the page, so the refusal is not a console error).
    refused = page.request.get(f"{server.url}/o/{server.org_slug}/incidents/")
    assert refused.status == 403
    _logout(page)
    return reference


def test_report_triage_assess_notify_and_record(page: Page, server: Server) -> None:
    reference = _report_as_workforce(page, server)
    login(page, server, "security_officer")
    base = f"{server.url}/o/{server.org_slug}/incidents"

    # Triage: find the report, take it on, move it along, apply the playbook.
    page.goto(f"{base}/")
    page.locator("#incidents").get_by_role("link", name=reference).click()
    expect(page.locator("#incident-reference")).to_have_text(reference)
    expect(page.locator("#incident-status")).to_contain_text("Reported")
    page.get_by_role("button", name="Move to Triage").click()
    expect(page.locator("#incident-status")).to_contain_text("Triage")
    page.locator("#playbook-form").get_by_role("button", name="Apply the playbook").click()
    page.get_by_role("button", name="Check off step 1").first.click()
    expect(page.locator("#playbook")).to_contain_text("1 of")
    page.locator("#timeline-form textarea").first.fill("Asked the recipient to delete it.")
    page.locator("#timeline-form").get_by_role("button", name="Add the entry").click()
    expect(page.locator("#timeline")).to_contain_text("Asked the recipient to delete it.")
    detail = page.url

    # The breach assessment: PHI, not permitted, unencrypted, 40 people in Massachusetts.
    discovered = dt.date.today() - dt.timedelta(days=3)
    page.locator("#assessment-link").click()
    page.select_option("#id_phi__involved", "true")
    page.select_option("#id_phi__permitted", "false")
    page.fill("#id_phi__types", "full name\nlab results")
    page.select_option("#id_safe_harbor__encryption__encrypted", "false")
    page.fill("#id_dates__occurred_on", discovered.isoformat())
    page.fill("#id_dates__discovered_on", discovered.isoformat())
    page.fill("#id_individuals__total", "40")
    page.fill("#id_individuals__by_state", "MA=40")
    page.locator("#run-assessment").click()
    expect(page.locator("#outcome")).to_contain_text(re.compile("breach", re.I))
    expect(page.locator("#steps")).to_contain_text("164.402")
    page.locator("#sign-off").click()
    expect(page.locator("#sign-off-status")).to_contain_text(re.compile("signed", re.I))

    # The deadlines: individuals within 60 days of discovery; HHS in the annual log.
    due = (discovered + dt.timedelta(days=60)).isoformat()
    annual = (dt.date(discovered.year, 12, 31) + dt.timedelta(days=60)).isoformat()
    page.goto(f"{server.url}/o/{server.org_slug}/")
    card = page.locator("#incident-response")
    expect(card).to_contain_text(reference)
    expect(card).to_contain_text(due)
    expect(card).to_contain_text(annual)

    # The individual notice: what it says, then every required element present.
    page.goto(detail)
    page.locator("#notices-link").click()
    page.locator("#notice-text-link").click()
    page.get_by_label("What happened").fill(
        "On a weekday a staff member e-mailed lab results to the wrong patient."
    )
    page.get_by_label("Kinds of information involved").fill("Your name and lab results.")
    page.get_by_label("What people should do to protect themselves").fill(
        "Watch for mail about services you did not receive."
    )
    page.get_by_label("What we are doing").fill(
        "The recipient deleted the message; we retrained staff."
    )
    page.get_by_role("button", name=re.compile("Save")).click()
    letter = page.locator("#notice-individual")
    expect(letter).to_be_visible()
    for element in ELEMENTS:
        expect(letter.locator(f'tr[data-element="{element}"]')).to_contain_text("present")
    expect(letter).to_contain_text("lab results to the wrong patient")

    # Recorded as sent, with the letter kept as evidence: the obligation closes.
    letter.get_by_role("button", name="Keep as evidence and record as sent").click()
    page.get_by_label("Sent on").fill(dt.date.today().isoformat())
    page.get_by_label("Method").select_option("first_class_mail")
    page.get_by_role("button", name="Record as sent").click()
    page.goto(detail)
    individuals = page.locator('#obligations [data-key="individuals"]')
    expect(individuals).to_contain_text(re.compile("sent|done", re.I))
    expect(individuals).to_contain_text(dt.date.today().isoformat())
