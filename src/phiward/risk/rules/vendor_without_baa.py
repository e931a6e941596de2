from __future__ import annotations

from phiward.risk.facts import Inventory, VendorFacts
from phiward.risk.rules.base import Match, VendorRule

NAMES_SHOWN = 3


def baa_gap(vendor: VendorFacts, inventory: Inventory) -> str | None:
    """How the vendor's BAA falls short, in words; None when a current one is on file."""
    if vendor.baa_status in ("none", "requested", "expired"):
        return vendor.baa_status_label
    expires = vendor.baa_expires_on
    if vendor.baa_status == "signed" and expires is not None and expires < inventory.today:
        return f"Signed, expired on {expires.isoformat()}"
    return None


class VendorWithoutBaa(VendorRule):
    """A vendor marked as handling ePHI with no signed, current business associate agreement
    (none on file, only requested, expired, or signed with an expiry date in the past).
    Likelihood moderate."""

    key = "vendor_without_baa"
    title = "Vendor handling ePHI without a BAA"
    threat = "vendor-compromise"
    vulnerability = "no-baa"
    reason = (
        "{subject} handles ePHI and its BAA status is '{baa}'{through}: nothing obliges it to "
        "safeguard the ePHI or to report a breach."
    )

    def match(self, vendor: VendorFacts, inventory: Inventory) -> Match | None:
        if not vendor.handles_ephi:
            return None
        gap = baa_gap(vendor, inventory)
        if gap is None:
            return None
        reach = [*vendor.flow_names, *vendor.asset_names]
        through = ""
        if reach:
            shown = ", ".join(f"'{name}'" for name in reach[:NAMES_SHOWN])
            more = len(reach) - NAMES_SHOWN
            through = f" (through {shown}" + (f" and {more} more)" if more > 0 else ")")
        return Match({"baa": gap}, likelihood=3, details={"through": through})


RULE = VendorWithoutBaa()
