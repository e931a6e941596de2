"""Where the safeguards get their evidence facts: a provider the evidence app registers.

The safeguards app does not import the evidence app. The evidence app (``phiward.evidence``)
registers, once at start-up (its ``AppConfig.ready``), a callable that answers, for an
organization, ``entry id -> (current items, expired items)`` for every Security Rule entry that
has evidence (entries with none may be left out):

    from phiward.safeguards.evidence import register_evidence_provider
    register_evidence_provider(evidence_facts_for)

``evidence_facts_for(org)`` asks the registered provider. With no provider registered it answers
"no evidence" only when the evidence app is not installed at all; when it is installed but has
registered nothing, that is a wiring mistake and it raises ``ImproperlyConfigured`` rather than
silently showing every implemented safeguard as missing its evidence.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from phiward.core.models import Organization
from phiward.safeguards.status import EvidenceFacts

EVIDENCE_APP = "phiward.evidence"

EvidenceProvider = Callable[[Organization], EvidenceFacts]

_provider: list[EvidenceProvider | None] = [None]


def register_evidence_provider(provider: EvidenceProvider | None) -> EvidenceProvider | None:
    """Install ``provider`` (None removes it); returns the one it replaces."""
    previous = _provider[0]
    _provider[0] = provider
    return previous


def evidence_facts_for(organization: Organization) -> EvidenceFacts:
    provider = _provider[0]
    if provider is not None:
        return provider(organization)
    if not apps.is_installed(EVIDENCE_APP):
        return {}
    raise ImproperlyConfigured(
        f"{EVIDENCE_APP} is installed but registered no evidence provider; its AppConfig.ready "
        "must call phiward.safeguards.evidence.register_evidence_provider"
    )
