"""Checkpoint files in ``PHIWARD_AUDIT_CHECKPOINT_DIR``: copies kept outside the database.

Each file is exactly what ``phiward audit checkpoint --output`` writes and what ``phiward audit
verify --checkpoint FILE`` reads. Files are written atomically (a temporary file, fsync,
rename, fsync of the directory), so the directory never holds half a checkpoint, and are named
``checkpoint-<tree size, 12 digits>-<UTC time>.json`` so they sort in log order.

Written are the stored checkpoints newer than the newest file already there (when the directory
holds none yet: only the latest). phiward never deletes or rewrites a file in it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from phiward.audit.ledger import as_signed
from phiward.audit.models import Checkpoint
from phiward.audit.signing import SignedCheckpoint
from phiward.core.errors import InvalidInput

SETTING = "PHIWARD_AUDIT_CHECKPOINT_DIR"
_NAME = re.compile(r"^checkpoint-(\d{12})-(\d{8}T\d{6}\.\d{6}Z)\.json$")
_STAMP = "%Y%m%dT%H%M%S.%fZ"


def file_name(checkpoint: SignedCheckpoint) -> str:
    stamp = checkpoint.timestamp.astimezone(dt.UTC).strftime(_STAMP)
    return f"checkpoint-{checkpoint.tree_size:012d}-{stamp}.json"


def _newest_in(directory: Path) -> tuple[int, str] | None:
    keys = [
        (int(found.group(1)), found.group(2))
        for entry in os.scandir(directory)
        if (found := _NAME.match(entry.name))
    ]
    return max(keys) if keys else None


def _key(checkpoint: SignedCheckpoint) -> tuple[int, str]:
    return checkpoint.tree_size, checkpoint.timestamp.astimezone(dt.UTC).strftime(_STAMP)


def write_atomically(path: Path, text: str) -> None:
    """``text`` to ``path``: temporary file, fsync, rename over, fsync of the directory."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def export_new(directory: Path) -> list[Path]:
    """Write the checkpoints the directory does not have yet; the files written, oldest first."""
    if not directory.is_dir():
        raise InvalidInput(f"{SETTING}: {directory} is not a directory (create or mount it)")
    newest = _newest_in(directory)
    in_order = Checkpoint.objects.order_by("tree_size", "timestamp", "pk")
    if newest is None:
        latest = in_order.last()
        chosen = [as_signed(latest)] if latest is not None else []
    else:
        later = (as_signed(c) for c in in_order.filter(tree_size__gte=newest[0]).iterator())
        chosen = [c for c in later if _key(c) > newest]
    written = []
    for checkpoint in chosen:
        path = directory / file_name(checkpoint)
        write_atomically(path, checkpoint.export())
        written.append(path)
    return written
