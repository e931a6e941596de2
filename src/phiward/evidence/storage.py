"""Evidence files on disk: sealed with phiward's key-encryption keys, one file per item.

A file lives at ``<data dir>/evidence/<organization id>/<item uid>.pwseal`` in the chunked
AES-256-GCM format of ``phiward.backup.sealed`` (the format ``phiward backup`` uses). Its data
key is wrapped by the install's key provider under the current key version, with a context
naming the organization and the item; the same context is in the sealed header, whose hash is
part of every chunk's associated data. A file copied to another item or organization therefore
does not open there, and neither does a changed, truncated or reordered one.

Writes are atomic: the sealed bytes go to a temporary file in the same folder, are flushed to
disk (``fsync``), then renamed into place, and the folder is synced. The database row is saved
only after that, so a crash leaves at most a file without a row (an orphan, removed by
``phiward evidence clean``), never a row without its file. Plaintext never touches the disk:
uploads are held in memory (``phiward.evidence.uploads``) and sealed from there.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from phiward.backup.sealed import SealError, read_header, seal, unseal
from phiward.core.errors import InputProblems, PhiwardError, Problem
from phiward.crypto import service as crypto

FOLDER = "evidence"  # under the data directory; 'phiward backup' copies it (DOCUMENT_DIRS)
SUFFIX = ".pwseal"
PARTIAL = ".partial"
MiB = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MiB
_NAME = re.compile(r"^([0-9a-f-]{36})\.pwseal$")


class Readable(Protocol):
    """What content is read from: an open file, an upload."""

    def read(self, size: int, /) -> bytes: ...


class EvidenceFileError(PhiwardError):
    """An evidence file is missing, does not open, or does not match its recorded hash."""

    exit_code = 7


def max_bytes() -> int:
    """The largest evidence file: ``PHIWARD_EVIDENCE_MAX_BYTES`` (setting or environment)."""
    configured: object = getattr(settings, "PHIWARD_EVIDENCE_MAX_BYTES", None)
    if configured is None:
        configured = os.environ.get("PHIWARD_EVIDENCE_MAX_BYTES", "").strip() or DEFAULT_MAX_BYTES
    try:
        limit = int(str(configured).strip())
    except ValueError:
        raise ImproperlyConfigured(
            "PHIWARD_EVIDENCE_MAX_BYTES must be a whole number of bytes"
        ) from None
    if limit < 1:
        raise ImproperlyConfigured("PHIWARD_EVIDENCE_MAX_BYTES must be at least 1")
    return limit


def describe_size(size: int) -> str:
    if size >= MiB and size % MiB == 0:
        return f"{size // MiB} MiB"
    if size >= MiB:
        return f"{size / MiB:.1f} MiB"
    return f"{size} bytes"


def too_large(limit: int) -> InputProblems:
    return InputProblems(
        [Problem(f"the file is larger than the {describe_size(limit)} limit", field="file")]
    )


def root() -> Path:
    return Path(settings.DATA_DIR) / FOLDER


@dataclass(frozen=True)
class Location:
    """Where one item's file lives, and the context its key is bound to."""

    organization_id: int
    uid: str  # the item's uid, canonical UUID text

    @property
    def folder(self) -> Path:
        return root() / str(self.organization_id)

    @property
    def path(self) -> Path:
        return self.folder / f"{self.uid}{SUFFIX}"

    @property
    def context(self) -> str:
        return f"phiward evidence/org={self.organization_id}/item={self.uid}"

    @property
    def relative(self) -> str:
        """The path inside the data directory (as the backup manifest names it)."""
        return f"{FOLDER}/{self.organization_id}/{self.uid}{SUFFIX}"


class ItemKey:
    """The key source ``sealed`` needs, bound to one item: the install's current key version
    wraps the file's data key; only this item's context unwraps it."""

    def __init__(self, location: Location) -> None:
        self.location = location

    def _provider_context(self) -> dict[str, str]:
        return {
            "purpose": "evidence",
            "organization": str(self.location.organization_id),
            "item": self.location.uid,
        }

    def wrap(self, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        if context.decode() != self.location.context:
            raise SealError("the sealing context does not name this item")
        provider = crypto.provider()
        version = provider.current_version()
        return str(version), provider.wrap(data_key, version, self._provider_context())

    def unwrap(self, version: str, wrapped: bytes, context: bytes) -> bytes:
        if context.decode() != self.location.context or not version.isdecimal():
            raise SealError("the file belongs to another evidence item or organization")
        return crypto.provider().unwrap(wrapped, int(version), self._provider_context())


class _Chunks:
    """A ``read(size)`` over an iterator of byte blocks (another file's plaintext)."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._pending = b""

    def read(self, size: int) -> bytes:
        while len(self._pending) < size:
            block = next(self._blocks, b"")
            if not block:
                break
            self._pending += block
        out, self._pending = self._pending[:size], self._pending[size:]
        return out


class _Measured:
    """A reader that hashes and counts what passes through it and stops past ``limit``."""

    def __init__(self, read: Callable[[int], bytes], limit: int | None) -> None:
        self._read = read
        self.limit = limit
        self.size = 0
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = bytes(self._read(size))
        self.size += len(block)
        if self.limit is not None and self.size > self.limit:
            raise too_large(self.limit)
        self.digest.update(block)
        return block


@dataclass(frozen=True)
class StoredFile:
    size: int
    sha256: str


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_sealed(
    location: Location,
    read: Callable[[int], bytes],
    limit: int | None,
    expect_sha256: str | None = None,
) -> StoredFile:
    """Seal what ``read`` gives to a temporary file, sync it and rename it into place (only when its
    plaintext matches ``expect_sha256``, if given)."""
    folder = location.folder
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = folder / f".{location.uid}.{secrets.token_hex(4)}{PARTIAL}"
    reader = _Measured(read, limit)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as target:
            seal(reader, target, ItemKey(location), context=location.context)  # type: ignore[arg-type]
            target.flush()
            os.fsync(target.fileno())
        if expect_sha256 is not None and reader.digest.hexdigest() != expect_sha256:
            raise EvidenceFileError(
                f"the file of evidence item {location.uid} does not match its recorded "
                "SHA-256; it was left as it is: run 'phiward evidence verify'"
            )
        os.replace(partial, location.path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return StoredFile(reader.size, reader.digest.hexdigest())


def store(source: Readable, location: Location, *, limit: int) -> StoredFile:
    """Seal a new item's content; refuses content over ``limit`` bytes (nothing is kept)."""
    if location.path.exists():
        raise EvidenceFileError(f"evidence item {location.uid} already has a file")
    return _write_sealed(location, source.read, limit)


def chunks(location: Location, path: Path | None = None) -> Iterator[bytes]:
    """The plaintext, chunk by chunk; EvidenceFileError if it is missing or does not open.

    ``path`` reads the item's file from elsewhere (a restored backup); the key is the item's.
    """
    try:
        handle = (path or location.path).open("rb")
    except FileNotFoundError:
        raise EvidenceFileError(f"the file of evidence item {location.uid} is missing") from None
    with handle:
        try:
            if read_header(handle).context != location.context:
                raise EvidenceFileError(
                    f"the file at evidence item {location.uid}'s place belongs to another "
                    "evidence item or organization"
                )
            handle.seek(0)
            yield from unseal(handle, ItemKey(location))
        except SealError as exc:
            raise EvidenceFileError(
                f"the file of evidence item {location.uid} does not open: {exc}"
            ) from exc


def measure(location: Location, path: Path | None = None) -> StoredFile:
    """Decrypt the whole file and return its plaintext size and SHA-256."""
    digest, size = hashlib.sha256(), 0
    for block in chunks(location, path):
        digest.update(block)
        size += len(block)
    return StoredFile(size, digest.hexdigest())


def verified_chunks(location: Location, sha256: str) -> Iterator[bytes]:
    """The plaintext, after a first pass proved it matches ``sha256``.

    The second pass hashes again and raises at its end if the file changed in between, so a
    caller streaming it never completes a transfer of content that does not match.
    """
    if measure(location).sha256 != sha256:
        raise EvidenceFileError(
            f"the file of evidence item {location.uid} does not match its recorded SHA-256"
        )
    return _rechecked(location, sha256)


def _rechecked(location: Location, sha256: str) -> Iterator[bytes]:
    digest = hashlib.sha256()
    for block in chunks(location):
        digest.update(block)
        yield block
    if digest.hexdigest() != sha256:
        raise EvidenceFileError(f"the file of evidence item {location.uid} changed while read")


def key_version(location: Location) -> int | None:
    """The key version the file's data key is wrapped under (None: missing or unreadable)."""
    try:
        with location.path.open("rb") as handle:
            version = read_header(handle).version
    except (OSError, SealError):
        return None
    return int(version) if version.isdecimal() else None


def reseal(location: Location, sha256: str) -> None:
    """Seal the file again under the current key version (key rotation), atomically.

    Refused when the plaintext does not match ``sha256``: rotation never launders a changed file.
    """
    _write_sealed(location, _Chunks(chunks(location)).read, None, expect_sha256=sha256)


def remove(location: Location) -> None:
    location.path.unlink(missing_ok=True)


def files_on_disk() -> Iterator[tuple[Path, Location | None]]:
    """Every file under the evidence folder: sealed files with their location, and anything
    else (temporary files of interrupted writes, strays) with None."""
    base = root()
    if not base.is_dir():
        return
    for folder in sorted(base.iterdir()):
        if not folder.is_dir():
            yield folder, None
            continue
        for path in sorted(folder.iterdir()):
            match = _NAME.match(path.name)
            if match and folder.name.isdecimal() and path.is_file():
                yield path, Location(int(folder.name), match.group(1))
            else:
                yield path, None
