from __future__ import annotations

from phiward.risk.facts import FlowFacts, Inventory
from phiward.risk.rules.base import FlowRule, Match


class FlowUnencrypted(FlowRule):
    """A data flow carrying ePHI with no transit encryption recorded as 'none'. Likelihood
    high."""

    key = "flow_unencrypted"
    title = "ePHI sent without encryption"
    threat = "interception"
    vulnerability = "unencrypted-transmission"
    reason = (
        "{subject}: carries ePHI with transit encryption '{encryption}' (protocol: {protocol}); "
        "anyone on the path can read or alter it."
    )

    def match(self, flow: FlowFacts, inventory: Inventory) -> Match | None:
        if not flow.categories or flow.transit_encryption != "none":
            return None
        facts = {
            "encryption": flow.transit_encryption_label,
            "protocol": flow.protocol or "not recorded",
        }
        return Match(facts, likelihood=4)


RULE = FlowUnencrypted()
