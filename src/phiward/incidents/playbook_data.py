"""The shipped incident-response playbooks (``incidents/data/playbooks.yaml``) and their loader.

Pure: no Django. ``parse_playbooks(text)`` validates everything and reports every problem with
the file, the playbook's position and the field; ``load_playbooks()`` reads the shipped file
once per process. A test checks that the shipped file has exactly one playbook per category.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import yaml

from phiward.core.errors import InputProblems, Problem

FILE = "playbooks.yaml"
PHASES = ("containment", "eradication", "recovery", "communication")
CATEGORIES = (
    "ransomware_malware",
    "phishing_account_compromise",
    "lost_stolen_device",
    "misdirected_communication",
    "unauthorized_access",
    "improper_disposal",
    "vendor_incident",
    "system_outage",
    "other",
)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class StepSpec:
    phase: str
    text: str


@dataclass(frozen=True, slots=True)
class PlaybookSpec:
    category: str
    title: str
    steps: tuple[StepSpec, ...]


@dataclass(frozen=True, slots=True)
class Playbooks:
    version: str
    playbooks: tuple[PlaybookSpec, ...]

    def for_category(self, category: str) -> PlaybookSpec | None:
        return next((p for p in self.playbooks if p.category == category), None)


def _steps(raw: object, file: str, row: int, problems: list[Problem]) -> tuple[StepSpec, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem("must be a non-empty list of steps", file, row, "steps"))
        return ()
    steps = []
    for n, item in enumerate(raw, start=1):
        field = f"steps[{n}]"
        if not isinstance(item, dict) or set(item) != {"phase", "text"}:
            problems.append(Problem("a step is a mapping of phase and text", file, row, field))
            continue
        phase, text = item["phase"], item["text"]
        if phase not in PHASES:
            problems.append(
                Problem(f"phase must be one of {', '.join(PHASES)}", file, row, f"{field}.phase")
            )
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem("must be non-empty text", file, row, f"{field}.text"))
            continue
        steps.append(StepSpec(str(phase), " ".join(text.split())))
    return tuple(steps)


def parse_playbooks(text: str, *, file: str = FILE) -> Playbooks:
    """The playbooks in ``text``; ``InputProblems`` lists every problem found."""
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputProblems([Problem("not valid YAML", file, row)]) from exc
    if not isinstance(data, dict) or set(data) != {"version", "playbooks"}:
        raise InputProblems([Problem("the file holds 'version' and 'playbooks'", file)])
    problems: list[Problem] = []
    version = data["version"]
    if not isinstance(version, str) or not version.strip():
        problems.append(Problem("must be text", file, None, "version"))
    raw = data["playbooks"]
    if not isinstance(raw, list) or not raw:
        raise InputProblems([Problem("must be a non-empty list", file, None, "playbooks")])
    found: list[PlaybookSpec] = []
    seen: set[str] = set()
    for row, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            problems.append(Problem("a playbook is a mapping", file, row))
            continue
        unknown = sorted(set(entry) - {"category", "title", "steps"})
        for name in unknown:
            problems.append(Problem("unknown field", file, row, str(name)))
        category = entry.get("category")
        if category not in CATEGORIES:
            problems.append(Problem("not an incident category", file, row, "category"))
        elif category in seen:
            problems.append(Problem("a second playbook for this category", file, row, "category"))
        title = entry.get("title")
        if not isinstance(title, str) or not title.strip():
            problems.append(Problem("must be non-empty text", file, row, "title"))
            title = ""
        steps = _steps(entry.get("steps"), file, row, problems)
        if isinstance(category, str):
            seen.add(category)
            found.append(PlaybookSpec(category, title.strip(), steps))
    if problems:
        raise InputProblems(problems)
    return Playbooks(str(version).strip(), tuple(found))


@functools.cache
def load_playbooks() -> Playbooks:
    """The shipped playbooks (read and validated once per process)."""
    return parse_playbooks((resources.files("phiward.incidents") / "data" / FILE).read_text())
