"""The proposal rules, one module per rule, registered in ``RULES`` (in proposal order).

A rule module is named after its rule's ``key`` and ends with ``RULE = TheRule()``;
``tests/risk/test_rules.py`` checks both, and that every rule has a proposing and a
non-proposing test. The checklist for adding one is in docs/risk.md.
"""

from __future__ import annotations

from phiward.risk.rules import (
    cloud_service_ephi,
    ephi_system_internet_exposed,
    ephi_system_on_flat_network,
    ephi_system_without_backup,
    flow_encryption_unknown,
    flow_unencrypted,
    flow_weak_tls,
    medical_device_not_segmented,
    medical_device_unpatchable,
    medical_device_without_mds2,
    os_past_end_of_support,
    portable_device_unencrypted,
    questionnaire_gap,
    vendor_without_baa,
)
from phiward.risk.rules.base import Rule

RULES: tuple[Rule, ...] = (
    portable_device_unencrypted.RULE,
    os_past_end_of_support.RULE,
    medical_device_unpatchable.RULE,
    medical_device_without_mds2.RULE,
    medical_device_not_segmented.RULE,
    ephi_system_internet_exposed.RULE,
    ephi_system_on_flat_network.RULE,
    ephi_system_without_backup.RULE,
    cloud_service_ephi.RULE,
    vendor_without_baa.RULE,
    flow_unencrypted.RULE,
    flow_weak_tls.RULE,
    flow_encryption_unknown.RULE,
    questionnaire_gap.RULE,
)


def rule(key: str) -> Rule | None:
    return next((r for r in RULES if r.key == key), None)
