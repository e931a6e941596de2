"""The ePHI inventory: network zones, vendors, assets and the data flows among them.

Requirements S7, S21 and S24.
"""

from __future__ import annotations

from typing import ClassVar, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from phiward.core.models import OrgScopedModel, OrgScopedQuerySet
from phiward.crypto.fields import EncryptedTextField
from phiward.inventory.identifiers import canonical_mac
from phiward.inventory.transit import WEAK_TLS_VERSIONS, TransitStatus, transit_status


def handles_ephi_q(prefix: str = "") -> Q:
    """Assets that create, receive, maintain or transmit ePHI (``prefix`` for related lookups)."""
    roles = ("ephi_creates", "ephi_receives", "ephi_maintains", "ephi_transmits")
    condition = Q()
    for role in roles:
        condition |= Q(**{f"{prefix}{role}": True})
    return condition


# The queryset twins of inventory.transit.transit_status (a test keeps them in step).
UNENCRYPTED_TRANSIT_Q = Q(transit_encryption="none") | Q(
    transit_encryption="tls", tls_version__in=WEAK_TLS_VERSIONS
)
UNKNOWN_TRANSIT_Q = Q(transit_encryption="unknown") | Q(transit_encryption="tls", tls_version="")


def normalize_name(instance: models.Model, errors: dict[str, str]) -> None:
    """Trim a name and refuse a blank one: ``"EHR "`` is ``"EHR"``."""
    name = str(getattr(instance, "name", "")).strip()
    if not name:
        errors["name"] = "A name is required."
    instance.name = name  # type: ignore[attr-defined]


def normalize_mac(value: str, errors: dict[str, str]) -> str:
    """``00-1A-2B-3C-4D-5E`` and friends become ``00:1a:2b:3c:4d:5e``."""
    if not value.strip():
        return ""
    mac = canonical_mac(value)
    if mac is None:
        errors["mac_address"] = "Enter a MAC address like 00:1a:2b:3c:4d:5e."
        return value
    return mac


class AssetQuerySet(OrgScopedQuerySet["Asset"]):
    def handling_ephi(self) -> Self:
        return self.filter(handles_ephi_q())


class DataFlowQuerySet(OrgScopedQuerySet["DataFlow"]):
    def carrying_ephi(self) -> Self:
        return self.exclude(ephi_categories=[])

    def unencrypted(self) -> Self:
        return self.filter(UNENCRYPTED_TRANSIT_Q)

    def encryption_unknown(self) -> Self:
        return self.filter(UNKNOWN_TRANSIT_Q)


AssetManager = models.Manager.from_queryset(AssetQuerySet)
DataFlowManager = models.Manager.from_queryset(DataFlowQuerySet)


class ZoneKind(models.TextChoices):
    CLINICAL = "clinical", "Clinical"
    MEDICAL_DEVICE = "medical_device", "Medical devices"
    BUSINESS = "business", "Business"
    GUEST = "guest", "Guest"
    DMZ = "dmz", "DMZ"
    MANAGEMENT = "management", "Management"
    SERVER = "server", "Server / data center"
    CLOUD = "cloud", "Cloud"
    REMOTE = "remote", "Remote / home"
    FLAT = "flat", "Flat (unsegmented)"
    OTHER = "other", "Other"


class Zone(OrgScopedModel):
    """A network zone (segment) and, through assets, what sits in it."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=ZoneKind.choices, default=ZoneKind.OTHER)
    description = models.TextField(blank=True)
    cidrs = models.CharField(
        max_length=500, blank=True, help_text="Address ranges, comma separated (e.g. 10.1.0.0/24)"
    )
    internet_exposed = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="zone_name_unique_in_org")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        normalize_name(self, errors)
        if errors:
            raise ValidationError(errors)


class BaaStatus(models.TextChoices):
    SIGNED = "signed", "Signed"
    REQUESTED = "requested", "Requested"
    NONE = "none", "None on file"
    EXPIRED = "expired", "Expired"
    NOT_REQUIRED = "not_required", "Not required"


class Vendor(OrgScopedModel):
    """A third party that stores, receives or can reach ePHI (BA lifecycle: the vendors issue)."""

    name = models.CharField(max_length=200)
    service = models.CharField(max_length=300, blank=True, help_text="What the vendor does for us")
    handles_ephi = models.BooleanField(default=True)
    baa_status = models.CharField(max_length=20, choices=BaaStatus.choices, default=BaaStatus.NONE)
    baa_signed_on = models.DateField(null=True, blank=True)
    baa_expires_on = models.DateField(null=True, blank=True)
    contact = models.CharField(max_length=200, blank=True)
    website = models.URLField(blank=True)
    remote_access = models.BooleanField(default=False, help_text="Has remote access to our systems")
    notes = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="vendor_name_unique_in_org"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        normalize_name(self, errors)
        signed, expires = self.baa_signed_on, self.baa_expires_on
        if signed and expires and expires < signed:
            errors["baa_expires_on"] = "The BAA cannot expire before it was signed."
        if errors:
            raise ValidationError(errors)


class AssetKind(models.TextChoices):
    EHR = "ehr", "EHR"
    PACS = "pacs", "PACS / imaging"
    PRACTICE_MANAGEMENT = "practice_management", "Practice management / billing"
    SCHEDULING = "scheduling", "Scheduling"
    E_PRESCRIBING = "e_prescribing", "E-prescribing"
    LAB_SYSTEM = "lab_system", "Laboratory system"
    EMAIL = "email", "Email"
    PATIENT_PORTAL = "patient_portal", "Patient portal"
    TELEHEALTH = "telehealth", "Telehealth"
    SERVER = "server", "Server"
    DATABASE = "database", "Database"
    WORKSTATION = "workstation", "Workstation"
    LAPTOP = "laptop", "Laptop"
    MOBILE_DEVICE = "mobile_device", "Mobile device / tablet"
    MEDICAL_DEVICE = "medical_device", "Medical device"
    NETWORK_DEVICE = "network_device", "Network device"
    FIREWALL = "firewall", "Firewall"
    PRINTER = "printer", "Printer / scanner / fax"
    CLOUD_SERVICE = "cloud_service", "Cloud service"
    SAAS_APPLICATION = "saas_application", "SaaS application"
    BACKUP_SYSTEM = "backup_system", "Backup system"
    FILE_SHARE = "file_share", "File share"
    REMOVABLE_MEDIA = "removable_media", "Removable media"
    IDENTITY_PROVIDER = "identity_provider", "Identity provider / directory"
    OTHER = "other", "Other"


class Criticality(models.TextChoices):
    CRITICAL = "critical", "Critical (patient safety)"
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"


class AtRestEncryption(models.TextChoices):
    NONE = "none", "None"
    FULL_DISK = "full_disk", "Full-disk"
    DATABASE_TDE = "database_tde", "Database (TDE)"
    FILE_LEVEL = "file_level", "File-level"
    UNKNOWN = "unknown", "Unknown"


class Lifecycle(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "In use"
    MAINTENANCE = "maintenance", "In maintenance"
    RETIRED = "retired", "Retired"
    DISPOSED = "disposed", "Disposed"


class Patchable(models.TextChoices):
    YES = "yes", "Yes"
    VENDOR_ONLY = "vendor_only", "Only by the manufacturer"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


class Asset(OrgScopedModel):
    """A system, device or service that creates, receives, maintains or transmits ePHI (or not)."""

    objects: ClassVar[AssetManager] = AssetManager()

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=AssetKind.choices)
    description = models.TextField(blank=True)
    owner = models.CharField(max_length=200, blank=True, help_text="Accountable person or role")
    site = models.CharField(max_length=200, blank=True, help_text="Location or site")
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    ephi_creates = models.BooleanField("creates ePHI", default=False)
    ephi_receives = models.BooleanField("receives ePHI", default=False)
    ephi_maintains = models.BooleanField("maintains ePHI", default=False)
    ephi_transmits = models.BooleanField("transmits ePHI", default=False)
    record_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Approximate number of patient records"
    )
    criticality = models.CharField(
        "clinical criticality",
        max_length=20,
        choices=Criticality.choices,
        default=Criticality.MODERATE,
    )
    encryption_at_rest = models.CharField(
        max_length=20, choices=AtRestEncryption.choices, default=AtRestEncryption.UNKNOWN
    )
    encryption_algorithm = models.CharField(max_length=60, blank=True, help_text="e.g. AES-256-XTS")
    os_name = models.CharField("operating system", max_length=100, blank=True)
    os_version = models.CharField("OS version", max_length=60, blank=True)
    os_end_of_support = models.DateField("OS end of support", null=True, blank=True)
    hostname = models.CharField(max_length=253, blank=True)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    mac_address = models.CharField("MAC address", max_length=17, blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    manufacturer = models.CharField(max_length=120, blank=True)
    model = models.CharField(max_length=120, blank=True)
    mds2_on_file = models.BooleanField("MDS2 form on file", null=True, blank=True)
    patchable = models.CharField(
        max_length=20, choices=Patchable.choices, default=Patchable.UNKNOWN
    )
    notes = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="asset_name_unique_in_org"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "kind"]),
            models.Index(fields=["organization", "zone"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def handles_ephi(self) -> bool:
        return self.ephi_creates or self.ephi_receives or self.ephi_maintains or self.ephi_transmits

    def clean(self) -> None:
        errors: dict[str, str] = {}
        normalize_name(self, errors)
        self.mac_address = normalize_mac(self.mac_address, errors)
        for related in ("zone", "vendor"):
            other = getattr(self, related)
            if other is not None and other.organization_id != self.organization_id:
                errors[related] = f"The {related} belongs to another organization."
        if errors:
            raise ValidationError(errors)


class EphiCategory(models.TextChoices):
    DEMOGRAPHICS = "demographics", "Demographics and contact details"
    IDENTIFIERS = "identifiers", "Identifiers (MRN, SSN, insurance ID)"
    CLINICAL_NOTES = "clinical_notes", "Clinical notes"
    DIAGNOSES = "diagnoses", "Diagnoses and problem lists"
    MEDICATIONS = "medications", "Medications and prescriptions"
    LAB_RESULTS = "lab_results", "Laboratory results"
    IMAGING = "imaging", "Diagnostic images"
    BILLING = "billing", "Billing, claims and payment"
    SCHEDULING = "scheduling", "Appointments"
    DEVICE_DATA = "device_data", "Device and monitoring data"
    SENSITIVE = "sensitive", "Specially protected (behavioral, substance use, HIV, genetic)"


class TransitEncryption(models.TextChoices):
    NONE = "none", "None"
    TLS = "tls", "TLS"
    VPN = "vpn", "VPN (IPsec / WireGuard)"
    SSH = "ssh", "SSH"
    APPLICATION = "application", "Application-level encryption"
    UNKNOWN = "unknown", "Unknown"


class TlsVersion(models.TextChoices):
    TLS1_0 = "1.0", "TLS 1.0"
    TLS1_1 = "1.1", "TLS 1.1"
    TLS1_2 = "1.2", "TLS 1.2"
    TLS1_3 = "1.3", "TLS 1.3"


class Frequency(models.TextChoices):
    REAL_TIME = "real_time", "Real time / continuous"
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    AD_HOC = "ad_hoc", "Ad hoc"


class DataFlow(OrgScopedModel):
    """Where ePHI moves: from an asset or vendor to an asset or vendor."""

    objects: ClassVar[DataFlowManager] = DataFlowManager()

    name = models.CharField(max_length=200)
    source_asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="flows_out"
    )
    source_vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.CASCADE, related_name="flows_out"
    )
    destination_asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="flows_in"
    )
    destination_vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.CASCADE, related_name="flows_in"
    )
    ephi_categories = models.JSONField(default=list, blank=True)
    protocol = models.CharField(max_length=60, blank=True, help_text="e.g. HTTPS, HL7 MLLP, DICOM")
    transit_encryption = models.CharField(
        max_length=20, choices=TransitEncryption.choices, default=TransitEncryption.UNKNOWN
    )
    tls_version = models.CharField(
        "minimum TLS version", max_length=3, choices=TlsVersion.choices, blank=True
    )
    purpose = models.CharField(max_length=300, blank=True)
    frequency = models.CharField(
        max_length=20, choices=Frequency.choices, default=Frequency.REAL_TIME
    )
    notes = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="flow_name_unique_in_org"
            ),
            models.CheckConstraint(
                condition=models.Q(source_asset__isnull=True)
                ^ models.Q(source_vendor__isnull=True),
                name="flow_has_exactly_one_source",
            ),
            models.CheckConstraint(
                condition=models.Q(destination_asset__isnull=True)
                ^ models.Q(destination_vendor__isnull=True),
                name="flow_has_exactly_one_destination",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> Asset | Vendor | None:
        return self.source_asset or self.source_vendor

    @property
    def destination(self) -> Asset | Vendor | None:
        return self.destination_asset or self.destination_vendor

    @property
    def carries_ephi(self) -> bool:
        return bool(self.ephi_categories)

    @property
    def ephi_category_labels(self) -> list[str]:
        labels = dict(EphiCategory.choices)
        return [labels.get(code, code) for code in self.ephi_categories or []]

    @property
    def transit_status(self) -> TransitStatus:
        return transit_status(self.transit_encryption, self.tls_version)

    @property
    def unencrypted(self) -> bool:
        """No transit encryption, or TLS below 1.2 (which HHS guidance no longer accepts)."""
        return self.transit_status == TransitStatus.UNENCRYPTED

    @property
    def encryption_unknown(self) -> bool:
        """Encryption not known, or TLS without a recorded version."""
        return self.transit_status == TransitStatus.UNKNOWN

    def clean(self) -> None:
        errors: dict[str, str] = {}
        normalize_name(self, errors)
        if (self.source_asset_id is None) == (self.source_vendor_id is None):
            errors["source_asset"] = "Choose exactly one source: an asset or a vendor."
        if (self.destination_asset_id is None) == (self.destination_vendor_id is None):
            errors["destination_asset"] = "Choose exactly one destination: an asset or a vendor."
        unknown = sorted(set(self.ephi_categories or []) - set(EphiCategory.values))
        if unknown:
            errors["ephi_categories"] = f"Unknown ePHI categories: {', '.join(unknown)}."
        if self.tls_version and self.transit_encryption != TransitEncryption.TLS:
            errors["tls_version"] = "A TLS version applies only when the transit encryption is TLS."
        for related in ("source_asset", "source_vendor", "destination_asset", "destination_vendor"):
            other = getattr(self, related)
            if other is not None and other.organization_id != self.organization_id:
                errors[related] = "This endpoint belongs to another organization."
        if errors:
            raise ValidationError(errors)
