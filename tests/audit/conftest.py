"""Helpers for the audit tests: the stored log and raw SQL on it."""

from __future__ import annotations

from django.db import connection


def raw(sql: str, params: list[object] | None = None) -> None:
    """Tamper with the log the way someone with database access would: bypassing the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
