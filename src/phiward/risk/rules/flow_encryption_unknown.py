from __future__ import annotations

from phiward.risk.facts import FlowFacts, Inventory
from phiward.risk.rules.base import FlowRule, Match


class FlowEncryptionUnknown(FlowRule):
    """A data flow carrying ePHI whose transit encryption is recorded as unknown, or as TLS
    with no version recorded (``inventory.transit``'s "unknown"): it may be in clear text or
    on TLS 1.0. Likelihood low."""

    key = "flow_encryption_unknown"
    title = "ePHI sent with unknown transit encryption"
    threat = "interception"
    vulnerability = "transit-encryption-unverified"
    reason = (
        "{subject}: carries ePHI and its transit encryption is not known ({encryption}); it "
        "may be readable on the way."
    )

    def match(self, flow: FlowFacts, inventory: Inventory) -> Match | None:
        if not flow.categories or flow.transit_status != "unknown":
            return None
        described = (
            "TLS, version not recorded"
            if flow.transit_encryption == "tls"
            else "recorded as unknown"
        )
        return Match({"encryption": described}, likelihood=2)


RULE = FlowEncryptionUnknown()
