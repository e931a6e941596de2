"""The web access table: every URL name, the methods to try, and what each needs.

Org-scoped pages state the (Area, Action) of ``phiward.core.permissions`` they need, so the
expected status of every cell comes from ``allowed()`` and a view that asks for anything else
fails the matrix in tests/web/test_access_matrix.py. Routes are discovered from the URLconf; a
route with no entry here fails that test ("add it to the access table"), an entry for a route
that does not exist (yet) is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from phiward.core.permissions import Action, Area, Role, allowed

# Path prefixes the matrix leaves to others: the API has tests/api/test_roles.py.
EXCLUDED_PREFIXES = ("api/", "admin/", settings.STATIC_URL.lstrip("/"))


class Stranger(StrEnum):
    """Callers with no membership in the organization they ask about."""

    OUTSIDER = "outsider"  # a member (the owner) of another organization only
    ANONYMOUS = "anonymous"


Principal = Role | Stranger
PRINCIPALS: tuple[Principal, ...] = (*Role, *Stranger)
# The outsider's role in their own organization: the strongest, so a 404 proves tenancy.
OUTSIDER_ROLE = Role.OWNER


class Place(StrEnum):
    INSIDE = "inside"  # the caller's organization and its objects
    OTHER_ORG = "other-org"  # another organization's slug and objects
    OTHER_OBJECT = "other-object"  # the caller's slug with another organization's object
    UNSCOPED = "unscoped"  # a route not under /o/<org>/


class Kind(StrEnum):
    """The fixture objects a route may name (by ``<pk>``, ``<username>``); each organization
    has one of each."""

    ZONE = "zone"
    VENDOR = "vendor"
    ASSET = "asset"
    FLOW = "flow"
    MEMBERSHIP = "membership"  # a colleague's (workforce) membership, not the caller's
    EVIDENCE = "evidence"  # a generated record past its retention period
    # Risk records (tests/risk/register_sample.py): an analysis with an approved version, an
    # undecided proposal, a rated open risk, an acceptance awaiting approval and its task.
    THREAT = "threat"
    VULNERABILITY = "vulnerability"
    ANALYSIS = "analysis"
    VERSION = "version"
    PROPOSAL = "proposal"
    RISK = "risk"
    TREATMENT = "treatment"
    TASK = "task"
    # IR exercises (tests/exercises/sample.py): an exercise with a follow-up action, and the
    # IR plan with an approved version 1 and an open draft version 2.
    EXERCISE = "exercise"
    EXERCISE_ACTION = "exercise-action"
    PLAN_DRAFT = "plan-draft"
    # An incident (tests/incidents: reported, nothing else): its pages, forms and buttons.
    INCIDENT = "incident"


class Gate(StrEnum):
    PUBLIC = "public"  # anyone, even anonymous
    LOGGED_IN = "logged-in"  # any authenticated user
    MEMBER = "member"  # a member of the URL's organization whose role allows (area, action)
    OWN_ORG = "own-org"  # a user whose role in some organization of theirs allows it


@dataclass(frozen=True)
class Rule:
    gate: Gate
    area: Area | None = None
    action: Action | None = None
    ok: frozenset[int] | None = None  # statuses meaning "done"; None: by method

    def permits(self, role: Role) -> bool:
        if self.area is None or self.action is None:
            return True
        return allowed(role, self.action, self.area)


def member(area: Area, action: Action) -> Rule:
    return Rule(Gate.MEMBER, area, action)


def own_org(area: Area, action: Action) -> Rule:
    return Rule(Gate.OWN_ORG, area, action)


def logged_in(*ok: int) -> Rule:
    return Rule(Gate.LOGGED_IN, ok=frozenset(ok) or None)


def public(*ok: int) -> Rule:
    return Rule(Gate.PUBLIC, ok=frozenset(ok) or None)


# GET shows the page; a POST with empty data re-renders the form with errors or redirects.
DONE = {"GET": frozenset({200}), "POST": frozenset({200, 302})}


@dataclass(frozen=True)
class Page:
    methods: Mapping[str, Rule]
    obj: Kind | None = None  # the fixture object the route names
    fixed: Mapping[str, str] = field(default_factory=dict)  # other URL kwargs, as given
    removes: bool = False  # a POST that is allowed removes ``obj``


def view(area: Area, action: Action = Action.READ, obj: Kind | None = None) -> Page:
    return Page({"GET": member(area, action)}, obj=obj)


def form(area: Area, action: Action, obj: Kind | None = None, removes: bool = False) -> Page:
    rule = member(area, action)
    return Page({"GET": rule, "POST": rule}, obj=obj, removes=removes)


def _inventory(resource: str, kind: Kind) -> dict[str, Page]:
    inv = Area.INVENTORY
    return {
        f"inventory:{resource}-list": view(inv),
        f"inventory:{resource}-detail": view(inv, obj=kind),
        f"inventory:{resource}-create": form(inv, Action.CREATE),
        f"inventory:{resource}-update": form(inv, Action.CHANGE, obj=kind),
        f"inventory:{resource}-delete": form(inv, Action.DELETE, obj=kind, removes=True),
    }


ORG, GOV, INV, TOK = Area.ORGANIZATION, Area.GOVERNANCE, Area.INVENTORY, Area.TOKENS


def _safeguards() -> dict[str, Page]:
    area, entry = Area.SAFEGUARDS, {"key": "164.308-a-4-ii-A"}
    return {
        "safeguards:matrix": view(area),
        "safeguards:posture": view(area),
        "safeguards:detail": Page({"GET": member(area, Action.READ)}, fixed=entry),
        "safeguards:edit": Page(
            {"GET": member(area, Action.CHANGE), "POST": member(area, Action.CHANGE)}, fixed=entry
        ),
        "safeguards:approve": Page({"POST": member(area, Action.APPROVE)}, fixed=entry),
        "safeguards:reject": Page({"POST": member(area, Action.APPROVE)}, fixed=entry),
        "safeguards:risks": Page({"POST": member(area, Action.CHANGE)}, fixed=entry),
    }


def _risk() -> dict[str, Page]:
    area = Area.RISK
    read, create, change = Action.READ, Action.CREATE, Action.CHANGE

    def post(action: Action, obj: Kind) -> Page:
        return Page({"POST": member(area, action)}, obj=obj)

    return {
        "risk:overview": view(area),
        "risk:plan": view(area),
        "risk:analysis-list": view(area),
        "risk:analysis-start": form(area, create),
        "risk:analysis-detail": view(area, obj=Kind.ANALYSIS),
        "risk:analysis-edit": form(area, change, obj=Kind.ANALYSIS),
        # GET reads the questions; POST saves a standard's answers (none given: a redirect).
        "risk:questionnaire": Page(
            {"GET": member(area, read), "POST": member(area, change)}, obj=Kind.ANALYSIS
        ),
        "risk:answer": post(change, Kind.ANALYSIS),
        "risk:proposals": view(area, obj=Kind.ANALYSIS),
        "risk:proposal-sync": post(change, Kind.ANALYSIS),
        "risk:proposal-accept": form(area, change, obj=Kind.PROPOSAL),  # empty: as proposed
        "risk:proposal-dismiss": form(area, change, obj=Kind.PROPOSAL),
        # Anyone who reads sees the blockers and versions; approvers sign off.
        "risk:approve": Page(
            {"GET": member(area, read), "POST": member(area, Action.APPROVE)}, obj=Kind.ANALYSIS
        ),
        "risk:diff": view(area, obj=Kind.ANALYSIS),
        "risk:version-detail": view(area, obj=Kind.VERSION),
        "risk:register": view(area),
        "risk:risk-create": form(area, create),
        "risk:risk-detail": view(area, obj=Kind.RISK),
        "risk:risk-edit": form(area, change, obj=Kind.RISK),
        "risk:risk-rate": form(area, change, obj=Kind.RISK),
        "risk:risk-confirm": post(change, Kind.RISK),
        "risk:risk-close": form(area, change, obj=Kind.RISK),
        "risk:risk-reopen": form(area, change, obj=Kind.RISK),
        "risk:treatment-create": form(area, create, obj=Kind.RISK),
        "risk:treatment-edit": form(area, change, obj=Kind.TREATMENT),
        "risk:treatment-approve": post(Action.APPROVE, Kind.TREATMENT),
        "risk:task-create": form(area, create, obj=Kind.TREATMENT),
        "risk:task-complete": post(change, Kind.TASK),
        "risk:threat-list": view(area),
        "risk:threat-create": form(area, create),
        "risk:threat-edit": form(area, change, obj=Kind.THREAT),
        "risk:vulnerability-list": view(area),
        "risk:vulnerability-create": form(area, create),
        "risk:vulnerability-edit": form(area, change, obj=Kind.VULNERABILITY),
    }


def _exercises() -> dict[str, Page]:
    area, x = Area.INCIDENTS, Kind.EXERCISE
    create, change = Action.CREATE, Action.CHANGE
    return {
        "exercises:list": view(area),
        "exercises:create": form(area, create),
        "exercises:major-change": form(area, create),
        "exercises:intervals": form(area, change),
        "exercises:detail": view(area, obj=x),
        "exercises:edit": form(area, change, obj=x),
        "exercises:action-create": form(area, change, obj=x),
        "exercises:open-revision": Page({"POST": member(area, create)}, obj=x),
        "exercises:action-done": Page({"POST": member(area, change)}, obj=Kind.EXERCISE_ACTION),
        "exercises:plan": view(area),
        "exercises:plan-start": Page({"POST": member(area, create)}),
        "exercises:plan-detail": view(area, obj=Kind.PLAN_DRAFT),
        "exercises:plan-edit": form(area, change, obj=Kind.PLAN_DRAFT),
        "exercises:plan-approve": Page({"POST": member(area, Action.APPROVE)}, obj=Kind.PLAN_DRAFT),
        "exercises:plan-diff": view(area, obj=Kind.PLAN_DRAFT),
    }


def _incidents() -> dict[str, Page]:
    area, x = Area.INCIDENTS, Kind.INCIDENT
    change = Action.CHANGE

    def post(action: Action) -> Page:
        return Page({"POST": member(area, action)}, obj=x)

    return {
        "incidents:list": view(area),
        "incidents:report": form(area, Action.CREATE),  # the workforce may, auditors not
        "incidents:hhs-log": view(area),
        "incidents:hhs-log-csv": view(area, Action.EXPORT),
        "incidents:notice-settings": form(area, change),
        # Readers see the playbooks (the first view seeds them); editing one needs change.
        "incidents:playbooks": view(area),
        "incidents:playbook-edit": Page(
            {"GET": member(area, Action.READ), "POST": member(area, change)},
            fixed={"category": "ransomware_malware"},
        ),
        "incidents:detail": view(area, obj=x),
        "incidents:triage": form(area, change, obj=x),
        "incidents:status": post(change),
        "incidents:timeline": form(area, change, obj=x),
        "incidents:playbook": post(change),
        "incidents:step-check": post(change),
        "incidents:review": form(area, change, obj=x),
        "incidents:review-complete": post(change),
        "incidents:follow-up": form(area, change, obj=x),
        "incidents:follow-up-done": post(change),
        "incidents:affected": form(area, change, obj=x),
        "incidents:assessment": form(area, change, obj=x),
        "incidents:determination": view(area, obj=x),
        "incidents:sign-off": post(Action.APPROVE),
        "incidents:sent": form(area, change, obj=x),
        "incidents:not-required": post(change),
        "incidents:notices": view(area, obj=x),
        "incidents:notice-text": form(area, change, obj=x),
        "incidents:notice-keep": post(change),
    }


def _evidence() -> dict[str, Page]:
    area, item = Area.EVIDENCE, Kind.EVIDENCE
    return {
        "evidence:list": view(area),
        "evidence:upload": form(area, Action.CREATE),
        "evidence:deletions": view(area),
        "evidence:detail": view(area, obj=item),
        "evidence:edit": form(area, Action.CHANGE, obj=item),
        # The fixture item's retention has ended: whoever may delete, deletes it.
        "evidence:delete": form(area, Action.DELETE, obj=item, removes=True),
        "evidence:download": view(area, Action.EXPORT, obj=item),
    }


# The account pages of django-allauth (phiward.accounts). Pages that change MFA or the password
# first ask to re-authenticate (302); there is no sign-up and no login by email code.
_REAUTH = logged_in(200, 302)
_NONE_YET = logged_in(200, 302, 404)  # 404: the caller has no such authenticator
ACCOUNT_PAGES: dict[str, Page] = {
    "account_login": Page({"GET": public(200, 302), "POST": public(200, 302)}),
    "account_logout": Page({"GET": public(200, 302), "POST": public(302)}),
    "account_inactive": Page({"GET": public()}),
    "account_signup": Page({"GET": public(200, 302), "POST": public(200, 302)}),
    "account_reauthenticate": Page({"GET": logged_in(), "POST": logged_in(200)}),
    "account_request_reauthentication_code": Page({"GET": logged_in(302, 404)}),
    "account_confirm_reauthentication_code": Page({"GET": logged_in(302, 404)}),
    "account_email": Page({"GET": public(404)}),  # no e-mail management in phiward
    "account_email_verification_sent": Page({"GET": public()}),
    "account_change_password": Page({"GET": _REAUTH, "POST": _REAUTH}),
    "account_set_password": Page({"GET": _REAUTH}),
    "account_reset_password": Page({"GET": public(200, 302), "POST": public(200, 302)}),
    "account_reset_password_done": Page({"GET": public(200, 302)}),
    "account_reset_password_from_key": Page(
        {"GET": public(200, 302)}, fixed={"uidb36": "0", "key": "set-password"}
    ),
    "account_reset_password_from_key_done": Page({"GET": public(200, 302)}),
    "account_confirm_email": Page({"GET": public(200, 302, 404)}, fixed={"key": "no-such-key"}),
    "account_confirm_login_code": Page({"GET": public(302, 404)}),
    "mfa_index": Page({"GET": logged_in()}),
    "mfa_authenticate": Page({"GET": public(302)}),  # only during a login
    "mfa_reauthenticate": Page({"GET": logged_in(), "POST": logged_in(200)}),
    "mfa_activate_totp": Page({"GET": _REAUTH}),
    "mfa_deactivate_totp": Page({"GET": _REAUTH}),
    "mfa_view_recovery_codes": Page({"GET": _NONE_YET}),
    "mfa_generate_recovery_codes": Page({"GET": _REAUTH}),
    "mfa_download_recovery_codes": Page({"GET": _NONE_YET}),
    "mfa_list_webauthn": Page({"GET": _NONE_YET}),
    "mfa_add_webauthn": Page({"GET": _REAUTH}),
    "mfa_reauthenticate_webauthn": Page({"GET": logged_in(200, 302)}),
    "mfa_remove_webauthn": Page({"GET": logged_in(302, 404)}, fixed={"pk": "999999"}),
    "mfa_edit_webauthn": Page({"GET": logged_in(302, 404)}, fixed={"pk": "999999"}),
    "usersessions_list": Page({"GET": logged_in(), "POST": logged_in(200, 302)}),
    # phiward's account policy page and an owner ending a member's sessions.
    "account-policy": Page(
        {
            "GET": member(Area.ORGANIZATION, Action.READ),
            "POST": member(Area.ORGANIZATION, Action.ADMINISTER),
        }
    ),
    "member-sessions-end": Page(
        {"POST": member(Area.ORGANIZATION, Action.ADMINISTER)}, obj=Kind.MEMBERSHIP
    ),
}

TABLE: dict[str, Page] = {
    # Not under /o/<org>/.
    "healthz": Page({"GET": public()}),
    # Logging in (django-allauth): a logged-in caller is sent on from the login page.
    "login": Page({"GET": public(200, 302), "POST": public(200, 302)}),
    "logout": Page({"POST": public(302)}),
    **ACCOUNT_PAGES,
    "home": Page({"GET": logged_in(302)}),  # to the first organization or the list
    "switch-org": Page({"GET": logged_in(302)}),
    "org-list": Page({"GET": logged_in(), "POST": own_org(ORG, Action.ADMINISTER)}),
    "catalog:browse": Page({"GET": logged_in()}),
    "catalog:entry": Page(
        {"GET": logged_in()}, fixed={"framework": "hipaa-security", "key": "164.308-a-1"}
    ),
    # Organization and governance.
    "dashboard": view(ORG),
    "governance": view(GOV),
    "appoint-officer": form(GOV, Action.APPROVE),
    "raci-edit": form(GOV, Action.CHANGE),
    # People (a member is named by username) and the organization's profile.
    "members": view(ORG),
    "member-add": form(ORG, Action.ADMINISTER),
    "member-edit": form(ORG, Action.ADMINISTER, obj=Kind.MEMBERSHIP),
    "member-remove": form(ORG, Action.ADMINISTER, obj=Kind.MEMBERSHIP, removes=True),
    "org-profile": view(ORG),
    "org-profile-edit": form(ORG, Action.ADMINISTER),
    # Inventory.
    **_inventory("asset", Kind.ASSET),
    **_inventory("flow", Kind.FLOW),
    **_inventory("zone", Kind.ZONE),
    **_inventory("vendor", Kind.VENDOR),
    "inventory:map": view(INV),
    "inventory:map-svg": view(INV, Action.EXPORT),
    "inventory:transfer": view(INV),
    "inventory:export": view(INV, Action.EXPORT),
    "inventory:import": form(INV, Action.CREATE),
    # The audit log.
    "audit:log": view(Area.AUDIT),
    "audit:export": view(Area.AUDIT, Action.EXPORT),
    # API tokens: the page lists one's own and creates (an empty POST re-renders the form);
    # revoking names the token in the body (an empty one: back to the list with a message).
    "tokens:list": Page({"GET": member(TOK, Action.READ), "POST": member(TOK, Action.CREATE)}),
    "tokens:revoke": Page({"POST": member(TOK, Action.DELETE)}),
    # Safeguards: one page per Security Rule entry, named by its key. An empty POST re-renders
    # the edit form, or goes back to the entry with a message (nothing pending, no risk named).
    **_safeguards(),
    # Evidence: an empty upload or edit re-renders the form with errors.
    **_evidence(),
    # Risk analysis and register: an empty POST re-renders a form with errors, or goes back to
    # the page with a message (a sync, an acceptance as proposed, a confirmation, a task done).
    **_risk(),
    # Reports: the page, and downloads (HTML unless asked for PDF). The fixture organizations
    # have a risk analysis (the risk records above), so its report renders.
    # The program calendar: every member; what it lists is filtered by role.
    "calendar:month": view(ORG),
    "calendar:ics": view(ORG),
    # IR exercises and the IR plan: an empty POST re-renders a form with errors, or goes back
    # with a message (a draft already open, an empty change summary).
    **_exercises(),
    # Incidents: an empty POST re-renders a form with errors, saves an empty optional form, or
    # goes back to the incident with a message (no status, step, obligation or notice named).
    **_incidents(),
    "reports:index": view(Area.RISK),
    "reports:risk-analysis": view(Area.RISK, Action.EXPORT),
    "reports:posture": view(Area.SAFEGUARDS, Action.EXPORT),
    "reports:register": view(Area.RISK, Action.EXPORT),
    "reports:evidence-package": view(Area.EVIDENCE, Action.EXPORT),
    "reports:oscal": Page(
        {"GET": member(Area.SAFEGUARDS, Action.EXPORT)}, fixed={"document": "ssp"}
    ),
}


# --- routes from the URLconf -------------------------------------------------------------------

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or "" for an unnamed pattern
    path: str  # the route as written, e.g. "o/<slug:org>/inventory/assets/<int:pk>/"

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(_PARAM.findall(self.path))

    @property
    def org_scoped(self) -> bool:
        return "org" in self.params


def _walk(
    patterns: Sequence[URLPattern | URLResolver], prefix: str, namespace: str
) -> Iterator[Route]:
    for pattern in patterns:
        path = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, path, inner)
        else:
            yield Route(f"{namespace}{pattern.name}" if pattern.name else "", path)


def web_routes() -> list[Route]:
    """Every web route of the URLconf, nested includes walked, API/admin/static left out."""
    return [
        route
        for route in _walk(get_resolver().url_patterns, "", "")
        if not route.path.startswith(EXCLUDED_PREFIXES)
    ]


def unlisted(routes: Sequence[Route]) -> list[str]:
    return [
        f"{route.name or '(unnamed)'} at /{route.path}"
        for route in routes
        if route.name not in TABLE
    ]


# --- cases and expectations --------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    route: Route
    method: str
    who: Principal
    place: Place

    @property
    def page(self) -> Page:
        return TABLE[self.route.name]

    @property
    def rule(self) -> Rule:
        return self.page.methods[self.method]

    @property
    def id(self) -> str:
        return f"{self.route.name}-{self.method}-{self.who}-{self.place}"


def _places(route: Route, who: Principal) -> tuple[Place, ...]:
    if not route.org_scoped:
        return (Place.UNSCOPED,)
    if isinstance(who, Stranger):
        return (Place.INSIDE,)
    if TABLE[route.name].obj is not None:
        return (Place.INSIDE, Place.OTHER_ORG, Place.OTHER_OBJECT)
    return (Place.INSIDE, Place.OTHER_ORG)


def cases(routes: Sequence[Route]) -> list[Case]:
    return [
        Case(route, method, who, place)
        for route in routes
        if route.name in TABLE
        for method in TABLE[route.name].methods
        for who in PRINCIPALS
        for place in _places(route, who)
    ]


@dataclass(frozen=True)
class Expected:
    statuses: frozenset[int]
    granted: bool = False  # the caller may do it (else nothing may change)
    to_login: bool = False  # a 302 to the login page

    def __str__(self) -> str:
        codes = "/".join(str(s) for s in sorted(self.statuses))
        return f"{codes} to login" if self.to_login else codes


LOGIN = Expected(frozenset({302}), to_login=True)
FORBIDDEN = Expected(frozenset({403}))
NOT_FOUND = Expected(frozenset({404}))


def expected(case: Case) -> Expected:
    rule, who = case.rule, case.who
    done = Expected(rule.ok or DONE[case.method], granted=True)
    if rule.gate is Gate.PUBLIC:
        return done
    if who is Stranger.ANONYMOUS:
        return LOGIN
    if rule.gate is Gate.LOGGED_IN:
        return done
    if rule.gate is Gate.OWN_ORG:
        return (
            done if rule.permits(OUTSIDER_ROLE if who is Stranger.OUTSIDER else who) else FORBIDDEN
        )
    # Gate.MEMBER: membership is checked first (404), then the role (403), then the object (404).
    if who is Stranger.OUTSIDER or case.place is Place.OTHER_ORG:
        return NOT_FOUND
    assert isinstance(who, Role)
    if not rule.permits(who):
        return FORBIDDEN
    return NOT_FOUND if case.place is Place.OTHER_OBJECT else done
