"""Refuse passwords known from breaches, offline, and passwords built from this account's words.

Django's ``CommonPasswordValidator`` (in the settings too) refuses the 20,000 passwords most
common in breach corpora, shipped with Django. ``BreachedPasswordValidator`` adds an install's
own list (``PHIWARD_BREACHED_PASSWORDS_FILE``), checked without any network access, in one of
two forms:

- the "Have I Been Pwned" SHA-1 download (``HASH:COUNT`` lines, sorted by hash): searched by
  bisection on the file, so a multi-gigabyte list costs a few dozen reads per check;
- any other text file: one password per line (read once, kept in memory).

``ContextWordsValidator`` refuses a password that contains a word an attacker aiming at this
account tries first (ASVS V6.2.11): the username, the name part of the e-mail address, the name
and the short name (slug) of every organization the person belongs to and each of their words,
"phiward" and "hipaa". The comparison ignores case, accents, spaces and punctuation, and reads
common character swaps back (``0``→o, ``1``/``!``/``|``/``l``→i, ``3``→e, ``4``/``@``→a,
``5``/``$``→s, ``7``/``+``→t, ``8``→b, ``9``→g), so "H1p@@-2025" contains "hipaa". Words
shorter than four letters (after that folding) are not checked, except the two fixed ones.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
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


# --- context-specific words (pure) ---------------------------------------------------------

FIXED_WORDS = ("phiward", "hipaa")
MIN_WORD_LENGTH = 4
_SWAPS = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "!": "i",
        "|": "i",
        "l": "i",
        "3": "e",
        "4": "a",
        "@": "a",
        "5": "s",
        "$": "s",
        "7": "t",
        "+": "t",
        "8": "b",
        "9": "g",
    }
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_WORD_BREAK = re.compile(r"[^0-9A-Za-z\u00C0-\uFFFF]+")


def fold(text: str) -> str:
    """Lower case without accents, character swaps read back, only letters and digits left."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", plain.translate(_SWAPS))


@dataclass(frozen=True)
class ContextWord:
    word: str  # as the person knows it ("Clinic A", "nina")
    source: str  # where it comes from, for the message ("your username")


def words_in(password: str, words: Iterable[ContextWord]) -> list[ContextWord]:
    """The context words ``password`` contains, each once, in the order given."""
    folded = fold(password)
    found: list[ContextWord] = []
    seen: set[str] = set()
    for candidate in words:
        key = fold(candidate.word)
        fixed = candidate.word in FIXED_WORDS
        if not key or key in seen or (len(key) < MIN_WORD_LENGTH and not fixed):
            continue
        if key in folded:
            seen.add(key)
            found.append(candidate)
    return found


def name_words(name: str, source: str) -> list[ContextWord]:
    """A name and each of its words (``Riverside Family Medicine``: the whole and three)."""
    parts = [part for part in _WORD_BREAK.split(name) if part]
    return [ContextWord(name, source)] + [ContextWord(part, source) for part in parts]


# --- the validator ---------------------------------------------------------------------------


def context_words(user: AbstractBaseUser | None) -> list[ContextWord]:
    """The words checked for ``user`` (the fixed ones for nobody in particular)."""
    words = [ContextWord(word, "the name of this product or of the law") for word in FIXED_WORDS]
    if user is None:
        return words
    words += name_words(user.get_username(), "your username")
    email = str(getattr(user, "email", "") or "")
    if "@" in email:
        words += name_words(email.rsplit("@", 1)[0], "your e-mail address")
    if user.pk is not None:
        from phiward.core.models import Membership

        for name, slug in Membership.objects.filter(user_id=user.pk).values_list(
            "organization__name", "organization__slug"
        ):
            words += name_words(name, "your organization's name")
            words += name_words(slug, "your organization's name")
    return words


class ContextWordsValidator:
    """Refuses passwords containing the account's own words (see the module docstring)."""

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        found = words_in(password, context_words(user))
        if found:
            named = "; ".join(f"“{w.word}” ({w.source})" for w in found)
            raise ValidationError(
                f"This password contains a word someone guessing it would try first: {named}.",
                code="password_context_word",
            )

    def get_help_text(self) -> str:
        return (
            "Your password can't contain your username, your e-mail name, your organization's "
            "name, “phiward” or “hipaa” (also not with 0 for o, 4 for a and the like)."
        )
