from __future__ import annotations

from phiward.risk.facts import CLOUD_KINDS, AssetFacts, Inventory
from phiward.risk.rules.base import AssetRule, Match


class CloudServiceEphi(AssetRule):
    """A cloud service, SaaS application or asset in a cloud zone, in service, that maintains
    ePHI: a sharing, access or logging setting can expose it, and nothing in the inventory
    says its configuration is verified. Likelihood moderate."""

    key = "cloud_service_ephi"
    title = "Cloud service holding ePHI"
    threat = "misconfigured-cloud-storage"
    vulnerability = "cloud-configuration-unverified"
    reason = (
        "{subject}: maintains ePHI in the cloud ({where}); one wrong sharing or access setting "
        "can expose it."
    )

    def match(self, asset: AssetFacts, inventory: Inventory) -> Match | None:
        if not asset.in_service or "maintains" not in asset.ephi_roles:
            return None
        in_cloud_zone = asset.zone is not None and asset.zone.kind == "cloud"
        if asset.kind not in CLOUD_KINDS and not in_cloud_zone:
            return None
        where = asset.kind_label if asset.kind in CLOUD_KINDS else "hosted in a cloud zone"
        return Match({"where": where}, likelihood=3)


RULE = CloudServiceEphi()
