"""Scanner identifiers in one canonical form, so discovery can match them to the inventory.

Pure: the models, the web forms and the importers all normalize through here.
"""

from __future__ import annotations

import re

_MAC_SEPARATORS = re.compile(r"[:.\-]")


def canonical_mac(value: str) -> str | None:
    """``00-1A-2B-3C-4D-5E``, ``001a.2b3c.4d5e`` … as ``00:1a:2b:3c:4d:5e``; None if not a MAC."""
    digits = _MAC_SEPARATORS.sub("", value.strip()).lower()
    if len(digits) != 12 or any(ch not in "0123456789abcdef" for ch in digits):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
