"""`phiward keys status | rotate | retire | backup | restore`, and init's key ring."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from phiward.cli import main
from phiward.core.models import Organization
from phiward.crypto import envelope, keybackup, rotation, service
from phiward.crypto.keys import KeyUnavailable
from phiward.inventory.models import Asset, DataFlow, Vendor

PASSPHRASE = "correct horse battery staple"


def raw_notes(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT notes FROM {table} ORDER BY id")  # noqa: S608
        return [str(row[0]) for row in cursor.fetchall()]


def fill(org: Organization, n: int) -> dict[int, str]:
    vendor = Vendor.objects.create(organization=org, name="Acme", notes="vendor note")
    notes = {}
    for i in range(n):
        a = Asset.objects.create(organization=org, name=f"asset {i}", kind="server", notes=f"n{i}")
        notes[a.pk] = f"n{i}"
    DataFlow.objects.create(
        organization=org, name="flow", source_vendor=vendor, destination_asset_id=a.pk, notes="f"
    )
    return notes


def keys_json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    main(["keys", "status", "--json"])
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def by_version(status: dict[str, object]) -> dict[int, int]:
    return {v["version"]: v["ciphertexts"] for v in status["versions"]}  # type: ignore[attr-defined,index]


@pytest.mark.django_db
def test_status_counts_values_per_version(
    ring_file: Path, make_org: Callable[..., Organization], capsys: pytest.CaptureFixture[str]
) -> None:
    fill(make_org(), 4)
    status = keys_json(capsys)
    assert status["environment"] == "test"
    assert status["provider"] == "file"
    assert by_version(status) == {1: 6}
    assert status["plaintext"] == 0


@pytest.mark.django_db(transaction=True)
def test_rotation_can_be_interrupted_and_resumed_without_loss(
    ring_file: Path,
    make_org: Callable[..., Organization],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = make_org()
    notes = fill(org, 10)
    plan = rotation.start_rotation(service.now())
    assert (plan.version, plan.added_version, plan.pending) == (2, True, 12)
    real_seal = service.seal_value
    calls = 0

    def killed_on_the_sixth(plaintext: str, binding: envelope.Binding) -> str:
        nonlocal calls
        calls += 1
        if calls == 6:  # inside the second batch of assets
            raise KeyboardInterrupt
        return real_seal(plaintext, binding)

    monkeypatch.setattr(service, "seal_value", killed_on_the_sixth)
    with pytest.raises(KeyboardInterrupt):
        for _ in rotation.reencrypt(plan.version, batch_size=3):
            pass
    monkeypatch.setattr(service, "seal_value", real_seal)
    # The vendor and the first batch of three assets were committed; the batch in flight
    # was rolled back as a whole.
    prefixes = [v[:6] for v in raw_notes("inventory_asset")]
    assert prefixes.count("pw1.2.") == 3
    assert prefixes.count("pw1.1.") == 7
    assert raw_notes("inventory_vendor")[0].startswith("pw1.2.")
    service.forget_cached_keys()
    assert {a.pk: a.notes for a in Asset.objects.all()} == notes  # nothing lost mid-way

    main(["keys", "rotate", "--batch-size", "3"])  # continues; does not add version 3
    assert "continuing rotation to key version 2" in capsys.readouterr().err
    assert by_version(keys_json(capsys)) == {1: 0, 2: 12}
    service.forget_cached_keys()
    assert {a.pk: a.notes for a in Asset.objects.all()} == notes
    assert Vendor.objects.get().notes == "vendor note"
    assert DataFlow.objects.get().notes == "f"

    main(["keys", "rotate"])  # nothing pending: a new version
    assert by_version(keys_json(capsys)) == {1: 0, 2: 0, 3: 12}


@pytest.mark.django_db
def test_rotation_encrypts_plaintext_written_before_encryption(
    ring_file: Path, make_org: Callable[..., Organization], capsys: pytest.CaptureFixture[str]
) -> None:
    org = make_org()
    fill(org, 1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_asset SET notes = 'legacy'")
    assert keys_json(capsys)["plaintext"] == 1
    main(["keys", "rotate"])
    assert keys_json(capsys)["plaintext"] == 0
    assert Asset.objects.get().notes == "legacy"


@pytest.mark.django_db
def test_retire_is_refused_while_values_use_the_version(
    ring_file: Path, make_org: Callable[..., Organization], capsys: pytest.CaptureFixture[str]
) -> None:
    fill(make_org(), 2)
    with pytest.raises(SystemExit):
        main(["keys", "retire", "1"])
    assert "current" in capsys.readouterr().err
    service.provider().add_version(service.now())
    with pytest.raises(SystemExit):
        main(["keys", "retire", "1"])
    assert "4 encrypted values still use key version 1" in capsys.readouterr().err
    main(["keys", "rotate"])
    main(["keys", "retire", "1"])
    status = keys_json(capsys)
    assert status["versions"][0]["retired_at"] is not None  # type: ignore[index]
    assert '"key"' not in ring_file.read_text().split('"version": 2')[0]
    service.forget_cached_keys()
    assert sorted(a.notes for a in Asset.objects.all()) == ["n0", "n1"]


@pytest.mark.django_db
def test_backup_destroy_restore_recovers_the_data(
    ring_file: Path,
    make_org: Callable[..., Organization],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    notes = fill(make_org(), 3)
    passphrase_file = tmp_path / "pass"
    passphrase_file.write_text(PASSPHRASE + "\n")
    backup = tmp_path / "keys.backup"
    main(["keys", "backup", "--output", str(backup), "--passphrase-file", str(passphrase_file)])
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert ring_file.read_text() not in backup.read_text()

    ring_file.unlink()  # the key file is lost
    provider = service.provider()
    provider._ring = None  # type: ignore[attr-defined]
    service.forget_cached_keys()
    with pytest.raises(KeyUnavailable):
        _ = Asset.objects.first().notes  # type: ignore[union-attr]

    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase at all")
    with pytest.raises(SystemExit):
        main(["keys", "restore", str(backup), "--passphrase-file", str(wrong)])
    assert "wrong passphrase" in capsys.readouterr().err

    main(["keys", "restore", str(backup), "--passphrase-file", str(passphrase_file)])
    assert stat.S_IMODE(ring_file.stat().st_mode) == 0o600
    service.use_provider(provider)
    provider._ring = None  # type: ignore[attr-defined]
    assert {a.pk: a.notes for a in Asset.objects.all()} == notes


@pytest.mark.django_db
def test_restore_refuses_to_replace_a_different_ring_in_use_without_replace(
    ring_file: Path,
    tmp_path: Path,
    make_org: Callable[..., Organization],
    capsys: pytest.CaptureFixture[str],
) -> None:
    passphrase_file = tmp_path / "pass"
    passphrase_file.write_text(PASSPHRASE)
    backup = tmp_path / "keys.backup"
    main(["keys", "backup", "-o", str(backup), "--passphrase-file", str(passphrase_file)])
    service.provider().add_version(service.now())
    fill(make_org(), 1)  # values under the new version 2, which the backup lacks
    before = ring_file.read_text()
    with pytest.raises(SystemExit):
        main(["keys", "restore", str(backup), "--passphrase-file", str(passphrase_file)])
    assert "3 encrypted values use it; pass --replace" in capsys.readouterr().err
    assert ring_file.read_text() == before
    main(["keys", "restore", str(backup), "--replace", "--passphrase-file", str(passphrase_file)])
    assert ring_file.read_text() != before


@pytest.mark.django_db
def test_restore_replaces_a_ring_that_never_encrypted_anything(
    ring_file: Path,
    tmp_path: Path,
    make_org: Callable[..., Organization],
    capsys: pytest.CaptureFixture[str],
) -> None:
    fill(make_org(), 2)
    passphrase_file = tmp_path / "pass"
    passphrase_file.write_text(PASSPHRASE)
    backup = tmp_path / "keys.backup"
    main(["keys", "backup", "-o", str(backup), "--passphrase-file", str(passphrase_file)])
    # What 'phiward init' does on a new machine: a fresh ring that has encrypted nothing yet
    # (the encrypted values here are under the backup's ring, the database restored later).
    ring_file.unlink()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_asset SET notes = ''")
        cursor.execute("UPDATE inventory_vendor SET notes = ''")
        cursor.execute("UPDATE inventory_dataflow SET notes = ''")
    service.ensure_key_ring()
    assert rotation.values_under({1}) == 0
    main(["keys", "restore", str(backup), "--passphrase-file", str(passphrase_file)])
    assert "restored" in capsys.readouterr().out
    assert (
        service.provider().ring().versions
        == keybackup.open_backup(backup.read_bytes(), PASSPHRASE).ring.versions
    )


@pytest.mark.django_db
def test_rotate_retire_backup_restore_are_audited(
    ring_file: Path,
    key_events: list[object],
    make_org: Callable[..., Organization],
    tmp_path: Path,
) -> None:
    fill(make_org(), 1)
    passphrase_file = tmp_path / "pass"
    passphrase_file.write_text(PASSPHRASE)
    main(["keys", "rotate"])
    main(["keys", "retire", "1"])
    main(["keys", "backup", "-o", str(tmp_path / "b"), "--passphrase-file", str(passphrase_file)])
    main(["keys", "restore", str(tmp_path / "b"), "--passphrase-file", str(passphrase_file)])
    summaries = " | ".join(e.summary for e in key_events)  # type: ignore[attr-defined]
    for expected in (
        "rotation to new key version 2",
        "completed",
        "retired key version 1",
        "backed up",
        "restored",
    ):
        assert expected in summaries


def test_init_creates_a_private_key_ring_of_its_environment(tmp_path: Path) -> None:
    from tests.core.test_cli import run

    data_dir = tmp_path / "data"
    result = run(data_dir, "init")
    assert result.returncode == 0, result.stderr
    ring = data_dir / "keyring.json"
    assert stat.S_IMODE(ring.stat().st_mode) == 0o600
    assert json.loads(ring.read_text())["environment"] == "test"


@pytest.mark.django_db
def test_ensure_key_ring_creates_once(ring_file: Path) -> None:
    ring_file.unlink()
    service.provider()._ring = None  # type: ignore[attr-defined]
    assert service.ensure_key_ring() is True
    before = ring_file.read_text()
    assert service.ensure_key_ring() is False
    assert ring_file.read_text() == before


@pytest.mark.django_db
def test_init_refuses_a_new_ring_when_encrypted_data_exists(
    ring_file: Path, make_org: Callable[..., Organization]
) -> None:
    fill(make_org(), 1)
    ring_file.unlink()
    service.provider()._ring = None  # type: ignore[attr-defined]
    with pytest.raises(KeyUnavailable, match="restore"):
        service.ensure_key_ring()
    assert not ring_file.exists()


@pytest.mark.django_db
def test_rotation_covers_mfa_secrets_and_retire_waits_for_them(
    ring_file: Path, org: Organization, make_member: Callable[..., object]
) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from phiward.core.permissions import Role
    from phiward.crypto.envelope import CryptoError
    from tests.accounts.conftest import totp

    secret = "KRUGS4ZAMFZCA43FMNZGK5BAMNXWIZJA"
    user = make_member(org, Role.SECURITY_OFFICER, username="mfa-rotation")
    Authenticator.objects.filter(user=user).delete()
    TOTP.activate(user, secret)  # type: ignore[arg-type]
    sealed = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert envelope.read_header(sealed).kek_version == 1

    plan = rotation.start_rotation(service.now())
    assert plan.pending == 1
    with pytest.raises(CryptoError, match="still use key version 1"):
        rotation.retire(1, service.now())
    assert sum(1 for _ in rotation.reencrypt(plan.version)) == 1
    assert rotation.finish_rotation(plan.version) == 0
    resealed = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert envelope.read_header(resealed).kek_version == plan.version

    rotation.retire(1, service.now())
    service.forget_cached_keys()
    authenticator = Authenticator.objects.get(user=user, type="totp")
    assert TOTP(authenticator).validate_code(totp(secret))
