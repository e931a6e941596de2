"""``phiward breach assess FILE [--json]``: the breach determination for an incident's facts.

FILE is YAML or JSON (by its extension, else by its content; ``-`` reads stdin), in the schema
of ``docs/breach.md``. The command prints the determination, the reasoning steps with their
citations and the obligations with due dates, or with ``--json`` the documented output schema.
Invalid input prints every problem (file and field path) and exits 2. Django-free: the engine
is pure, this module only reads, renders and prints.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import click
import yaml

from phiward.breach import Assessment, assess_document
from phiward.console import emit_json
from phiward.core.errors import InputProblems, Problem

MAX_INPUT_BYTES = 1_000_000
DATE = click.DateTime(formats=["%Y-%m-%d"])


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects a key given twice in one mapping."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[object, object]:
    loader.flatten_mapping(node)
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key '{key}' is given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _unique_json_object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key '{key}' is given twice")
        out[key] = value
    return out


def load_document(text: str, name: str) -> Mapping[str, object]:
    """Decode ``text`` as JSON (``.json``, or content starting with ``{``) or YAML."""
    suffix = Path(name).suffix.lower()
    as_json = suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip()[:1] == "{")
    data: object
    if as_json:
        try:
            data = json.loads(text, object_pairs_hook=_unique_json_object)
        except json.JSONDecodeError as exc:
            raise InputProblems(
                [Problem(f"not valid JSON: {exc.msg}", file=name, row=exc.lineno)]
            ) from None
        except ValueError as exc:
            raise InputProblems([Problem(f"not valid JSON: {exc}", file=name)]) from None
    else:
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            reason = getattr(exc, "problem", None) or "cannot be read"
            row = mark.line + 1 if mark is not None else None
            raise InputProblems(
                [Problem(f"not valid YAML: {reason}", file=name, row=row)]
            ) from None
    if not isinstance(data, Mapping):
        raise InputProblems([Problem("the facts must be a mapping of fields", file=name)])
    return data


def _read(file: str) -> tuple[str, str]:
    if file == "-":
        return sys.stdin.read(MAX_INPUT_BYTES + 1), "<stdin>"
    path = Path(file)
    if path.stat().st_size > MAX_INPUT_BYTES:
        raise InputProblems([Problem("larger than 1 MB; is this an incident's facts?", file=file)])
    try:
        return path.read_text(encoding="utf-8"), file
    except UnicodeDecodeError:
        raise InputProblems([Problem("not UTF-8 text", file=file)]) from None


def _wrap(text: str, indent: int) -> str:
    return textwrap.fill(
        text, width=96, initial_indent=" " * indent, subsequent_indent=" " * indent
    )


def render(assessment: Assessment) -> str:
    """The determination, its reasoning and the obligations, as plain text."""
    det = assessment.determination
    lines = [
        f"Determination: {det.outcome.label}",
        _wrap(det.summary, 0),
        f"Engine {det.engine_version}. Decision support: a privacy officer reviews and signs off.",
        "",
        "Reasoning",
    ]
    for step in det.steps:
        mark = "  <- decides" if step.decisive else ""
        heading = f"{step.number:>3}. {step.question} [{step.citation}]{mark}"
        lines.append(textwrap.fill(heading, width=96, subsequent_indent=" " * 5))
        lines.append(_wrap(step.answer, 6))
        lines.append(_wrap(step.reasoning, 8))
    lines.append("")
    if not assessment.obligations:
        lines.append("Obligations: none (no notification is required).")
        return "\n".join(lines) + "\n"
    lines.append("Obligations")
    rows = [("Due", "Recipient", "Obligation", "Citation")]
    for ob in assessment.obligations:
        due = ob.due_on.isoformat() if ob.due_on else "-"
        if ob.completed_on is not None:
            due += f" (done {ob.completed_on.isoformat()})"
        elif ob.days_remaining is not None:
            left = ob.days_remaining
            due += f" ({left} days left)" if left >= 0 else f" ({-left} days overdue)"
        rows.append((due, str(ob.recipient), ob.title, ob.citation))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        lines.append(
            "  "
            + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
            + "  "
            + row[3]
        )
    lines.append("")
    lines.append("Details")
    for ob in assessment.obligations:
        lines.append(f"  [{ob.key}] {ob.title}")
        lines.append(_wrap(ob.description, 6))
        lines.append(_wrap(f"Due: {ob.basis}.", 6))
        if ob.delayed_until is not None:
            lines.append(_wrap(f"Law-enforcement delay: not before {ob.delayed_until}.", 6))
    return "\n".join(line.rstrip() for line in lines) + "\n"


@click.group()
def breach() -> None:
    """Breach determination and notification clocks (45 CFR 164.400-414)."""


@breach.command("assess")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, exists=False))
@click.option("--as-of", type=DATE, default=None, help="Today, for days left (sets dates.as_of).")
@click.option("--json", "as_json", is_flag=True, help="Print the assessment as JSON.")
def assess_command(file: str, as_of: dt.datetime | None, as_json: bool) -> None:
    """Decide whether the incident in FILE (YAML or JSON; - for stdin) is a reportable breach."""
    try:
        text, name = _read(file)
        data = load_document(text, name)
        if as_of is not None:
            dates = data.get("dates")
            if isinstance(dates, Mapping):
                data = {**data, "dates": {**dates, "as_of": as_of.date()}}
        assessment = assess_document(data, source=name)
    except InputProblems as problems:
        if as_json:
            emit_json(
                {
                    "ok": False,
                    "problems": [
                        {"file": p.file, "row": p.row, "field": p.field, "message": p.message}
                        for p in problems.problems
                    ],
                }
            )
        else:
            for problem in problems.problems:
                click.echo(f"phiward: error: {problem}", err=True)
        sys.stdout.flush()
        # Not click's Exit: with standalone_mode off, click returns its code instead.
        sys.exit(problems.exit_code)
    if as_json:
        emit_json(assessment.to_dict())
        return
    click.echo(render(assessment), nl=False)


COMMANDS = [breach]
