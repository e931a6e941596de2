"""Key rings and providers: file, environment variable and AWS KMS (moto); environments."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from moto import mock_aws

from phiward.crypto import keybackup
from phiward.crypto.keys import (
    AwsKmsKeyProvider,
    Environment,
    FileRingStore,
    KeyEnvironmentMismatch,
    KeyRing,
    KeyRingReadOnly,
    KeyUnavailable,
    LocalKeyProvider,
    ProviderKind,
    new_ring,
    provider_from_environment,
    ring_as_env_value,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DEK = b"d" * 32
CONTEXT = {"organization": "1"}
CHEAP = keybackup.ScryptCost(n=2**10, r=8, p=1)


def file_provider(tmp_path: Path, environment: Environment) -> LocalKeyProvider:
    store = FileRingStore(tmp_path / "keyring.json")
    if store.load() is None:
        store.save(new_ring(environment, ProviderKind.FILE, NOW))
    return LocalKeyProvider(store, environment, ProviderKind.FILE)


def test_the_key_file_is_private_and_wraps_and_unwraps(tmp_path: Path) -> None:
    provider = file_provider(tmp_path, Environment.DEVELOPMENT)
    assert stat.S_IMODE((tmp_path / "keyring.json").stat().st_mode) == 0o600
    wrapped = provider.wrap(DEK, 1, CONTEXT)
    assert DEK not in wrapped
    assert provider.unwrap(wrapped, 1, CONTEXT) == DEK
    with pytest.raises(KeyUnavailable):
        provider.unwrap(wrapped, 1, {"organization": "2"})


def test_a_ring_of_another_environment_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    file_provider(tmp_path, Environment.PRODUCTION)
    development = LocalKeyProvider(
        FileRingStore(tmp_path / "keyring.json"), Environment.DEVELOPMENT, ProviderKind.FILE
    )
    with pytest.raises(KeyEnvironmentMismatch, match="belongs to the production environment"):
        development.unwrap(b"\0" * 60, 1, CONTEXT)


def test_relabelling_the_ring_does_not_open_another_environments_data_keys(
    tmp_path: Path,
) -> None:
    production = file_provider(tmp_path, Environment.PRODUCTION)
    wrapped = production.wrap(DEK, 1, CONTEXT)
    path = tmp_path / "keyring.json"
    path.write_text(path.read_text().replace('"production"', '"development"'))
    relabelled = LocalKeyProvider(FileRingStore(path), Environment.DEVELOPMENT, ProviderKind.FILE)
    with pytest.raises(KeyUnavailable, match="another install or environment"):
        relabelled.unwrap(wrapped, 1, CONTEXT)


def test_versions_are_added_and_retired_and_retired_material_is_destroyed(
    tmp_path: Path,
) -> None:
    provider = file_provider(tmp_path, Environment.TEST)
    old = provider.wrap(DEK, 1, CONTEXT)
    assert provider.add_version(NOW).version == 2
    assert provider.current_version() == 2
    assert provider.unwrap(old, 1, CONTEXT) == DEK  # the old version still decrypts
    provider.retire(1, NOW)
    reread = LocalKeyProvider(
        FileRingStore(tmp_path / "keyring.json"), Environment.TEST, ProviderKind.FILE
    )
    assert reread.versions()[0].secret is None
    with pytest.raises(KeyUnavailable, match="retired"):
        reread.unwrap(old, 1, CONTEXT)
    with pytest.raises(Exception, match="current"):
        reread.retire(2, NOW)


def test_the_environment_variable_provider_reads_a_ring_and_is_read_only(tmp_path: Path) -> None:
    ring = new_ring(Environment.PRODUCTION, ProviderKind.ENV, NOW)
    environ = {
        "PHIWARD_KEY_PROVIDER": "env",
        "PHIWARD_ENVIRONMENT": "production",
        "PHIWARD_MASTER_KEY": ring_as_env_value(ring),
    }
    provider = provider_from_environment(environ, tmp_path)
    assert provider.unwrap(provider.wrap(DEK, 1, CONTEXT), 1, CONTEXT) == DEK
    with pytest.raises(KeyRingReadOnly):
        provider.add_version(NOW)
    with pytest.raises(KeyEnvironmentMismatch):
        provider_from_environment({**environ, "PHIWARD_ENVIRONMENT": "staging"}, tmp_path).ring()
    with pytest.raises(KeyUnavailable, match="base64"):
        provider_from_environment({**environ, "PHIWARD_MASTER_KEY": "%%%"}, tmp_path).ring()


def test_unknown_settings_are_named() -> None:
    with pytest.raises(Exception, match="PHIWARD_KEY_PROVIDER"):
        provider_from_environment({"PHIWARD_KEY_PROVIDER": "vault"}, Path("/nonexistent"))
    with pytest.raises(Exception, match="PHIWARD_ENVIRONMENT"):
        provider_from_environment({"PHIWARD_ENVIRONMENT": "prod"}, Path("/nonexistent"))


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("kms", region_name="us-east-1")


def test_aws_kms_wraps_with_an_encryption_context(tmp_path: Path, kms: object) -> None:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]  # type: ignore[attr-defined]
    environ = {
        "PHIWARD_KEY_PROVIDER": "aws-kms",
        "PHIWARD_KMS_KEY_ID": key_id,
        "PHIWARD_ENVIRONMENT": "production",
    }
    provider = provider_from_environment(environ, tmp_path, kms_client=lambda: kms)  # type: ignore[arg-type,return-value]
    assert isinstance(provider, AwsKmsKeyProvider)
    provider.replace_ring(
        new_ring(Environment.PRODUCTION, ProviderKind.AWS_KMS, NOW, kms_key_id=key_id)
    )
    assert '"key":' not in (tmp_path / "keyring.json").read_text()  # ids, no material
    wrapped = provider.wrap(DEK, 1, CONTEXT)
    assert provider.unwrap(wrapped, 1, CONTEXT) == DEK
    with pytest.raises(KeyUnavailable, match="AWS KMS refused"):
        provider.unwrap(wrapped, 1, {"organization": "2"})
    second = kms.create_key()["KeyMetadata"]["KeyId"]  # type: ignore[attr-defined]
    provider.key_id = second
    assert provider.add_version(NOW).kms_key_id == second
    assert provider.unwrap(provider.wrap(DEK, 2, CONTEXT), 2, CONTEXT) == DEK
    assert provider.unwrap(wrapped, 1, CONTEXT) == DEK


def test_aws_kms_data_keys_of_another_environment_do_not_open(tmp_path: Path, kms: object) -> None:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]  # type: ignore[attr-defined]
    ring = new_ring(Environment.PRODUCTION, ProviderKind.AWS_KMS, NOW, kms_key_id=key_id)
    production = AwsKmsKeyProvider(
        FileRingStore(tmp_path / "p.json"), Environment.PRODUCTION, kms, key_id
    )  # type: ignore[arg-type]
    production.replace_ring(ring)
    wrapped = production.wrap(DEK, 1, CONTEXT)
    staging_ring = new_ring(Environment.STAGING, ProviderKind.AWS_KMS, NOW, kms_key_id=key_id)
    staging = AwsKmsKeyProvider(
        FileRingStore(tmp_path / "s.json"), Environment.STAGING, kms, key_id
    )  # type: ignore[arg-type]
    staging.replace_ring(staging_ring)
    with pytest.raises(KeyUnavailable):
        staging.unwrap(wrapped, 1, CONTEXT)


def test_a_key_backup_opens_only_with_its_passphrase() -> None:
    ring = new_ring(Environment.PRODUCTION, ProviderKind.FILE, NOW)
    sealed = keybackup.seal_backup(keybackup.KeyBackup(ring), "a long backup passphrase", CHEAP)
    assert ring.versions[0].secret is not None
    assert ring.to_json() not in sealed.decode()
    assert keybackup.open_backup(sealed, "a long backup passphrase") == keybackup.KeyBackup(ring)
    with pytest.raises(keybackup.BackupUnreadable, match="wrong passphrase"):
        keybackup.open_backup(sealed, "another long passphrase")
    tampered = sealed.replace(b'"n": 1024', b'"n": 2048')
    with pytest.raises(keybackup.BackupUnreadable):
        keybackup.open_backup(tampered, "a long backup passphrase")
    with pytest.raises(keybackup.BackupUnreadable):
        keybackup.open_backup(b"not json", "a long backup passphrase")
    with pytest.raises(Exception, match="at least"):
        keybackup.seal_backup(keybackup.KeyBackup(ring), "short", CHEAP)


def test_a_key_backup_carries_the_audit_signing_key_and_old_backups_still_open() -> None:
    ring = new_ring(Environment.PRODUCTION, ProviderKind.FILE, NOW)
    pem = b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"
    sealed = keybackup.seal_backup(keybackup.KeyBackup(ring, pem), "a long backup passphrase")
    assert b"PRIVATE KEY" not in sealed
    opened = keybackup.open_backup(sealed, "a long backup passphrase")
    assert (opened.ring, opened.audit_signing_key) == (ring, pem)
    # The sealed contents are still a key-ring document: a reader that only knows rings
    # (an older phiward) reads the ring and ignores the extra member.
    with_key = json.loads(_plaintext(sealed, "a long backup passphrase"))
    assert KeyRing.from_json(json.dumps(with_key), source="test") == ring
    assert with_key[keybackup.SIGNING_KEY_MEMBER] == pem.decode()


def _plaintext(sealed: bytes, passphrase: str) -> bytes:
    document = json.loads(sealed)
    header = {k: document[k] for k in ("format", "environment", "kdf", "salt", "nonce")}
    kdf = document["kdf"]
    cost = keybackup.ScryptCost(n=kdf["n"], r=kdf["r"], p=kdf["p"])
    key = keybackup._derive(passphrase, base64.b64decode(document["salt"]), cost)
    return AESGCM(key).decrypt(
        base64.b64decode(document["nonce"]),
        base64.b64decode(document["ciphertext"]),
        keybackup._aad(header),
    )


def test_a_provider_follows_the_ring_another_process_changes(tmp_path: Path) -> None:
    server = file_provider(tmp_path, Environment.TEST)  # e.g. 'phiward serve'
    old = server.wrap(DEK, 1, CONTEXT)
    assert server.current_version() == 1
    operator = file_provider(tmp_path, Environment.TEST)  # e.g. 'phiward keys rotate'
    operator.add_version(NOW)
    assert server.current_version() == 2
    assert server.unwrap(server.wrap(DEK, 2, CONTEXT), 2, CONTEXT) == DEK
    operator.retire(1, NOW)
    with pytest.raises(KeyUnavailable, match="retired"):
        server.wrap(DEK, 1, CONTEXT)
    with pytest.raises(KeyUnavailable, match="retired"):
        server.unwrap(old, 1, CONTEXT)


def test_an_unchanged_ring_file_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = file_provider(tmp_path, Environment.TEST)
    provider.current_version()
    reads = 0
    real_load = FileRingStore.load

    def counting(store: FileRingStore) -> KeyRing | None:
        nonlocal reads
        reads += 1
        return real_load(store)

    monkeypatch.setattr(FileRingStore, "load", counting)
    for _ in range(20):
        provider.wrap(DEK, provider.current_version(), CONTEXT)
    assert reads == 0
