"""Recording: domain changes with before/after values, logins, the same transaction, order."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from pytest_django import Settings

from phiward.audit import store, tracking
from phiward.audit.ledger import append, write_checkpoint
from phiward.audit.models import AuditEntry, AuditHead, Checkpoint
from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.inventory.models import Zone, ZoneKind
from tests.conftest import PASSWORD


def _last(object_type: str) -> AuditEntry:
    entry = AuditEntry.objects.filter(object_type=object_type).order_by("-seq").first()
    assert entry is not None
    return entry


def test_create_change_delete_record_before_and_after(org: Organization) -> None:
    zone = Zone.objects.create(organization=org, name="Clinical LAN", kind=ZoneKind.CLINICAL)
    created = _last("inventory.zone")
    assert created.action == "create"
    assert created.organization_id == org.pk
    assert created.object_id == str(zone.pk)
    assert created.changes["name"] == {"after": "Clinical LAN"}
    assert "Clinical LAN" not in created.summary  # summaries never carry field values

    zone.name = "Clinical network"
    zone.save()
    changed = _last("inventory.zone")
    assert changed.action == "change"
    assert changed.changes == {"name": {"before": "Clinical LAN", "after": "Clinical network"}}

    zone.save()  # nothing changed: nothing to record
    assert _last("inventory.zone").seq == changed.seq

    zone_pk = zone.pk
    zone.delete()
    deleted = _last("inventory.zone")
    assert deleted.action == "delete"
    assert deleted.object_id == str(zone_pk)
    assert deleted.changes["name"] == {"before": "Clinical network"}


def test_secret_fields_are_changed_not_revealed(
    org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Zone, "audit_redacted_fields", {"description"}, raising=False)
    zone = Zone.objects.create(organization=org, name="LAN", description="secret one")
    assert _last("inventory.zone").changes["description"] == "changed"
    zone.description = "secret two"
    zone.save()
    entry = _last("inventory.zone")
    assert entry.changes == {"description": "changed"}
    assert "secret" not in str(AuditEntry.objects.values_list("changes", flat=True))


def test_a_field_class_marked_encrypted_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    field = Zone._meta.get_field("description")
    monkeypatch.setattr(field, "encrypted", True, raising=False)
    changes = tracking.diff(
        Zone, {"description": "a", "name": "x"}, {"description": "b", "name": "x"}
    )
    assert changes == {"description": "changed"}


def test_passwords_are_never_logged(db: None) -> None:
    User.objects.create_user("someone", password=PASSWORD)
    entry = _last("auth.user")
    assert entry.changes["password"] == "changed"
    assert PASSWORD not in str(entry.changes)


def test_the_entry_rolls_back_with_the_change(org: Organization) -> None:
    before = AuditEntry.objects.count()

    def change_then_fail() -> None:
        with transaction.atomic():
            Zone.objects.create(organization=org, name="Doomed")
            raise RuntimeError("the change fails after the save")

    with pytest.raises(RuntimeError, match="fails after the save"):
        change_then_fail()
    assert AuditEntry.objects.count() == before
    assert not Zone.objects.filter(name="Doomed").exists()
    assert store.verify().ok


def test_record_fills_in_the_actor_and_keeps_seq_contiguous(db: None) -> None:
    for n in range(5):
        record(AuditEvent(action=AuditAction.ADMIN, summary=f"step {n}", source="cli"))
    seqs = list(AuditEntry.objects.values_list("seq", flat=True))
    assert seqs == list(range(len(seqs)))
    head = AuditHead.objects.get()
    assert head.size == len(seqs)
    assert store.verify().ok


def test_logins_logouts_and_failures_are_recorded_once(
    org: Organization, make_member: Callable[..., User]
) -> None:
    user = make_member(org, Role.AUDITOR)
    client = Client()
    assert not client.login(username=user.username, password="wrong password")
    failures = AuditEntry.objects.filter(action="login_failed")
    assert failures.count() == 1
    assert "wrong password" not in str(list(failures.values()))
    assert client.login(username=user.username, password=PASSWORD)
    client.logout()
    for action in ("login", "logout"):
        assert AuditEntry.objects.filter(action=action, actor=user.username).count() == 1


def test_web_changes_name_the_user_and_the_source(
    org: Organization, make_member: Callable[..., User]
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    client = Client()
    client.force_login(officer)
    response = client.post(
        f"/o/{org.slug}/inventory/zones/new/", {"name": "Guest Wi-Fi", "kind": "guest"}
    )
    assert response.status_code in (200, 302)
    entry = _last("inventory.zone")
    assert (entry.actor, entry.actor_id, entry.source) == (officer.username, officer.pk, "web")


def test_permission_denials_are_recorded(
    org: Organization, make_member: Callable[..., User]
) -> None:
    worker = make_member(org, Role.WORKFORCE)
    client = Client()
    client.force_login(worker)
    assert client.get(f"/o/{org.slug}/inventory/zones/").status_code == 403
    assert client.get(f"/api/organizations/{org.slug}/zones").status_code == 403
    denials = AuditEntry.objects.filter(action="permission_denied", actor=worker.username)
    assert {d.source for d in denials} == {"web", "api"}
    assert all(d.organization_id == org.pk for d in denials)


def test_checkpoints_every_n_entries(db: None, settings: Settings) -> None:
    settings.AUDIT_CHECKPOINT_EVERY = 4
    start = AuditHead.objects.filter(pk=1).values_list("size", flat=True).first() or 0
    for _ in range(9):
        append(action=AuditAction.ADMIN, summary="tick")
    sizes = list(Checkpoint.objects.values_list("tree_size", flat=True))
    assert sizes and all(b - a == 4 for a, b in itertools.pairwise(sizes))
    assert sizes[-1] > start
    assert write_checkpoint().tree_size == start + 9
    assert store.verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_total_order() -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                with transaction.atomic():
                    append(action=AuditAction.ADMIN, summary=f"writer {n} entry {i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(len(seqs))) and len(seqs) >= 150
    assert store.verify().ok
