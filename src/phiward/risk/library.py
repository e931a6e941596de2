"""The shipped threat and vulnerability catalogs (``risk/data/*.yaml``) and their loader.

Pure: no Django. ``load_library()`` reads the package data once per process and validates all
of it; ``parse_library(threats_text, vulnerabilities_text)`` does the same for any text (tests,
and a future import of an organization's own catalog). Every problem is reported, each naming
the file, the entry (its position and key) and the field; nothing is loaded from a file with a
problem in it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import resources

import yaml

from phiward.catalog.catalog import load
from phiward.core.errors import InputProblems, Problem

THREATS_FILE = "threats.yaml"
VULNERABILITIES_FILE = "vulnerabilities.yaml"

SOURCES = ("adversarial", "accidental", "structural", "environmental")  # SP 800-30 Table D-2
OBJECTIVES = ("confidentiality", "integrity", "availability")
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# NIST SP 800-53 Rev. 5 control or enhancement: AC-2, IA-2(1), SC-28(1).
_CONTROL = re.compile(r"^[A-Z]{2}-\d{1,2}(?:\(\d{1,2}\))?$")
_EVENT = re.compile(r"^E-[23]: \S")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present


@dataclass(frozen=True, slots=True)
class ThreatSpec:
    key: str
    name: str
    source: str
    source_detail: str
    affects: tuple[str, ...]
    events: tuple[str, ...]
    description: str
    spec_ids: tuple[str, ...]
    nist_controls: tuple[str, ...]

    def content(self) -> dict[str, object]:
        """The fields an organization's copy holds (what its digest is computed over)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class VulnerabilitySpec:
    key: str
    name: str
    description: str
    spec_ids: tuple[str, ...]
    nist_controls: tuple[str, ...]
    key_activities: tuple[str, ...]
    answer_threats: tuple[str, ...]

    def content(self) -> dict[str, object]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class Library:
    threats: tuple[ThreatSpec, ...]
    vulnerabilities: tuple[VulnerabilitySpec, ...]

    def threat(self, key: str) -> ThreatSpec | None:
        return next((t for t in self.threats if t.key == key), None)

    def vulnerability(self, key: str) -> VulnerabilitySpec | None:
        return next((v for v in self.vulnerabilities if v.key == key), None)


def content_digest(content: Mapping[str, object]) -> str:
    """SHA-256 of an entry's content as canonical JSON: tells an edited copy from a shipped one."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- validation ---------------------------------------------------------------------------------


class _Entry:
    """One entry of a data file being read: collects its problems with file, position and key."""

    def __init__(self, file: str, kind: str, position: int, data: object) -> None:
        self.file = file
        self.kind = kind
        self.position = position
        self.data: Mapping[str, object] = data if isinstance(data, dict) else {}
        raw_key = self.data.get("key")
        self.key = raw_key if isinstance(raw_key, str) else ""
        self.problems: list[Problem] = []
        if not isinstance(data, dict):
            self.problem("", "each entry must be a mapping of fields")

    def problem(self, field: str, message: str) -> None:
        who = f"{self.kind} '{self.key}'" if self.key else f"{self.kind} #{self.position}"
        self.problems.append(
            Problem(f"{who}: {message}", file=self.file, row=self.position, field=field or None)
        )

    def check_fields(self, allowed: Sequence[str], required: Sequence[str]) -> None:
        for name in sorted(set(self.data) - set(allowed)):
            self.problem(str(name), f"unknown field (known: {', '.join(allowed)})")
        for name in required:
            if name not in self.data:
                self.problem(name, "is required")

    def text(self, name: str, *, required: bool = True) -> str:
        value = self.data.get(name, "")
        if not isinstance(value, str):
            self.problem(name, "must be text")
            return ""
        value = value.strip()
        if required and not value and name in self.data:
            self.problem(name, "must not be empty")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(name, "must be a list of non-empty text")
            return ()
        if len(set(value)) != len(value):
            self.problem(name, "lists an item twice")
        return tuple(v.strip() for v in value)


def _spec_ids(entry: _Entry) -> tuple[str, ...]:
    ids = entry.texts("spec_ids")
    if "spec_ids" in entry.data and not ids:
        entry.problem("spec_ids", "name at least one Security Rule citation that addresses it")
    security_rule = load("hipaa-security")
    for spec_id in ids:
        if security_rule.get(spec_id) is None:
            entry.problem("spec_ids", f"'{spec_id}' is not in the Security Rule catalog")
    return ids


def _controls(entry: _Entry) -> tuple[str, ...]:
    controls = entry.texts("nist_controls")
    if "nist_controls" in entry.data and not controls:
        entry.problem("nist_controls", "name at least one NIST SP 800-53 control")
    for control in controls:
        if not _CONTROL.match(control):
            entry.problem("nist_controls", f"'{control}' is not a SP 800-53 control id (AC-2(1))")
    return controls


def _entries(data: object, file: str, section: str) -> tuple[list[object], list[Problem]]:
    if not isinstance(data, dict) or set(data) != {section}:
        return [], [Problem(f"the file must hold one mapping key, '{section}'", file=file)]
    entries = data[section]
    if not isinstance(entries, list) or not entries:
        return [], [Problem(f"'{section}' must be a non-empty list", file=file, field=section)]
    return entries, []


def _read_yaml(text: str, file: str) -> tuple[object, list[Problem]]:
    try:
        return yaml.load(text, Loader=_LOADER), []  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        return None, [Problem(f"not valid YAML ({getattr(exc, 'problem', exc)})", file, row)]


_THREAT_FIELDS = (
    "key",
    "name",
    "source",
    "source_detail",
    "affects",
    "events",
    "description",
    "spec_ids",
    "nist_controls",
)
_THREAT_REQUIRED = ("key", "name", "source", "affects", "events", "spec_ids", "nist_controls")


def _threat(entry: _Entry) -> ThreatSpec:
    entry.check_fields(_THREAT_FIELDS, _THREAT_REQUIRED)
    if entry.key and not _KEY.match(entry.key):
        entry.problem("key", "must be lower-case words joined by hyphens")
    source = entry.text("source")
    if source and source not in SOURCES:
        entry.problem("source", f"must be one of {', '.join(SOURCES)} (SP 800-30 Table D-2)")
    affects = entry.texts("affects")
    if "affects" in entry.data and not affects:
        entry.problem("affects", "name what it harms")
    for objective in affects:
        if objective not in OBJECTIVES:
            entry.problem("affects", f"'{objective}' is not one of {', '.join(OBJECTIVES)}")
    events = entry.texts("events")
    if "events" in entry.data and not events:
        entry.problem("events", "name at least one SP 800-30 Appendix E threat event")
    for event in events:
        if not _EVENT.match(event):
            entry.problem("events", f"'{event}' must start with 'E-2: ' or 'E-3: '")
    return ThreatSpec(
        key=entry.key,
        name=entry.text("name"),
        source=source,
        source_detail=entry.text("source_detail", required=False),
        affects=affects,
        events=events,
        description=entry.text("description", required=False),
        spec_ids=_spec_ids(entry),
        nist_controls=_controls(entry),
    )


_VULNERABILITY_FIELDS = (
    "key",
    "name",
    "description",
    "spec_ids",
    "nist_controls",
    "key_activities",
    "answer_threats",
)
_VULNERABILITY_REQUIRED = ("key", "name", "spec_ids", "nist_controls")


def _vulnerability(entry: _Entry, threat_keys: set[str]) -> VulnerabilitySpec:
    from phiward.risk.questionnaire import key_activities

    entry.check_fields(_VULNERABILITY_FIELDS, _VULNERABILITY_REQUIRED)
    if entry.key and not _KEY.match(entry.key):
        entry.problem("key", "must be lower-case words joined by hyphens")
    activities = entry.texts("key_activities")
    known = key_activities()
    for activity in activities:
        if activity not in known:
            entry.problem("key_activities", f"'{activity}' is not a NIST SP 800-66r2 key activity")
    answer_threats = entry.texts("answer_threats")
    for threat in answer_threats:
        if threat not in threat_keys:
            entry.problem("answer_threats", f"'{threat}' is not a threat of {THREATS_FILE}")
    if activities and not answer_threats:
        entry.problem("answer_threats", "name the threats its key activities' answers pair it with")
    if answer_threats and not activities:
        entry.problem("key_activities", "answer_threats needs key activities to be proposed from")
    return VulnerabilitySpec(
        key=entry.key,
        name=entry.text("name"),
        description=entry.text("description", required=False),
        spec_ids=_spec_ids(entry),
        nist_controls=_controls(entry),
        key_activities=activities,
        answer_threats=answer_threats,
    )


def _unique(entries: Sequence[_Entry], kind: str) -> None:
    seen: dict[str, int] = {}
    for entry in entries:
        if not entry.key:
            continue
        if entry.key in seen:
            entry.problem("key", f"is also the key of {kind} #{seen[entry.key]}")
        else:
            seen[entry.key] = entry.position


def parse_library(
    threats_text: str,
    vulnerabilities_text: str,
    *,
    threats_file: str = THREATS_FILE,
    vulnerabilities_file: str = VULNERABILITIES_FILE,
) -> Library:
    """Both catalogs from their YAML text; ``InputProblems`` lists every problem found."""
    problems: list[Problem] = []
    threat_data, found = _read_yaml(threats_text, threats_file)
    problems += found
    raw_threats, found = _entries(threat_data, threats_file, "threats") if not found else ([], [])
    problems += found
    threat_entries = [
        _Entry(threats_file, "threat", i, data) for i, data in enumerate(raw_threats, start=1)
    ]
    threats = tuple(_threat(entry) for entry in threat_entries)
    _unique(threat_entries, "threat")

    vuln_data, found = _read_yaml(vulnerabilities_text, vulnerabilities_file)
    problems += found
    raw_vulns, found = (
        _entries(vuln_data, vulnerabilities_file, "vulnerabilities") if not found else ([], [])
    )
    problems += found
    threat_keys = {t.key for t in threats if t.key}
    vuln_entries = [
        _Entry(vulnerabilities_file, "vulnerability", i, data)
        for i, data in enumerate(raw_vulns, start=1)
    ]
    vulnerabilities = tuple(_vulnerability(entry, threat_keys) for entry in vuln_entries)
    _unique(vuln_entries, "vulnerability")

    for entry in (*threat_entries, *vuln_entries):
        problems += entry.problems
    if problems:
        raise InputProblems(problems)
    return Library(threats=threats, vulnerabilities=vulnerabilities)


@functools.cache
def load_library() -> Library:
    """The shipped catalogs (read and validated once per process)."""
    data = resources.files("phiward.risk") / "data"
    return parse_library(
        (data / THREATS_FILE).read_text(encoding="utf-8"),
        (data / VULNERABILITIES_FILE).read_text(encoding="utf-8"),
    )
