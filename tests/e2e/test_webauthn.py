"""Register a security key and log in with it, through Chromium's virtual authenticator.

allauth takes the WebAuthn relying-party id from the request's host name, and Chromium refuses
an IP address as one, so this test browses the server as ``localhost`` (an allowed host, and a
secure context over plain http like 127.0.0.1).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from tests.e2e.conftest import Server, login, phiward, server_env

pytestmark = pytest.mark.e2e

ROLE = "workforce"  # no other browser test logs in as this account
KEY_NAME = "Desk key"


@pytest.fixture
def local(server: Server) -> Server:
    """The shared server, addressed by a name Chromium accepts as a WebAuthn RP id."""
    return dataclasses.replace(server, url=server.url.replace("127.0.0.1", "localhost"))


@pytest.fixture
def keyed_page(browser: Browser, local: Server) -> Iterator[Page]:
    """A page with a virtual platform authenticator that verifies its user, kept on the server."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    offsite: list[str] = []
    errors: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith((local.url, "data:")):
            route.continue_()
        else:
            offsite.append(route.request.url)
            route.abort()

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    page.route("**/*", guard)
    page.on("console", console)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    yield page
    context.close()
    assert offsite == [], f"the page tried to reach other hosts: {offsite}"
    assert errors == [], f"browser console errors (CSP violations?): {errors}"


def test_register_security_key_and_log_in_with_it(keyed_page: Page, local: Server) -> None:
    page, server = keyed_page, local
    username = server.accounts[ROLE]
    login(page, server, ROLE)  # enrols an authenticator app: everyone's first second factor

    # Register the virtual authenticator as a security key.
    # Adding a second factor to an account that has one asks for the password again.
    page.goto(f"{server.url}/accounts/2fa/webauthn/add/")
    assert "/accounts/reauthenticate/" in page.url
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.get_by_label("Name").fill(KEY_NAME)
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    page.goto(f"{server.url}/accounts/2fa/webauthn/")
    expect(page.get_by_text(KEY_NAME)).to_be_visible()

    # Log out; the password, then the key instead of a code, lands on the dashboard.
    page.goto(f"{server.url}/o/{server.org_slug}/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(f"{server.url}/o/{server.org_slug}/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # The new key is in the audit log, under its owner's name.
    entries = json.loads(
        phiward(
            server_env(server.data_dir),
            "audit",
            "log",
            "--user",
            username,
            "--action",
            "mfa_change",
            "--json",
        )
    )
    summaries = [entry["summary"] for entry in entries]
    assert f"{username}: webauthn added" in summaries, summaries
