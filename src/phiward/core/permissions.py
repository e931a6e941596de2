"""The one permission table: role x area -> actions.

Pure data and one function. The web views, the API and the CLI all ask ``allowed``; nothing
else decides who may do what. The platform-security issue extends the areas and publishes this
table as docs/permissions.md.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    SECURITY_OFFICER = "security_officer"
    PRIVACY_OFFICER = "privacy_officer"
    AUDITOR = "auditor"
    WORKFORCE = "workforce"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    APPROVE = "approve"
    EXPORT = "export"
    ADMINISTER = "administer"


class Area(StrEnum):
    ORGANIZATION = "organization"
    GOVERNANCE = "governance"
    INVENTORY = "inventory"
    CATALOG = "catalog"
    TOKENS = "tokens"  # API tokens: one's own; administer covers everyone's in the organization
    AUDIT = "audit"  # the audit log: read and export; nobody changes it
    RISK = "risk"  # analyses, proposals, risks, treatments; approve = sign-off, acceptance
    SAFEGUARDS = "safeguards"  # Security Rule statuses; approve = a required spec "not applicable"
    EVIDENCE = "evidence"  # evidence items; administer = delete inside the retention period
    # Incidents, breach assessments and notices, IR exercises and the IR plan; approve = sign
    # off a breach determination or an IR plan version. The workforce may only report (create).
    INCIDENTS = "incidents"


_ALL = frozenset(Action)
_READ = frozenset({Action.READ})
_AUDIT = frozenset({Action.READ, Action.EXPORT})
_EDIT = frozenset({Action.READ, Action.CREATE, Action.CHANGE, Action.DELETE, Action.EXPORT})
# Members other than the workforce hold API tokens for automation: their own, capped at their role.
_OWN_TOKENS = frozenset({Action.READ, Action.CREATE, Action.DELETE})

TABLE: dict[Role, dict[Area, frozenset[Action]]] = {
    Role.OWNER: {**dict.fromkeys(Area, _ALL), Area.AUDIT: _AUDIT},
    Role.SECURITY_OFFICER: {
        Area.ORGANIZATION: _READ,
        Area.GOVERNANCE: _EDIT | {Action.APPROVE},
        Area.INVENTORY: _EDIT,
        Area.CATALOG: _AUDIT,
        Area.TOKENS: _OWN_TOKENS,
        Area.AUDIT: _AUDIT,
        Area.RISK: _EDIT | {Action.APPROVE},
        Area.SAFEGUARDS: _EDIT | {Action.APPROVE},
        Area.EVIDENCE: _EDIT,
        Area.INCIDENTS: _EDIT | {Action.APPROVE},
    },
    Role.PRIVACY_OFFICER: {
        Area.ORGANIZATION: _READ,
        Area.GOVERNANCE: _EDIT,
        Area.INVENTORY: _EDIT,
        Area.CATALOG: _AUDIT,
        Area.TOKENS: _OWN_TOKENS,
        Area.AUDIT: _AUDIT,
        Area.RISK: _EDIT,
        Area.SAFEGUARDS: _EDIT,
        Area.EVIDENCE: _EDIT,
        # The privacy officer owns breach notification (164.530(a)) and signs determinations.
        Area.INCIDENTS: _EDIT | {Action.APPROVE},
    },
    # An auditor's own token acts as an auditor: it reads and exports, and changes nothing.
    Role.AUDITOR: {**dict.fromkeys(Area, _AUDIT), Area.TOKENS: _OWN_TOKENS},
    # Workforce members report incidents and read the public catalog; the
    # inventory and governance records are not theirs to browse.
    Role.WORKFORCE: {
        Area.ORGANIZATION: _READ,
        Area.CATALOG: _READ,
        Area.INCIDENTS: frozenset({Action.CREATE}),  # report an incident, nothing more
    },
}


def allowed(role: Role | str, action: Action, area: Area) -> bool:
    """Whether ``role`` may perform ``action`` in ``area``."""
    return action in TABLE.get(Role(role), {}).get(area, frozenset())


def render_markdown() -> str:
    """The table as docs/permissions.md (regenerate: python -m phiward.core.permissions)."""
    lines = [
        "# Permissions",
        "",
        "Generated from `src/phiward/core/permissions.py` by `python -m phiward.core.permissions`;",
        "a test fails when this file is stale. The web app, the API and the CLI all ask this one",
        "table. Outside their organization every role gets 404; inside, an action the role lacks",
        "gets 403.",
        "",
        "`tokens` is a member's own API tokens; `administer` there covers every token of the",
        "organization. A token acts with its own role, never beyond its creator's current role.",
        "",
    ]
    lines.append("| Area | " + " | ".join(role.label for role in Role) + " |")
    lines.append("|---" * (len(Role) + 1) + "|")
    for area in Area:
        cells = []
        for role in Role:
            granted = TABLE.get(role, {}).get(area, frozenset())
            cells.append(", ".join(a.value for a in Action if a in granted) or "—")
        lines.append(f"| {area.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
