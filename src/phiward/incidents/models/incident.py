"""Incidents, their links to the inventory, and their append-only timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from phiward.core.models import OrgScopedModel
from phiward.crypto.fields import EncryptedTextField

if TYPE_CHECKING:
    from phiward.inventory.models import Asset, Vendor


class Category(models.TextChoices):
    RANSOMWARE_MALWARE = "ransomware_malware", "Ransomware or malware"
    PHISHING_ACCOUNT_COMPROMISE = "phishing_account_compromise", "Phishing or account compromise"
    LOST_STOLEN_DEVICE = "lost_stolen_device", "Lost or stolen device"
    MISDIRECTED_COMMUNICATION = "misdirected_communication", "Misdirected mail, e-mail or fax"
    UNAUTHORIZED_ACCESS = "unauthorized_access", "Unauthorized access or snooping"
    IMPROPER_DISPOSAL = "improper_disposal", "Improper disposal"
    VENDOR_INCIDENT = "vendor_incident", "Vendor or business-associate incident"
    SYSTEM_OUTAGE = "system_outage", "System outage"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Status(models.TextChoices):
    """In order: an incident moves forward only; a closed one may be reopened to triage."""

    REPORTED = "reported", "Reported"
    TRIAGE = "triage", "Triage"
    CONTAINED = "contained", "Contained"
    ERADICATED = "eradicated", "Eradicated"
    RECOVERED = "recovered", "Recovered"
    CLOSED = "closed", "Closed"


STATUS_ORDER: tuple[str, ...] = tuple(Status.values)


class PhiInvolved(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known yet"


class Incident(OrgScopedModel):
    """A security incident (164.308(a)(6)): reported, triaged, contained and closed."""

    number = models.PositiveIntegerField(help_text="INC-number, unique in the organization")
    title = models.CharField(max_length=200)
    description = EncryptedTextField(blank=True)
    category = models.CharField(max_length=40, choices=Category.choices, default=Category.OTHER)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REPORTED)
    # Anonymous reports store no reporter, here or on the audit log (see services_intake).
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    anonymous = models.BooleanField(default=False)
    reporter_contact = EncryptedTextField(
        blank=True, help_text="How to reach the reporter, if they want to be reached"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(null=True, blank=True)
    discovered_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(default=timezone.now)
    phi_involved = models.CharField(
        max_length=10, choices=PhiInvolved.choices, default=PhiInvolved.UNKNOWN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    assets: models.ManyToManyField[Asset, IncidentAsset] = models.ManyToManyField(
        "inventory.Asset", through="IncidentAsset", related_name="incidents", blank=True
    )
    vendors: models.ManyToManyField[Vendor, IncidentVendor] = models.ManyToManyField(
        "inventory.Vendor", through="IncidentVendor", related_name="incidents", blank=True
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="incident_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"INC-{self.number:04d}"

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


class IncidentAsset(OrgScopedModel):
    """A system involved in an incident (a row of its own, so each link is audited)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey("inventory.Asset", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "asset"], name="incident_asset_unique")
        ]


class IncidentVendor(OrgScopedModel):
    """A vendor (business associate) involved in an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="vendor_links")
    vendor = models.ForeignKey("inventory.Vendor", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "vendor"], name="incident_vendor_unique")
        ]


class TimelineKind(models.TextChoices):
    ACTION = "action", "Action"
    DECISION = "decision", "Decision"
    COMMUNICATION = "communication", "Communication"
    STATUS_CHANGE = "status_change", "Status change"
    NOTE = "note", "Note"
    EVIDENCE = "evidence", "Evidence"
    PLAYBOOK_STEP = "playbook_step", "Playbook step"
    ASSESSMENT = "assessment", "Breach assessment"
    NOTICE = "notice", "Notice"


class AppendOnly(Exception):
    """A timeline entry was about to be changed or deleted: a correction is a new entry."""


class TimelineEntry(OrgScopedModel):
    """One thing that happened in an incident, with when and who. Never changed or deleted."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=20, choices=TimelineKind.choices, default=TimelineKind.NOTE)
    at = models.DateTimeField(default=timezone.now, help_text="When it happened")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150, blank=True, help_text="Kept if the user goes")
    text = EncryptedTextField()
    evidence = models.ForeignKey(
        "evidence.EvidenceItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    evidence_sha256 = models.CharField(
        max_length=64, blank=True, help_text="The evidence's SHA-256 when it was attached"
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("a timeline entry is never changed; add a correcting entry")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("a timeline entry is never deleted; add a correcting entry")
