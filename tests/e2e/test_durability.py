"""An acknowledged write survives `kill -9` of the server (SQLite in WAL, synchronous=FULL)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import sqlite3
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import http_login, phiward, server_env, start_server, stop_server

pytestmark = pytest.mark.e2e


class Session:
    """A logged-in HTTP session against the real server, CSRF included."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def login(self, username: str, password: str) -> None:
        http_login(self.opener, self.url, username, password)
        assert any(c.name == "sessionid" for c in self.jar), "login failed"

    def post_json(self, path: str, payload: dict[str, object]) -> tuple[int, dict[str, object]]:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(payload).encode(),
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self.csrf(),
                "Referer": f"{self.url}/",
            },
            method="POST",
        )
        with self.opener.open(request) as response:
            return response.status, json.loads(response.read())


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = server_env(data_dir)
    phiward(env, "init")
    demo = json.loads(phiward(env, "demo", "--json"))
    slug = demo["organization"]["slug"]
    owner = next(a["username"] for a in demo["accounts"] if a["role"] == "owner")
    process, url = start_server(env, data_dir)
    try:
        session = Session(url)
        session.login(owner, demo["password"])
        acknowledged = []
        for n in range(20):
            status, body = session.post_json(
                f"/api/organizations/{slug}/zones",
                {"name": f"Durability zone {n}", "kind": "other"},
            )
            assert status == 201
            acknowledged.append(body["name"])
        # No graceful shutdown: the master and every worker die at once.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            stop_server(process)

    database = sqlite3.connect(data_dir / "phiward.sqlite3")
    try:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        stored = {
            row[0]
            for row in database.execute(
                "SELECT name FROM inventory_zone WHERE name LIKE 'Durability zone %'"
            )
        }
    finally:
        database.close()
    assert stored == set(acknowledged)
