from __future__ import annotations

from phiward.risk.facts import SYSTEM_KINDS, AssetFacts, Inventory
from phiward.risk.rules.base import AssetRule, Match


class EphiSystemInternetExposed(AssetRule):
    """A system of record in service that maintains ePHI in a zone marked internet-exposed
    (other than a cloud zone, which ``cloud_service_ephi`` covers): it can be scanned and
    attacked from anywhere. Likelihood high."""

    key = "ephi_system_internet_exposed"
    title = "ePHI system in an internet-exposed zone"
    threat = "external-attack"
    vulnerability = "internet-exposed-service"
    reason = (
        "{subject}: maintains ePHI in zone '{zone}', which is marked as exposed to the internet."
    )

    def match(self, asset: AssetFacts, inventory: Inventory) -> Match | None:
        zone = asset.zone
        if asset.kind not in SYSTEM_KINDS or not asset.in_service:
            return None
        if "maintains" not in asset.ephi_roles or zone is None:
            return None
        if not zone.internet_exposed or zone.kind == "cloud":
            return None
        return Match({"zone": zone.name}, likelihood=4)


RULE = EphiSystemInternetExposed()
