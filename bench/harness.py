"""What every benchmark shares: Django set-up in a scratch data dir, fresh demo organizations,
and the line naming the machine the numbers came from."""

from __future__ import annotations

import os
import platform
import sqlite3
from typing import Any


def setup_django() -> None:
    """Prepare the scratch install as `phiward init` would (schema and key ring)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phiward.config.settings")
    os.environ.setdefault("PHIWARD_DEMO_PASSWORD", "benchmark password, not a secret")
    django.setup()

    from phiward.core.setup import migrate
    from phiward.crypto.service import ensure_key_ring

    migrate()
    ensure_key_ring()


def fresh_demo(slug: str, seed: int, size: int) -> Any:
    """Delete the organization ``slug`` if present and build a demo organization of ``size``."""
    from phiward.core.models import Organization
    from phiward.demo.loader import load_demo

    Organization.objects.filter(slug=slug).delete()
    return load_demo(slug=slug, seed=seed, size=size)


def machine() -> str:
    return (
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )


def enrol_mfa(user: Any) -> None:
    """Give ``user`` an authenticator app, so MFA enforcement lets a force-logged-in client by."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.get_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}},
    )
