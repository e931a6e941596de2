"""The evidence library's one write path: add, change, link, delete, download and verify.

The web pages, the API and the CLI all call these functions, so every interface enforces the
same rules: metadata is checked by the model, every link is its own audited row, a file is
sealed on disk before its row is saved, deletion inside the retention period needs the
``administer`` permission and a reason and leaves a deletion record, and every download is on
the audit log.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from phiward.core.apiscope import MAX_ID, problems_from
from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.errors import InputProblems, NotFound, PermissionDenied, Problem
from phiward.core.models import Organization
from phiward.evidence import storage
from phiward.evidence.models import (
    EvidenceAssetLink,
    EvidenceDeletion,
    EvidenceItem,
    EvidenceKind,
    EvidenceRiskLink,
    EvidenceSpecLink,
    canonical_json,
    canonical_spec_id,
    sha256_text,
)
from phiward.evidence.storage import EvidenceFileError, Location, Readable
from phiward.inventory.models import Asset
from phiward.risk.models import Risk

OBJECT_TYPE = "evidence.evidenceitem"
DEFAULT_MEDIA_TYPE = "application/octet-stream"
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
# Metadata that can change after an item is added (its content cannot).
EDITABLE = (
    "title",
    "description",
    "effective_on",
    "expires_on",
    "reviewer",
    "reviewed_on",
    "last_in_effect_on",
    "superseded_by",
    "superseded_on",
)


@dataclass(frozen=True)
class Metadata:
    """What describes an item, whatever it holds."""

    title: str
    description: str = ""
    effective_on: dt.date | None = None  # default: today
    expires_on: dt.date | None = None
    reviewer: User | None = None
    reviewed_on: dt.date | None = None


@dataclass(frozen=True)
class Links:
    """What an item supports: Security Rule citations (canonical ids), risks and assets."""

    spec_ids: tuple[str, ...] = ()
    risks: tuple[Risk, ...] = ()
    assets: tuple[Asset, ...] = ()


# --- reading input --------------------------------------------------------------------------


def spec_ids(texts: Iterable[str], field_name: str = "spec_ids") -> tuple[str, ...]:
    """Canonical Security Rule ids for ids or keys; every unknown one is a problem."""
    found: list[str] = []
    problems = []
    for text in texts:
        if not text.strip():
            continue
        canonical = canonical_spec_id(text)
        if canonical is None:
            problems.append(
                Problem(
                    f"'{text.strip()[:60]}' is not a Security Rule standard or specification",
                    field=field_name,
                )
            )
        elif canonical not in found:
            found.append(canonical)
    if problems:
        raise InputProblems(problems)
    return tuple(found)


def _by_ids(
    model: type[Risk] | type[Asset], org: Organization, ids: Iterable[int], field_name: str
) -> tuple[models.Model, ...]:
    wanted = list(dict.fromkeys(ids))
    storable = [pk for pk in wanted if 1 <= pk <= MAX_ID]  # larger numbers name nothing
    found = {obj.pk: obj for obj in model.objects.for_org(org).filter(pk__in=storable)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        label = model._meta.verbose_name
        raise InputProblems(
            [
                Problem(f"No {label} with id {pk} in this organization.", field=field_name)
                for pk in missing
            ]
        )
    return tuple(found[pk] for pk in wanted)


def risks(org: Organization, ids: Iterable[int], field_name: str = "risk_ids") -> tuple[Risk, ...]:
    return tuple(r for r in _by_ids(Risk, org, ids, field_name) if isinstance(r, Risk))


def assets(
    org: Organization, ids: Iterable[int], field_name: str = "asset_ids"
) -> tuple[Asset, ...]:
    return tuple(a for a in _by_ids(Asset, org, ids, field_name) if isinstance(a, Asset))


def clean_file_name(name: str) -> str:
    """The last path component, without control characters or quotes, at most 255 long."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch != '"').strip()
    return base[-255:] if base not in ("", ".", "..") else "evidence"


def clean_media_type(declared: str, name: str) -> str:
    """The declared type when it is a well-formed ``type/subtype``, else one guessed from
    the name, else ``application/octet-stream``. Only informative: downloads are always
    attachments, never rendered."""
    candidate = (declared or "").split(";", 1)[0].strip().lower()
    if _MEDIA_TYPE.match(candidate) and candidate != DEFAULT_MEDIA_TYPE:
        return candidate
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed if guessed and _MEDIA_TYPE.match(guessed) else DEFAULT_MEDIA_TYPE


# --- adding -----------------------------------------------------------------------------------


def _new_item(
    org: Organization, kind: EvidenceKind, meta: Metadata, user: User | None
) -> EvidenceItem:
    return EvidenceItem(
        organization=org,
        kind=kind,
        title=meta.title,
        description=meta.description,
        effective_on=meta.effective_on or timezone.localdate(),
        expires_on=meta.expires_on,
        reviewer=meta.reviewer,
        reviewed_on=meta.reviewed_on,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )


def _check(obj: models.Model) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise problems_from(exc) from exc


def _check_links(org: Organization, links: Links) -> None:
    spec_ids(links.spec_ids)
    for obj in (*links.risks, *links.assets):
        if obj.organization_id != org.pk:
            raise InputProblems([Problem("Choose this organization's records.", field="links")])


def _save(item: EvidenceItem, links: Links) -> EvidenceItem:
    with transaction.atomic():
        _check(item)
        item.save()
        set_links(item, links)
    return item


def add_file(
    org: Organization,
    source: Readable,
    *,
    name: str,
    media_type: str,
    meta: Metadata,
    links: Links,
    user: User | None,
) -> EvidenceItem:
    """Seal the file on disk (atomically), then save its row and links."""
    item = _new_item(org, EvidenceKind.FILE, meta, user)
    item.original_name = clean_file_name(name)
    item.media_type = clean_media_type(media_type, item.original_name)
    item.size, item.sha256 = 0, "0" * 64  # placeholders: check the rest before writing
    _check(item)
    _check_links(org, links)
    location = Location(org.pk, str(item.uid))
    stored = storage.store(source, location, limit=storage.max_bytes())
    item.size, item.sha256 = stored.size, stored.sha256
    try:
        return _save(item, links)
    except BaseException:
        storage.remove(location)  # the row was not saved: leave no file behind
        raise


def add_link(
    org: Organization, url: str, *, meta: Metadata, links: Links, user: User | None
) -> EvidenceItem:
    item = _new_item(org, EvidenceKind.LINK, meta, user)
    item.url = url.strip()
    _check_links(org, links)
    return _save(item, links)


def add_record(
    org: Organization, document: object, *, meta: Metadata, links: Links, user: User | None
) -> EvidenceItem:
    """A generated record: a JSON object stored in canonical form with its SHA-256."""
    if not isinstance(document, dict):
        raise InputProblems([Problem("a record's document is a JSON object", field="document")])
    text = canonical_json(document)
    limit = storage.max_bytes()
    if len(text.encode("utf-8")) > limit:
        raise InputProblems(
            [
                Problem(
                    f"the document is larger than the {storage.describe_size(limit)} limit",
                    field="document",
                )
            ]
        )
    item = _new_item(org, EvidenceKind.RECORD, meta, user)
    item.document, item.sha256 = text, sha256_text(text)
    item.size = len(text.encode("utf-8"))
    item.media_type = "application/json"
    _check_links(org, links)
    return _save(item, links)


# --- changing ---------------------------------------------------------------------------------


def current_links(item: EvidenceItem) -> Links:
    return Links(
        spec_ids=tuple(
            EvidenceSpecLink.objects.filter(item=item).values_list("spec_id", flat=True)
        ),
        risks=tuple(
            link.risk for link in EvidenceRiskLink.objects.filter(item=item).select_related("risk")
        ),
        assets=tuple(
            link.asset
            for link in EvidenceAssetLink.objects.filter(item=item).select_related("asset")
        ),
    )


def set_links(item: EvidenceItem, links: Links) -> None:
    """Make the item's links exactly ``links``: each removed or added link is its own row
    change (and audit entry)."""
    org = item.organization
    wanted_specs = spec_ids(links.spec_ids)
    _check_links(org, links)
    _sync(
        EvidenceSpecLink.objects.filter(item=item),
        "spec_id",
        wanted_specs,
        lambda spec: EvidenceSpecLink(organization=org, item=item, spec_id=spec),
    )
    _sync(
        EvidenceRiskLink.objects.filter(item=item),
        "risk_id",
        tuple(r.pk for r in links.risks),
        lambda pk: EvidenceRiskLink(organization=org, item=item, risk_id=pk),
    )
    _sync(
        EvidenceAssetLink.objects.filter(item=item),
        "asset_id",
        tuple(a.pk for a in links.assets),
        lambda pk: EvidenceAssetLink(organization=org, item=item, asset_id=pk),
    )


def _sync(
    existing: models.QuerySet,
    key: str,
    wanted: Sequence[object],
    make: object,
) -> None:
    have = {getattr(link, key): link for link in existing}
    for value, link in have.items():
        if value not in wanted:
            link.delete()
    for value in wanted:
        if value not in have:
            link = make(value)  # type: ignore[operator]
            _check(link)
            link.save()


def update(
    item: EvidenceItem, changes: dict[str, object], links: Links | None = None
) -> EvidenceItem:
    """Change metadata (``EDITABLE`` fields only) and, when given, replace the links."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InputProblems(
            [Problem("the content of evidence cannot change", field=name) for name in unknown]
        )
    for name, value in changes.items():
        setattr(item, name, value)
    with transaction.atomic():
        _check(item)
        item.save()
        if links is not None:
            set_links(item, links)
    return item


# --- deleting ---------------------------------------------------------------------------------


def delete(
    item: EvidenceItem,
    *,
    user: User | None,
    may_delete_early: bool,
    reason: str = "",
    today: dt.date | None = None,
) -> EvidenceDeletion:
    """Delete an item and its links, leaving a deletion record; the file goes once the
    deletion commits.

    Inside the retention period (164.316(b)(2)(i)) this needs ``may_delete_early`` (an owner:
    ``administer`` on evidence) and a reason.
    """
    day = today or timezone.localdate()
    until = item.retained_until(day)
    early = day <= until
    reason = reason.strip()
    if early and not may_delete_early:
        raise PermissionDenied(
            f"evidence item {item.pk} must be kept until {until.isoformat()} "
            "(45 CFR 164.316(b)(2)(i)); only an owner may delete it earlier, with a reason"
        )
    if early and not reason:
        raise InputProblems(
            [
                Problem(
                    f"a reason is required: it must be kept until {until.isoformat()}",
                    field="reason",
                )
            ]
        )
    tombstone = EvidenceDeletion(
        organization=item.organization,
        item_uid=item.uid,
        item_number=item.pk,
        title=item.title,
        kind=item.kind,
        sha256=item.sha256,
        original_name=item.original_name,
        size=item.size,
        url=item.url,
        spec_ids=list(EvidenceSpecLink.objects.filter(item=item).values_list("spec_id", flat=True)),
        item_created_at=item.created_at,
        retained_until=until,
        early=early,
        reason=reason,
        deleted_by=user if user is not None and user.is_authenticated else None,
        deleted_by_name=user.get_username() if user is not None else "",
    )
    location = Location(item.organization_id, str(item.uid))
    is_file = item.kind == EvidenceKind.FILE
    with transaction.atomic():
        _check(tombstone)
        tombstone.save()
        item.delete()  # its links go with it, each on the audit log
        if is_file:
            transaction.on_commit(lambda: storage.remove(location))
    return tombstone


# --- reading content --------------------------------------------------------------------------


def location(item: EvidenceItem) -> Location:
    return Location(item.organization_id, str(item.uid))


def download_name(item: EvidenceItem) -> str:
    if item.kind == EvidenceKind.RECORD:
        return f"evidence-{item.pk}.json"
    return item.original_name or f"evidence-{item.pk}"


def content(item: EvidenceItem) -> Iterator[bytes]:
    """The item's content after checking it against its SHA-256; NotFound for a link."""
    if item.kind == EvidenceKind.FILE:
        return storage.verified_chunks(location(item), item.sha256)
    if item.kind == EvidenceKind.RECORD:
        data = item.document.encode("utf-8")
        if sha256_text(item.document) != item.sha256:
            raise EvidenceFileError(
                f"the record of evidence item {item.pk} does not match its recorded SHA-256"
            )
        return iter([data])
    raise NotFound("a link has no content to download; follow its address")


def record_download(item: EvidenceItem, how: str = "downloaded") -> None:
    record(
        AuditEvent(
            action=AuditAction.DOWNLOAD,
            organization_id=item.organization_id,
            object_type=OBJECT_TYPE,
            object_id=str(item.pk),
            summary=f"evidence item {item.pk} {how}",
            changes={"sha256": item.sha256, "size": item.size},
        )
    )


def record_integrity_failure(item: EvidenceItem, problem: str) -> None:
    record(
        AuditEvent(
            action=AuditAction.ADMIN,
            organization_id=item.organization_id,
            object_type=OBJECT_TYPE,
            object_id=str(item.pk),
            summary=f"evidence item {item.pk} failed its integrity check: {problem}",
        )
    )


# --- verification and housekeeping ------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One item's verification: ``ok`` None for a link (nothing to hash)."""

    item_id: int
    title: str
    kind: str
    ok: bool | None
    problem: str = ""


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]

    @property
    def hashed(self) -> int:
        return sum(1 for c in self.checks if c.ok is not None)


def check_item(item: EvidenceItem) -> Check:
    """Re-hash the item's content and compare with what was recorded when it was added."""
    if item.kind == EvidenceKind.LINK:
        return Check(item.pk, item.title, item.kind, None)
    try:
        if item.kind == EvidenceKind.FILE:
            found = storage.measure(location(item))
            if found.sha256 != item.sha256:
                return Check(item.pk, item.title, item.kind, False, "SHA-256 differs")
            if found.size != item.size:
                return Check(item.pk, item.title, item.kind, False, "size differs")
        elif sha256_text(item.document) != item.sha256:
            return Check(item.pk, item.title, item.kind, False, "SHA-256 differs")
    except Exception as exc:  # each failure is reported; none stops the others
        detail = str(exc) if isinstance(exc, EvidenceFileError) else type(exc).__name__
        return Check(item.pk, item.title, item.kind, False, detail)
    return Check(item.pk, item.title, item.kind, True)


def verify(org: Organization) -> Verification:
    """Check every file and record of the organization (tamper detection); audit-logged."""
    items = EvidenceItem.objects.for_org(org).order_by("pk").iterator(chunk_size=200)
    result = Verification([check_item(item) for item in items])
    record_verification(org, result)
    return result


def record_verification(org: Organization, result: Verification) -> None:
    failed = [c.item_id for c in result.failures]
    record(
        AuditEvent(
            action=AuditAction.ADMIN,
            organization_id=org.pk,
            object_type=OBJECT_TYPE,
            summary=f"evidence verified: {result.hashed} hashed, {len(failed)} failed",
            changes={"failed": failed},
        )
    )


ORPHAN_AGE = dt.timedelta(hours=1)  # younger files may belong to an upload still committing


def orphans(now: dt.datetime | None = None, min_age: dt.timedelta = ORPHAN_AGE) -> list[str]:
    """Files in the evidence folder no item refers to, older than ``min_age`` (paths inside
    the data directory): left by a crash between writing a file and saving its row, by a
    rolled-back request, or by an interrupted write."""
    cutoff = (now or timezone.now()).timestamp() - min_age.total_seconds()
    known = {
        (org_id, str(uid))
        for org_id, uid in EvidenceItem.objects.filter(kind=EvidenceKind.FILE).values_list(
            "organization_id", "uid"
        )
    }
    found = []
    base = storage.root()
    for path, place in storage.files_on_disk():
        if place is not None and (place.organization_id, place.uid) in known:
            continue
        try:
            if path.is_dir() or path.stat().st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue
        found.append(path.relative_to(base.parent).as_posix())
    return found


def remove_orphans(now: dt.datetime | None = None, min_age: dt.timedelta = ORPHAN_AGE) -> list[str]:
    """Delete the files ``orphans`` finds; returns what was removed."""
    removed = orphans(now, min_age)
    base = storage.root().parent
    for relative in removed:
        (base / relative).unlink(missing_ok=True)
    if removed:
        record(
            AuditEvent(
                action=AuditAction.ADMIN,
                object_type=OBJECT_TYPE,
                summary=f"removed {len(removed)} evidence files no item refers to",
                changes={"files": removed},
            )
        )
    return removed
