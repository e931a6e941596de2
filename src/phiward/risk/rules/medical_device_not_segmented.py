from __future__ import annotations

from phiward.risk.facts import AssetFacts, Inventory
from phiward.risk.rules.base import AssetRule, Match


class MedicalDeviceNotSegmented(AssetRule):
    """A medical device in service that handles ePHI and sits in a zone that is not a
    medical-device zone: every other device of that zone can reach it. A device with no zone
    recorded is not proposed (its place is unknown). Likelihood moderate."""

    key = "medical_device_not_segmented"
    title = "Medical device outside a medical-device zone"
    threat = "legacy-medical-device-exploitation"
    vulnerability = "no-segmentation"
    reason = (
        "{subject}: a medical device that handles ePHI in a zone of kind '{zone_kind}', "
        "not a segregated medical-device zone."
    )

    def match(self, asset: AssetFacts, inventory: Inventory) -> Match | None:
        zone = asset.zone
        if asset.kind != "medical_device" or not asset.in_service or not asset.handles_ephi:
            return None
        if zone is None or zone.kind == "medical_device":
            return None
        return Match({"zone_kind": zone.kind_label or zone.kind}, likelihood=3)


RULE = MedicalDeviceNotSegmented()
