from phiward.core.permissions import TABLE, Action, Area, Role, allowed


def test_every_role_has_an_entry() -> None:
    assert set(TABLE) == set(Role)


def test_auditor_reads_everything_and_changes_nothing() -> None:
    for area in Area:
        assert allowed(Role.AUDITOR, Action.READ, area)
        if area is Area.TOKENS:
            continue  # their own API tokens, which act as an auditor (tests/tokens)
        for action in (Action.CREATE, Action.CHANGE, Action.DELETE, Action.APPROVE):
            assert not allowed(Role.AUDITOR, action, area)


def test_workforce_cannot_browse_the_inventory() -> None:
    assert not allowed(Role.WORKFORCE, Action.READ, Area.INVENTORY)
    assert allowed(Role.WORKFORCE, Action.READ, Area.CATALOG)


def test_only_owner_and_security_officer_approve_governance() -> None:
    approvers = {role for role in Role if allowed(role, Action.APPROVE, Area.GOVERNANCE)}
    assert approvers == {Role.OWNER, Role.SECURITY_OFFICER}


def test_docs_permissions_md_is_current() -> None:
    from pathlib import Path

    from phiward.core.permissions import render_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
    assert doc.read_text() == render_markdown(), (
        "docs/permissions.md is stale: python -m phiward.core.permissions > docs/permissions.md"
    )
