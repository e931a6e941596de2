"""API tokens: a member's credential for automation in one organization."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.conf import settings
from django.db import models

from phiward.core.models import OrgScopedModel
from phiward.core.permissions import Role


class TokenState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ApiToken(OrgScopedModel):
    """Acts for ``creator`` in ``organization`` with ``role``, capped by the creator's role.

    Only the SHA-256 digest of the secret is stored; ``prefix`` is its first characters.
    """

    name = models.CharField(max_length=100)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    role = models.CharField(max_length=30, choices=[(r.value, r.label) for r in Role])
    prefix = models.CharField(max_length=16, db_index=True, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    # The audit log shows the digest as changed, never its value.
    audit_redacted_fields = ("secret_hash",)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def state(self, now: dt.datetime) -> TokenState:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at <= now:
            return TokenState.EXPIRED
        return TokenState.ACTIVE
