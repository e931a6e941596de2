"""Evidence files on disk: sealed, bound to their item, written atomically."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
from pytest_django import Settings

from phiward.backup import sealed
from phiward.core.errors import InputProblems
from phiward.evidence import storage
from phiward.evidence.storage import EvidenceFileError, Location
from tests.evidence.conftest import Source

UID = "6f1c2a4e-1111-4a5b-8c9d-0123456789ab"
OTHER_UID = "0e9d8c7b-2222-4a5b-8c9d-0123456789ab"
SECRET = b"patient: Jane Example, MRN 0042 -- " * 100


def store(data: bytes, location: Location, limit: int = 10_000_000) -> storage.StoredFile:
    return storage.store(io.BytesIO(data), location, limit=limit)


def test_stored_sealed_under_the_item_and_opens(data_dir: Path) -> None:
    where = Location(7, UID)
    stored = store(SECRET, where)
    assert stored == storage.StoredFile(len(SECRET), hashlib.sha256(SECRET).hexdigest())
    assert where.path == data_dir / "evidence" / "7" / f"{UID}.pwseal"
    raw = where.path.read_bytes()
    assert b"Jane Example" not in raw and raw.startswith(sealed.MAGIC)
    assert where.path.stat().st_mode & 0o777 == 0o600
    assert b"".join(storage.chunks(where)) == SECRET
    assert storage.measure(where) == stored
    assert storage.key_version(where) == 1
    assert not list(where.folder.glob("*.partial"))


def test_a_file_copied_to_another_item_or_organization_does_not_open(data_dir: Path) -> None:
    where = Location(7, UID)
    store(SECRET, where)
    for elsewhere in (Location(7, OTHER_UID), Location(8, UID)):
        elsewhere.folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(where.path, elsewhere.path)
        with pytest.raises(EvidenceFileError, match="another evidence item"):
            storage.measure(elsewhere)


def test_a_changed_byte_is_detected(data_dir: Path) -> None:
    where = Location(7, UID)
    store(SECRET, where)
    damaged = bytearray(where.path.read_bytes())
    damaged[-20] ^= 0x01
    where.path.write_bytes(bytes(damaged))
    with pytest.raises(EvidenceFileError, match="was changed"):
        storage.measure(where)


def test_a_missing_file_is_reported(data_dir: Path) -> None:
    with pytest.raises(EvidenceFileError, match="is missing"):
        storage.measure(Location(7, UID))


def test_too_large_is_refused_and_leaves_nothing(data_dir: Path) -> None:
    where = Location(7, UID)
    with pytest.raises(InputProblems) as caught:
        store(b"x" * 1001, where, limit=1000)
    assert caught.value.problems[0].field == "file"
    assert "1000 bytes limit" in str(caught.value)
    assert not where.path.exists()
    assert list(where.folder.iterdir()) == []
    assert store(b"x" * 1000, where, limit=1000).size == 1000  # the limit itself is fine


def test_a_write_that_fails_half_way_leaves_no_file(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sealed, "CHUNK", 64)
    where = Location(7, UID)
    with pytest.raises(OSError, match="disk went away"):
        storage.store(Source(SECRET, fail_after=640), where, limit=10_000_000)  # type: ignore[arg-type]
    assert not where.path.exists()
    assert list(where.folder.iterdir()) == []


def test_verified_chunks_refuse_content_that_does_not_match(data_dir: Path) -> None:
    where = Location(7, UID)
    stored = store(SECRET, where)
    assert b"".join(storage.verified_chunks(where, stored.sha256)) == SECRET
    with pytest.raises(EvidenceFileError, match="does not match its recorded SHA-256"):
        storage.verified_chunks(where, "0" * 64)


def test_reseal_keeps_content_and_refuses_a_mismatch(data_dir: Path) -> None:
    where = Location(7, UID)
    stored = store(SECRET, where)
    before = where.path.read_bytes()
    storage.reseal(where, stored.sha256)
    assert where.path.read_bytes() != before  # a new data key, new nonces
    assert storage.measure(where) == stored
    with pytest.raises(EvidenceFileError, match="left as it is"):
        storage.reseal(where, "0" * 64)
    assert storage.measure(where) == stored


def test_files_on_disk_names_sealed_files_and_strays(data_dir: Path) -> None:
    where = Location(7, UID)
    store(SECRET, where)
    (where.folder / ".x.partial").write_bytes(b"half")
    found = {path.name: place for path, place in storage.files_on_disk()}
    assert found == {f"{UID}.pwseal": where, ".x.partial": None}


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 50 * 1024 * 1024), ("1024", 1024), (" 7 ", 7)]
)
def test_max_bytes(settings: Settings, value: str | None, expected: int) -> None:
    settings.PHIWARD_EVIDENCE_MAX_BYTES = value
    assert storage.max_bytes() == expected


@pytest.mark.parametrize("value", ["lots", "0", "-5", "1.5"])
def test_max_bytes_refuses_bad_values(settings: Settings, value: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from phiward.evidence.checks import evidence_max_bytes

    settings.PHIWARD_EVIDENCE_MAX_BYTES = value
    with pytest.raises(ImproperlyConfigured, match="PHIWARD_EVIDENCE_MAX_BYTES"):
        storage.max_bytes()
    assert [m.id for m in evidence_max_bytes(None)] == ["phiward.evidence.E001"]
