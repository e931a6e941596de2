from __future__ import annotations

from phiward.risk.facts import AssetFacts, Inventory
from phiward.risk.rules.base import AssetRule, Match

# Zones where an exploited machine reaches clinical systems or ePHI directly.
EXPOSED_ZONE_KINDS = frozenset({"clinical", "medical_device", "server", "flat"})


class OsPastEndOfSupport(AssetRule):
    """An asset in service whose operating system is past its end-of-support date, and which
    handles ePHI or sits in a clinical, medical-device, server or flat zone: flaws found since
    stay open. Likelihood high in those zones or an internet-exposed one, else moderate.
    Medical devices are left to the medical-device rules."""

    key = "os_past_end_of_support"
    title = "Operating system past end of support"
    threat = "exploitation-unpatched"
    vulnerability = "unsupported-os"
    reason = (
        "{subject}: runs {os}, whose support ended on {end_of_support}; security flaws found "
        "since then will not be fixed."
    )

    def match(self, asset: AssetFacts, inventory: Inventory) -> Match | None:
        if asset.kind == "medical_device" or not asset.in_service:
            return None
        ended = asset.os_end_of_support
        if ended is None or ended >= inventory.today:
            return None
        zone = asset.zone
        exposed = zone is not None and (zone.kind in EXPOSED_ZONE_KINDS or zone.internet_exposed)
        if not (asset.handles_ephi or exposed):
            return None
        facts = {"os": asset.os_label, "end_of_support": ended.isoformat()}
        return Match(facts, likelihood=4 if exposed else 3)


RULE = OsPastEndOfSupport()
