"""The typed-value reader under ``phiward.breach.reading``: every problem kept.

``Reader`` reads text, yes/no, true/false/unknown answers, dates, counts and choices out of a
decoded document, recording a ``Problem`` (naming the field path, never the value) for each
that is missing or invalid, so that ``read_facts`` can report all of them at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from phiward.breach.facts import UNKNOWN
from phiward.core.errors import Problem

E = TypeVar("E", bound=StrEnum)
Raw = Mapping[str, object]


class Missing:
    """A required answer that is absent or invalid (its problem is already recorded)."""


MISSING = Missing()


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Reader:
    """Reads typed values out of a decoded document, recording every problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(message, file=self.source, field=path or None))

    def section(self, value: object, path: str, keys: tuple[str, ...]) -> Raw | None:
        """A mapping with only the ``keys`` allowed; ``None`` when absent or not a mapping."""
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.error(path, "must be a mapping of fields")
            return None
        known: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self.error(path, "field names must be text")
            elif key not in keys:
                self.error(join(path, key), f"unknown field (allowed: {', '.join(keys)})")
            else:
                known[key] = item
        return known

    def required(self, raw: Raw, key: str, path: str) -> object:
        value = raw.get(key)
        if value is None:
            self.error(join(path, key), "is required")
        return value

    def text(self, raw: Raw, key: str, path: str, *, required: bool = False) -> str:
        value = self.required(raw, key, path) if required else raw.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.error(join(path, key), "must be text")
            return ""
        if required and not value.strip():
            self.error(join(path, key), "must not be empty")
        return value

    def flag(self, raw: Raw, key: str, path: str, *, default: bool | None = None) -> bool | None:
        """A required yes/no (or optional with ``default``); ``None`` when missing/invalid."""
        value = raw.get(key)
        if value is None:
            if default is None:
                self.error(join(path, key), "is required (true or false)")
            return default
        if not isinstance(value, bool):
            self.error(join(path, key), "must be true or false")
            return None
        return value

    def answer(self, raw: Raw, key: str, path: str) -> bool | Missing | None:
        """A required true / false / ``unknown``."""
        value = raw.get(key)
        if value is None:
            self.error(join(path, key), "is required (true, false or unknown)")
            return MISSING
        if value == UNKNOWN:
            return None
        if not isinstance(value, bool):
            self.error(join(path, key), "must be true, false or unknown")
            return MISSING
        return value

    def date(self, raw: Raw, key: str, path: str, *, required: bool = False) -> dt.date | None:
        value = self.required(raw, key, path) if required else raw.get(key)
        if value is None:
            return None
        return self.as_date(value, join(path, key))

    def as_date(self, value: object, path: str) -> dt.date | None:
        if isinstance(value, dt.datetime):
            self.error(path, "must be a date (YYYY-MM-DD), not a date and time")
            return None
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(path, "must be a date (YYYY-MM-DD)")
        return None

    def count(
        self, raw: Raw, key: str, path: str, *, required: bool = False, minimum: int = 0
    ) -> int | None:
        value = self.required(raw, key, path) if required else raw.get(key)
        if value is None:
            return None
        return self.as_count(value, join(path, key), minimum)

    def as_count(self, value: object, path: str, minimum: int = 0) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, "must be a whole number")
            return None
        if value < minimum:
            self.error(path, f"must be at least {minimum}")
            return None
        return value

    def choice(
        self, raw: Raw, key: str, path: str, kind: type[E], *, required: bool = False
    ) -> E | None:
        value = self.required(raw, key, path) if required else raw.get(key)
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            return kind(value)
        except ValueError:
            allowed = ", ".join(str(member) for member in kind)
            self.error(join(path, key), f"must be one of: {allowed}")
            return None
