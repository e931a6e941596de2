"""A safeguard whose status changes flags its linked open risks for re-assessment (S12)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from phiward.core.models import Organization
from phiward.risk.models import ReassessmentReason, ReassessmentSource, Risk, RiskStatus
from phiward.safeguards import services

pytestmark = pytest.mark.django_db

SPEC = "164.308(a)(1)(ii)(B)"  # Risk management
REQUIRED = "164.308(a)(4)(ii)(A)"


def reasons(risk: Risk) -> list[ReassessmentReason]:
    return list(ReassessmentReason.objects.filter(risk=risk).order_by("pk"))


def test_status_change_flags_linked_open_risks(
    org: Organization, officer: User, make_risk: Callable[..., Risk]
) -> None:
    linked, unlinked, closed = make_risk(org), make_risk(org), make_risk(org)
    closed.status = RiskStatus.CLOSED
    closed.save()
    services.set_risks(org, SPEC, [linked, closed])
    services.update(org, SPEC, {"status": "implemented"}, by=officer)
    (reason,) = reasons(linked)
    assert reason.source == ReassessmentSource.SAFEGUARD
    assert reason.reason == (
        "Safeguard 164.308(a)(1)(ii)(B) (Risk management) changed from not implemented to "
        "implemented"
    )
    assert reason.object_type == "safeguards.safeguardstatus"
    linked.refresh_from_db()
    assert linked.needs_reassessment
    assert reasons(unlinked) == [] and reasons(closed) == []


def test_saving_without_a_status_change_flags_nothing(
    org: Organization, officer: User, make_risk: Callable[..., Risk]
) -> None:
    risk = make_risk(org)
    services.update(org, SPEC, {"status": "planned"}, by=officer)
    services.link_risk(org, SPEC, risk)
    services.update(org, SPEC, {"description": "Quarterly review", "owner": officer}, by=officer)
    services.update(org, SPEC, {"status": "planned"}, by=officer)
    assert reasons(risk) == []
    risk.refresh_from_db()
    assert not risk.needs_reassessment


def test_approval_and_rejection_of_not_applicable_flag_too(
    org: Organization, officer: User, owner: User, make_risk: Callable[..., Risk]
) -> None:
    risk = make_risk(org)
    services.update(org, REQUIRED, {"status": "partial"}, by=officer)
    services.link_risk(org, REQUIRED, risk)
    services.update(
        org, REQUIRED, {"status": "not_applicable", "na_reason": "Not a clearinghouse."}, by=officer
    )
    services.approve_not_applicable(org, REQUIRED, by=owner)
    services.update(org, REQUIRED, {"na_reason": "Reworded."}, by=officer)
    services.reject_not_applicable(org, REQUIRED, by=owner, note="Keep it.")
    assert [r.reason for r in reasons(risk)] == [
        "Safeguard 164.308(a)(4)(ii)(A) (Isolating health care clearinghouse functions) changed "
        "from partially implemented to not applicable (awaiting approval)",
        "Safeguard 164.308(a)(4)(ii)(A) (Isolating health care clearinghouse functions) changed "
        'from not applicable (awaiting approval) to not applicable (approved): "not applicable" '
        "approved",
        "Safeguard 164.308(a)(4)(ii)(A) (Isolating health care clearinghouse functions) changed "
        "from not applicable (approved) to not applicable (awaiting approval)",
        "Safeguard 164.308(a)(4)(ii)(A) (Isolating health care clearinghouse functions) changed "
        'from not applicable (awaiting approval) to partially implemented: "not applicable" '
        "rejected",
    ]


def test_a_failed_change_flags_nothing(
    org: Organization, officer: User, make_risk: Callable[..., Risk]
) -> None:
    risk = make_risk(org)
    services.link_risk(org, "164.312(a)(2)(iv)", risk)
    with pytest.raises(Exception, match="decision"):
        services.update(org, "164.312(a)(2)(iv)", {"status": "implemented"}, by=officer)
    assert reasons(risk) == []
