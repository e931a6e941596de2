from __future__ import annotations

from phiward.risk.facts import AssetFacts, Inventory
from phiward.risk.rules.base import AssetRule, Match
from phiward.risk.rules.medical_device_unpatchable import unpatchable


class MedicalDeviceWithoutMds2(AssetRule):
    """A medical device in service with no MDS2 form on file (recorded as missing, or not
    recorded): nobody knows what it stores or how it is secured and patched. Devices already
    known to be unpatchable are proposed by ``medical_device_unpatchable`` instead. Likelihood
    low."""

    key = "medical_device_without_mds2"
    title = "Medical device without an MDS2 form"
    threat = "legacy-medical-device-exploitation"
    vulnerability = "no-mds2"
    reason = (
        "{subject}: a medical device with no MDS2 form on file ({mds2}); its security "
        "properties and patching are not known."
    )

    def match(self, asset: AssetFacts, inventory: Inventory) -> Match | None:
        if asset.kind != "medical_device" or not asset.in_service:
            return None
        if asset.mds2_on_file is True or unpatchable(asset, inventory):
            return None
        recorded = "recorded as missing" if asset.mds2_on_file is False else "not recorded"
        return Match({"mds2": recorded}, likelihood=2)


RULE = MedicalDeviceWithoutMds2()
