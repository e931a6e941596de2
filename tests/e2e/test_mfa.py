"""Enrol TOTP, log in with MFA, get logged out when idle, and be refused another organization.

A second `phiward serve` runs on the shared server's data directory with a six-second idle
timeout (``PHIWARD_SESSION_IDLE_SECONDS``), so the wait is short and the other browser tests
keep the default.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.e2e.conftest import (
    TOTP_SECRETS,
    Server,
    fresh_code,
    phiward,
    server_env,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.e2e

IDLE_SECONDS = 6
OTHER = "other-clinic"
# Made in the other clinic before the browser step; prints the asset's id.
OTHER_ASSET = f"""
import django
django.setup()
from phiward.core.models import Organization
from phiward.inventory.models import Asset, AssetKind
org = Organization.objects.get(slug="{OTHER}")
print(Asset.objects.create(organization=org, name="Other clinic server", kind=AssetKind.SERVER).pk)
"""


def refused_paths(server: Server, asset_pk: int) -> tuple[str, ...]:
    """Another organization's pages, and its asset under either organization's URL: all 404."""
    return (
        f"/o/{OTHER}/",
        f"/o/{OTHER}/inventory/assets/",
        f"/o/{OTHER}/inventory/assets/{asset_pk}/",
        f"/o/{server.org_slug}/inventory/assets/{asset_pk}/",
    )


@pytest.fixture(scope="module")
def idle_server(server: Server) -> Iterator[Server]:
    env = {**server_env(server.data_dir), "PHIWARD_SESSION_IDLE_SECONDS": str(IDLE_SECONDS)}
    phiward(env, "org", "create", OTHER, "--name", "Other Clinic", "--owner", "admin")
    process, url = start_server(env, server.data_dir)
    try:
        yield Server(url, server.data_dir, server.accounts, server.password, server.org_slug)
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def other_asset(idle_server: Server) -> int:
    env = {**server_env(idle_server.data_dir), "DJANGO_SETTINGS_MODULE": "phiward.config.settings"}
    made = subprocess.run(
        [sys.executable, "-c", OTHER_ASSET],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return int(made.stdout.strip())


@pytest.fixture
def tab(browser: Browser, idle_server: Server, other_asset: int) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(f"{msg.text} at {msg.location.get('url', '')}")

    page.on("console", console)
    yield page
    context.close()
    # Chromium asks for /favicon.ico on the plain 404 pages.
    expected = (*refused_paths(idle_server, other_asset), "/favicon.ico")
    unexpected = [e for e in errors if not e.endswith(expected) or "404" not in e]
    assert unexpected == [], f"browser console errors (CSP violations?): {unexpected}"


def _password(page: Page, server: Server, username: str) -> None:
    page.goto(f"{server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_enrol_log_in_with_mfa_idle_logout_and_tenancy(
    tab: Page, idle_server: Server, other_asset: int
) -> None:
    server, page = idle_server, tab
    username = server.accounts["privacy_officer"]
    assert username not in TOTP_SECRETS, "another test enrolled this account first"

    # First login: the password, then phiward insists on enrolment.
    _password(page, server, username)
    assert "/accounts/2fa/totp/activate/" in page.url
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.get_by_alt_text("QR code of the authenticator secret")).to_be_visible()
    TOTP_SECRETS[username] = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(
        "123456" if fresh_code(username) != "123456" else "654321"
    )
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Incorrect code")).to_be_visible()
    page.locator("input[name=code]").fill(fresh_code(username))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(lambda url: "/totp/activate/" not in url)
    page.goto(f"{server.url}/")
    page.wait_for_url(f"{server.url}/o/{server.org_slug}/")

    # Log out, and log in again: now the code is asked after the password.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")
    _password(page, server, username)
    assert "/accounts/2fa/authenticate/" in page.url
    page.locator("input[name=code]").fill(fresh_code(username))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{server.url}/o/{server.org_slug}/")

    # Another organization's pages and objects do not exist for this person, even the asset
    # (which exists, see other_asset) asked for under their own organization's URL.
    for path in refused_paths(server, other_asset):
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == 404, path

    # Idle past the timeout: the next request lands on the login page, with the reason.
    response = page.goto(f"{server.url}/o/{server.org_slug}/")
    assert response is not None and response.status == 200
    time.sleep(IDLE_SECONDS + 1)
    page.goto(f"{server.url}/o/{server.org_slug}/inventory/assets/")
    page.wait_for_url("**/login/**")
    expect(page.get_by_text("You were logged out after")).to_be_visible()
