"""docs/breach-examples stay true: every example parses, and its documented output (the
``.out.json`` beside it, and ``.out.txt`` for the text form) is what the engine produces.

After a deliberate change of the engine's reasoning, regenerate them with
``PHIWARD_REGENERATE_BREACH_EXAMPLES=1 pytest tests/breach/test_examples.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from phiward.breach import assess_document
from phiward.breach.cli import load_document, render

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "breach-examples"
DOCS = EXAMPLES.parent / "breach.md"
INPUTS = sorted(
    p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json") and ".out" not in p.name
)
REGENERATE = os.environ.get("PHIWARD_REGENERATE_BREACH_EXAMPLES") == "1"


def test_there_are_examples() -> None:
    assert len(INPUTS) >= 5


@pytest.mark.parametrize("example", INPUTS, ids=lambda p: p.name)
def test_example_output_matches_the_engine(example: Path) -> None:
    assessment = assess_document(
        load_document(example.read_text(), example.name), source=example.name
    )
    produced = json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False) + "\n"
    text = render(assessment)
    expected_json = example.with_name(f"{example.stem}.out.json")
    expected_text = example.with_name(f"{example.stem}.out.txt")
    if REGENERATE:
        expected_json.write_text(produced)
        expected_text.write_text(text)
    assert expected_json.read_text() == produced, f"regenerate {expected_json.name}"
    assert expected_text.read_text() == text, f"regenerate {expected_text.name}"


@pytest.mark.parametrize("example", INPUTS, ids=lambda p: p.name)
def test_example_is_linked_from_the_docs(example: Path) -> None:
    assert f"breach-examples/{example.name}" in DOCS.read_text()


def _paths(value: object, prefix: str = "") -> set[str]:
    if not isinstance(value, dict):
        return set()
    found = set()
    for key, item in value.items():
        path = f"{prefix}.{key}" if prefix else key
        found.add(path)
        if key != "by_state":
            found |= _paths(item, path)
    return found


def test_every_input_field_is_documented() -> None:
    """Documentation coverage: every field of the canonical input appears in docs/breach.md."""
    doc = DOCS.read_text()
    full = json.loads((EXAMPLES / "ransomware-breach.out.json").read_text())["facts"]
    assessment = assess_document(
        load_document((EXAMPLES / "business-associate.yaml").read_text(), "x.yaml")
    )
    paths = _paths(full) | _paths(assessment.facts.to_dict())
    conditions = re.findall(r"`([a-z_]+)`", doc)
    factors = re.compile(r"^risk_assessment\.[a-z_]+\.(answer|rating)$")
    for path in sorted(paths):
        documented = factors.sub(r"risk_assessment.<factor>.\1", path)
        assert f"`{documented}`" in doc or path.rsplit(".", 1)[-1] in conditions, path


def test_every_output_field_is_documented() -> None:
    doc = DOCS.read_text()
    output = json.loads((EXAMPLES / "ransomware-breach.out.json").read_text())
    fields = set(output) - {"facts"}
    fields |= {f"determination.{key}" for key in output["determination"]}
    fields |= {f"steps[].{key}" for key in output["determination"]["steps"][0]}
    fields |= {f"obligations[].{key}" for key in output["obligations"][0]}
    for name in sorted(fields):
        assert f"`{name}`" in doc, name


def test_the_text_excerpt_in_the_docs_is_true() -> None:
    doc = DOCS.read_text()
    excerpt = doc.split("A short excerpt of the text output", 1)[1].split("```")[1]
    produced = (EXAMPLES / "ransomware-breach.out.txt").read_text().splitlines()
    lines = [line for line in excerpt.splitlines() if line.strip()]
    assert len(lines) >= 4
    assert all(line in produced for line in lines)
