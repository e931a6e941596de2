from __future__ import annotations

from phiward.risk.facts import PORTABLE_KINDS, AssetFacts, Inventory
from phiward.risk.rules.base import AssetRule, Match


class PortableDeviceUnencrypted(AssetRule):
    """A laptop, phone, tablet or removable medium that handles ePHI and whose storage is not
    encrypted, or not known to be: if it is lost or stolen, the ePHI on it is exposed (and an
    unencrypted device gets no breach safe harbor). Likelihood high."""

    key = "portable_device_unencrypted"
    title = "Unencrypted portable device handling ePHI"
    threat = "lost-stolen-device"
    vulnerability = "no-encryption-at-rest"
    reason = (
        "{subject}: a portable device that handles ePHI, with encryption at rest "
        "'{encryption_at_rest}'. If it is lost or stolen, the ePHI on it is readable and the "
        "loss is a reportable breach."
    )

    def match(self, asset: AssetFacts, inventory: Inventory) -> Match | None:
        if asset.kind not in PORTABLE_KINDS or not asset.handles_ephi:
            return None
        if asset.encryption_at_rest not in ("none", "unknown"):
            return None
        return Match({"encryption_at_rest": asset.encryption_at_rest_label}, likelihood=4)


RULE = PortableDeviceUnencrypted()
