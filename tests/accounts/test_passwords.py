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


# --- context-specific words (ASVS V6.2.11) ---------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "my phiward password 2025",
        "PhIwArD is great and long",
        "ph1w@rd-rocks-everyday",
        "H1p@@ compliance forever",
        "long enough but hipaa",
        "hïpaa with an accent here",
    ],
)
def test_the_product_and_the_law_are_refused_for_everyone(password: str) -> None:
    with pytest.raises(ValidationError, match=r"phiward|hipaa") as refused:
        validate_password(password)
    assert "password_context_word" in [e.code for e in refused.value.error_list]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "word"),
    [
        ("nightingale-2025-spring", "nightingale"),  # the username
        ("N1ght1ng@le is my name ok", "nightingale"),  # swapped letters
        ("florence.n wrote this!!", "florence"),  # a word of the e-mail name
        ("riverside and a long tail", "Riverside"),  # a word of the organization's name
        ("R1v3rs1d3 F@m1ly Medicine", "Riverside Family Medicine"),  # the whole name
        ("welcome to rfm-east again", "rfm-east"),  # the slug
        ("oakwoodpeds rules the ward", "Oakwood"),  # a second organization's name
    ],
)
def test_the_accounts_own_words_are_refused(password: str, word: str) -> None:
    from django.contrib.auth.models import User

    from phiward.core.models import Membership, Organization

    user = User.objects.create_user(
        "nightingale", email="florence.n@example.org", password="unused one 123"
    )
    for slug, name in (("rfm-east", "Riverside Family Medicine"), ("oakwood-peds", "Oakwood")):
        org = Organization.objects.create(slug=slug, name=name)
        Membership.objects.create(user=user, organization=org, role="auditor")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert f"“{word}”" in " ".join(refused.value.messages)


@pytest.mark.django_db
def test_other_peoples_words_and_short_words_are_not_refused() -> None:
    from django.contrib.auth.models import User

    from phiward.core.models import Membership, Organization

    al = User.objects.create_user("al", email="al@example.org", password="unused one 123")
    Membership.objects.create(
        user=al, organization=Organization.objects.create(slug="b-c", name="B C"), role="auditor"
    )
    Organization.objects.create(slug="riverside", name="Riverside")  # al is not a member
    validate_password("al walks by the riverside at dawn", al)  # "al" is too short to check
    validate_password("a fresh passphrase nobody has", None)


def test_folding_reads_swaps_back_and_drops_punctuation() -> None:
    from phiward.accounts.passwords import ContextWord, fold, words_in

    assert fold("Ph1-W@rd!") == "phiwardi"
    assert fold("Clinic A") == fold("clinic-a") == "ciinica"  # l and 1 both read as i
    found = words_in("xx CLINIC_a yy", [ContextWord("Clinic A", "org"), ContextWord("ab", "x")])
    assert found == [ContextWord("Clinic A", "org")]


def test_the_validator_is_installed() -> None:
    from django.contrib.auth.password_validation import get_default_password_validators

    from phiward.accounts.passwords import ContextWordsValidator

    assert any(isinstance(v, ContextWordsValidator) for v in get_default_password_validators())
