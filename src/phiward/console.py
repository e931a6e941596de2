"""What every CLI command shares: JSON output, progress bars, one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

import click

T = TypeVar("T")


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (dates as ISO strings)."""
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def progress(items: Iterable[T], *, label: str, length: int | None = None) -> Iterator[T]:
    """A progress bar on stderr when it is a terminal; silent in pipelines and tests."""
    if not sys.stderr.isatty():
        yield from items
        return
    with click.progressbar(items, label=label, length=length, file=sys.stderr) as bar:
        yield from bar
