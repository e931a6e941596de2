"""The ciphertext format: AES-256-GCM bound to organization, table, column, record and key."""

from __future__ import annotations

import dataclasses

import pytest

from phiward.crypto import envelope
from phiward.crypto.envelope import Binding, DataKey, DecryptionFailed, MalformedCiphertext

BINDING = Binding(organization_id=7, table="inventory_asset", column="notes", record="a-uid")
KEY = DataKey(kek_version=3, wrapped=b"w" * 60, key=envelope.new_data_key_material())


def test_a_sealed_value_opens_in_its_place_and_its_version_is_readable_without_a_key() -> None:
    token = envelope.seal("Patient list left on the printer", KEY, BINDING)
    assert token.startswith(envelope.version_prefix(3))
    assert "Patient" not in token
    header = envelope.read_header(token)
    assert header.kek_version == 3
    assert header.wrapped == KEY.wrapped
    assert envelope.open_sealed(token, KEY, BINDING) == "Patient list left on the printer"


def test_each_seal_uses_a_fresh_nonce() -> None:
    assert envelope.seal("same", KEY, BINDING) != envelope.seal("same", KEY, BINDING)


@pytest.mark.parametrize(
    "change",
    [
        {"organization_id": 8},
        {"table": "inventory_vendor"},
        {"column": "description"},
        {"record": "another-uid"},
    ],
)
def test_a_value_moved_to_another_place_does_not_open(change: dict[str, object]) -> None:
    token = envelope.seal("secret", KEY, BINDING)
    elsewhere = dataclasses.replace(BINDING, **change)  # type: ignore[arg-type]
    with pytest.raises(DecryptionFailed):
        envelope.open_sealed(token, KEY, elsewhere)


def test_a_forged_key_version_does_not_open() -> None:
    token = envelope.seal("secret", KEY, BINDING)
    forged = token.replace("pw1.3.", "pw1.4.", 1)
    other = dataclasses.replace(KEY, kek_version=4)
    with pytest.raises(DecryptionFailed):
        envelope.open_sealed(forged, other, BINDING)


def test_a_changed_ciphertext_does_not_open() -> None:
    token = envelope.seal("secret", KEY, BINDING)
    last = token[-2]
    flipped = token[:-2] + ("A" if last != "A" else "B") + token[-1]
    with pytest.raises(DecryptionFailed):
        envelope.open_sealed(flipped, KEY, BINDING)


def test_another_data_key_is_refused() -> None:
    token = envelope.seal("secret", KEY, BINDING)
    other = DataKey(3, b"x" * 60, envelope.new_data_key_material())
    with pytest.raises(DecryptionFailed):
        envelope.open_sealed(token, other, BINDING)


@pytest.mark.parametrize("value", ["", "plain text", "pw1.x.y.z", "pw1.1..", "pw1.1.abc.!!"])
def test_malformed_values_are_reported_not_guessed(value: str) -> None:
    with pytest.raises(MalformedCiphertext):
        envelope.read_header(value)


def test_a_truncated_body_is_malformed() -> None:
    token = envelope.seal("secret", KEY, BINDING)
    prefix, _body = token.rsplit(".", 1)
    with pytest.raises(MalformedCiphertext):
        envelope.open_sealed(prefix + ".AAAA", KEY, BINDING)
