from __future__ import annotations

from phiward.risk.facts import SYSTEM_KINDS, AssetFacts, Inventory
from phiward.risk.rules.base import AssetRule, Match


class EphiSystemOnFlatNetwork(AssetRule):
    """A system of record (EHR, PACS, server, database, file share, ...) in service that
    maintains ePHI in a zone recorded as flat (unsegmented): ransomware on any device of the
    zone reaches it. Likelihood moderate."""

    key = "ephi_system_on_flat_network"
    title = "ePHI system on a flat network"
    threat = "ransomware"
    vulnerability = "no-segmentation"
    reason = (
        "{subject}: maintains ePHI in zone '{zone}', recorded as flat (unsegmented); malware on "
        "any device there can reach it."
    )

    def match(self, asset: AssetFacts, inventory: Inventory) -> Match | None:
        zone = asset.zone
        if asset.kind not in SYSTEM_KINDS or not asset.in_service:
            return None
        if "maintains" not in asset.ephi_roles or zone is None or zone.kind != "flat":
            return None
        return Match({"zone": zone.name}, likelihood=3)


RULE = EphiSystemOnFlatNetwork()
