"""Bindings of sealed values that do not live in an organization's row.

allauth's MFA ``encrypt``/``decrypt`` hooks get only the text (no user, no authenticator row), so
MFA secrets are bound to one fixed place rather than to their row: a sealed secret copied to
another person's authenticator would open there. Anyone who can write that table can already
replace a secret outright; what matters is that a database dump alone does not give away second
factors. People belong to no single organization: organization 0 has its own data key.
"""

from __future__ import annotations

from phiward.crypto.envelope import Binding

MFA_SECRET = Binding(
    organization_id=0, table="mfa_authenticator", column="data", record="user-secret"
)
