"""Evidence files in ``phiward keys status``, ``rotate`` and ``retire``.

Registered with ``phiward.crypto.rotation`` at start-up: status counts the files per key
version, rotation seals every file not under the new version again (each under its item's row
lock, atomically, and only when its plaintext still matches the recorded SHA-256), and
retirement is refused while any file still needs the version.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from django.db import transaction

from phiward.crypto.envelope import CryptoError
from phiward.evidence import storage
from phiward.evidence.models import EvidenceItem, EvidenceKind
from phiward.evidence.storage import Location


def _file_items() -> list[tuple[int, int, str]]:
    rows = EvidenceItem.objects.filter(kind=EvidenceKind.FILE).order_by("pk")
    found = rows.values_list("pk", "organization_id", "uid")
    return [(pk, org, str(uid)) for pk, org, uid in found]


class EvidenceFiles:
    name = "evidence files"

    def by_version(self) -> dict[int, int]:
        counts: Counter[int] = Counter()
        for _, organization_id, uid in _file_items():
            version = storage.key_version(Location(organization_id, uid))
            if version is not None:
                counts[version] += 1
        return dict(counts)

    def reseal(self, version: int) -> Iterator[int]:
        for pk, organization_id, uid in _file_items():
            location = Location(organization_id, uid)
            if storage.key_version(location) in (None, version):
                continue
            with transaction.atomic():
                item = EvidenceItem.objects.select_for_update().filter(pk=pk).first()
                if item is None:
                    continue  # deleted meanwhile
                storage.reseal(location, item.sha256)
                if storage.key_version(location) != version:
                    raise CryptoError("the current key version changed during rotation")
            yield pk
