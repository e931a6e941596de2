"""The evidence API's request and answer shapes."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from ninja import Field, Schema

from phiward.core.apiresource import MAX_PAGE
from phiward.core.apiscope import MAX_ID
from phiward.evidence.models import EvidenceKind
from phiward.evidence.retention import State

Id = int  # documented bounds are given per field (Field(ge=1, le=MAX_ID))


class EvidenceStateFilter(StrEnum):
    CURRENT = State.CURRENT.value
    EXPIRING = "expiring"  # current and expiring within 30 days
    EXPIRED = State.EXPIRED.value
    SUPERSEDED = State.SUPERSEDED.value
    PENDING = State.PENDING.value
    ENDED = State.ENDED.value


class EvidenceItemOut(Schema):
    id: int
    reference: str = Field(description="E-0001, …")
    title: str
    description: str
    kind: EvidenceKind
    url: str = Field(description="Links only")
    original_name: str = Field(description="Files only")
    media_type: str = Field(description="Files and records; downloads are always attachments")
    size: int | None = Field(description="Bytes of the file or record")
    sha256: str = Field(description="SHA-256 of the file's plaintext or of the record")
    effective_on: dt.date
    uploaded_at: dt.datetime
    uploaded_by: str | None = Field(description="Username")
    expires_on: dt.date | None
    reviewer: str | None = Field(description="Username")
    reviewed_on: dt.date | None
    last_in_effect_on: dt.date | None
    superseded_by_id: int | None
    superseded_on: dt.date | None
    state: State
    retained_until: dt.date = Field(
        description="Kept at least until this day (45 CFR 164.316(b)(2)(i)); moves forward "
        "while the evidence stays in effect"
    )
    spec_ids: list[str]
    risk_ids: list[int]
    asset_ids: list[int]


class EvidenceItemPage(Schema):
    items: list[EvidenceItemOut]
    count: int = Field(..., description="Total number of matching items")
    limit: int
    offset: int


class EvidenceItemQuery(Schema):
    kind: EvidenceKind | None = None
    state: EvidenceStateFilter | None = None
    spec: str = Field("", max_length=60, description="Security Rule citation (id or key)")
    risk: int | None = Field(None, ge=1, le=MAX_ID, description="Risk id")
    asset: int | None = Field(None, ge=1, le=MAX_ID, description="Asset id")
    q: str = Field("", max_length=200, description="Search in title, file name and address")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_ID)


class _EvidenceDescribed(Schema):
    title: str = Field(..., max_length=300)
    description: str = Field("", max_length=20_000)
    effective_on: dt.date | None = Field(None, description="Default: today")
    expires_on: dt.date | None = None
    reviewer: str | None = Field(None, max_length=150, description="A member's username")
    reviewed_on: dt.date | None = None
    spec_ids: list[str] = Field(
        default_factory=list, max_length=200, description="Security Rule citations"
    )
    risk_ids: list[Id] = Field(default_factory=list, max_length=500)
    asset_ids: list[Id] = Field(default_factory=list, max_length=500)


class EvidenceItemIn(_EvidenceDescribed):
    """A link or a generated record (files are uploaded with multipart/form-data)."""

    kind: Literal["link", "record"]
    url: str = Field("", max_length=2000, description="Links: an http or https address")
    document: dict[str, Any] | None = Field(
        None, description="Records: the JSON object (e.g. a check result)"
    )


class EvidenceFileFields(_EvidenceDescribed):
    """The form fields sent with an uploaded file."""


class EvidenceItemPatch(Schema):
    """Metadata and links to change; fields left out stay. Lists replace the links."""

    title: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=20_000)
    effective_on: dt.date | None = None
    expires_on: dt.date | None = None
    reviewer: str | None = Field(None, max_length=150)
    reviewed_on: dt.date | None = None
    last_in_effect_on: dt.date | None = None
    superseded_by_id: int | None = Field(None, ge=1, le=MAX_ID)
    superseded_on: dt.date | None = None
    spec_ids: list[str] | None = Field(None, max_length=200)
    risk_ids: list[Id] | None = Field(None, max_length=500)
    asset_ids: list[Id] | None = Field(None, max_length=500)


class EvidenceDeletionOut(Schema):
    id: int
    item_number: int
    item_uid: str
    title: str
    kind: EvidenceKind
    sha256: str
    original_name: str
    size: int | None
    spec_ids: list[str]
    item_created_at: dt.datetime
    retained_until: dt.date
    early: bool = Field(description="Deleted inside its retention period")
    reason: str
    deleted_by: str
    deleted_at: dt.datetime


class EvidenceDeletionPage(Schema):
    items: list[EvidenceDeletionOut]
    count: int
    limit: int
    offset: int


class EvidenceDeletionQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_ID)
