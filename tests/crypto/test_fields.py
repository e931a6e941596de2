"""Encrypted fields on real models: ciphertext at rest, plaintext to users, bound to the row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from phiward.core.auditing import AuditAction, AuditEvent
from phiward.core.models import Organization
from phiward.crypto import envelope, service
from phiward.crypto.envelope import DecryptionFailed
from phiward.crypto.fields import UnsealedWrite, bulk_update
from phiward.inventory.models import Asset, Vendor

pytestmark = pytest.mark.django_db

SECRET = "Jane Roe's MRN 12345 was on the whiteboard"


def stored(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT notes FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def put(table: str, pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET notes = %s WHERE id = %s", [value, pk])  # noqa: S608


def asset(org: Organization, name: str = "EHR", notes: str = SECRET) -> Asset:
    return Asset.objects.create(organization=org, name=name, kind="ehr", notes=notes)


def test_the_column_holds_ciphertext_and_the_model_gives_plaintext(org: Organization) -> None:
    created = asset(org)
    raw = stored("inventory_asset", created.pk)
    assert raw.startswith(envelope.version_prefix(service.current_version()))
    assert "MRN" not in raw
    assert Asset.objects.get(pk=created.pk).notes == SECRET


def test_empty_notes_stay_empty(org: Organization) -> None:
    created = asset(org, notes="")
    assert stored("inventory_asset", created.pk) == ""
    assert Asset.objects.get(pk=created.pk).notes == ""


def test_an_unchanged_value_keeps_its_ciphertext_and_a_change_reseals(org: Organization) -> None:
    created = asset(org)
    first = stored("inventory_asset", created.pk)
    again = Asset.objects.get(pk=created.pk)
    again.description = "changed something else"
    again.save()
    assert stored("inventory_asset", created.pk) == first
    again.notes = "new text"
    again.save()
    assert stored("inventory_asset", created.pk) != first
    assert Asset.objects.get(pk=created.pk).notes == "new text"


def test_a_ciphertext_copied_to_another_row_does_not_open(org: Organization) -> None:
    one, two = asset(org, "one"), asset(org, "two", notes="other")
    put("inventory_asset", two.pk, stored("inventory_asset", one.pk))
    with pytest.raises(DecryptionFailed):
        _ = Asset.objects.get(pk=two.pk).notes


def test_a_ciphertext_copied_to_another_table_does_not_open(org: Organization) -> None:
    one = asset(org)
    vendor = Vendor.objects.create(organization=org, name="Acme", notes="x")
    # Even with the same record identity: the table is part of the associated data.
    Vendor.objects.filter(pk=vendor.pk).update(uid=one.uid)
    Asset.objects.filter(pk=one.pk).update(uid=vendor.uid)
    put("inventory_vendor", vendor.pk, stored("inventory_asset", one.pk))
    with pytest.raises(DecryptionFailed):
        _ = Vendor.objects.get(pk=vendor.pk).notes


def test_a_ciphertext_copied_to_another_organization_does_not_open(
    org: Organization, other_org: Organization
) -> None:
    one, theirs = asset(org), asset(other_org, notes="theirs")
    put("inventory_asset", theirs.pk, stored("inventory_asset", one.pk))
    with pytest.raises(Exception, match="does not open"):
        _ = Asset.objects.get(pk=theirs.pk).notes


def test_plaintext_cannot_be_written_past_the_field(org: Organization) -> None:
    created = asset(org)
    with pytest.raises(UnsealedWrite):
        Asset.objects.filter(pk=created.pk).update(notes="plain")
    created.notes = "plain"
    with pytest.raises(UnsealedWrite):
        Asset.objects.bulk_update([created], ["notes"])


def test_bulk_update_seals_each_object(org: Organization) -> None:
    rows = [asset(org, f"a{i}", notes="") for i in range(3)]
    for i, row in enumerate(rows):
        row.notes = f"note {i}"
        row.kind = "server"
    bulk_update(Asset, rows, ["notes", "kind"], batch_size=2)
    for i, row in enumerate(rows):
        assert stored("inventory_asset", row.pk).startswith("pw1.")
        fresh = Asset.objects.get(pk=row.pk)
        assert (fresh.notes, fresh.kind) == (f"note {i}", "server")


def test_plaintext_written_before_encryption_is_read_and_sealed_at_the_next_save(
    org: Organization,
) -> None:
    created = asset(org)
    put("inventory_asset", created.pk, "legacy text")
    legacy = Asset.objects.get(pk=created.pk)
    assert legacy.notes == "legacy text"
    legacy.save()
    assert stored("inventory_asset", created.pk).startswith("pw1.")


def test_key_use_is_audited_once_per_data_key_and_process(
    ring_file: Path, key_events: list[AuditEvent], make_org: Callable[..., Organization]
) -> None:
    org = make_org()
    first, second = asset(org, "one"), asset(org, "two")
    made = [e for e in key_events if "made data key" in e.summary]
    assert len(made) == 1 and made[0].action == AuditAction.KEY_USE
    assert made[0].organization_id == org.pk
    assert SECRET not in repr(key_events)
    service.forget_cached_keys()
    key_events.clear()
    assert Asset.objects.get(pk=first.pk).notes == SECRET
    assert Asset.objects.get(pk=second.pk).notes == SECRET
    unwraps = [e for e in key_events if "unwrapped" in e.summary]
    assert len(unwraps) == 1
    assert unwraps[0].object_id == envelope.read_header(stored("inventory_asset", first.pk)).kid


def test_notes_are_not_searched(officer_client: object, org: Organization) -> None:
    from phiward.inventory import views

    for view in (views.AssetListView, views.VendorListView, views.FlowListView, views.ZoneListView):
        assert "notes" not in view.search_fields
