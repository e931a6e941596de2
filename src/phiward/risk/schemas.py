"""The risk API's request and answer shapes (``phiward.risk.api``).

Ids of other records (assets, vendors, flows, analyses) are numbers; people are usernames;
threats and vulnerabilities are catalog keys. Ratings are scale points of the analysis's method
(1-3 or 1-5). Fields left out of a PATCH stay as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema

from phiward.core.apiresource import PageQuery
from phiward.core.apiscope import MAX_ID
from phiward.risk.models import (
    Answer,
    ProposalStatus,
    ReassessmentSource,
    RiskStatus,
    Strategy,
    ThreatSource,
    TreatmentStatus,
)
from phiward.risk.scoring import Level, Method

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Point = Annotated[int, Field(ge=1, le=5, description="A scale point of the analysis's method")]
Text = Annotated[str, Field(max_length=10_000)]
MAX_LINKS = 5_000


class PersonOut(Schema):
    username: str
    name: str


class CatalogRefOut(Schema):
    key: str
    name: str


# --- analyses -----------------------------------------------------------------------------------


class ParticipantIO(Schema):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field("", max_length=200)


class ScalePointOut(Schema):
    value: int
    name: str
    definition: str


class MethodOut(Schema):
    key: Method
    label: str
    likelihood: list[ScalePointOut]
    impact: list[ScalePointOut]
    levels: list[Level] = Field(description="The levels the method gives, lowest first")


class AnalysisIn(Schema):
    title: str = Field(max_length=200)
    method: Method = Method.THREE_LEVEL
    scope: Text = Field("", description="What the analysis covers, in words")
    scope_all_ephi: bool = Field(
        True, description="Every ePHI asset and flow of the inventory; else asset_ids"
    )
    asset_ids: list[Id] = Field(default_factory=list, max_length=MAX_LINKS)
    participants: list[ParticipantIO] = Field(default_factory=list, max_length=200)
    started_on: dt.date | None = Field(None, description="Defaults to today")
    next_review_on: dt.date | None = None


class AnalysisPatch(Schema):
    title: str | None = Field(None, max_length=200)
    method: Method | None = Field(None, description="Only while no risk is rated")
    scope: Text | None = None
    scope_all_ephi: bool | None = None
    asset_ids: list[Id] | None = Field(None, max_length=MAX_LINKS)
    participants: list[ParticipantIO] | None = Field(None, max_length=200)
    next_review_on: dt.date | None = None


class AnalysisOut(Schema):
    id: int
    title: str
    method: Method
    method_label: str
    scope: str
    scope_all_ephi: bool
    asset_ids: list[int] = Field(description="The scope's assets when not all ePHI")
    participants: list[ParticipantIO]
    started_on: dt.date
    started_by: PersonOut | None
    next_review_on: dt.date | None
    version: int = Field(description="The last approved version (0: none)")
    approved_at: dt.datetime | None
    approved_by: PersonOut | None


class BlockerOut(Schema):
    field: str | None
    message: str


class AnalysisDetailOut(AnalysisOut):
    scales: MethodOut
    blockers: list[BlockerOut] = Field(description="Why it cannot be approved now (none: it can)")
    changed_since_approval: bool


class AnswerIn(Schema):
    answer: Answer
    note: str = Field("", max_length=2000, description="No patient information")


class AnswerOut(Schema):
    question_id: str
    answer: Answer
    note: str
    answered_by: PersonOut | None
    updated_at: dt.datetime


# --- proposals ----------------------------------------------------------------------------------


class ProposalQuery(Schema):
    status: ProposalStatus | None = None


class ProposalOut(Schema):
    id: int
    analysis_id: int
    rule: str
    subject_key: str
    subject_label: str
    threat: CatalogRefOut
    vulnerability: CatalogRefOut
    reason: str
    facts: dict[str, Any]
    asset_ids: list[int]
    vendor_id: int | None
    data_flow_id: int | None
    suggested_likelihood: int | None
    suggested_impact: int | None
    status: ProposalStatus
    current: bool = Field(description="The rules still made it at the last synchronization")
    decided_at: dt.datetime | None
    decided_by: PersonOut | None
    dismiss_reason: str
    risk_id: int | None


class SyncOut(Schema):
    created: int
    updated: int
    reopened: int
    withdrawn: int
    unchanged: int
    risks_flagged: int


class AcceptIn(Schema):
    """Edits to the proposal; everything left out is as proposed (no rating, no owner)."""

    title: str | None = Field(None, max_length=300)
    description: Text | None = None
    threat: str | None = Field(None, max_length=80, description="A threat key of the catalog")
    vulnerability: str | None = Field(None, max_length=80)
    current_controls: Text = ""
    likelihood: Point | None = None
    impact: Point | None = None
    residual_likelihood: Point | None = None
    residual_impact: Point | None = None
    owner: str | None = Field(None, max_length=150, description="A member's username")


class ReasonIn(Schema):
    reason: str = Field(max_length=5000)


class NoteIn(Schema):
    note: str = Field("", max_length=5000)


# --- versions -----------------------------------------------------------------------------------


class VersionOut(Schema):
    number: int
    digest: str = Field(description="SHA-256 of the canonical snapshot")
    verified: bool = Field(description="The stored snapshot still matches the digest")
    approved_at: dt.datetime
    approved_by: str
    note: str


class VersionDetailOut(VersionOut):
    snapshot: dict[str, Any]


class FieldChangeOut(Schema):
    field: str
    before: Any
    after: Any


class RiskSummaryOut(Schema):
    reference: str
    title: str
    level: str = Field(description="Residual when rated, else inherent, else 'unrated'")


class RiskChangeOut(Schema):
    reference: str
    title: str
    changes: list[FieldChangeOut]


class DiffOut(Schema):
    before: int | None = Field(description="The version compared from (null: nothing approved)")
    after: int | None = Field(description="The version compared to (null: the analysis now)")
    empty: bool
    analysis: list[FieldChangeOut]
    added: list[RiskSummaryOut]
    removed: list[RiskSummaryOut]
    changed: list[RiskChangeOut]
    answers: list[FieldChangeOut] = Field(description="field: the question id")
    dismissed: list[str]


class DiffQuery(Schema):
    before: int | None = Field(
        None, ge=1, le=MAX_ID, description="A version number; default: the last approved one"
    )
    after: int | None = Field(
        None, ge=1, le=MAX_ID, description="A version number; default: the analysis now"
    )


# --- risks --------------------------------------------------------------------------------------


class ReasonOut(Schema):
    source: ReassessmentSource
    reason: str
    created_at: dt.datetime


class AssetRefOut(Schema):
    id: int
    name: str


class RiskOut(Schema):
    id: int
    reference: str
    number: int
    analysis_id: int
    title: str
    description: str
    threat: CatalogRefOut
    vulnerability: CatalogRefOut
    assets: list[AssetRefOut]
    vendor_id: int | None
    data_flow_id: int | None
    current_controls: str
    likelihood: int | None
    impact: int | None
    inherent_level: Level | None
    residual_likelihood: int | None
    residual_impact: int | None
    residual_level: Level | None
    level: Level | None = Field(description="Residual when rated, else inherent")
    owner: PersonOut | None
    status: RiskStatus
    closed_at: dt.datetime | None
    close_reason: str
    needs_reassessment: bool
    reassessment_reasons: list[ReasonOut] = Field(description="The open ones")
    assessed_at: dt.datetime | None
    assessed_by: PersonOut | None
    proposal_id: int | None


class RiskPage(Schema):
    items: list[RiskOut]
    count: int = Field(description="Total number of matching risks")
    limit: int
    offset: int


class RiskQuery(PageQuery):
    status: RiskStatus | None = None
    level: Level | None = Field(None, description="The level that counts now")
    unrated: bool | None = Field(None, description="true: only risks without a rating")
    needs_reassessment: bool | None = None
    owner: str | None = Field(None, max_length=150, description="A username")
    threat: str | None = Field(None, max_length=80, description="A threat key")
    analysis_id: int | None = Field(None, ge=1, le=MAX_ID)
    q: str | None = Field(None, max_length=200, description="Words in the title or description")


class RiskIn(Schema):
    analysis_id: Id | None = Field(None, description="Default: the latest analysis")
    title: str = Field(max_length=300)
    threat: str = Field(max_length=80, description="A threat key of the catalog")
    vulnerability: str = Field(max_length=80, description="A vulnerability key of the catalog")
    description: Text = ""
    asset_ids: list[Id] = Field(default_factory=list, max_length=MAX_LINKS)
    vendor_id: Id | None = None
    data_flow_id: Id | None = None
    current_controls: Text = ""
    likelihood: Point | None = None
    impact: Point | None = None
    residual_likelihood: Point | None = None
    residual_impact: Point | None = None
    owner: str | None = Field(None, max_length=150, description="A member's username")


class RiskPatch(Schema):
    title: str | None = Field(None, max_length=300)
    description: Text | None = None
    current_controls: Text | None = None
    owner: str | None = Field(None, max_length=150, description="A username; null: no owner")
    asset_ids: list[Id] | None = Field(None, max_length=MAX_LINKS)


class RatingIn(Schema):
    likelihood: Point
    impact: Point
    residual_likelihood: Point | None = None
    residual_impact: Point | None = None
    current_controls: Text | None = Field(None, description="Left out: unchanged")
    owner: str | None = Field(None, max_length=150, description="Left out: unchanged")


# --- treatments and tasks -----------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    treatment_id: int
    title: str
    owner: PersonOut | None
    due_on: dt.date | None
    done_on: dt.date | None
    overdue: bool


class TreatmentOut(Schema):
    id: int
    risk_id: int
    strategy: Strategy
    description: str
    owner: PersonOut | None
    due_on: dt.date | None
    status: TreatmentStatus
    completed_on: dt.date | None
    spec_ids: list[str]
    justification: str
    expires_on: dt.date | None
    approved_by: PersonOut | None
    approved_at: dt.datetime | None
    counterparty: str
    overdue: bool
    acceptance_effective: bool = Field(description="An approved, unexpired acceptance")
    tasks: list[TaskOut]


class TreatmentIn(Schema):
    """What each strategy needs: mitigate an owner and a due date; accept a justification and
    an expiry; transfer the counterparty."""

    strategy: Strategy
    description: Text
    owner: str | None = Field(None, max_length=150, description="A member's username")
    due_on: dt.date | None = None
    status: TreatmentStatus = TreatmentStatus.PLANNED
    spec_ids: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=100, description="Security Rule citations"
    )
    justification: Text = ""
    expires_on: dt.date | None = None
    counterparty: str = Field("", max_length=200)


class TreatmentPatch(Schema):
    strategy: Strategy | None = None
    description: Text | None = None
    owner: str | None = Field(None, max_length=150)
    due_on: dt.date | None = None
    status: TreatmentStatus | None = None
    spec_ids: list[Annotated[str, Field(max_length=40)]] | None = Field(None, max_length=100)
    justification: Text | None = None
    expires_on: dt.date | None = None
    counterparty: str | None = Field(None, max_length=200)


class TaskIn(Schema):
    title: str = Field(max_length=300)
    owner: str | None = Field(None, max_length=150, description="A member's username")
    due_on: dt.date | None = None


class TaskPatch(Schema):
    title: str | None = Field(None, max_length=300)
    owner: str | None = Field(None, max_length=150)
    due_on: dt.date | None = None
    done_on: dt.date | None = Field(None, description="null: not done")


# --- pictures' data and the plan ----------------------------------------------------------------


class CellOut(Schema):
    likelihood: int
    impact: int
    level: Level
    count: int


class HeatMapOut(Schema):
    cells: list[CellOut]
    unrated: int


class HeatMapsOut(Schema):
    analysis_id: int
    method: Method
    likelihood_names: list[str] = Field(description="Index 0 is scale point 1")
    impact_names: list[str]
    inherent: HeatMapOut
    residual: HeatMapOut


class PlanItemOut(Schema):
    risk_id: int
    reference: str
    title: str
    level: Level | None
    residual: bool = Field(description="Whether level is the residual level")
    record_count: int | None
    criticality: str | None
    owner: str
    open_treatments: int
    overdue_treatments: int


class ThreatOut(Schema):
    key: str
    name: str
    description: str
    source: ThreatSource
    affects: list[str]
    spec_ids: list[str]
    nist_controls: list[str]
    shipped: bool
    retired: bool


class VulnerabilityOut(Schema):
    key: str
    name: str
    description: str
    spec_ids: list[str]
    nist_controls: list[str]
    key_activities: list[str]
    shipped: bool
    retired: bool
