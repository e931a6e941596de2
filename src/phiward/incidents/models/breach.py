"""Breach assessments (the engine's determination, signed off by a person), the obligations a
signed determination creates, the affected individuals per State, and what notices say."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import models

from phiward.audit.canonical import JsonValue, leaf_data
from phiward.core.models import OrgScopedModel
from phiward.crypto.fields import EncryptedTextField
from phiward.incidents.models.incident import Incident


class Frozen(Exception):
    """A signed assessment or a closed obligation was about to be changed."""


def _changed(instance: models.Model, names: Sequence[str]) -> list[str]:
    """Which of ``names`` differ from the stored row (one query)."""
    stored = type(instance)._base_manager.filter(pk=instance.pk).values(*names).first()
    if stored is None:
        return []
    return [name for name in names if stored[name] != getattr(instance, name)]


class Outcome(models.TextChoices):
    """The engine's outcomes (``phiward.breach.determination.Outcome``)."""

    BREACH = "breach", "Breach: notification required"
    LOW_PROBABILITY = "low_probability", "Not a breach: low probability of compromise"
    EXCEPTION = "exception", "Not a breach: an exception applies"
    SECURED = "secured", "Not a breach: the PHI was secured (safe harbor)"
    PERMITTED = "permitted", "Not a breach: permitted by the Privacy Rule"
    NO_PHI = "no_phi", "Not a breach: no PHI involved"


def assessment_digest(facts: Mapping[str, JsonValue], result: Mapping[str, JsonValue]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of facts and result."""
    return hashlib.sha256(leaf_data({"facts": dict(facts), "result": dict(result)})).hexdigest()


# What signing fixes for good.
SIGNED_FIELDS = (
    "facts",
    "result",
    "engine_version",
    "outcome",
    "notification_required",
    "digest",
    "signed_off_by_id",
    "signed_off_at",
)


class BreachAssessment(OrgScopedModel):
    """One run of the breach engine on an incident's facts; signing it off freezes it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assessments")
    number = models.PositiveIntegerField(help_text="1, 2, ... within the incident")
    facts = models.JSONField(help_text="The parsed facts (BreachFacts.to_dict())")
    result = models.JSONField(help_text="The engine's output (Assessment.to_dict())")
    engine_version = models.CharField(max_length=40)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    notification_required = models.BooleanField(default=False)
    discovered_on = models.DateField(null=True, blank=True)
    digest = models.CharField(max_length=64, help_text="SHA-256 of facts and result")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_by_author = models.BooleanField(
        default=False, help_text="The person who ran the assessment also signed it off"
    )
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "number"], name="assessment_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.incident.reference} assessment {self.number}"

    @property
    def is_signed(self) -> bool:
        return self.signed_off_at is not None

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None

    def computed_digest(self) -> str:
        return assessment_digest(self.facts, self.result)

    def verify(self) -> bool:
        """Whether the stored facts and result still match the digest recorded with them."""
        return self.computed_digest() == self.digest

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.pk is not None:
            stored = (
                BreachAssessment._base_manager.filter(pk=self.pk)
                .values_list("signed_off_at", flat=True)
                .first()
            )
            if stored is not None and _changed(self, SIGNED_FIELDS):
                raise Frozen("a signed assessment is never changed; run a new assessment")
        super().save(*args, **kwargs)


class Recipient(models.TextChoices):
    """``phiward.breach.obligations.Recipient``."""

    INDIVIDUALS = "individuals", "Affected individuals"
    NEXT_OF_KIN = "next_of_kin", "Next of kin"
    SUBSTITUTE = "substitute_notice", "Substitute notice"
    MEDIA = "media", "Media"
    HHS = "hhs", "HHS"
    COVERED_ENTITY = "covered_entity", "Covered entity"


class ObligationStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    NOT_REQUIRED = "not_required", "Not required"


class NoticeMethod(models.TextChoices):
    FIRST_CLASS_MAIL = "first_class_mail", "First-class mail"
    EMAIL = "email", "E-mail (the individual agreed)"
    TELEPHONE = "telephone", "Telephone"
    WEB_POSTING = "web_posting", "Web posting"
    MEDIA = "media", "Print or broadcast media"
    HHS_PORTAL = "hhs_portal", "HHS breach portal"
    OTHER = "other", "Other"


# What closing an obligation fixes for good.
CLOSED_FIELDS = (
    "status",
    "done_on",
    "method",
    "evidence_id",
    "notes",
    "closed_by_id",
    "closed_at",
    "due_on",
    "key",
)


class Obligation(OrgScopedModel):
    """Something the signed determination requires, with its due date and citation. Recording
    the notice as sent (date, method, evidence) closes it; a closed obligation never changes."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="obligations")
    assessment = models.ForeignKey(
        BreachAssessment, on_delete=models.CASCADE, related_name="obligations"
    )
    key = models.CharField(max_length=60)
    recipient = models.CharField(max_length=20, choices=Recipient.choices)
    title = models.CharField(max_length=300)
    due_on = models.DateField(null=True, blank=True)
    citation = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    basis = models.TextField(blank=True, help_text="How the due date was computed")
    delayed_until = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=40, blank=True, help_text="Media notices: the State")
    status = models.CharField(
        max_length=20, choices=ObligationStatus.choices, default=ObligationStatus.OPEN
    )
    done_on = models.DateField(null=True, blank=True, help_text="When the notice was sent")
    method = models.CharField(max_length=20, choices=NoticeMethod.choices, blank=True)
    evidence = models.ForeignKey(
        "evidence.EvidenceItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    notes = EncryptedTextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "key"], name="obligation_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.incident.reference}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == ObligationStatus.OPEN

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.pk is not None:
            stored = (
                Obligation._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()
            )
            if stored not in (None, ObligationStatus.OPEN) and _changed(self, CLOSED_FIELDS):
                raise Frozen("a closed obligation is never changed")
        super().save(*args, **kwargs)


class AffectedCount(OrgScopedModel):
    """How many individuals an incident affected in one State or jurisdiction (no names)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected_counts")
    state = models.CharField(max_length=2, help_text="Postal code: MA, DC, PR, ...")
    individuals = models.PositiveIntegerField()
    next_of_kin_known = models.PositiveIntegerField(
        default=0, help_text="Deceased; the next of kin's or representative's address is known"
    )
    next_of_kin_unknown = models.PositiveIntegerField(
        default=0, help_text="Deceased; no address of next of kin or representative"
    )
    insufficient_contact = models.PositiveIntegerField(
        default=0, help_text="Living; contact information insufficient or out of date"
    )

    class Meta:
        ordering = ["incident", "state"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "state"], name="affected_state_unique")
        ]

    def __str__(self) -> str:
        return f"{self.state}: {self.individuals}"


class AffectedSource(models.TextChoices):
    ENTERED = "entered", "Counts entered"
    UPLOAD = "upload", "Uploaded list (summarised; no names kept)"


class AffectedIndividuals(OrgScopedModel):
    """Where an incident's per-State counts came from; an uploaded list is kept only as its
    name, row count and SHA-256 (the rows themselves are summarised, never stored)."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="affected")
    source = models.CharField(
        max_length=10, choices=AffectedSource.choices, default=AffectedSource.ENTERED
    )
    estimated = models.BooleanField(default=False, help_text="The counts are an estimate")
    list_name = models.CharField(max_length=255, blank=True)
    list_rows = models.PositiveIntegerField(null=True, blank=True)
    list_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name_plural = "affected individuals"

    def __str__(self) -> str:
        return f"Affected individuals of {self.incident.reference}"


class NoticeSettings(OrgScopedModel):
    """How affected individuals can reach the organization (164.404(c)(1)(E)), per organization."""

    contact_toll_free = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_website = models.URLField(blank=True)
    contact_address = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_notice_settings_per_org")
        ]
        verbose_name_plural = "notice settings"

    def __str__(self) -> str:
        return "Notice contact details"


class NoticeText(OrgScopedModel):
    """What an incident's notices say, in plain language (the parts the incident supplies)."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="notice_text")
    what_happened = EncryptedTextField(blank=True)
    phi_types = models.JSONField(default=list, blank=True, help_text="Kinds of PHI involved")
    steps_for_individuals = EncryptedTextField(blank=True)
    what_we_are_doing = EncryptedTextField(blank=True)

    def __str__(self) -> str:
        return f"Notice text of {self.incident.reference}"
