"""The API authorization matrix: every operation, as every kind of caller.

The operations come from the OpenAPI document; each needs an entry in ``OPERATIONS`` saying
what it needs from the permission table and how to call it, so a new endpoint that is missing
here fails ``test_every_operation_is_in_the_table``. Each operation then runs as:

- a member of every role, by browser session, in their own organization;
- an outsider (the owner of another organization) and an anonymous caller;
- an API token of every role (made by an owner of the organization), in its organization;
- a token of another organization, used against this one (404), though its creator owns both.

Operations on one's own account (``/api/account/...``) act on whoever the caller is: a member,
the outsider, or a token's creator. Making API tokens is for people only: every token is refused.

The expected status comes from the operation's (area, action) and ``allowed()``; the success
status from the operation's own 2xx answer in the document. A refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client

from phiward.accounts.policies import FIELDS as POLICY_FIELDS
from phiward.accounts.sessions import handle_of
from phiward.api import api
from phiward.core.members import PROFILE_FIELDS
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Action, Area, Role, allowed
from phiward.tokens.lifecycle import create_token, may_hold_tokens
from phiward.tokens.models import ApiToken
from tests.api.sample import Inventory, build_inventory, new_body, send
from tests.conftest import enrolled_member
from tests.exercises.sample import ExerciseSample, build_exercises
from tests.incidents.sample import build_incidents, incident_operations
from tests.snapshot import records_fingerprint

pytestmark = pytest.mark.django_db


class Gate(StrEnum):
    ANY_USER = "any-user"  # any authenticated caller (the catalog, one's own organizations)
    ORG_CREATORS = "org-creators"  # administrators and owners, by session (not by token)
    SCOPED = "scoped"  # a member (or token) of the path's organization whose role allows it
    PEOPLE = "people"  # like SCOPED, but by session only: every API token gets 403


class World:
    """What one case runs against: the organization and another one; the people and objects
    an operation or caller needs are made on first use (creating everything for every case
    would be most of this matrix's time)."""

    def __init__(self, make_member: Callable[..., User]) -> None:
        self._make_member = make_member
        self.org = Organization.objects.create(slug="clinic-a", name="Clinic A")
        self.other = Organization.objects.create(slug="clinic-b", name="Clinic B")

    @cached_property
    def inventory(self) -> Inventory:
        return build_inventory(self.org)

    @cached_property
    def colleague(self) -> str:
        """A workforce member of ``org``, whom member operations name."""
        return self._make_member(self.org, Role.WORKFORCE, username="colleague").username

    @cached_property
    def boss(self) -> User:
        """An owner of ``org``, who makes the tokens."""
        return self._make_member(self.org, Role.OWNER, username="boss")

    @cached_property
    def outsider(self) -> User:
        """The owner of ``other``."""
        return self._make_member(self.other, Role.OWNER, username="outsider")


Body = Callable[[World], dict[str, Any]]
# Path parameters that depend on who is acting (None: an anonymous caller).
Values = Callable[[World, User | None], dict[str, object]]


@dataclass(frozen=True)
class Op:
    gate: Gate
    area: Area | None = None
    action: Action | None = None
    body: Body | None = None
    resource: str | None = None  # the inventory resource whose object {item_id} names
    fixed: Mapping[str, str] = field(default_factory=dict)  # other path parameters
    values: Values | None = None  # path parameters made for the acting user
    multipart: bool = False  # the body is sent as multipart/form-data (file uploads)


def scoped(area: Area, action: Action, body: Body | None = None, **kwargs: Any) -> Op:
    return Op(Gate.SCOPED, area, action, body, **kwargs)


def _inventory(resource: str, singular: str) -> dict[str, Op]:
    inv = Area.INVENTORY
    return {
        f"list_{resource}": scoped(inv, Action.READ),
        f"create_{singular}": scoped(inv, Action.CREATE, lambda w: new_body(resource, w.inventory)),
        f"get_{singular}": scoped(inv, Action.READ, resource=resource),
        f"update_{singular}": scoped(
            inv, Action.CHANGE, lambda w: {"name": "Renamed"}, resource=resource
        ),
        f"delete_{singular}": scoped(inv, Action.DELETE, resource=resource),
    }


def _another_session(world: World, actor: User | None) -> dict[str, object]:
    """{session_id}: a second tracked session of the acting user (not the one calling)."""
    if actor is None:
        return {"session_id": "0" * 32}
    browser = Client()
    browser.force_login(actor)
    key = browser.session.session_key
    UserSession.objects.create(user=actor, session_key=key, ip="10.0.0.7", user_agent="matrix")
    return {"session_id": handle_of(key)}


def _revocable_token(world: World, actor: User | None) -> dict[str, object]:
    """{token_id}: a token of the acting user where they may hold one, else the boss's."""
    creator = world.boss
    if actor is not None:
        membership = Membership.objects.filter(organization=world.org, user=actor).first()
        if membership is not None and may_hold_tokens(membership.role):
            creator = actor
    token, _ = create_token(world.org, creator=creator, name="to revoke")
    return {"token_id": token.pk}


ORG, GOV, TOKENS = Area.ORGANIZATION, Area.GOVERNANCE, Area.TOKENS


def _pending_not_applicable(world: World) -> dict[str, Any]:
    """A required entry's "not applicable" awaiting approval (asked for from the CLI, so any
    member who may approve may approve it)."""
    from phiward.safeguards.services import update

    reason = {"status": "not_applicable", "na_reason": "Not a clearinghouse."}
    update(world.org, SAFEGUARD["spec"], reason, by=None)
    return {}


SAFEGUARD = {"spec": "164.308-a-4-ii-A"}


def _safeguards() -> dict[str, Op]:
    area = Area.SAFEGUARDS
    return {
        "list_safeguards": scoped(area, Action.READ),
        "get_safeguard_posture": scoped(area, Action.READ),
        "get_safeguard": scoped(area, Action.READ, fixed=SAFEGUARD),
        "update_safeguard": scoped(
            area, Action.CHANGE, lambda w: {"status": "planned"}, fixed=SAFEGUARD
        ),
        "approve_safeguard_not_applicable": scoped(
            area, Action.APPROVE, _pending_not_applicable, fixed=SAFEGUARD
        ),
        "reject_safeguard_not_applicable": scoped(
            area,
            Action.APPROVE,
            lambda w: {**_pending_not_applicable(w), "note": "We do process claims."},
            fixed=SAFEGUARD,
        ),
    }


def _evidence_item(world: World, actor: User | None) -> dict[str, object]:
    """{item_id}: a generated record of ``org`` past its retention period (so a member who may
    delete may delete it), whose content can be downloaded."""
    import datetime as dt

    from phiward.evidence import library
    from phiward.evidence.models import EvidenceItem

    meta = library.Metadata(
        "Matrix record", effective_on=dt.date(2010, 1, 1), expires_on=dt.date(2011, 1, 1)
    )
    item = library.add_record(
        world.org, {"check": "matrix"}, meta=meta, links=library.Links(), user=None
    )
    long_ago = dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
    EvidenceItem.objects.filter(pk=item.pk).update(created_at=long_ago)
    return {"item_id": item.pk}


def _analysis(world: World, actor: User | None) -> dict[str, object]:
    """{analysis_id}: a risk analysis of ``org`` (made once per world)."""
    from phiward.risk.analysis import start_analysis
    from phiward.risk.models import RiskAnalysis

    found = RiskAnalysis.objects.for_org(world.org).first()
    if found is None:
        found = start_analysis(world.org, None, title="Matrix analysis")
    return {"analysis_id": found.pk}


def _reports() -> dict[str, Op]:
    return {
        "download_risk_analysis_report": scoped(Area.RISK, Action.EXPORT, values=_analysis),
        "download_posture_report": scoped(Area.SAFEGUARDS, Action.EXPORT),
        "download_risk_register": scoped(Area.RISK, Action.EXPORT),
        "download_evidence_package": scoped(Area.EVIDENCE, Action.EXPORT),
        "download_oscal_document": scoped(
            Area.SAFEGUARDS, Action.EXPORT, fixed={"document": "ssp"}
        ),
    }


def _evidence() -> dict[str, Op]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    area = Area.EVIDENCE
    link = {"kind": "link", "title": "Access policy", "url": "https://intranet.example/policy"}
    return {
        "list_evidence": scoped(area, Action.READ),
        "create_evidence": scoped(area, Action.CREATE, lambda w: link),
        "upload_evidence_file": scoped(
            area,
            Action.CREATE,
            lambda w: {"file": SimpleUploadedFile("scan.pdf", b"%PDF scan"), "title": "Scan"},
            multipart=True,
        ),
        "get_evidence": scoped(area, Action.READ, values=_evidence_item),
        "download_evidence": scoped(area, Action.EXPORT, values=_evidence_item),
        "update_evidence": scoped(
            area, Action.CHANGE, lambda w: {"title": "Renamed"}, values=_evidence_item
        ),
        "delete_evidence": scoped(area, Action.DELETE, values=_evidence_item),
        "list_evidence_deletions": scoped(area, Action.READ),
    }


RISK_QUESTION = "SQ_164.308(a)(1).1.01"


def _register(world: World) -> Any:
    """The sample risk records of ``org`` (tests/risk/register_sample.py), made once per world:
    an analysis with version 1, an undecided proposal, a rated risk, an acceptance awaiting
    approval and its task."""
    from tests.risk.register_sample import build_register

    found = getattr(world, "risk_register", None)
    if found is None:
        found = build_register(world.org)
        world.risk_register = found  # type: ignore[attr-defined]
    return found


def _risk_ids(world: World, actor: User | None) -> dict[str, object]:
    sample = _register(world)
    return {
        "analysis_id": sample.analysis.pk,
        "proposal_id": sample.proposal.pk,
        "risk_id": sample.risk.pk,
        "treatment_id": sample.treatment.pk,
        "task_id": sample.task.pk,
        "number": sample.version.number,
        "question_id": RISK_QUESTION,
    }


def _ready_analysis(world: World, actor: User | None) -> dict[str, object]:
    """{analysis_id}: an analysis with nothing undecided or unrated, so an approver may sign it."""
    from phiward.risk.models import RiskAnalysis

    ready = RiskAnalysis.objects.create(organization=world.org, title="Ready to sign")
    return {"analysis_id": ready.pk}


def _closed_risk(world: World, actor: User | None) -> dict[str, object]:
    from phiward.risk.models import Risk

    sample = _register(world)
    Risk.objects.filter(pk=sample.risk.pk).update(status="closed", close_reason="Retired.")
    return {"risk_id": sample.risk.pk}


def _risk() -> dict[str, Op]:
    area, read, change = Area.RISK, Action.READ, Action.CHANGE

    def on(action: Action, body: Body | None = None, values: Values = _risk_ids) -> Op:
        return scoped(area, action, body, values=values)

    new_risk = {"title": "Phishing", "threat": "ransomware", "vulnerability": "no-mfa"}
    transfer = {"strategy": "transfer", "description": "Insurance", "counterparty": "Acme Mutual"}
    return {
        "list_risk_analyses": on(read),
        "create_risk_analysis": on(Action.CREATE, lambda w: {"title": "Matrix analysis"}),
        "get_risk_analysis": on(read),
        "update_risk_analysis": on(change, lambda w: {"title": "Renamed"}),
        "list_risk_answers": on(read),
        "put_risk_answer": on(change, lambda w: {"answer": "no"}),
        "list_risk_proposals": on(read),
        "sync_risk_proposals": on(change),
        "accept_risk_proposal": on(change, lambda w: {}),
        "dismiss_risk_proposal": on(change, lambda w: {"reason": "Not ours."}),
        "approve_risk_analysis": on(Action.APPROVE, lambda w: {"note": "OK"}, _ready_analysis),
        "list_risk_analysis_versions": on(read),
        "get_risk_analysis_version": on(read),
        "diff_risk_analysis": on(read),
        "get_risk_heat_maps": on(read),
        "list_risks": on(read),
        "create_risk": on(Action.CREATE, lambda w: new_risk),
        "get_risk": on(read),
        "update_risk": on(change, lambda w: {"title": "Renamed"}),
        "rate_risk": on(change, lambda w: {"likelihood": 3, "impact": 3}),
        "confirm_risk_rating": on(change, lambda w: {"note": "Still right."}),
        "close_risk": on(change, lambda w: {"reason": "The EHR was retired."}),
        "reopen_risk": on(change, lambda w: {"reason": "Back in use."}, _closed_risk),
        "list_risk_treatments": on(read),
        "create_risk_treatment": on(Action.CREATE, lambda w: transfer),
        "update_risk_treatment": on(change, lambda w: {"description": "Accept until 2027"}),
        "approve_risk_acceptance": on(Action.APPROVE),
        "create_risk_task": on(Action.CREATE, lambda w: {"title": "Call the insurer"}),
        "update_risk_task": on(change, lambda w: {"done_on": "2026-05-01"}),
        "get_remediation_plan": on(read),
        "list_risk_threats": on(read),
        "list_risk_vulnerabilities": on(read),
    }


def _incident_ids(world: World, actor: User | None) -> dict[str, object]:
    """The incident sample (tests/incidents/sample.py), made once per world."""
    found = getattr(world, "incident_sample", None)
    if found is None:
        found = build_incidents(world.org, world.boss)
        world.incident_sample = found  # type: ignore[attr-defined]
    return found.ids()


def _exercise_sample(world: World) -> ExerciseSample:
    found = getattr(world, "exercise_sample", None)
    if found is None:
        found = build_exercises(world.org)
        world.exercise_sample = found  # type: ignore[attr-defined]
    return found


def _exercise_ids(world: World, actor: User | None) -> dict[str, object]:
    sample = _exercise_sample(world)
    return {
        "exercise_id": sample.exercise.pk,
        "action_id": sample.action.pk,
        "version_id": sample.draft.pk,
    }


def _no_open_draft(world: World, actor: User | None) -> dict[str, object]:
    """No draft of the IR plan is open (the sample's is removed), so one may be started."""
    from phiward.exercises.models import IRPlanVersion

    IRPlanVersion.objects.filter(pk=_exercise_sample(world).draft.pk).delete()
    return {}


def _exercises() -> dict[str, Op]:
    area, read, change = Area.INCIDENTS, Action.READ, Action.CHANGE

    def on(action: Action, body: Body | None = None, values: Values | None = _exercise_ids) -> Op:
        return scoped(area, action, body, values=values)

    return {
        "list_calendar_deadlines": scoped(ORG, read),
        "download_calendar_ics": scoped(ORG, read),
        "list_exercises": on(read, values=None),
        "list_exercises_due": on(read, values=None),
        "list_major_changes": on(read, values=None),
        "list_ir_plan_versions": on(read, values=None),
        "get_exercise": on(read),
        "get_ir_plan_version": on(read),
        "create_exercise": on(Action.CREATE, lambda w: {"title": "Tabletop"}, values=None),
        "create_major_change": on(Action.CREATE, lambda w: {"description": "New EHR"}, None),
        "open_ir_plan_revision": on(Action.CREATE),
        # Where no draft is open: the sample (which has one) is not made for it.
        "create_ir_plan_draft": on(Action.CREATE, values=_no_open_draft),
        "update_exercise": on(change, lambda w: {"title": "Renamed"}),
        "create_exercise_action": on(change, lambda w: {"title": "Fix"}),
        "update_exercise_action": on(change, lambda w: {"done_on": "2026-01-02"}),
        "update_ir_plan_draft": on(change, lambda w: {"body": "x"}),
        "approve_ir_plan_version": on(Action.APPROVE, lambda w: {}),
        "get_exercise_intervals": on(read, values=None),
        "update_exercise_intervals": on(change, lambda w: {"tabletop_months": 2}, values=None),
    }


CATALOG_ENTRY = {"framework": "hipaa-security", "key": "164.308-a-1"}

OPERATIONS: dict[str, Op] = {
    "list_organizations": Op(Gate.ANY_USER),
    "create_organization": Op(
        Gate.ORG_CREATORS, body=lambda w: {"slug": "new-clinic", "name": "New Clinic"}
    ),
    "get_organization": scoped(ORG, Action.READ),
    "update_organization": scoped(ORG, Action.ADMINISTER, lambda w: {"name": "Renamed"}),
    "list_members": scoped(ORG, Action.READ),
    "add_member": scoped(
        ORG,
        Action.ADMINISTER,
        lambda w: {"username": "newcomer", "role": "workforce", "create": True},
    ),
    "change_member_role": scoped(ORG, Action.ADMINISTER, lambda w: {"role": "auditor"}),
    "remove_member": scoped(ORG, Action.ADMINISTER),
    "designate_officer": scoped(
        GOV, Action.APPROVE, lambda w: {"officer": "privacy", "username": w.colleague}
    ),
    "list_responsibilities": scoped(GOV, Action.READ),
    "replace_responsibilities": scoped(GOV, Action.CHANGE, lambda w: {"assignments": []}),
    **_inventory("zones", "zone"),
    **_inventory("vendors", "vendor"),
    **_inventory("assets", "asset"),
    **_inventory("flows", "flow"),
    "list_audit_entries": scoped(Area.AUDIT, Action.READ),
    "list_my_sessions": Op(Gate.ANY_USER),
    "end_my_session": Op(Gate.ANY_USER, values=_another_session),
    "end_my_other_sessions": Op(Gate.ANY_USER),
    "end_member_sessions": scoped(ORG, Action.ADMINISTER),
    "get_account_policy": scoped(ORG, Action.READ),
    "update_account_policy": scoped(ORG, Action.ADMINISTER, lambda w: {"session_idle_minutes": 10}),
    "list_tokens": scoped(TOKENS, Action.READ),
    "create_token": Op(Gate.PEOPLE, TOKENS, Action.CREATE, lambda w: {"name": "matrix"}),
    "revoke_token": scoped(TOKENS, Action.DELETE, values=_revocable_token),
    **_safeguards(),
    **_evidence(),
    **_reports(),
    **_risk(),
    **_exercises(),
    **incident_operations(scoped, _incident_ids),
    "phiward_catalog_api_list_frameworks": Op(Gate.ANY_USER),
    "phiward_catalog_api_list_entries": Op(Gate.ANY_USER, fixed=CATALOG_ENTRY),
    "phiward_catalog_api_get_entry": Op(Gate.ANY_USER, fixed=CATALOG_ENTRY),
}


# --- operations from the OpenAPI document -----------------------------------------------------


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str  # with {placeholders}
    success: int  # its 2xx answer


def _document_operations() -> list[Operation]:
    document = api.get_openapi_schema()
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = sorted(int(code) for code in operation["responses"])
            success = next(code for code in codes if 200 <= code < 300)
            found.append(Operation(operation["operationId"], method.upper(), path, success))
    return found


DOCUMENTED = _document_operations()


# --- callers ----------------------------------------------------------------------------------


class Via(StrEnum):
    MEMBER = "member"  # a browser session of a member of the organization
    OUTSIDER = "outsider"  # a session of the owner of another organization
    ANONYMOUS = "anonymous"
    TOKEN = "token"  # an API token of the organization (made by an owner)
    FOREIGN_TOKEN = "foreign-token"  # an owner's token of another organization


@dataclass(frozen=True)
class Caller:
    via: Via
    role: Role | None = None

    @property
    def id(self) -> str:
        return f"{self.via}-{self.role}" if self.role else str(self.via)


CALLERS = (
    *(Caller(Via.MEMBER, role) for role in Role),
    Caller(Via.OUTSIDER),
    Caller(Via.ANONYMOUS),
    *(Caller(Via.TOKEN, role) for role in Role),
    Caller(Via.FOREIGN_TOKEN),
)


def expected(op: Op, caller: Caller, success: int) -> int:
    if caller.via is Via.ANONYMOUS:
        return 401
    if op.gate is Gate.ANY_USER:
        return success
    if op.gate is Gate.ORG_CREATORS:
        owner = caller.via is Via.OUTSIDER or (
            caller.via is Via.MEMBER and caller.role is Role.OWNER
        )
        return success if owner else 403  # a token acts only inside its organization
    if op.gate is Gate.PEOPLE and caller.via in (Via.TOKEN, Via.FOREIGN_TOKEN):
        return 403  # a token does not make tokens, in any organization
    if caller.via in (Via.OUTSIDER, Via.FOREIGN_TOKEN):
        return 404  # the organization's existence is not revealed
    assert caller.role is not None and op.area is not None and op.action is not None
    return success if allowed(caller.role, op.action, op.area) else 403


# --- running one case -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The organizations, people and every sample record, built once for the module inside a
    transaction rolled back at its end; each case runs in a savepoint of it (pytest-django's
    ``db``), so whatever a case writes is gone before the next one, as with Django's
    ``TestCase.setUpTestData``. Building them per case was most of this matrix's time."""
    with django_db_blocker.unblock(), transaction.atomic():
        made = World(enrolled_member)
        for ready in (made.inventory, made.colleague, made.boss, made.outsider):
            assert ready is not None
        _register(made)
        _incident_ids(made, None)
        _exercise_sample(made)
        yield made
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def shared_client() -> Client:
    """One client for the module: a new one builds a new handler, and WhiteNoise's middleware
    walks every static file when it starts, which would be most of this matrix's time."""
    return Client()


def _login(
    client: Client, caller: Caller, world: World, make_member: Callable[..., User]
) -> User | None:
    """Make ``client`` the caller; returns the user it acts as."""
    client.cookies.clear()
    client.defaults.pop("HTTP_AUTHORIZATION", None)
    org = world.org
    if caller.via is Via.MEMBER:
        assert caller.role is not None
        member = make_member(org, caller.role, username="caller")
        client.force_login(member)
        return member
    if caller.via is Via.OUTSIDER:
        client.force_login(world.outsider)
        return world.outsider
    if caller.via in (Via.TOKEN, Via.FOREIGN_TOKEN):
        home = org
        if caller.via is Via.FOREIGN_TOKEN:
            # The boss owns both organizations: only the token's own confinement gives 404.
            Membership.objects.create(user=world.boss, organization=world.other, role=Role.OWNER)
            home = world.other
        _, secret = create_token(home, creator=world.boss, name="matrix", role=caller.role)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        return world.boss
    return None


def _path(operation: Operation, op: Op, world: World, actor: User | None) -> str:
    values: dict[str, object] = {"org": world.org.slug, **op.fixed}
    if op.values is not None:
        values.update(op.values(world, actor))
    if "{username}" in operation.path:
        values["username"] = world.colleague
    if op.resource is not None:
        values["item_id"] = world.inventory.ids()[op.resource]
    try:
        return operation.path.format(**values)
    except KeyError as missing:
        pytest.fail(f"{operation.id}: no value for {missing}; give one in OPERATIONS")


def _snapshot() -> tuple[object, ...]:
    """Everything an operation could write: organizations and their account policies, people,
    sessions, API tokens, and every organization's records (each concrete OrgScopedModel)."""
    return (
        *Organization.objects.order_by("pk").values_list("slug", *PROFILE_FIELDS, *POLICY_FIELDS),
        Session.objects.count(),
        UserSession.objects.count(),
        *ApiToken.objects.order_by("pk").values_list("pk", "revoked_at"),
        *Membership.objects.order_by("pk").values_list("organization", "user", "role"),
        *records_fingerprint(),
    )


def test_every_operation_is_in_the_table() -> None:
    documented = {operation.id for operation in DOCUMENTED}
    missing = sorted(documented - set(OPERATIONS))
    assert not missing, (
        "API operations with no access expectations; add them to OPERATIONS in "
        f"tests/api/test_roles.py: {', '.join(missing)}"
    )
    stale = sorted(set(OPERATIONS) - documented)
    assert not stale, f"OPERATIONS names operations the API does not have: {', '.join(stale)}"


CASES = [
    pytest.param(operation, caller, id=f"{operation.id}-{caller.id}")
    for operation in DOCUMENTED
    if operation.id in OPERATIONS
    for caller in CALLERS
]


@pytest.mark.parametrize(("operation", "caller"), CASES)
def test_access(
    operation: Operation,
    caller: Caller,
    make_member: Callable[..., User],
    shared_client: Client,
    world: World,
) -> None:
    op = OPERATIONS[operation.id]
    client = shared_client
    actor = _login(client, caller, world, make_member)
    path = _path(operation, op, world, actor)
    body = op.body(world) if op.body is not None else None
    want = expected(op, caller, operation.success)
    before = _snapshot() if want >= 400 else None

    if op.multipart:
        response = client.post(path, body or {})  # the test client's default: multipart
    else:
        response = send(client, operation.method, path, body)

    assert response.status_code == want, (
        f"{operation.method} {path} as {caller.id}: expected {want}, got "
        f"{response.status_code}: {response.content[:300]!r}"
    )
    if want >= 400:
        assert response.json()["status"] == want
        assert _snapshot() == before, "a refused request changed data"
