"""Refuse passwords known from breaches, offline.

Django's ``CommonPasswordValidator`` (in the settings too) refuses the 20,000 passwords most
common in breach corpora, shipped with Django. This validator adds an install's own list
(``PHIWARD_BREACHED_PASSWORDS_FILE``), checked without any network access, in one of two forms:

- the "Have I Been Pwned" SHA-1 download (``HASH:COUNT`` lines, sorted by hash): searched by
  bisection on the file, so a multi-gigabyte list costs a few dozen reads per check;
- any other text file: one password per line (read once, kept in memory).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError

HEX_DIGITS = frozenset("0123456789ABCDEF")


def _line_at(handle: BinaryIO, offset: int) -> tuple[bytes, int]:
    """The first line that starts at or after ``offset``, and where it starts."""
    if offset == 0:
        handle.seek(0)
    else:
        handle.seek(offset - 1)
        handle.readline()  # the rest of the line holding byte offset-1
    start = handle.tell()
    return handle.readline(), start


def in_sha1_list(path: Path, password: str) -> bool:
    """Whether ``password``'s SHA-1 is in a sorted ``HASH:COUNT`` file."""
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    wanted = digest.encode("ascii")
    with path.open("rb") as handle:
        low, high = 0, os.fstat(handle.fileno()).st_size
        while low < high:
            middle = (low + high) // 2
            line, start = _line_at(handle, middle)
            if not line:
                high = middle
                continue
            key = line.split(b":", 1)[0].strip().upper()
            if key == wanted:
                return True
            if key < wanted:
                low = start + len(line)
            else:
                high = middle
        line, _ = _line_at(handle, low)
        return line.split(b":", 1)[0].strip().upper() == wanted


@functools.cache
def _plain_list(path: Path, mtime: float) -> frozenset[str]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        return frozenset(line.rstrip("\r\n") for line in handle if line.strip())


def _is_sha1_list(path: Path) -> bool:
    with path.open("rb") as handle:
        first = handle.readline().split(b":", 1)[0].strip().upper()
    return len(first) == 40 and set(first.decode("ascii", "replace")) <= HEX_DIGITS


def is_breached(password: str, path: Path) -> bool:
    if _is_sha1_list(path):
        return in_sha1_list(path, password)
    return password in _plain_list(path, path.stat().st_mtime)


class BreachedPasswordValidator:
    """Refuses passwords in the install's offline breach list (a no-op without one)."""

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        configured = getattr(settings, "PHIWARD_BREACHED_PASSWORDS_FILE", "")
        if configured and is_breached(password, Path(configured)):
            raise ValidationError(
                "This password appears in a list of passwords exposed in data breaches.",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password can't be one known from data breaches."
