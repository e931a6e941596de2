"""Evidence items, their links to specifications, risks and assets, and deletion records.

Requirement S5: evidence with hashes, effective dates, expiry, reviewers and 6-year retention.
An item is a file (sealed on disk, see ``storage``), a link, or a generated record (a JSON
document, e.g. a check result). Its content never changes after it is added: a newer version is
a new item that supersedes it. Links are rows of their own, saved one by one, so every link
made or removed is on the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from phiward.catalog import catalog
from phiward.core.models import Membership, OrgScopedModel
from phiward.crypto.fields import EncryptedTextField
from phiward.evidence import retention
from phiward.evidence.retention import Dates, State

SECURITY_RULE = "hipaa-security"
URL_SCHEMES = ["http", "https"]  # never javascript:, data: or file: in a page's link


def canonical_spec_id(text: str) -> str | None:
    """The Security Rule entry's id for an id or key (``164.308-a-1-ii-A``), else None."""
    found = catalog.load(SECURITY_RULE).get(text.strip())
    return found.id if found is not None else None


def canonical_json(document: object) -> str:
    """The one text form of a record's document: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def state_q(state: State, today: dt.date, prefix: str = "") -> Q:
    """The queryset twin of ``retention.state`` (a test keeps the two in step); ``prefix``
    reaches the item from a related model (``"item__"`` from a link)."""

    def q(lookup: str, value: dt.date) -> Q:
        return Q(**{f"{prefix}{lookup}": value})

    superseded = q("superseded_on__lte", today)
    expired = q("expires_on__lt", today)
    ended = q("last_in_effect_on__lt", today)
    settled = superseded | expired | ended
    conditions = {
        State.SUPERSEDED: superseded,
        State.EXPIRED: expired & ~superseded,
        State.ENDED: ended & ~superseded & ~expired,
        State.PENDING: q("effective_on__gt", today) & ~settled,
        State.CURRENT: q("effective_on__lte", today) & ~settled,
    }
    return conditions[state]


def expiring_q(today: dt.date, days: int = retention.EXPIRING_DAYS, prefix: str = "") -> Q:
    """The twin of ``retention.expiring_soon``."""
    soon = today + dt.timedelta(days=days)
    return state_q(State.CURRENT, today, prefix) & Q(**{f"{prefix}expires_on__lte": soon})


class EvidenceKind(models.TextChoices):
    FILE = "file", "File"
    LINK = "link", "Link"
    RECORD = "record", "Generated record"


# Dates far enough from today that retention arithmetic (6 years on) never leaves the calendar.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
DATE_FIELDS = ("effective_on", "expires_on", "reviewed_on", "last_in_effect_on", "superseded_on")
# What an item holds; fixed once it is saved.
CONTENT_FIELDS = ("kind", "url", "original_name", "media_type", "size", "sha256")


class EvidenceItem(OrgScopedModel):
    """A piece of evidence: a file, a link or a generated record, with its dates."""

    title = models.CharField(max_length=300)
    description = EncryptedTextField(blank=True)
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    url = models.URLField(max_length=2000, blank=True, help_text="Links only")
    original_name = models.CharField(max_length=255, blank=True, help_text="Files only")
    media_type = models.CharField(max_length=127, blank=True, help_text="Files only")
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes (files only)")
    document = EncryptedTextField(blank=True, help_text="Records only: the JSON document")
    sha256 = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the file's plaintext or the record"
    )
    effective_on = models.DateField(default=timezone.localdate, help_text="In effect from")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_on = models.DateField(null=True, blank=True, help_text="No longer valid after")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_on = models.DateField(null=True, blank=True)
    last_in_effect_on = models.DateField(
        null=True, blank=True, help_text="The last day it was in effect, once it no longer is"
    )
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    superseded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-effective_on", "-pk"]
        indexes = [
            models.Index(fields=["organization", "kind"]),
            models.Index(fields=["organization", "expires_on"]),
        ]
        verbose_name = "evidence item"

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        return f"E-{self.pk:04d}" if self.pk else "E-new"

    @property
    def uploaded_at(self) -> dt.datetime | None:
        return self.created_at

    def dates(self) -> Dates:
        created = timezone.localdate(self.created_at) if self.created_at else timezone.localdate()
        return Dates(
            created_on=created,
            effective_on=self.effective_on,
            expires_on=self.expires_on,
            last_in_effect_on=self.last_in_effect_on,
            superseded_on=self.superseded_on,
        )

    def retained_until(self, today: dt.date | None = None) -> dt.date:
        return retention.retained_until(self.dates(), today or timezone.localdate())

    def within_retention(self, today: dt.date | None = None) -> bool:
        return retention.within_retention(self.dates(), today or timezone.localdate())

    def state(self, today: dt.date | None = None) -> State:
        return retention.state(self.dates(), today or timezone.localdate())

    def expiring_soon(self, today: dt.date | None = None) -> bool:
        return retention.expiring_soon(self.dates(), today or timezone.localdate())

    @property
    def has_content(self) -> bool:
        """Files and records can be downloaded; a link is followed instead."""
        return self.kind in (EvidenceKind.FILE, EvidenceKind.RECORD)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.title = str(self.title or "").strip()
        if not self.title:
            errors["title"] = "A title is required."
        self._clean_content(errors)
        self._clean_dates(errors)
        self._clean_people(errors)
        if self.superseded_by_id is not None:
            newer = self.superseded_by
            if newer is None or newer.organization_id != self.organization_id:
                errors["superseded_by"] = "Choose evidence of this organization."
            elif self.pk is not None and newer.pk == self.pk:
                errors["superseded_by"] = "An item cannot supersede itself."
            elif self.superseded_on is None:
                errors["superseded_on"] = "Say from when the newer item supersedes it."
        if errors:
            raise ValidationError(errors)

    def _clean_content(self, errors: dict[str, str]) -> None:
        if self.kind not in EvidenceKind.values:
            errors["kind"] = "Choose file, link or record."
            return
        kind = EvidenceKind(self.kind)
        if kind is EvidenceKind.LINK:
            try:
                URLValidator(schemes=URL_SCHEMES)(self.url)
            except ValidationError:
                errors["url"] = "Enter an http:// or https:// address."
        elif self.url:
            errors["url"] = "Only links have an address."
        if kind is EvidenceKind.FILE:
            if not self.original_name:
                errors["original_name"] = "A file needs its name."
            if self.size is None or len(self.sha256) != 64:
                errors["sha256"] = "A file needs its size and SHA-256."
        if kind is EvidenceKind.RECORD:
            self._clean_record(errors)
        elif self.document:
            errors["document"] = "Only records hold a document."
        if kind is EvidenceKind.LINK and self.sha256:
            errors["sha256"] = "A link has no content hash."
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*CONTENT_FIELDS).first()
            if stored is not None and any(stored[f] != getattr(self, f) for f in CONTENT_FIELDS):
                errors["kind"] = (
                    "The content of evidence cannot change; add a new item that supersedes it."
                )

    def _clean_record(self, errors: dict[str, str]) -> None:
        try:
            parsed = json.loads(self.document)
        except (TypeError, ValueError):
            errors["document"] = "A record holds a JSON document."
            return
        if canonical_json(parsed) != self.document:
            errors["document"] = "The document is not in its canonical JSON form."
        elif self.sha256 != sha256_text(self.document):
            errors["sha256"] = "The SHA-256 does not match the document."

    def _clean_dates(self, errors: dict[str, str]) -> None:
        for name in DATE_FIELDS:
            value = getattr(self, name)
            if value is not None and not EARLIEST <= value <= LATEST:
                errors[name] = f"Enter a date from {EARLIEST.year} to {LATEST.year}."
        start: dt.date | None = self.effective_on
        if start is None:
            errors["effective_on"] = "Say from when it is in effect."
            return
        if self.expires_on is not None and self.expires_on < start:
            errors["expires_on"] = "It cannot expire before it takes effect."
        if self.last_in_effect_on is not None and self.last_in_effect_on < start:
            errors["last_in_effect_on"] = "It cannot stop being in effect before it takes effect."
        if self.reviewed_on is not None and self.reviewed_on > timezone.localdate():
            errors["reviewed_on"] = "A review date cannot be in the future."
        if self.superseded_on is not None and self.superseded_by_id is None:
            errors["superseded_by"] = "Choose the evidence that supersedes it."

    def _clean_people(self, errors: dict[str, str]) -> None:
        if self.reviewer_id is not None and not _is_member(self.reviewer_id, self.organization_id):
            errors["reviewer"] = "The reviewer must be a member of this organization."
        if self.reviewed_on is not None and self.reviewer_id is None:
            errors["reviewer"] = "Say who reviewed it."


def _is_member(user_id: int, organization_id: int | None) -> bool:
    if organization_id is None:
        return False
    return Membership.objects.filter(user_id=user_id, organization_id=organization_id).exists()


class _Link(OrgScopedModel):
    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.item.organization_id != self.organization_id:
            errors["item"] = "The evidence belongs to another organization."
        target = self.target()
        if target is not None and target.organization_id != self.organization_id:
            errors[self.target_field] = "Choose one of this organization's records."
        if errors:
            raise ValidationError(errors)

    target_field = ""

    def target(self) -> OrgScopedModel | None:
        return None


class EvidenceSpecLink(_Link):
    """The evidence supports a Security Rule standard or implementation specification."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="spec_links")
    spec_id = models.CharField(max_length=40, help_text="Security Rule citation")

    class Meta:
        ordering = ["spec_id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "spec_id"], name="evidence_spec_once")
        ]
        indexes = [models.Index(fields=["organization", "spec_id"])]

    def __str__(self) -> str:
        return self.spec_id

    @property
    def key(self) -> str:
        """The citation's URL-safe form (the catalog page's address)."""
        return catalog.entry_key(self.spec_id)

    def clean(self) -> None:
        canonical = canonical_spec_id(self.spec_id or "")
        if canonical is None:
            raise ValidationError(
                {"spec_id": f"'{self.spec_id}' is not a Security Rule standard or specification."}
            )
        self.spec_id = canonical
        super().clean()


class EvidenceRiskLink(_Link):
    """The evidence documents a risk (its controls, treatment or acceptance)."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="risk_links")
    risk = models.ForeignKey("risk.Risk", on_delete=models.CASCADE, related_name="+")
    target_field = "risk"

    class Meta:
        ordering = ["risk__number"]
        constraints = [models.UniqueConstraint(fields=["item", "risk"], name="evidence_risk_once")]

    def __str__(self) -> str:
        return f"evidence {self.item_id} - risk {self.risk_id}"

    def target(self) -> OrgScopedModel | None:
        return self.risk


class EvidenceAssetLink(_Link):
    """The evidence is about an asset of the inventory."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey("inventory.Asset", on_delete=models.CASCADE, related_name="+")
    target_field = "asset"

    class Meta:
        ordering = ["asset__name"]
        constraints = [
            models.UniqueConstraint(fields=["item", "asset"], name="evidence_asset_once")
        ]

    def __str__(self) -> str:
        return f"evidence {self.item_id} - asset {self.asset_id}"

    def target(self) -> OrgScopedModel | None:
        return self.asset


class EvidenceDeletion(OrgScopedModel):
    """What is left of a deleted item: enough to show it existed, what it held and who
    deleted it why (the file itself is removed)."""

    item_uid = models.UUIDField(default=uuid.uuid4)
    item_number = models.PositiveBigIntegerField(help_text="The deleted item's id")
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    sha256 = models.CharField(max_length=64, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    spec_ids = models.JSONField(default=list, blank=True)
    item_created_at = models.DateTimeField()
    retained_until = models.DateField()
    early = models.BooleanField(help_text="Deleted before the end of its retention period")
    reason = models.TextField(blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"deleted evidence {self.item_number}"

    @property
    def deleted_at(self) -> dt.datetime:
        return self.created_at

    def clean(self) -> None:
        if self.early and not self.reason.strip():
            raise ValidationError(
                {"reason": "A reason is required to delete evidence inside its retention period."}
            )


def link_models() -> tuple[type[_Link], ...]:
    return (EvidenceSpecLink, EvidenceRiskLink, EvidenceAssetLink)
