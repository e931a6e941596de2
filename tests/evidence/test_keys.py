"""`phiward keys` covers evidence files: status counts them, rotation seals them again under
the new version, and retirement is refused while a file still needs the old one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from phiward.cli import main
from phiward.core.models import Organization
from phiward.crypto import rotation, service
from phiward.crypto.keys import Environment, FileRingStore, LocalKeyProvider, ProviderKind, new_ring
from phiward.evidence import library, storage
from phiward.evidence.models import EvidenceItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def ring_file(tmp_path: Path) -> Iterator[Path]:
    """A key ring of this test's own, so rotation and retirement stay local."""
    path = tmp_path / "keys" / "keyring.json"
    path.parent.mkdir()
    store = FileRingStore(path)
    store.save(new_ring(Environment.TEST, ProviderKind.FILE, datetime.now(UTC)))
    previous = service.provider()
    service.use_provider(LocalKeyProvider(store, Environment.TEST, ProviderKind.FILE))
    yield path
    service.use_provider(previous)


def status(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    main(["keys", "status", "--json"])
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def files_column(result: dict[str, object]) -> dict[str, int]:
    columns = result["columns"]
    assert isinstance(columns, list)
    found = next(c for c in columns if c["column"] == "evidence files")
    return {str(k): int(v) for k, v in found["by_version"].items()}


def test_rotation_reseals_evidence_files_and_retire_waits_for_them(
    ring_file: Path,
    org: Organization,
    add_file: Callable[..., EvidenceItem],
    capsys: pytest.CaptureFixture[str],
) -> None:
    items = [add_file(f"document {n}".encode(), title=f"Doc {n}") for n in range(3)]
    assert rotation.sealed_values_exist()
    assert files_column(status(capsys)) == {"1": 3}
    service.provider().add_version(service.now())
    with pytest.raises(SystemExit):
        main(["keys", "retire", "1"])
    assert "still use key version 1" in capsys.readouterr().err

    before = {i.pk: library.location(i).path.read_bytes() for i in items}
    main(["keys", "rotate"])
    assert files_column(status(capsys)) == {"1": 0, "2": 3}
    for item in items:
        assert library.location(item).path.read_bytes() != before[item.pk]
        assert storage.key_version(library.location(item)) == 2
    main(["keys", "retire", "1"])
    service.forget_cached_keys()
    for n, item in enumerate(items):
        assert b"".join(library.content(item)) == f"document {n}".encode()
    assert library.verify(org).failures == []


def test_rotation_stops_at_a_tampered_file(
    ring_file: Path,
    org: Organization,
    add_file: Callable[..., EvidenceItem],
    capsys: pytest.CaptureFixture[str],
) -> None:
    item = add_file(b"the signed original")
    EvidenceItem.objects.filter(pk=item.pk).update(sha256="a" * 64)  # a forged row
    with pytest.raises(SystemExit):
        main(["keys", "rotate"])
    assert "does not match its recorded SHA-256" in capsys.readouterr().err
    assert storage.key_version(library.location(item)) == 1  # left as it was
