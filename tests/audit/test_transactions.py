"""A change and its audit entry commit together or not at all: in a caller's transaction, in a
model's own save, and in a web request that fails after saving."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from phiward.audit.middleware import WriteTransactionMiddleware
from phiward.audit.models import AuditEntry
from phiward.core import auditing
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Role
from phiward.inventory import views as inventory_views
from phiward.inventory.models import Zone
from tests.accounts.conftest import login
from tests.conftest import PASSWORD


class Abandoned(Exception):
    """Raised to make a transaction roll back."""


def _zone(org: Organization) -> object:
    return Zone.objects.create(organization=org, name="Rolled back")


def _organization(org: Organization) -> object:
    return Organization.objects.create(slug="rolled-back", name="Rolled back")


def _membership(org: Organization) -> object:
    user = User.objects.create_user(username="newcomer", password=PASSWORD)
    return Membership.objects.create(user=user, organization=org, role=Role.WORKFORCE)


def _user(org: Organization) -> object:
    user = User.objects.get(username=f"{Role.SECURITY_OFFICER.value}-{org.slug}")
    user.first_name = "Renamed"
    user.save()
    return user


CHANGES: dict[str, Callable[[Organization], object]] = {
    "inventory.zone": _zone,
    "core.organization": _organization,
    "core.membership": _membership,
    "auth.user": _user,
}


@pytest.mark.parametrize("object_type", CHANGES)
def test_a_rolled_back_change_leaves_no_entry(
    object_type: str, org: Organization, officer: User
) -> None:
    before = AuditEntry.objects.count()

    def change_then_abandon() -> None:
        with transaction.atomic():
            changed = CHANGES[object_type](org)
            recorded = AuditEntry.objects.filter(object_type=object_type, object_id=str(changed.pk))  # type: ignore[attr-defined]
            assert recorded.exists()
            raise Abandoned

    with pytest.raises(Abandoned):
        change_then_abandon()
    assert AuditEntry.objects.count() == before
    assert not User.objects.filter(first_name="Renamed").exists()
    assert not Organization.objects.filter(slug="rolled-back").exists()
    assert not Zone.objects.filter(name="Rolled back").exists()
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize("object_type", ["inventory.zone", "core.organization", "core.membership"])
def test_a_save_outside_any_transaction_is_undone_when_its_entry_fails(
    object_type: str, transactional_db: None, org: Organization
) -> None:
    User.objects.create_user(username="newcomer", password=PASSWORD)
    create = {
        "inventory.zone": lambda: Zone.objects.create(organization=org, name="Unrecorded"),
        "core.organization": lambda: Organization.objects.create(slug="unrecorded", name="U"),
        "core.membership": lambda: Membership.objects.create(
            user=User.objects.get(username="newcomer"), organization=org, role=Role.WORKFORCE
        ),
    }[object_type]
    monkeypatch = pytest.MonkeyPatch()
    try:
        monkeypatch.setattr(auditing, "_recorder", _raise)
        with pytest.raises(Abandoned):
            create()
    finally:
        monkeypatch.undo()
    assert not Zone.objects.filter(name="Unrecorded").exists()
    assert not Organization.objects.filter(slug="unrecorded").exists()
    assert not Membership.objects.filter(user__username="newcomer").exists()


def _raise(event: auditing.AuditEvent) -> None:
    raise Abandoned


def test_a_web_post_that_fails_after_saving_keeps_neither_change_nor_entry(
    transactional_db: None,
    org: Organization,
    make_member: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    officer = make_member(org, Role.SECURITY_OFFICER)
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    before = AuditEntry.objects.count()

    def fail_after_saving(*args: object, **kwargs: object) -> None:
        assert Zone.objects.filter(name="Half done").exists()  # the zone was saved
        raise Abandoned

    monkeypatch.setattr(inventory_views.messages, "success", fail_after_saving)
    response = client.post(
        f"/o/{org.slug}/inventory/zones/new/", {"name": "Half done", "kind": "guest"}
    )
    assert response.status_code == 500
    assert not Zone.objects.filter(name="Half done").exists()
    assert AuditEntry.objects.count() == before


def test_a_password_change_that_fails_after_saving_keeps_neither(
    transactional_db: None, org: Organization, make_member: Callable[..., User]
) -> None:
    """allauth's views save the user in autocommit; the request's transaction covers them."""
    from allauth.account import signals

    member = make_member(org, Role.WORKFORCE)
    client = Client(raise_request_exception=False)
    login(client, member.username)
    before = AuditEntry.objects.count()
    new = "a new and longer passphrase 7"

    def fail_after_saving(**kwargs: object) -> None:
        member_now = User.objects.get(pk=member.pk)
        assert member_now.check_password(new)  # the password was saved
        raise Abandoned

    signals.password_changed.connect(fail_after_saving, dispatch_uid="tests.fail_after_saving")
    try:
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
    finally:
        signals.password_changed.disconnect(dispatch_uid="tests.fail_after_saving")
    assert response.status_code == 500
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert AuditEntry.objects.count() == before


def test_only_unsafe_methods_run_in_a_transaction(transactional_db: None) -> None:
    """Reads are left alone: on SQLite every transaction takes the write lock."""
    seen: dict[str, bool] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen[str(request.method)] = connection.in_atomic_block
        return HttpResponse()

    middleware = WriteTransactionMiddleware(view)
    factory = RequestFactory()
    for method in ("get", "head", "options", "post", "put", "patch", "delete"):
        middleware(getattr(factory, method)("/"))
    assert seen == {
        "GET": False,
        "HEAD": False,
        "OPTIONS": False,
        "POST": True,
        "PUT": True,
        "PATCH": True,
        "DELETE": True,
    }
