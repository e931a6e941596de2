from __future__ import annotations

from phiward.risk.facts import CLOUD_KINDS, SYSTEM_KINDS, AssetFacts, Inventory
from phiward.risk.rules.base import AssetRule, Match


class EphiSystemWithoutBackup(AssetRule):
    """An on-premises system of record in service that maintains ePHI while no data flow
    takes its data to a backup system, in an inventory that does record backup flows for other
    systems. When the inventory records no backup flows at all, it says nothing about backups
    and the rule stays silent (the questionnaire's backup questions cover it). Cloud-hosted
    systems are left out: their backups are the provider's. Likelihood moderate."""

    key = "ephi_system_without_backup"
    title = "ePHI system with no backup recorded"
    threat = "ransomware"
    vulnerability = "no-backup-copy"
    reason = (
        "{subject}: maintains ePHI on premises and {backup}, while the inventory records "
        "backup flows for other systems; encrypted or lost data may not be recoverable."
    )

    def match(self, asset: AssetFacts, inventory: Inventory) -> Match | None:
        if not inventory.backups_recorded or asset.backed_up:
            return None
        if asset.kind not in SYSTEM_KINDS or not asset.in_service:
            return None
        if "maintains" not in asset.ephi_roles or asset.kind in CLOUD_KINDS:
            return None
        if asset.zone is not None and asset.zone.kind == "cloud":
            return None
        return Match({"backup": "no data flow takes its data to a backup system"}, likelihood=3)


RULE = EphiSystemWithoutBackup()
