"""Responding to an incident: playbooks and their steps, the post-incident review."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from phiward.core.models import OrgScopedModel
from phiward.crypto.fields import EncryptedTextField
from phiward.incidents.models.incident import Category, Incident

if TYPE_CHECKING:
    from phiward.risk.models import Risk


class Phase(models.TextChoices):
    CONTAINMENT = "containment", "Containment"
    ERADICATION = "eradication", "Eradication"
    RECOVERY = "recovery", "Recovery"
    COMMUNICATION = "communication", "Communication"


PHASE_ORDER: tuple[str, ...] = tuple(Phase.values)


class Playbook(OrgScopedModel):
    """An organization's response playbook for one category (seeded from the shipped YAML)."""

    category = models.CharField(max_length=40, choices=Category.choices)
    title = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1, help_text="Goes up with every edit")
    shipped_version = models.CharField(
        max_length=20, blank=True, help_text="The shipped playbook it was copied from"
    )

    class Meta:
        ordering = ["category"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "category"], name="one_playbook_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PlaybookStep(OrgScopedModel):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    phase = models.CharField(max_length=20, choices=Phase.choices)
    order = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["playbook", "order"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "order"], name="playbook_step_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} {self.order}"


class IncidentStep(OrgScopedModel):
    """The incident's own copy of a playbook step: later playbook edits leave it alone."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    playbook = models.ForeignKey(
        Playbook, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    playbook_title = models.CharField(max_length=200)
    playbook_version = models.PositiveIntegerField()
    phase = models.CharField(max_length=20, choices=Phase.choices)
    order = models.PositiveIntegerField()
    text = models.TextField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["incident", "order"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "order"], name="incident_step_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} {self.order}"


class Review(OrgScopedModel):
    """The post-incident review (lessons learned), one per incident."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="review")
    root_cause = EncryptedTextField(blank=True)
    lessons_learned = EncryptedTextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    risks: models.ManyToManyField[Risk, ReviewRisk] = models.ManyToManyField(
        "risk.Risk", through="ReviewRisk", related_name="incident_reviews", blank=True
    )

    def __str__(self) -> str:
        return f"Review of {self.incident.reference}"


class ReviewRisk(OrgScopedModel):
    """A register risk the review links: flagged for re-assessment when the review completes."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="risk_links")
    risk = models.ForeignKey("risk.Risk", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "risk"], name="review_risk_unique")
        ]


class FollowUpAction(OrgScopedModel):
    """Something to do after an incident, with an owner and a due date."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="follow_ups")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title
