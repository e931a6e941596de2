"""Key status, rotation and retirement over every encrypted column of every model.

Rotation makes a new key-encryption-key version current, then re-encrypts every value not yet
under it, in batches of its own transaction each. Interrupted, it loses at most the batch in
flight (rolled back); run again, it finds the values still under an older version by their
ciphertext prefix and continues — it only adds a version when nothing is left to re-encrypt.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Q

from phiward.crypto import envelope, service
from phiward.crypto.bindings import MFA_SECRET
from phiward.crypto.envelope import CryptoError
from phiward.crypto.fields import EncryptedTextField, Sealed, binding_for, encrypted_fields

DEFAULT_BATCH = 200


@dataclass(frozen=True)
class Column:
    model: type[models.Model]
    field: EncryptedTextField

    @property
    def name(self) -> str:
        return f"{self.model._meta.db_table}.{self.field.column}"


@dataclass(frozen=True)
class ColumnCounts:
    column: str
    by_version: dict[int, int]
    plaintext: int  # written before the column was encrypted
    unknown_version: int  # sealed under a version the key ring does not list


@dataclass(frozen=True)
class VersionStatus:
    version: int
    created_at: datetime
    fingerprint: str
    retired_at: datetime | None
    current: bool
    ciphertexts: int


@dataclass(frozen=True)
class KeyStatus:
    provider: str
    location: str
    environment: str
    versions: tuple[VersionStatus, ...]
    columns: tuple[ColumnCounts, ...]

    @property
    def plaintext(self) -> int:
        return sum(c.plaintext for c in self.columns)


class SealedFiles(Protocol):
    """Files sealed under key versions outside the database (evidence files): an app that
    keeps such files registers them, and status, rotation and retirement cover them."""

    name: str  # shown by 'phiward keys status' like a column

    def by_version(self) -> dict[int, int]:
        """How many files each key version wraps (files that cannot be read are not counted:
        nothing could re-encrypt them; the app's own verification reports them)."""
        ...

    def reseal(self, version: int) -> Iterator[int]:
        """Re-encrypt every file not under ``version``; yield once per file, when it is done."""
        ...


_sealed_files: dict[str, SealedFiles] = {}


def register_sealed_files(files: SealedFiles) -> None:
    _sealed_files[files.name] = files


def _file_counts() -> list[tuple[int, int]]:
    """(key version, files) of every registered kind of sealed file."""
    return [pair for files in _sealed_files.values() for pair in files.by_version().items()]


def _files_under(versions: Collection[int]) -> int:
    return sum(n for v, n in _file_counts() if v in versions)


def _files_not_under(version: int) -> int:
    return sum(n for v, n in _file_counts() if v != version)


def columns() -> list[Column]:
    return [
        Column(model, field)
        for model in apps.get_models()
        if not model._meta.abstract
        for field in encrypted_fields(model)
    ]


def _count(column: Column, versions: list[int]) -> ColumnCounts:
    name = column.field.attname
    aggregates = {
        f"v{v}": Count("pk", filter=Q(**{f"{name}__startswith": envelope.version_prefix(v)}))
        for v in versions
    }
    aggregates["filled"] = Count("pk", filter=~Q(**{name: ""}) & Q(**{f"{name}__isnull": False}))
    aggregates["sealed"] = Count("pk", filter=Q(**{f"{name}__startswith": "pw1."}))
    result = column.model._default_manager.aggregate(**aggregates)
    by_version = {v: int(result[f"v{v}"]) for v in versions}
    return ColumnCounts(
        column=column.name,
        by_version=by_version,
        plaintext=int(result["filled"]) - int(result["sealed"]),
        unknown_version=int(result["sealed"]) - sum(by_version.values()),
    )


def status() -> KeyStatus:
    chosen = service.provider()
    ring = chosen.ring()
    versions = sorted(v.version for v in ring.versions)
    counts = [_count(c, versions) for c in columns()]
    for files in _sealed_files.values():
        found = files.by_version()
        known = {v: found.get(v, 0) for v in versions}
        unknown = sum(found.values()) - sum(known.values())
        counts.append(ColumnCounts(files.name, known, plaintext=0, unknown_version=unknown))
    current = ring.current.version
    listed = tuple(
        VersionStatus(
            version=v.version,
            created_at=v.created_at,
            fingerprint=v.fingerprint,
            retired_at=v.retired_at,
            current=v.version == current,
            ciphertexts=sum(c.by_version.get(v.version, 0) for c in counts),
        )
        for v in ring.versions
    )
    return KeyStatus(
        provider=chosen.kind.value,
        location=chosen.description,
        environment=chosen.environment.value,
        versions=listed,
        columns=tuple(counts),
    )


def _pending(column: Column, version: int) -> models.QuerySet[models.Model]:
    name = column.field.attname
    return (
        column.model._default_manager.exclude(
            **{f"{name}__startswith": envelope.version_prefix(version)}
        )
        .exclude(**{name: ""})
        .exclude(**{f"{name}__isnull": True})
    )


# --- MFA secrets (allauth's authenticators, sealed through phiward.accounts.adapter) ---------

_MFA_KEYS = ("secret", "seed")


def _mfa_tokens(data: object) -> list[str]:
    if not isinstance(data, dict):
        return []
    found = [data[k] for k in _MFA_KEYS if isinstance(data.get(k), str)]
    codes = data.get("migrated_codes")
    if isinstance(codes, list):
        found += [c for c in codes if isinstance(c, str)]
    return [t for t in found if envelope.is_sealed(t)]


def _authenticators() -> models.QuerySet[models.Model]:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.all()  # type: ignore[no-any-return]


def _mfa_under(version: int) -> int:
    return sum(
        1
        for data in _authenticators().values_list("data", flat=True)
        for token in _mfa_tokens(data)
        if envelope.read_header(token).kek_version == version
    )


def _mfa_pending(version: int) -> int:
    return sum(
        1
        for data in _authenticators().values_list("data", flat=True)
        for token in _mfa_tokens(data)
        if envelope.read_header(token).kek_version != version
    )


def _mfa_reencrypt(version: int) -> Iterator[int]:
    def reseal(token: object) -> object:
        if not isinstance(token, str) or not envelope.is_sealed(token):
            return token
        if envelope.read_header(token).kek_version == version:
            return token
        return service.seal_value(service.open_value(token, MFA_SECRET), MFA_SECRET)

    for pk in list(_authenticators().values_list("pk", flat=True)):
        with transaction.atomic():
            row = _authenticators().select_for_update().filter(pk=pk).first()
            if row is None:
                continue
            data = dict(row.data)  # type: ignore[attr-defined]
            before = _mfa_tokens(data)
            for key in _MFA_KEYS:
                if key in data:
                    data[key] = reseal(data[key])
            if isinstance(data.get("migrated_codes"), list):
                data["migrated_codes"] = [reseal(c) for c in data["migrated_codes"]]
            if _mfa_tokens(data) != before:
                _authenticators().filter(pk=pk).update(data=data)
                yield from range(
                    sum(1 for t in before if envelope.read_header(t).kek_version != version)
                )


def sealed_values_exist() -> bool:
    return any(
        c.model._default_manager.filter(**{f"{c.field.attname}__startswith": "pw1."}).exists()
        for c in columns()
    ) or any(f.by_version() for f in _sealed_files.values())


def values_under(versions: Collection[int]) -> int:
    """How many encrypted values (fields and MFA secrets) are sealed under one of ``versions``."""
    fields = sum(
        column.model._default_manager.filter(
            **{f"{column.field.attname}__startswith": envelope.version_prefix(version)}
        ).count()
        for column in columns()
        for version in versions
    )
    mfa = sum(_mfa_under(version) for version in versions)
    return fields + mfa + _files_under(versions)


def pending_count(version: int | None = None) -> int:
    target = service.current_version() if version is None else version
    fields = sum(_pending(c, target).count() for c in columns())
    return fields + _mfa_pending(target) + _files_not_under(target)


@dataclass(frozen=True)
class RotationPlan:
    version: int
    added_version: bool
    pending: int


def start_rotation(now: datetime) -> RotationPlan:
    """Continue an unfinished rotation, or make a new version current (audited)."""
    chosen = service.provider()
    left = pending_count()
    if left:
        version = chosen.current_version()
        service.key_use(f"continued rotation to key version {version}: {left} values left")
        return RotationPlan(version, added_version=False, pending=left)
    added = chosen.add_version(now)
    service.forget_cached_keys()
    left = pending_count(added.version)
    service.key_use(f"rotation to new key version {added.version} started: {left} values")
    return RotationPlan(added.version, added_version=True, pending=left)


def reencrypt(version: int, batch_size: int = DEFAULT_BATCH) -> Iterator[int]:
    """Re-encrypt everything not under ``version``; yields once per value, after each commit."""
    for column in columns():
        attname = column.field.attname
        while True:
            with transaction.atomic():
                rows = list(
                    _pending(column, version)
                    .select_for_update()
                    .order_by("pk")
                    .only("pk", "uid", "organization_id", attname)[:batch_size]
                )
                if not rows:
                    break
                for row in rows:
                    stored = row.__dict__[attname]
                    plain = getattr(row, attname)  # opens the old ciphertext (or legacy text)
                    token = service.seal_value(plain, binding_for(row, column.field))
                    if envelope.read_header(token).kek_version != version:
                        raise CryptoError("the current key version changed during rotation")
                    column.model._default_manager.filter(
                        pk=row.pk, **{attname: str(stored)}
                    ).update(**{attname: Sealed(token)})
            yield from range(len(rows))
    yield from _mfa_reencrypt(version)
    for files in _sealed_files.values():
        yield from files.reseal(version)


def finish_rotation(version: int) -> int:
    left = pending_count(version)
    if left == 0:
        service.key_use(f"rotation to key version {version} completed")
    return left


def retire(version: int, now: datetime, *, force: bool = False) -> list[Path]:
    """Destroy key version ``version``; refused while any ciphertext still needs it.

    Also refused while a backup in ``<data dir>/backups`` is sealed under it (a backup made
    then could never be opened again) unless ``force``; the backups left behind are returned.
    """
    from phiward.backup.keysource import backups_under

    chosen = service.provider()
    if version == chosen.current_version():
        raise CryptoError(f"key version {version} is current: rotate to a new version first")
    chosen.ring().get(version)  # exists and not yet retired
    using = values_under({version})
    if using:
        raise CryptoError(
            f"{using} encrypted values still use key version {version}: run "
            "'phiward keys rotate' until it completes, then retire"
        )
    stranded = backups_under(Path(settings.DATA_DIR), {version})
    if stranded and not force:
        names = ", ".join(p.name for p in stranded)
        raise CryptoError(
            f"{len(stranded)} backups are sealed under key version {version} and could not be "
            f"opened after retiring it: {names}. Delete them once newer backups are verified, "
            "or pass --force to retire anyway (keep a key backup with that version for them)"
        )
    chosen.retire(version, now)
    service.forget_cached_keys()
    left = f"; {len(stranded)} backups under it were left (--force)" if stranded else ""
    service.key_use(f"retired key version {version}; its key material was destroyed{left}")
    return stranded
