"""Breached passwords are refused offline: Django's common list and an install's own list."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from pytest_django import Settings

from phiward.accounts.passwords import in_sha1_list, is_breached


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest().upper()


@pytest.fixture
def hibp(tmp_path: Path) -> Path:
    """A small file in the Have I Been Pwned format: sorted SHA-1 hashes with counts."""
    leaked = [f"leaked password {n}" for n in range(500)]
    lines = sorted(f"{_sha1(p)}:{n + 1}" for n, p in enumerate(leaked))
    path = tmp_path / "pwned.txt"
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def test_every_listed_hash_is_found_and_others_are_not(hibp: Path) -> None:
    assert all(in_sha1_list(hibp, f"leaked password {n}") for n in range(500))
    assert not any(in_sha1_list(hibp, f"fresh password {n}") for n in range(200))


def test_the_first_and_last_lines_are_found(tmp_path: Path) -> None:
    words = ["a", "b", "c"]
    path = tmp_path / "three.txt"
    path.write_text("\n".join(sorted(f"{_sha1(w)}:1" for w in words)) + "\n")
    assert all(in_sha1_list(path, w) for w in words)
    assert not in_sha1_list(path, "d")


def test_a_plain_list_works_too(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("winter2024clinic!\nanother one\n")
    assert is_breached("winter2024clinic!", path)
    assert not is_breached("winter2024clinic", path)


def test_the_validators_refuse_common_and_listed_passwords(hibp: Path, settings: Settings) -> None:
    with pytest.raises(ValidationError):
        validate_password("password1234")  # Django's common-password list
    settings.PHIWARD_BREACHED_PASSWORDS_FILE = str(hibp)
    with pytest.raises(ValidationError, match="data breaches"):
        validate_password("leaked password 42")
    validate_password("a passphrase nobody leaked 9")
