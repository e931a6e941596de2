from __future__ import annotations

from phiward.risk.facts import AssetFacts, Inventory
from phiward.risk.rules.base import AssetRule, Match


def unpatchable(asset: AssetFacts, inventory: Inventory) -> bool:
    """Cannot be patched: recorded as such, or its operating system is out of support."""
    ended = asset.os_end_of_support
    return asset.patchable == "no" or (ended is not None and ended < inventory.today)


class MedicalDeviceUnpatchable(AssetRule):
    """A medical device in service that cannot be patched: its record says so, or its
    operating system is past end of support. Likelihood moderate, high when it sits outside a
    medical-device zone."""

    key = "medical_device_unpatchable"
    title = "Unpatchable or legacy medical device"
    threat = "legacy-medical-device-exploitation"
    vulnerability = "unpatchable-device"
    reason = (
        "{subject}: a medical device that cannot be patched (patchable: '{patchable}'; "
        "operating system: {os}); a known flaw in it stays open."
    )

    def match(self, asset: AssetFacts, inventory: Inventory) -> Match | None:
        if asset.kind != "medical_device" or not asset.in_service:
            return None
        if not unpatchable(asset, inventory):
            return None
        ended = asset.os_end_of_support
        os = asset.os_label if asset.os_name else "not recorded"
        if ended is not None and ended < inventory.today:
            os = f"{os}, support ended {ended.isoformat()}"
        segregated = asset.zone is not None and asset.zone.kind == "medical_device"
        facts = {"patchable": _PATCHABLE.get(asset.patchable, asset.patchable), "os": os}
        return Match(facts, likelihood=3 if segregated else 4)


_PATCHABLE = {
    "yes": "Yes",
    "vendor_only": "Only by the manufacturer",
    "no": "No",
    "unknown": "Unknown",
}

RULE = MedicalDeviceUnpatchable()
