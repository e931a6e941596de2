"""``EncryptedTextField``: a text column that holds only ciphertext.

The model attribute is plaintext for everyone who uses the object (forms, the API, exports);
the column holds ``pw1.…`` ciphertext bound to the row's organization, table, column and
``uid``. Values read from the database arrive as ``Sealed`` strings and are opened on first
access; ``pre_save`` seals, reusing the stored ciphertext when the value did not change.

What cannot work on ciphertext is refused or documented: writes that bypass ``pre_save``
(``QuerySet.update(notes=…)``, Django's ``bulk_update``) raise ``UnsealedWrite`` — use
``bulk_update`` from this module; filtering or searching on the column matches nothing useful.
An empty value is stored as the empty string (it reveals only that there is no text).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, Value, When
from django.db.models.query_utils import DeferredAttribute

from phiward.crypto import envelope, service
from phiward.crypto.envelope import Binding, CryptoError

_OPENED = "_phiward_opened"  # instance.__dict__ key: attname -> (plaintext, token, binding)


class Sealed(str):
    """Ciphertext as stored; the only kind of non-empty value the column accepts."""

    __slots__ = ()


class UnsealedWrite(CryptoError):
    """Plaintext on its way into an encrypted column without being sealed."""


def binding_for(instance: models.Model, field: models.Field[Any, Any]) -> Binding:
    uid = getattr(instance, "uid", None)
    organization_id = getattr(instance, "organization_id", None)
    if uid is None or organization_id is None:
        raise CryptoError(
            f"{instance._meta.label} needs an organization and a uid for encrypted fields"
        )
    return Binding(
        organization_id=int(organization_id),
        table=instance._meta.db_table,
        column=str(field.column),
        record=str(uuid.UUID(str(uid))),
    )


def _opened(instance: models.Model) -> dict[str, tuple[str, str, Binding]]:
    return cast(dict[str, tuple[str, str, Binding]], instance.__dict__.setdefault(_OPENED, {}))


class EncryptedAttribute(DeferredAttribute):
    """Opens the stored ciphertext the first time the attribute is read."""

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            binding = binding_for(instance, self.field)
            plain = service.open_value(value, binding)
            instance.__dict__[self.field.attname] = plain
            _opened(instance)[self.field.attname] = (plain, str(value), binding)
            return plain
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        # A data descriptor, so reads always pass through __get__ (the value lives in __dict__).
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """Text encrypted at rest; the audit log shows it as changed, never its values."""

    encrypted = True
    descriptor_class = EncryptedAttribute

    def from_db_value(
        self, value: str | None, expression: object, connection: BaseDatabaseWrapper
    ) -> str | None:
        if not value:
            return value
        # Plaintext written before the field was encrypted is read as it is and sealed at the
        # next save or by 'phiward keys rotate'; 'phiward keys status' counts it.
        return Sealed(value) if envelope.is_sealed(value) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        plain = getattr(model_instance, self.attname)
        if not plain:
            return plain
        binding = binding_for(model_instance, self)
        opened = _opened(model_instance).get(self.attname)
        if (
            opened is not None
            and opened[0] == plain
            and opened[2] == binding
            and envelope.read_header(opened[1]).kek_version == service.current_version()
        ):
            return Sealed(opened[1])
        token = service.seal_value(str(plain), binding)
        _opened(model_instance)[self.attname] = (str(plain), token, binding)
        return Sealed(token)

    def get_db_prep_save(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        if isinstance(value, str) and value and not isinstance(value, Sealed):
            raise UnsealedWrite(
                f"plaintext written to the encrypted column {self.model._meta.db_table}."
                f"{self.column} without sealing: save() the object, or use "
                "phiward.crypto.fields.bulk_update"
            )
        return super().get_db_prep_save(value, connection)


def stored_ciphertext(instance: models.Model, attname: str) -> str | None:
    """The ciphertext the column holds (or, after ``save``, was given) — no decryption.

    For change tracking: an unchanged value keeps its ciphertext across saves, so comparing
    this with the stored column tells "changed" from "unchanged" without reading plaintext.
    """
    value = instance.__dict__.get(attname)
    if isinstance(value, Sealed):
        return str(value)
    opened = _opened(instance).get(attname)
    if opened is not None and opened[0] == value:
        return opened[1]
    return None


def is_encrypted(model: type[models.Model], name: str) -> bool:
    return bool(getattr(model._meta.get_field(name), "encrypted", False))


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def bulk_update(
    model: type[models.Model],
    objects: Sequence[models.Model],
    fields: Sequence[str],
    *,
    batch_size: int = 500,
) -> None:
    """Django's ``bulk_update``, with encrypted fields sealed per object first."""
    sealed = [name for name in fields if is_encrypted(model, name)]
    plain = [name for name in fields if name not in sealed]
    manager = model._default_manager
    if plain:
        manager.bulk_update(objects, plain, batch_size=batch_size)
    for name in sealed:
        field = model._meta.get_field(name)
        assert isinstance(field, EncryptedTextField)
        for start in range(0, len(objects), batch_size):
            batch = objects[start : start + batch_size]
            cases = [
                When(pk=obj.pk, then=Value(field.pre_save(obj, False), output_field=field))
                for obj in batch
            ]
            manager.filter(pk__in=[obj.pk for obj in batch]).update(
                **{field.attname: Case(*cases, output_field=field)}
            )
