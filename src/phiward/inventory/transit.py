"""How well a data flow is protected in transit: the one definition every view uses.

Pure: no Django. ``DataFlow``'s properties, its queryset filters, the dashboard, the API and the
ePHI map all follow ``transit_status``; tests check that the queryset filters agree with it.
"""

from __future__ import annotations

from enum import StrEnum

# TLS versions HHS guidance (NIST SP 800-52r2) no longer accepts for ePHI in transit.
WEAK_TLS_VERSIONS = ("1.0", "1.1")


class TransitStatus(StrEnum):
    ENCRYPTED = "encrypted"
    UNENCRYPTED = "unencrypted"
    UNKNOWN = "unknown"


def transit_status(encryption: str, tls_version: str) -> TransitStatus:
    """Classify a flow's transit protection.

    No encryption, or TLS below 1.2, is unencrypted. Unknown encryption, or TLS whose version
    is not recorded, is unknown: it may be TLS 1.0. Everything else is encrypted.
    """
    if encryption == "none":
        return TransitStatus.UNENCRYPTED
    if encryption == "unknown":
        return TransitStatus.UNKNOWN
    if encryption == "tls":
        if tls_version in WEAK_TLS_VERSIONS:
            return TransitStatus.UNENCRYPTED
        if not tls_version:
            return TransitStatus.UNKNOWN
    return TransitStatus.ENCRYPTED
