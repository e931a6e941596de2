"""Browser tests: a real `phiward serve` (gunicorn) on loopback, driven by Debian's Chromium.

The server runs from its own throw-away data directory with the demo clinic loaded through the
real CLI, so these tests exercise `phiward init`, `phiward demo` and `phiward serve` too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("PHIWARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path
    accounts: dict[str, str]  # role -> username
    password: str
    org_slug: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def phiward(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "phiward.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"phiward {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def server_env(data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PHIWARD_DATA_DIR": str(data_dir),
        "PHIWARD_DATABASE_URL": "",
        "PHIWARD_DEMO_PASSWORD": "e2e demo password 2026",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def start_server(env: dict[str, str], data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start `phiward serve` in its own process group and wait until it answers."""
    port = _free_port()
    log = (data_dir / "server.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "phiward.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((data_dir / "server.log").read_text()) from None
            time.sleep(0.2)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = server_env(data_dir)
    phiward(env, "init")
    demo = json.loads(phiward(env, "demo", "--json"))
    process, url = start_server(env, data_dir)
    accounts = {account["role"]: account["username"] for account in demo["accounts"]}
    try:
        yield Server(url, data_dir, accounts, demo["password"], demo["organization"]["slug"])
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it")
    with sync_playwright() as handle:
        yield handle


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class OffsiteRequests(list[str]):
    """URLs the page tried to load from anywhere but the phiward server."""


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    offsite = OffsiteRequests()
    console_errors: list[str] = []

    def guard(route: object) -> None:
        request_url = route.request.url  # type: ignore[attr-defined]
        if request_url.startswith((server.url, "data:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            offsite.append(request_url)
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", guard)
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert offsite == [], f"the page tried to reach other hosts: {offsite}"
    assert console_errors == [], f"browser console errors (CSP violations?): {console_errors}"


# Authenticator secrets of the accounts enrolled during this test session, and the last time
# step each one used: phiward refuses a TOTP code twice, so a second login of the same account
# within one 30-second step takes the next step's code (allowed by the one-step clock skew).
TOTP_SECRETS: dict[str, str] = {}
_LAST_STEP: dict[str, int] = {}
TOTP_PERIOD = 30


def totp(secret: str, step: int) -> str:
    """RFC 6238 (HMAC-SHA-1, 6 digits) for a time step."""
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def fresh_code(username: str) -> str:
    """A code of ``username``'s authenticator that this session has not used yet."""
    while True:
        now = int(time.time()) // TOTP_PERIOD
        for step in (now, now + 1):
            if step > _LAST_STEP.get(username, -1):
                _LAST_STEP[username] = step
                return totp(TOTP_SECRETS[username], step)
        time.sleep(1)


def complete_mfa(page: Page, server: Server, username: str) -> None:
    """After the password: enrol an authenticator app (first login) or enter its code."""
    if "/2fa/totp/activate/" in page.url:
        TOTP_SECRETS[username] = page.locator("#authenticator_secret").input_value()
        page.locator("input[name=code]").fill(fresh_code(username))
        page.get_by_role("button", name="Activate").click()
        page.wait_for_url(lambda url: "/totp/activate/" not in url)
        page.goto(f"{server.url}/")
    elif "/2fa/authenticate/" in page.url:
        page.locator("input[name=code]").fill(fresh_code(username))
        page.get_by_role("button", name="Sign In").click()


def login(page: Page, server: Server, role: str) -> None:
    username = server.accounts[role]
    page.goto(f"{server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    complete_mfa(page, server, username)
    page.wait_for_url(f"{server.url}/o/**")


def http_login(
    opener: urllib.request.OpenerDirector, url: str, username: str, password: str
) -> None:
    """Log in over plain HTTP (no browser): password, then enrol or enter a TOTP code."""
    import http.cookiejar
    import re
    import urllib.parse

    jar = next(
        h.cookiejar
        for h in opener.handlers
        if isinstance(h, urllib.request.HTTPCookieProcessor)
        and isinstance(h.cookiejar, http.cookiejar.CookieJar)
    )

    def post(path: str, fields: dict[str, str]) -> tuple[str, str]:
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": csrf}).encode()
        request = urllib.request.Request(
            f"{url}{path}", data=body, headers={"Referer": f"{url}{path}"}
        )
        with opener.open(request) as response:
            return response.geturl(), response.read().decode()

    opener.open(f"{url}/login/").read()
    landed, html = post("/login/", {"login": username, "password": password})
    path = urllib.parse.urlsplit(landed).path
    if path.endswith("/2fa/totp/activate/"):
        found = re.search(r'id="authenticator_secret" value="([A-Z2-7=]+)"', html)
        assert found, "no authenticator secret on the enrolment page"
        TOTP_SECRETS[username] = found.group(1)
        post(path, {"code": fresh_code(username)})
    elif path.endswith("/2fa/authenticate/"):
        post(path, {"code": fresh_code(username)})
