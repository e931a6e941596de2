"""API schemas of the ePHI inventory: one input, output and query schema per resource.

``<Name>In`` holds the writable fields (POST takes them, PATCH any subset), ``<Name>Out`` adds
the id, readable labels of the choices and computed flags, ``<Name>Query`` the list filters.
Related objects are referred to by id (``zone_id``, ``source_asset_id``, ...).

No ``from __future__ import annotations`` here: django-ninja derives the PATCH schemas from
these classes' annotations at run time and needs real types, not strings.
"""

import datetime as dt

from ninja import Field, Schema
from pydantic import AwareDatetime

from phiward.core.apiresource import PageQuery
from phiward.core.apiscope import MAX_ID
from phiward.inventory.models import (
    AssetKind,
    AtRestEncryption,
    BaaStatus,
    Criticality,
    DataFlow,
    EphiCategory,
    Frequency,
    Lifecycle,
    Patchable,
    TlsVersion,
    TransitEncryption,
    ZoneKind,
)

SEARCH = "Case-insensitive search"


class ZoneIn(Schema):
    name: str
    kind: ZoneKind = ZoneKind.OTHER
    description: str = ""
    cidrs: str = Field("", description="Address ranges, comma separated (e.g. 10.1.0.0/24)")
    internet_exposed: bool = False


class ZoneOut(ZoneIn):
    id: int
    kind_label: str = Field(validation_alias="get_kind_display")
    created_at: dt.datetime
    updated_at: dt.datetime


class ZoneQuery(PageQuery):
    kind: ZoneKind | None = None
    q: str | None = Field(None, description=f"{SEARCH} in the name")


class VendorIn(Schema):
    name: str
    service: str = Field("", description="What the vendor does for us")
    handles_ephi: bool = True
    baa_status: BaaStatus = BaaStatus.NONE
    baa_signed_on: dt.date | None = None
    baa_expires_on: dt.date | None = None
    contact: str = ""
    website: str = ""
    remote_access: bool = Field(False, description="Has remote access to our systems")
    notes: str = ""


class VendorOut(VendorIn):
    id: int
    baa_status_label: str = Field(validation_alias="get_baa_status_display")
    created_at: dt.datetime
    updated_at: dt.datetime


class VendorQuery(PageQuery):
    baa_status: BaaStatus | None = None
    handles_ephi: bool | None = None
    q: str | None = Field(None, description=f"{SEARCH} in the name and service")


class AssetIn(Schema):
    name: str
    kind: AssetKind
    description: str = ""
    owner: str = Field("", description="Accountable person or role")
    site: str = Field("", description="Location or site")
    zone_id: int | None = None
    vendor_id: int | None = None
    ephi_creates: bool = False
    ephi_receives: bool = False
    ephi_maintains: bool = False
    ephi_transmits: bool = False
    record_count: int | None = Field(None, description="Approximate number of patient records")
    criticality: Criticality = Criticality.MODERATE
    encryption_at_rest: AtRestEncryption = AtRestEncryption.UNKNOWN
    encryption_algorithm: str = Field("", description="e.g. AES-256-XTS")
    os_name: str = ""
    os_version: str = ""
    os_end_of_support: dt.date | None = None
    hostname: str = ""
    ip_address: str | None = None
    mac_address: str = ""
    serial_number: str = ""
    last_seen: AwareDatetime | None = None
    lifecycle: Lifecycle = Lifecycle.ACTIVE
    manufacturer: str = ""
    model: str = ""
    mds2_on_file: bool | None = Field(None, description="MDS2 form on file (medical devices)")
    patchable: Patchable = Patchable.UNKNOWN
    notes: str = ""


class AssetOut(AssetIn):
    id: int
    handles_ephi: bool = Field(description="Creates, receives, maintains or transmits ePHI")
    kind_label: str = Field(validation_alias="get_kind_display")
    criticality_label: str = Field(validation_alias="get_criticality_display")
    encryption_at_rest_label: str = Field(validation_alias="get_encryption_at_rest_display")
    lifecycle_label: str = Field(validation_alias="get_lifecycle_display")
    patchable_label: str = Field(validation_alias="get_patchable_display")
    created_at: dt.datetime
    updated_at: dt.datetime


class AssetQuery(PageQuery):
    kind: AssetKind | None = None
    zone: int | None = Field(None, ge=1, le=MAX_ID, description="Zone id")
    vendor: int | None = Field(None, ge=1, le=MAX_ID, description="Vendor id")
    ephi: bool | None = Field(None, description="Whether the asset handles ePHI")
    encryption_at_rest: AtRestEncryption | None = None
    lifecycle: Lifecycle | None = None
    q: str | None = Field(None, description=f"{SEARCH} in name and hostname; IP address prefix")


class DataFlowIn(Schema):
    name: str
    source_asset_id: int | None = Field(None, description="Give a source asset or vendor")
    source_vendor_id: int | None = None
    destination_asset_id: int | None = Field(None, description="Give a destination asset or vendor")
    destination_vendor_id: int | None = None
    ephi_categories: list[EphiCategory] = Field(default_factory=list)
    protocol: str = Field("", description="e.g. HTTPS, HL7 MLLP, DICOM")
    transit_encryption: TransitEncryption = TransitEncryption.UNKNOWN
    tls_version: TlsVersion | None = Field(
        None, description="Minimum TLS version; only when the transit encryption is TLS"
    )
    purpose: str = ""
    frequency: Frequency = Frequency.REAL_TIME
    notes: str = ""


class DataFlowOut(DataFlowIn):
    id: int
    carries_ephi: bool = Field(description="At least one ePHI category flows")
    unencrypted: bool = Field(description="No transit encryption, or TLS below 1.2")
    encryption_unknown: bool = Field(description="The transit encryption is not known")
    transit_encryption_label: str = Field(validation_alias="get_transit_encryption_display")
    frequency_label: str = Field(validation_alias="get_frequency_display")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_tls_version(flow: DataFlow) -> str | None:
        return flow.tls_version or None


class DataFlowQuery(PageQuery):
    unencrypted: bool | None = Field(None, description="No transit encryption or TLS below 1.2")
    vendor: int | None = Field(
        None, ge=1, le=MAX_ID, description="Vendor id, as source or destination"
    )
    asset: int | None = Field(
        None, ge=1, le=MAX_ID, description="Asset id, as source or destination"
    )
    transit_encryption: TransitEncryption | None = None
