"""A system check: the configured evidence size limit is usable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def evidence_max_bytes(
    app_configs: Sequence[Any] | None, **kwargs: Any
) -> list[checks.CheckMessage]:
    from phiward.evidence.storage import max_bytes

    try:
        max_bytes()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="phiward.evidence.E001")]
    return []
