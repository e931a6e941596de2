"""The rules every writer follows (``SafeguardStatus.clean`` through ``services``), the approval
of "not applicable" on required entries, lazy rows, and the audit entries of each write."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from phiward.audit.models import AuditEntry
from phiward.core.errors import InputProblems, InvalidInput, NotFound
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.models import Risk
from phiward.safeguards import services
from phiward.safeguards.models import SafeguardStatus
from phiward.safeguards.status import Shown

pytestmark = pytest.mark.django_db

ADDRESSABLE = "164.312(a)(2)(iv)"  # Encryption and decryption
REQUIRED = "164.308(a)(4)(ii)(A)"  # Isolating health care clearinghouse functions
STANDARD = "164.314(b)(1)"  # Requirements for group health plans


def fields_of(exc: pytest.ExceptionInfo[InputProblems]) -> dict[str, str]:
    return {p.field or "": p.message for p in exc.value.problems}


def shown(org: Organization, spec: str) -> Shown:
    return next(i.shown for i in services.posture_for(org).items if i.entry.id == spec)


# --- lazy rows ----------------------------------------------------------------------------------


def test_reading_creates_nothing_and_shows_every_entry_unassessed(org: Organization) -> None:
    rows = services.statuses(org)
    assert len(rows) == 68
    assert {row.status for row in rows} == {"not_implemented"}
    assert not any(row.is_recorded for row in rows)
    assert services.posture_for(org).tallies.overall.unassessed == 68
    assert SafeguardStatus.objects.count() == 0


def test_first_write_creates_the_row_and_marks_the_review(org: Organization, officer: User) -> None:
    row = services.update(org, "164.312-b", {"status": "partial"}, by=officer)
    assert row.is_recorded and row.spec_id == "164.312(b)"
    assert row.last_reviewed_by == officer and row.last_reviewed_on is not None
    assert SafeguardStatus.objects.for_org(org).count() == 1
    assert services.posture_for(org).tallies.overall.unassessed == 67


def test_unknown_spec_and_unknown_field(org: Organization, officer: User) -> None:
    with pytest.raises(NotFound, match=r"164\.999"):
        services.update(org, "164.999(z)", {"status": "planned"}, by=officer)
    with pytest.raises(NotFound):
        services.status_for(org, "breach-notification")  # not a Security Rule safeguard
    with pytest.raises(InputProblems) as exc:
        services.update(org, REQUIRED, {"na_approved_by": officer}, by=officer)
    assert fields_of(exc) == {"na_approved_by": "cannot be changed here"}


def test_clean_names_an_unknown_spec_and_choice(org: Organization) -> None:
    with pytest.raises(ValidationError) as exc:
        SafeguardStatus(organization=org, spec_id="164.308(z)").full_clean()
    assert set(exc.value.message_dict) == {"spec_id"}
    with pytest.raises(ValidationError) as exc:
        SafeguardStatus(organization=org, spec_id=REQUIRED, status="done").full_clean()
    assert set(exc.value.message_dict) == {"status"}


# --- addressable decisions ----------------------------------------------------------------------


def test_addressable_needs_a_decision_once_assessed(org: Organization, officer: User) -> None:
    with pytest.raises(InputProblems) as exc:
        services.update(org, ADDRESSABLE, {"status": "implemented"}, by=officer)
    assert "164.306(d)(3)" in fields_of(exc)["decision"]
    assert SafeguardStatus.objects.count() == 0  # nothing half-written
    # "not implemented" with no decision yet is allowed (not decided yet).
    services.update(org, ADDRESSABLE, {"description": "Reviewing options"}, by=officer)
    row = services.update(
        org, ADDRESSABLE, {"status": "implemented", "decision": "as_specified"}, by=officer
    )
    assert row.decision == "as_specified"


def test_alternative_needs_the_measure_and_the_rationale(org: Organization, officer: User) -> None:
    with pytest.raises(InputProblems) as exc:
        services.update(
            org, ADDRESSABLE, {"status": "implemented", "decision": "alternative"}, by=officer
        )
    assert set(fields_of(exc)) == {"alternative", "rationale"}
    row = services.update(
        org,
        ADDRESSABLE,
        {
            "status": "implemented",
            "decision": "alternative",
            "alternative": "  The EHR runs only in the vendor's encrypted data centre  ",
            "rationale": "Local workstations hold no ePHI; full-disk encryption adds nothing.",
        },
        by=officer,
    )
    assert row.alternative == "The EHR runs only in the vendor's encrypted data centre"


def test_not_reasonable_needs_rationale_and_is_not_applicable(
    org: Organization, officer: User
) -> None:
    with pytest.raises(InputProblems) as exc:
        services.update(
            org, ADDRESSABLE, {"status": "planned", "decision": "not_reasonable"}, by=officer
        )
    problems = fields_of(exc)
    assert set(problems) == {"rationale", "status"}
    assert "164.306(d)(3)(ii)(B)" in problems["rationale"]
    row = services.update(
        org,
        ADDRESSABLE,
        {
            "status": "not_applicable",
            "decision": "not_reasonable",
            "rationale": "No ePHI is stored; no equivalent measure is reasonable.",
        },
        by=officer,
    )
    # An addressable "not applicable" with its documented decision needs no approval.
    assert not row.na_pending
    assert shown(org, ADDRESSABLE) is Shown.NOT_APPLICABLE


def test_addressable_not_applicable_without_that_decision(org: Organization, officer: User) -> None:
    with pytest.raises(InputProblems) as exc:
        services.update(
            org, ADDRESSABLE, {"status": "not_applicable", "decision": "as_specified"}, by=officer
        )
    assert set(fields_of(exc)) == {"status"}
    with pytest.raises(InputProblems) as exc:
        services.update(
            org,
            ADDRESSABLE,
            {"status": "planned", "decision": "as_specified", "alternative": "Something else"},
            by=officer,
        )
    assert set(fields_of(exc)) == {"alternative"}
    with pytest.raises(InputProblems) as exc:
        services.update(org, ADDRESSABLE, {"na_reason": "Does not apply"}, by=officer)
    assert set(fields_of(exc)) == {"na_reason"}


def test_required_entries_take_no_decision(org: Organization, officer: User) -> None:
    with pytest.raises(InputProblems) as exc:
        services.update(
            org,
            "164.312(b)",
            {"status": "implemented", "decision": "alternative", "alternative": "Spreadsheets"},
            by=officer,
        )
    assert set(fields_of(exc)) == {"decision", "alternative"}


# --- "not applicable" on required entries -------------------------------------------------------


def test_required_not_applicable_needs_a_reason(org: Organization, officer: User) -> None:
    with pytest.raises(InputProblems) as exc:
        services.update(org, REQUIRED, {"status": "not_applicable"}, by=officer)
    assert set(fields_of(exc)) == {"na_reason"}


def _ask(org: Organization, by: User | None, spec: str = REQUIRED) -> SafeguardStatus:
    services.update(org, spec, {"status": "planned"}, by=by)
    return services.update(
        org,
        spec,
        {"status": "not_applicable", "na_reason": "We are a clinic, not a clearinghouse."},
        by=by,
    )


def test_pending_not_applicable_counts_as_not_implemented_until_approved(
    org: Organization, officer: User, make_member: Callable[..., User]
) -> None:
    row = _ask(org, officer)
    assert row.na_pending and row.na_requested_by == officer and row.na_prior_status == "planned"
    assert shown(org, REQUIRED) is Shown.NA_PENDING
    tally = services.posture_for(org).tallies.overall
    assert tally.not_applicable == 0 and tally.count(Shown.NA_PENDING) == 1
    approver = make_member(org, Role.SECURITY_OFFICER, username="second-officer")
    approved = services.approve_not_applicable(org, REQUIRED, by=approver)
    assert approved.na_approved_by == approver and approved.na_approved_at is not None
    assert shown(org, REQUIRED) is Shown.NOT_APPLICABLE
    assert services.posture_for(org).tallies.overall.not_applicable == 1


def test_the_requester_may_not_approve_their_own(org: Organization, officer: User) -> None:
    _ask(org, officer)
    with pytest.raises(InputProblems) as exc:
        services.approve_not_applicable(org, REQUIRED, by=officer)
    assert "Someone other than" in fields_of(exc)["na_approved_by"]
    assert SafeguardStatus.objects.get(spec_id=REQUIRED).na_approved_by is None


def test_an_owner_may_approve_their_own(org: Organization, owner: User) -> None:
    _ask(org, owner)
    assert services.approve_not_applicable(org, REQUIRED, by=owner).na_approved_by == owner


def test_approver_needs_the_right_to_approve(
    org: Organization,
    officer: User,
    privacy: User,
    other_org: Organization,
    make_member: Callable[..., User],
) -> None:
    _ask(org, officer)
    with pytest.raises(InputProblems) as exc:
        services.approve_not_applicable(org, REQUIRED, by=privacy)
    assert "may approve" in fields_of(exc)["na_approved_by"]
    stranger = make_member(other_org, Role.OWNER, username="stranger")
    with pytest.raises(InputProblems):
        services.approve_not_applicable(org, REQUIRED, by=stranger)


def test_model_rule_holds_for_direct_writers(org: Organization, officer: User) -> None:
    row = _ask(org, officer)
    row.na_approved_by = officer
    with pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert set(exc.value.message_dict) == {"na_approved_by"}
    other = SafeguardStatus(organization=org, spec_id="164.312(b)", na_approved_by=officer)
    with pytest.raises(ValidationError) as exc:
        other.full_clean()
    assert set(exc.value.message_dict) == {"na_approved_by"}


def test_a_cli_request_may_be_approved_by_any_approver(org: Organization, officer: User) -> None:
    _ask(org, None)
    assert services.approve_not_applicable(org, REQUIRED, by=officer).na_approved_by == officer


def test_changing_the_reason_asks_again(org: Organization, officer: User, owner: User) -> None:
    _ask(org, officer)
    services.approve_not_applicable(org, REQUIRED, by=owner)
    same = services.update(org, REQUIRED, {"description": "n/a"}, by=officer)
    assert not same.na_pending  # another field: the approval stands
    changed = services.update(org, REQUIRED, {"na_reason": "Another reason."}, by=officer)
    assert changed.na_pending and changed.na_approved_by is None
    assert changed.na_prior_status == "planned"  # still what it was before "not applicable"


def test_leaving_not_applicable_drops_the_request(org: Organization, officer: User) -> None:
    _ask(org, officer)
    row = services.update(org, REQUIRED, {"status": "implemented"}, by=officer)
    assert (row.na_reason, row.na_requested_by, row.na_prior_status) == ("", None, "")


def test_reject_restores_the_earlier_status(org: Organization, officer: User, owner: User) -> None:
    _ask(org, officer)
    with pytest.raises(InputProblems) as exc:
        services.reject_not_applicable(org, REQUIRED, by=owner, note="  ")
    assert set(fields_of(exc)) == {"note"}
    row = services.reject_not_applicable(org, REQUIRED, by=owner, note="We process claims.")
    assert row.status == "planned" and not row.na_pending
    assert (row.na_rejected_by, row.na_rejection_note) == (owner, "We process claims.")
    with pytest.raises(InvalidInput, match="awaits approval"):
        services.approve_not_applicable(org, REQUIRED, by=owner)
    with pytest.raises(InvalidInput, match="nothing is recorded"):
        services.approve_not_applicable(org, "164.312(d)", by=owner)


def test_standards_are_required_too(org: Organization, officer: User, owner: User) -> None:
    _ask(org, officer, STANDARD)
    assert shown(org, STANDARD) is Shown.NA_PENDING
    services.approve_not_applicable(org, STANDARD, by=owner)
    assert shown(org, STANDARD) is Shown.NOT_APPLICABLE


# --- owner and policies -------------------------------------------------------------------------


def test_owner_must_be_a_member(
    org: Organization, other_org: Organization, officer: User, make_member: Callable[..., User]
) -> None:
    outsider = make_member(other_org, Role.OWNER, username="outsider")
    with pytest.raises(InputProblems) as exc:
        services.update(org, "164.312(b)", {"owner": outsider}, by=officer)
    assert set(fields_of(exc)) == {"owner"}
    assert services.update(org, "164.312(b)", {"owner": officer}, by=officer).owner == officer


@pytest.mark.parametrize(
    ("policies", "message"),
    [
        ([{"title": "Access policy"}], "Policy 1: give a URL or a document reference."),
        ([{"title": " ", "reference": "SOP-1"}], "Policy 1: a title is required."),
        (
            [{"title": "A", "reference": "x"}, {"title": "B", "url": "javascript:alert(1)"}],
            "Policy 2: the URL must be an http(s) address.",
        ),
        ([{"title": "A", "reference": "x", "owner": "me"}], "Policy 1: give a title"),
        ("Access policy", "A list of policies is expected."),
        ([{"title": "A", "reference": 3}], "Policy 1: title, URL and reference are text."),
    ],
)
def test_policies_are_checked(
    org: Organization, officer: User, policies: object, message: str
) -> None:
    with pytest.raises(InputProblems) as exc:
        services.update(org, "164.316(a)", {"policies": policies}, by=officer)
    assert fields_of(exc)["policies"].startswith(message)


def test_policies_are_kept_trimmed(org: Organization, officer: User) -> None:
    row = services.update(
        org,
        "164.316(a)",
        {
            "policies": [
                {"title": " Security policy ", "url": "https://intranet.example/security"},
                {"title": "Backup SOP", "reference": " SOP-12 v3 "},
            ]
        },
        by=officer,
    )
    assert row.policies == [
        {"title": "Security policy", "url": "https://intranet.example/security", "reference": ""},
        {"title": "Backup SOP", "url": "", "reference": "SOP-12 v3"},
    ]


# --- the audit log ------------------------------------------------------------------------------


def test_every_write_is_on_the_audit_log(
    org: Organization, officer: User, owner: User, make_risk: Callable[..., Risk]
) -> None:
    start = AuditEntry.objects.count()
    _ask(org, officer)
    services.approve_not_applicable(org, REQUIRED, by=owner)
    entries = list(
        AuditEntry.objects.filter(
            object_type="safeguards.safeguardstatus", organization_id=org.pk
        ).order_by("seq")
    )
    assert [e.action for e in entries] == ["create", "change", "change"]
    assert entries[1].changes["status"] == {"before": "planned", "after": "not_applicable"}
    assert entries[2].changes["na_approved_by"] == {"before": None, "after": owner.pk}
    risk = make_risk(org)
    services.link_risk(org, REQUIRED, risk)
    services.unlink_risk(org, REQUIRED, risk)
    links = AuditEntry.objects.filter(object_type="safeguards.safeguardrisk").order_by("seq")
    assert [e.action for e in links] == ["create", "delete"]
    assert AuditEntry.objects.count() > start
