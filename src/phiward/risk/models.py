"""Risk analysis and the risk register (S3, S4, S8, S12).

- ``Threat`` and ``Vulnerability``: each organization's editable copy of the shipped catalog
  (``risk/data/``), with the Security Rule specifications and NIST controls that address each.
- ``RiskAnalysis``: scope, method (``scoring.Method``), participants, dates. It is *living*:
  risks keep changing, and the security officer approves a version from time to time; an
  ``AnalysisVersion`` is the immutable snapshot of what was approved.
- ``QuestionAnswer``: answers to the NIST SP 800-66r2 key-activity questions.
- ``RiskProposal``: a threat x vulnerability pair the proposal rules suggest for a subject (an
  asset group, a vendor, a data flow, an answer), with the reason; accepted into a ``Risk`` or
  dismissed with a reason.
- ``Risk`` (with ``RiskAsset`` links), ``Treatment`` (with ``TreatmentTask``) and
  ``ReassessmentReason`` (why a risk must be looked at again).

Links are explicit models saved one by one, so every link is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from phiward.core.models import OrgScopedModel
from phiward.risk.scoring import Level, Method


def _same_org(instance: OrgScopedModel, errors: dict[str, str], *names: str) -> None:
    for name in names:
        other = getattr(instance, name, None)
        if other is not None and getattr(other, "organization_id", None) != (
            instance.organization_id
        ):
            errors[name] = f"The {name.replace('_', ' ')} belongs to another organization."


class ThreatSource(models.TextChoices):
    """NIST SP 800-30 Rev. 1, Appendix D, Table D-2."""

    ADVERSARIAL = "adversarial", "Adversarial"
    ACCIDENTAL = "accidental", "Accidental"
    STRUCTURAL = "structural", "Structural"
    ENVIRONMENTAL = "environmental", "Environmental"


class CatalogEntry(OrgScopedModel):
    """What threats and vulnerabilities share: a key, words, and what addresses them."""

    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    spec_ids = models.JSONField(
        default=list, blank=True, help_text="Security Rule citations that address it"
    )
    nist_controls = models.JSONField(
        default=list, blank=True, help_text="NIST SP 800-53 Rev. 5 controls that address it"
    )
    shipped = models.BooleanField(default=False, help_text="Came from phiward's catalog")
    shipped_digest = models.CharField(
        max_length=64,
        blank=True,
        help_text="Digest of the shipped entry this copy was made from (edited when it differs)",
    )
    retired = models.BooleanField(default=False, help_text="No longer proposed")

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.name = self.name.strip()
        if not self.name:
            errors["name"] = "A name is required."
        for name in ("spec_ids", "nist_controls"):
            if not _strings(getattr(self, name)):
                errors[name] = "A list of non-empty citations is expected."
        if not errors.get("spec_ids"):
            from phiward.catalog.catalog import load

            security_rule = load("hipaa-security")
            unknown = [s for s in self.spec_ids if security_rule.get(s) is None]
            if unknown:
                errors["spec_ids"] = f"Not in the Security Rule catalog: {', '.join(unknown)}."
        self.more_errors(errors)
        if errors:
            raise ValidationError(errors)

    def more_errors(self, errors: dict[str, str]) -> None:
        """What a concrete entry checks beyond the shared fields."""


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


class Impact(models.TextChoices):
    """What a threat event harms: the three security objectives of 164.306(a)(1)."""

    CONFIDENTIALITY = "confidentiality", "Confidentiality"
    INTEGRITY = "integrity", "Integrity"
    AVAILABILITY = "availability", "Availability"


class Threat(CatalogEntry):
    source = models.CharField(max_length=20, choices=ThreatSource.choices)
    source_detail = models.CharField(
        max_length=200, blank=True, help_text="The threat source more precisely (SP 800-30 D-2)"
    )
    affects = models.JSONField(
        default=list, blank=True, help_text="Confidentiality, integrity and/or availability"
    )
    events = models.JSONField(
        default=list, blank=True, help_text="NIST SP 800-30 Rev. 1 Appendix E threat events"
    )

    def more_errors(self, errors: dict[str, str]) -> None:
        if not _strings(self.affects) or not set(self.affects) <= set(Impact.values):
            errors["affects"] = f"A list of: {', '.join(Impact.values)}."
        if not _strings(self.events):
            errors["events"] = "A list of threat events (text) is expected."

    class Meta(CatalogEntry.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="threat_key_unique")
        ]


class Vulnerability(CatalogEntry):
    key_activities = models.JSONField(
        default=list,
        blank=True,
        help_text="NIST SP 800-66r2 key activities whose questions, answered no, propose it",
    )
    answer_threats = models.JSONField(
        default=list, blank=True, help_text="Threat keys it is paired with when answers propose it"
    )

    def more_errors(self, errors: dict[str, str]) -> None:
        from phiward.risk.questionnaire import key_activities

        if not _strings(self.key_activities):
            errors["key_activities"] = "A list of key activity ids is expected."
        else:
            unknown = [k for k in self.key_activities if k not in key_activities()]
            if unknown:
                errors["key_activities"] = (
                    f"Not NIST SP 800-66r2 key activities: {', '.join(unknown)}."
                )
        if not _strings(self.answer_threats):
            errors["answer_threats"] = "A list of threat keys is expected."
        elif self.key_activities and not self.answer_threats:
            errors["answer_threats"] = "Name the threats the key activities' answers pair it with."

    class Meta(CatalogEntry.Meta):
        verbose_name_plural = "vulnerabilities"
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="vulnerability_key_unique")
        ]


class RiskAnalysis(OrgScopedModel):
    title = models.CharField(max_length=200)
    method = models.CharField(
        max_length=20,
        choices=[(m.value, m.label) for m in Method],
        default=Method.THREE_LEVEL,
    )
    scope = models.TextField(
        blank=True, help_text="What the analysis covers, in words (systems, sites, processes)"
    )
    scope_all_ephi = models.BooleanField(
        "all ePHI assets and flows",
        default=True,
        help_text="Every inventory asset and flow handling ePHI; otherwise the listed assets",
    )
    participants = models.JSONField(
        default=list, blank=True, help_text="People who took part: name and role"
    )
    started_on = models.DateField(default=timezone.localdate)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_review_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, help_text="Last approved version (0: none)")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_on", "title"]
        verbose_name_plural = "risk analyses"
        constraints = [
            models.UniqueConstraint(fields=["organization", "title"], name="analysis_title_unique")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def method_enum(self) -> Method:
        return Method(self.method)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.title = self.title.strip()
        if not self.title:
            errors["title"] = "A title is required."
        if self.next_review_on and self.started_on and self.next_review_on <= self.started_on:
            errors["next_review_on"] = "The next review must come after the start."
        if not isinstance(self.participants, list) or not all(
            isinstance(p, dict)
            and isinstance(p.get("name"), str)
            and p["name"].strip()
            and isinstance(p.get("role", ""), str)
            for p in self.participants
        ):
            errors["participants"] = "Each participant needs a name (and may have a role)."
        if errors:
            raise ValidationError(errors)


class AnalysisScopeAsset(OrgScopedModel):
    """An asset in an analysis whose scope is not "all ePHI"."""

    analysis = models.ForeignKey(RiskAnalysis, on_delete=models.CASCADE, related_name="scope_links")
    asset = models.ForeignKey("inventory.Asset", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["asset__name"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "asset"], name="scope_asset_unique")
        ]

    def __str__(self) -> str:
        return f"{self.asset} in {self.analysis}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        _same_org(self, errors, "analysis", "asset")
        if errors:
            raise ValidationError(errors)


class AnalysisVersion(OrgScopedModel):
    """An approved version: the snapshot of the analysis as signed off. Never changed."""

    analysis = models.ForeignKey(RiskAnalysis, on_delete=models.RESTRICT, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the canonical snapshot")
    approved_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approver_name = models.CharField(max_length=200)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["analysis", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "number"], name="analysis_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.analysis} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("An approved analysis version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError("An approved analysis version cannot be deleted.")


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    PARTIAL = "partial", "Partially"
    NO = "no", "No"
    NOT_APPLICABLE = "n/a", "Not applicable"
    UNKNOWN = "unknown", "Don't know"


class QuestionAnswer(OrgScopedModel):
    """An answer to one NIST SP 800-66r2 key-activity question (by its CPRT id)."""

    analysis = models.ForeignKey(RiskAnalysis, on_delete=models.CASCADE, related_name="answers")
    question_id = models.CharField(max_length=60)
    answer = models.CharField(max_length=10, choices=Answer.choices)
    note = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["question_id"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "question_id"], name="answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.answer}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"
    WITHDRAWN = "withdrawn", "Withdrawn (the facts no longer call for it)"


class RiskProposal(OrgScopedModel):
    """A threat x vulnerability pair proposed for a subject, with the reason it was proposed."""

    analysis = models.ForeignKey(RiskAnalysis, on_delete=models.CASCADE, related_name="proposals")
    rule = models.CharField(max_length=80, help_text="The proposal rule that made it")
    subject_key = models.CharField(
        max_length=300, help_text="Stable key of what it is about (asset group, vendor, flow)"
    )
    subject_label = models.CharField(max_length=300)
    threat = models.ForeignKey(Threat, on_delete=models.RESTRICT, related_name="+")
    vulnerability = models.ForeignKey(Vulnerability, on_delete=models.RESTRICT, related_name="+")
    reason = models.TextField()
    facts = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(
        max_length=64, help_text="Digest of the facts that made it (a change reopens a dismissal)"
    )
    current = models.BooleanField(
        default=True, help_text="The rules still produced it at the last synchronization"
    )
    asset_ids = models.JSONField(default=list, blank=True)
    vendor = models.ForeignKey(
        "inventory.Vendor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data_flow = models.ForeignKey(
        "inventory.DataFlow", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggested_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    suggested_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismiss_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["analysis", "rule", "subject_label"]
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "rule", "subject_key"], name="proposal_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_label}: {self.threat} / {self.vulnerability}"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Risk(OrgScopedModel):
    analysis = models.ForeignKey(RiskAnalysis, on_delete=models.RESTRICT, related_name="risks")
    number = models.PositiveIntegerField(help_text="R-number, unique in the organization")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    threat = models.ForeignKey(Threat, on_delete=models.RESTRICT, related_name="risks")
    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.RESTRICT, related_name="risks"
    )
    proposal = models.OneToOneField(
        RiskProposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="risk"
    )
    vendor = models.ForeignKey(
        "inventory.Vendor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data_flow = models.ForeignKey(
        "inventory.DataFlow", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    current_controls = models.TextField(blank=True, help_text="Security measures in place today")
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    impact = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_level = models.CharField(
        max_length=20, choices=[(v.value, v.label) for v in Level], blank=True
    )
    residual_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_level = models.CharField(
        max_length=20, choices=[(v.value, v.label) for v in Level], blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    needs_reassessment = models.BooleanField(default=False)
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="risk_number_unique")
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"R-{self.number:03d}"

    @property
    def level(self) -> Level | None:
        """The level that counts now: residual when rated, else inherent."""
        chosen = self.residual_level or self.inherent_level
        return Level(chosen) if chosen else None

    def clean(self) -> None:
        from phiward.risk.scoring import check_rating

        errors: dict[str, str] = {}
        self.title = self.title.strip()
        if not self.title:
            errors["title"] = "A title is required."
        _same_org(self, errors, "analysis", "threat", "vulnerability", "vendor", "data_flow")
        method = self.analysis.method if self.analysis_id else Method.THREE_LEVEL
        pairs = (("likelihood", "impact"), ("residual_likelihood", "residual_impact"))
        for first, second in pairs:
            a, b = getattr(self, first), getattr(self, second)
            if (a is None) != (b is None):
                pair = f"{first.replace('_', ' ')} and {second.replace('_', ' ')}"
                errors[first if a is None else second] = f"Rate both {pair}, or neither."
            elif a is not None:
                for problem in check_rating(method, a, b):
                    name = problem.field or first
                    errors[first if name == "likelihood" else second] = problem.message
        if self.residual_likelihood is not None and self.likelihood is None:
            errors["residual_likelihood"] = "Rate the inherent risk before the residual risk."
        if errors:
            raise ValidationError(errors)


class RiskAsset(OrgScopedModel):
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey("inventory.Asset", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["asset__name"]
        constraints = [models.UniqueConstraint(fields=["risk", "asset"], name="risk_asset_unique")]

    def __str__(self) -> str:
        return f"{self.risk.reference} — {self.asset}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        _same_org(self, errors, "risk", "asset")
        if errors:
            raise ValidationError(errors)


class ReassessmentSource(models.TextChoices):
    INVENTORY = "inventory", "Inventory change"
    SAFEGUARD = "safeguard", "Safeguard status change"
    EVIDENCE = "evidence", "Evidence change"
    INCIDENT = "incident", "Incident"
    CHECK = "check", "Technical check result"
    QUESTIONNAIRE = "questionnaire", "Questionnaire answer"
    TREATMENT = "treatment", "Treatment"
    MANUAL = "manual", "Raised by a person"


class ReassessmentReason(OrgScopedModel):
    """Why a risk must be looked at again; resolved when someone re-rates or confirms it."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="reassessments")
    source = models.CharField(max_length=20, choices=ReassessmentSource.choices)
    reason = models.TextField()
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["risk", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.risk.reference}: {self.reason}"


class Strategy(models.TextChoices):
    MITIGATE = "mitigate", "Mitigate"
    ACCEPT = "accept", "Accept"
    TRANSFER = "transfer", "Transfer"
    AVOID = "avoid", "Avoid"


class TreatmentStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_TREATMENT = (TreatmentStatus.PLANNED, TreatmentStatus.IN_PROGRESS)


class Treatment(OrgScopedModel):
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="treatments")
    strategy = models.CharField(max_length=10, choices=Strategy.choices)
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=TreatmentStatus.choices, default=TreatmentStatus.PLANNED
    )
    completed_on = models.DateField(null=True, blank=True)
    spec_ids = models.JSONField(
        default=list, blank=True, help_text="Security Rule specifications this treatment implements"
    )
    # accept
    justification = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="When an acceptance lapses")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # transfer
    counterparty = models.CharField(
        max_length=200, blank=True, help_text="Insurer or vendor the risk is transferred to"
    )

    class Meta:
        ordering = ["risk", "due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_strategy_display()}: {self.description[:60]}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status in OPEN_TREATMENT and self.due_on is not None and self.due_on < today

    def acceptance_lapsed(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.strategy == Strategy.ACCEPT
            and self.expires_on is not None
            and self.expires_on < today
        )

    def acceptance_effective(self, today: dt.date | None = None) -> bool:
        """An acceptance counts only once approved, and until it expires."""
        return (
            self.strategy == Strategy.ACCEPT
            and self.approved_at is not None
            and self.status != TreatmentStatus.CANCELLED
            and not self.acceptance_lapsed(today)
        )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.description = self.description.strip()
        if not self.description:
            errors["description"] = "Say what the treatment is."
        if self.strategy == Strategy.MITIGATE:
            if self.owner_id is None:
                errors["owner"] = "A mitigation needs an owner."
            if self.due_on is None:
                errors["due_on"] = "A mitigation needs a due date."
        if self.strategy == Strategy.ACCEPT:
            if not self.justification.strip():
                errors["justification"] = "Accepting a risk needs a justification."
            if self.expires_on is None:
                errors["expires_on"] = "An acceptance needs an expiry date (to reconsider it)."
        if self.strategy == Strategy.TRANSFER and not self.counterparty.strip():
            errors["counterparty"] = "Name the insurer or vendor the risk is transferred to."
        if self.status == TreatmentStatus.DONE and self.completed_on is None:
            self.completed_on = timezone.localdate()
        if self.status != TreatmentStatus.DONE:
            self.completed_on = None
        _same_org(self, errors, "risk")
        if errors:
            raise ValidationError(errors)


class TreatmentTask(OrgScopedModel):
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["treatment", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.done_on is None and self.due_on is not None and self.due_on < today
