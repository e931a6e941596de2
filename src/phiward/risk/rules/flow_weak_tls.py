from __future__ import annotations

from phiward.inventory.transit import WEAK_TLS_VERSIONS
from phiward.risk.facts import FlowFacts, Inventory
from phiward.risk.rules.base import FlowRule, Match


class FlowWeakTls(FlowRule):
    """A data flow carrying ePHI over TLS whose minimum version is 1.0 or 1.1, which NIST SP
    800-52 Rev. 2 no longer accepts (``inventory.transit`` counts it as unencrypted).
    Likelihood moderate."""

    key = "flow_weak_tls"
    title = "ePHI sent over TLS older than 1.2"
    threat = "interception"
    vulnerability = "weak-tls"
    reason = (
        "{subject}: carries ePHI over TLS {tls_version}, below the 1.2 that NIST SP 800-52 "
        "Rev. 2 requires."
    )

    def match(self, flow: FlowFacts, inventory: Inventory) -> Match | None:
        if not flow.categories or flow.transit_encryption != "tls":
            return None
        if flow.tls_version not in WEAK_TLS_VERSIONS:
            return None
        return Match({"tls_version": flow.tls_version}, likelihood=3)


RULE = FlowWeakTls()
