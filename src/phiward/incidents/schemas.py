"""The incidents API's request and answer shapes (``phiward.incidents.api``).

Ids of other records (assets, vendors, risks, evidence) are numbers; people are usernames.
Fields left out of a PATCH stay as they are. Times are ISO 8601 with a time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema

from phiward.core.apiresource import PageQuery
from phiward.core.apiscope import MAX_ID
from phiward.incidents.models import (
    Category,
    NoticeMethod,
    ObligationStatus,
    Outcome,
    Phase,
    PhiInvolved,
    Recipient,
    Severity,
    Status,
    TimelineKind,
)

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, Field(max_length=20_000)]
MAX_LINKS = 500


class PersonOut(Schema):
    username: str
    name: str


# --- incidents ----------------------------------------------------------------------------------


class IncidentIn(Schema):
    """An incident report (the intake). Workforce members may send this and nothing else."""

    title: str = Field(min_length=1, max_length=200)
    description: Text = ""
    category: Category = Category.OTHER
    severity: Severity = Severity.MEDIUM
    occurred_at: dt.datetime | None = None
    discovered_at: dt.datetime | None = None
    phi_involved: PhiInvolved = PhiInvolved.UNKNOWN
    anonymous: bool = Field(
        False, description="Store no reporter: not on the incident, not on the audit log"
    )
    reporter_contact: str = Field(
        "", max_length=500, description="How to reach the reporter, if they wish"
    )
    asset_ids: list[Id] = Field(
        default_factory=list, max_length=MAX_LINKS, description="Needs read access to inventory"
    )
    vendor_ids: list[Id] = Field(
        default_factory=list, max_length=MAX_LINKS, description="Needs read access to inventory"
    )


class IncidentReceiptOut(Schema):
    """What the reporter gets back: the reference to quote, nothing more."""

    id: int
    reference: str
    status: Status
    reported_at: dt.datetime
    anonymous: bool


class IncidentPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: Text | None = None
    category: Category | None = None
    severity: Severity | None = None
    handler: str | None = Field(None, description="Username; null: nobody")
    occurred_at: dt.datetime | None = None
    discovered_at: dt.datetime | None = None
    phi_involved: PhiInvolved | None = None
    asset_ids: list[Id] | None = Field(None, max_length=MAX_LINKS)
    vendor_ids: list[Id] | None = Field(None, max_length=MAX_LINKS)


class AssessmentSummaryOut(Schema):
    id: int
    number: int
    outcome: Outcome
    signed: bool


class IncidentOut(Schema):
    id: int
    reference: str
    number: int
    title: str
    description: str
    category: Category
    severity: Severity
    status: Status
    next_statuses: list[Status] = Field(description="Where the status may go from here")
    reported_by: PersonOut | None = Field(description="Null for anonymous and CLI reports")
    anonymous: bool
    reporter_contact: str
    handler: PersonOut | None
    occurred_at: dt.datetime | None
    discovered_at: dt.datetime | None
    reported_at: dt.datetime
    phi_involved: PhiInvolved
    closed_at: dt.datetime | None
    asset_ids: list[int]
    vendor_ids: list[int]
    assessment: AssessmentSummaryOut | None = Field(description="The current assessment")
    open_obligations: int


class IncidentPage(Schema):
    items: list[IncidentOut]
    count: int
    limit: int
    offset: int


class IncidentQuery(PageQuery):
    status: Status | None = None
    category: Category | None = None
    severity: Severity | None = None
    open: bool | None = Field(None, description="true: not closed; false: closed")
    q: str | None = Field(None, max_length=200, description="In the title")


class StatusIn(Schema):
    status: Status
    reason: str = Field("", max_length=2000, description="Required to reopen a closed incident")


class TimelineEntryIn(Schema):
    kind: TimelineKind = Field(description="action, decision, communication, note or evidence")
    text: Text = Field(min_length=1)
    at: dt.datetime | None = Field(None, description="When it happened; default now")
    evidence_id: Id | None = None


class TimelineEntryOut(Schema):
    id: int
    kind: TimelineKind
    at: dt.datetime
    author: str = Field(description="The author's name as it was ('anonymous report')")
    text: str
    evidence_id: int | None
    evidence_sha256: str


# --- playbooks, steps, review -------------------------------------------------------------------


class PlaybookStepIO(Schema):
    phase: Phase
    text: str = Field(min_length=1, max_length=2000)


class PlaybookOut(Schema):
    id: int
    category: Category
    title: str
    version: int
    steps: list[PlaybookStepIO]


class PlaybookIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    steps: list[PlaybookStepIO] = Field(min_length=1, max_length=200)


class ApplyPlaybookIn(Schema):
    category: Category | None = Field(None, description="Default: the incident's category")


class IncidentStepOut(Schema):
    id: int
    playbook_title: str
    playbook_version: int
    phase: Phase
    order: int
    text: str
    done_at: dt.datetime | None
    done_by: PersonOut | None
    note: str


class CheckStepIn(Schema):
    note: str = Field("", max_length=5000)


class FollowUpIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    owner: str | None = Field(None, description="Username")
    due_on: dt.date | None = None


class FollowUpOut(Schema):
    id: int
    title: str
    owner: PersonOut | None
    due_on: dt.date | None
    done_at: dt.datetime | None


class ReviewIn(Schema):
    root_cause: Text | None = None
    lessons_learned: Text | None = None
    risk_ids: list[Id] | None = Field(None, max_length=MAX_LINKS)


class ReviewOut(Schema):
    root_cause: str
    lessons_learned: str
    completed_at: dt.datetime | None
    completed_by: PersonOut | None
    risk_ids: list[int]
    follow_ups: list[FollowUpOut]
    flagged_risk_ids: list[int] = Field(
        default_factory=list, description="Risks flagged for re-assessment by completing it"
    )


# --- breach assessments and obligations ---------------------------------------------------------


class AssessmentIn(Schema):
    facts: dict[str, Any] = Field(description="The facts document (docs/breach.md)")


class AssessmentOut(Schema):
    id: int
    number: int
    outcome: Outcome
    notification_required: bool
    discovered_on: dt.date | None
    engine_version: str
    digest: str = Field(description="SHA-256 of the canonical JSON of facts and result")
    verified: bool = Field(description="The stored facts and result still match the digest")
    created_at: dt.datetime
    created_by: PersonOut | None
    signed_off_at: dt.datetime | None
    signed_off_by: PersonOut | None
    signed_by_author: bool
    superseded_by_id: int | None
    current: bool
    facts: dict[str, Any]
    result: dict[str, Any]


class ObligationOut(Schema):
    id: int
    assessment_id: int
    key: str
    recipient: Recipient
    title: str
    due_on: dt.date | None
    citation: str
    description: str
    basis: str
    delayed_until: dt.date | None
    state: str
    status: ObligationStatus
    done_on: dt.date | None
    method: NoticeMethod | None
    evidence_id: int | None
    evidence_sha256: str
    notes: str
    closed_by: PersonOut | None
    closed_at: dt.datetime | None


class SentIn(Schema):
    sent_on: dt.date
    method: NoticeMethod
    evidence_id: Id | None = None
    notes: str = Field("", max_length=5000)


class NotRequiredIn(Schema):
    reason: str = Field(min_length=1, max_length=5000)


class StateCountIO(Schema):
    state: str = Field(min_length=2, max_length=2, description="Postal code: MA, DC, PR, ...")
    individuals: int = Field(ge=0, le=10**9)
    next_of_kin_known: int = Field(0, ge=0, le=10**9)
    next_of_kin_unknown: int = Field(0, ge=0, le=10**9)
    insufficient_contact: int = Field(0, ge=0, le=10**9)


class AffectedIn(Schema):
    counts: list[StateCountIO] = Field(max_length=60)
    estimated: bool = False


class AffectedOut(Schema):
    source: str = Field(description="entered, upload or none")
    estimated: bool
    list_name: str
    list_rows: int | None
    list_sha256: str
    counts: list[StateCountIO]
    individuals: dict[str, Any] | None = Field(
        description="The 'individuals' part of a facts document, from these counts"
    )


# --- notices -------------------------------------------------------------------------------------


class NoticeSettingsIO(Schema):
    contact_toll_free: str = Field("", max_length=40)
    contact_email: str = Field("", max_length=254)
    contact_website: str = Field("", max_length=200)
    contact_address: str = Field("", max_length=2000)


class NoticeTextIO(Schema):
    what_happened: Text = ""
    phi_types: list[str] = Field(default_factory=list, max_length=50)
    steps_for_individuals: Text = ""
    what_we_are_doing: Text = ""


class NoticeElementOut(Schema):
    element_id: str
    label: str
    text: str


class NoticeOut(Schema):
    key: str = Field(description="individual, next_of_kin, media:MA, substitute_web")
    kind: str
    title: str
    body: str
    elements: list[NoticeElementOut]
    instructions: list[str]


class ProblemItemOut(Schema):
    field: str | None
    message: str


class PortalFieldOut(Schema):
    key: str
    section: str
    label: str
    value: str
    required: bool
    missing: bool


class NoticeDraftsOut(Schema):
    assessment_id: int
    signed: bool = Field(description="false: drafted from an unsigned assessment")
    text: NoticeTextIO
    missing: list[ProblemItemOut] = Field(description="Required elements still empty")
    notices: list[NoticeOut]
    hhs_portal: list[PortalFieldOut]


class HhsLogQuery(Schema):
    year: int | None = Field(
        None, ge=2009, le=2999, description="Default: last year (the log due this year)"
    )


class HhsLogEntryOut(Schema):
    reference: str
    discovered_on: dt.date
    individuals: int
    cells: dict[str, str] = Field(description="The CSV row, by column")


class HhsLogOut(Schema):
    year: int
    submission_due: dt.date
    entries: list[HhsLogEntryOut]
