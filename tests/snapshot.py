"""A cheap fingerprint of every organization's records, for "a refused request wrote nothing".

One query over every concrete ``OrgScopedModel`` (inventory, evidence, risk, incidents, ...):
its row count, highest id and latest ``updated_at``. The access matrices take it before and
after each refused request; through the ORM (one aggregate per model) it was most of their time.
"""

from __future__ import annotations

import functools

from django.db import connection

from phiward.audit.tracking import tracked_models
from phiward.core.models import OrgScopedModel


@functools.cache
def _query() -> str:
    quote = connection.ops.quote_name
    parts = []
    for model in tracked_models():
        if not issubclass(model, OrgScopedModel):
            continue
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        updated = quote(model._meta.get_field("updated_at").column)
        # Names from the models, quoted by the backend: no outside input reaches this text.
        parts.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608
        parts.append(f"(SELECT MAX({pk}) FROM {table})")  # noqa: S608
        parts.append(f"(SELECT MAX({updated}) FROM {table})")  # noqa: S608
    return "SELECT " + ", ".join(parts)


def records_fingerprint() -> tuple[object, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_query())
        row = cursor.fetchone()
    return tuple(row)
