"""A key ring of each test's own (test environment), so rotation and retirement stay local."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from phiward.core import auditing
from phiward.core.auditing import AuditEvent
from phiward.crypto import keybackup, service
from phiward.crypto.keys import (
    Environment,
    FileRingStore,
    LocalKeyProvider,
    ProviderKind,
    new_ring,
)


@pytest.fixture
def ring_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "keys" / "keyring.json"
    path.parent.mkdir()
    store = FileRingStore(path)
    store.save(new_ring(Environment.TEST, ProviderKind.FILE, datetime.now(UTC)))
    previous = service.provider()
    service.use_provider(LocalKeyProvider(store, Environment.TEST, ProviderKind.FILE))
    yield path
    service.use_provider(previous)


@pytest.fixture
def key_events(monkeypatch: pytest.MonkeyPatch) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    monkeypatch.setattr(auditing, "_recorder", events.append)
    return events


@pytest.fixture(autouse=True)
def _cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keybackup, "DEFAULT_COST", keybackup.ScryptCost(n=2**10, r=8, p=1))
