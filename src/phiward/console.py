"""What every CLI command shares: JSON output, progress bars, one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
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


@contextmanager
def step_bar(steps: Sequence[str], *, label: str) -> Iterator[Callable[[str], None]]:
    """A progress bar over named steps of one job; yields the callback that advances it."""
    if not sys.stderr.isatty():
        yield lambda _step: None
        return
    with click.progressbar(steps, label=label, file=sys.stderr, item_show_func=str) as bar:

        def advance(step: str) -> None:
            bar.update(1, current_item=step)

        yield advance
