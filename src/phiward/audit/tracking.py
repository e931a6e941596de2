"""Every create, change and delete of a domain object, from model signals.

Tracked: every concrete ``OrgScopedModel`` subclass, plus organizations, memberships and user
accounts. ``pre_save`` reads the stored row (the "before"), ``post_save`` and ``post_delete``
append an entry with the changed fields' before/after values. Fields that hold secrets are
listed as changed without values: a model names them in ``audit_redacted_fields``, or a field
class says ``encrypted = True``. Bulk writes skip signals; their callers use
``record_created`` / ``record_updated`` (see inventory/transfer/service.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.models import Membership, Organization, OrgScopedModel

REDACTED = "changed"
# Bookkeeping that changes on every save or login and says nothing about the record.
IGNORED_FIELDS = frozenset({"created_at", "updated_at", "last_login"})
_EXTRA_REDACTED: dict[type[models.Model], frozenset[str]] = {User: frozenset({"password"})}
_BEFORE = "_audit_before"
SNAPSHOT_BATCH = 900  # ids per query, under SQLite's bound-parameter limit
_suspended: ContextVar[bool] = ContextVar("audit_tracking_suspended", default=False)


def tracked_models() -> list[type[models.Model]]:
    scoped = [
        model
        for model in apps.get_models()
        if issubclass(model, OrgScopedModel) and not model._meta.abstract
    ]
    return [Organization, Membership, User, *scoped]


def connect() -> None:
    for model in tracked_models():
        uid = f"audit-{model._meta.label_lower}"
        pre_save.connect(_remember_before, sender=model, dispatch_uid=uid)
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


def object_type(model: type[models.Model]) -> str:
    return model._meta.label_lower


def organization_of(instance: models.Model) -> int | None:
    if isinstance(instance, Organization):
        return int(instance.pk) if instance.pk is not None else None
    value = getattr(instance, "organization_id", None)
    return int(value) if value is not None else None


def redacted_fields(model: type[models.Model]) -> frozenset[str]:
    declared = frozenset(getattr(model, "audit_redacted_fields", ()))
    encrypted = frozenset(
        f.name for f in model._meta.concrete_fields if getattr(f, "encrypted", False)
    )
    return declared | encrypted | _EXTRA_REDACTED.get(model, frozenset())


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f for f in model._meta.concrete_fields if not f.primary_key and f.name not in IGNORED_FIELDS
    ]


def values_of(instance: models.Model) -> dict[str, Any]:
    """The audited fields' values, keyed by field name (foreign keys as ids)."""
    return {f.name: getattr(instance, f.attname) for f in _fields(type(instance))}


def describe(instance: models.Model) -> str:
    """Names the object without its field values: type and id only (values may hold PHI)."""
    return f"{instance._meta.verbose_name} {instance.pk}"


def diff(
    model: type[models.Model], before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Per changed field ``{"before": ..., "after": ...}``; secret fields as ``"changed"``."""
    secret = redacted_fields(model)
    changes: dict[str, Any] = {}
    for f in _fields(model):
        old = before.get(f.name) if before is not None else None
        new = after.get(f.name) if after is not None else None
        if before is not None and after is not None and old == new:
            continue
        if before is None and new in (None, "", [], {}):
            continue  # a new object's empty fields say nothing
        if f.name in secret:
            changes[f.name] = REDACTED
            continue
        entry: dict[str, Any] = {}
        if before is not None:
            entry["before"] = old
        if after is not None:
            entry["after"] = new
        changes[f.name] = entry
    return changes


@contextmanager
def suspended() -> Iterator[None]:
    """Per-object entries off, for a caller that records one summary entry instead (demo data)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def _remember_before(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if _suspended.get():
        return
    if kwargs.get("raw") or instance._state.adding or instance.pk is None:
        setattr(instance, _BEFORE, None)
        return
    names = [f.attname for f in _fields(sender)]
    row = sender._base_manager.filter(pk=instance.pk).values(*names).first()
    if row is not None:
        by_attname = {f.attname: f.name for f in _fields(sender)}
        row = {by_attname[k]: v for k, v in row.items()}
    setattr(instance, _BEFORE, row)


def _saved(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw") or _suspended.get():
        return
    before = None if created else getattr(instance, _BEFORE, None)
    after = values_of(instance)
    changes = diff(sender, before, after)
    if not created and not changes:
        return  # a save that changed nothing we track (e.g. only last_login)
    _record(
        AuditAction.CREATE if created or before is None else AuditAction.CHANGE, instance, changes
    )


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if _suspended.get():
        return
    _record(AuditAction.DELETE, instance, diff(sender, values_of(instance), None))


def _event(action: AuditAction, instance: models.Model, changes: Mapping[str, Any]) -> AuditEvent:
    verb = {AuditAction.CREATE: "created", AuditAction.CHANGE: "changed"}.get(action, "deleted")
    return AuditEvent(
        action=action,
        organization_id=organization_of(instance),
        object_type=object_type(type(instance)),
        object_id=str(instance.pk),
        summary=f"{describe(instance)} {verb}",
        changes=changes,
    )


def _record(action: AuditAction, instance: models.Model, changes: Mapping[str, Any]) -> None:
    record(_event(action, instance, changes))


# --- bulk writes (no signals) ------------------------------------------------------------------


def snapshot(model: type[models.Model], pks: Iterable[Any]) -> dict[Any, dict[str, Any]]:
    """The stored values of ``pks`` before a bulk update, in one query."""
    fields = _fields(model)
    names = [f.attname for f in fields]
    by_attname = {f.attname: f.name for f in fields}
    wanted = list(pks)
    found: dict[Any, dict[str, Any]] = {}
    for start in range(0, len(wanted), SNAPSHOT_BATCH):
        batch = wanted[start : start + SNAPSHOT_BATCH]
        for row in model._base_manager.filter(pk__in=batch).values("pk", *names):
            found[row["pk"]] = {by_attname[k]: v for k, v in row.items() if k != "pk"}
    return found


def record_created(objects: Sequence[models.Model]) -> None:
    """One entry per object a ``bulk_create`` wrote, appended in one batch."""
    from phiward.audit.ledger import append_many

    append_many([_event(AuditAction.CREATE, o, diff(type(o), None, values_of(o))) for o in objects])


def record_updated(
    objects: Sequence[models.Model], before: Mapping[Any, Mapping[str, Any]]
) -> None:
    """One entry per object a ``bulk_update`` changed (``before`` from ``snapshot``)."""
    from phiward.audit.ledger import append_many

    events = []
    for obj in objects:
        changes = diff(type(obj), before.get(obj.pk), values_of(obj))
        if changes:
            events.append(_event(AuditAction.CHANGE, obj, changes))
    append_many(events)
