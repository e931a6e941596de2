"""A system check: the configured token lifetime limit is usable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def token_max_days(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[checks.CheckMessage]:
    from phiward.tokens.lifecycle import max_days

    try:
        max_days()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="phiward.tokens.E001")]
    return []
