"""A running process follows the key ring other processes rotate and retire; retiring a
version that backups still need is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from pytest_django import Settings

from phiward.backup.keysource import InstallKey, backup_key_version, backups_under
from phiward.backup.sealed import seal
from phiward.cli import main
from phiward.core.models import Organization
from phiward.crypto import rotation, service
from phiward.crypto.keys import Environment, FileRingStore, LocalKeyProvider, ProviderKind
from phiward.inventory.models import Asset


def stored_note(asset: Asset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM inventory_asset WHERE id = %s", [asset.pk])
        return str(cursor.fetchone()[0])


def other_process(ring_file: Path) -> LocalKeyProvider:
    """The provider of another process on the same data directory ('phiward keys ...')."""
    return LocalKeyProvider(FileRingStore(ring_file), Environment.TEST, ProviderKind.FILE)


@pytest.mark.django_db
def test_writes_follow_a_rotation_and_retirement_made_by_another_process(
    ring_file: Path, make_org: Callable[..., Organization]
) -> None:
    org = make_org()
    first = Asset.objects.create(organization=org, name="a", kind="server", notes="one")
    assert stored_note(first).startswith("pw1.1.")  # this process now caches a v1 data key

    operator = other_process(ring_file)
    operator.add_version(service.now())
    second = Asset.objects.create(organization=org, name="b", kind="server", notes="two")
    assert stored_note(second).startswith("pw1.2.")
    first.notes = "one, changed"
    first.save()
    assert stored_note(first).startswith("pw1.2.")

    for _ in rotation.reencrypt(2):
        pass
    operator.retire(1, service.now())
    third = Asset.objects.create(organization=org, name="c", kind="server", notes="three")
    assert stored_note(third).startswith("pw1.2.")
    assert all(key.kek_version == 2 for key in service._current.values())
    assert all(key.kek_version == 2 for key in service._unwrapped.values())
    assert sorted(a.notes for a in Asset.objects.all()) == ["one, changed", "three", "two"]


def write_backup(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    source = path.with_suffix(".plain")
    source.write_bytes(b"a database snapshot")
    with source.open("rb") as plain, path.open("wb") as sealed:
        seal(plain, sealed, InstallKey(), context="phiward backup")


@pytest.mark.django_db
def test_retire_is_refused_while_backups_are_sealed_under_the_version(
    ring_file: Path,
    make_org: Callable[..., Organization],
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings.DATA_DIR = str(tmp_path / "data")
    Asset.objects.create(organization=make_org(), name="a", kind="server", notes="n")
    backups = tmp_path / "data" / "backups"
    write_backup(backups / "phiward-old.pwbak")
    main(["keys", "rotate"])
    write_backup(backups / "phiward-new.pwbak")
    (backups / "damaged.pwbak").write_bytes(b"not a sealed file")
    assert backup_key_version(backups / "phiward-new.pwbak") == 2
    assert backups_under(tmp_path / "data", {1}) == [backups / "phiward-old.pwbak"]

    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["keys", "retire", "1"])
    error = capsys.readouterr().err
    assert "1 backups are sealed under key version 1" in error
    assert "phiward-old.pwbak" in error and "phiward-new.pwbak" not in error
    assert service.provider().ring().versions[0].secret is not None  # nothing destroyed

    main(["keys", "retire", "1", "--force"])
    warned = capsys.readouterr().err
    assert "warning:" in warned and "phiward-old.pwbak" in warned
    assert service.provider().ring().versions[0].retired


@pytest.mark.django_db
def test_retire_without_backups_in_the_way_needs_no_force(
    ring_file: Path,
    make_org: Callable[..., Organization],
    settings: Settings,
    tmp_path: Path,
) -> None:
    settings.DATA_DIR = str(tmp_path / "data")
    Asset.objects.create(organization=make_org(), name="a", kind="server", notes="n")
    main(["keys", "rotate"])
    write_backup(tmp_path / "data" / "backups" / "phiward-new.pwbak")
    main(["keys", "retire", "1"])
    assert service.provider().ring().versions[0].retired
