"""Organizations, memberships and governance: the base every domain model builds on."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction

from phiward.core.permissions import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class OrganizationKind(models.TextChoices):
    COVERED_ENTITY = "covered_entity", "Covered entity"
    BUSINESS_ASSOCIATE = "business_associate", "Business associate"
    HYBRID_ENTITY = "hybrid_entity", "Hybrid entity"


class Organization(models.Model):
    """A covered entity or business associate whose program phiward runs."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=30, choices=OrganizationKind.choices, default=OrganizationKind.COVERED_ENTITY
    )
    description = models.TextField(blank=True)
    address = models.TextField(blank=True)
    security_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    privacy_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_demo = models.BooleanField(
        default=False, editable=False, help_text="Built by `phiward demo`; --reset may rebuild it."
    )
    # Account policy (phiward.accounts.policy): changed only through phiward.accounts.policies.
    workforce_mfa_required = models.BooleanField(
        default=True, help_text="Workforce members must use MFA (every other role always must)."
    )
    session_idle_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="Log out after this many minutes without a request.",
    )
    session_lifetime_hours = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Log out this many hours after logging in, active or not.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The row and its audit entry (written from post_save) commit together.
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)


class Membership(models.Model):
    """A user's role in one organization. A user may belong to many (consultants, MSPs)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=[(r.value, r.label) for r in Role])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]
        ordering = ["organization__name"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {self.role}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The row and its audit entry (written from post_save) commit together.
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


_M = TypeVar("_M", bound=models.Model)


class OrgScopedQuerySet(models.QuerySet[_M]):
    """The one way domain objects are fetched: ``Model.objects.for_org(org)``."""

    def for_org(self, organization: Organization) -> Self:
        return self.filter(organization=organization)


OrgScopedManager = models.Manager.from_queryset(OrgScopedQuerySet)


class OrgScopedModel(models.Model):
    """Base of every domain object: it belongs to exactly one organization.

    ``uid`` is the record's identity before it is saved (encrypted fields bind their
    ciphertext to it, see ``phiward.crypto``).
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The row and its audit entry (written from post_save) commit together.
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)


class ProgramArea(models.TextChoices):
    RISK = "risk", "Risk analysis and management"
    SAFEGUARDS = "safeguards", "Safeguards and policies"
    VENDORS = "vendors", "Vendors and BAAs"
    TRAINING = "training", "Workforce training"
    ACCESS = "access", "Access governance"
    INCIDENTS = "incidents", "Incidents and breach notification"
    CONTINUITY = "continuity", "Contingency and continuity"
    MONITORING = "monitoring", "Monitoring and audit controls"


class Raci(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class ResponsibilityAssignment(OrgScopedModel):
    """One cell of the responsibility matrix: who is R, A, C or I for a program area."""

    area = models.CharField(max_length=20, choices=ProgramArea.choices)
    raci = models.CharField(max_length=1, choices=Raci.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "area", "user"], name="one_raci_letter_per_person_and_area"
            ),
            models.UniqueConstraint(
                fields=["organization", "area"],
                condition=models.Q(raci="A"),
                name="one_accountable_per_area",
            ),
        ]
        ordering = ["area", "raci"]

    def __str__(self) -> str:
        return f"{self.get_area_display()}: {self.raci}"


class OfficerKind(models.TextChoices):
    SECURITY = "security", "Security officer"
    PRIVACY = "privacy", "Privacy officer"


class OfficerAppointment(OrgScopedModel):
    """A record of designating a security or privacy officer (164.308(a)(2), 164.530(a))."""

    officer = models.CharField(max_length=20, choices=OfficerKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    previous_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effective_date = models.DateField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-effective_date", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_officer_display()} from {self.effective_date}"


def display_name(user: User | None) -> str:
    if user is None:
        return "—"
    full = user.get_full_name()
    return full or user.get_username()
