"""Browser tests: a real `phiward serve` (gunicorn) on loopback, driven by Debian's Chromium.

The server runs from its own throw-away data directory with the demo clinic loaded through the
real CLI, so these tests exercise `phiward init`, `phiward demo` and `phiward serve` too.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
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


def login(page: Page, server: Server, role: str) -> None:
    page.goto(f"{server.url}/login/")
    page.get_by_label("Username").fill(server.accounts[role])
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/o/**")
