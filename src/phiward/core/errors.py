"""The domain exceptions every interface maps at its edge.

Core code raises these; the CLI turns them into one line and an exit code, the API into a
problem+json answer, and the web into form errors. Messages never contain field values that
could hold PHI: they name the place (file, row, field) and the rule that was broken.
"""

from __future__ import annotations

from dataclasses import dataclass


class PhiwardError(Exception):
    """Base of every error phiward reports to a user."""

    exit_code = 1


class NotFound(PhiwardError):
    exit_code = 3


class PermissionDenied(PhiwardError):
    exit_code = 4


class InvalidInput(PhiwardError):
    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the format allows."""

    message: str
    file: str | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        place = ":".join(str(part) for part in (self.file, self.row) if part is not None)
        if self.field:
            place = f"{place} field '{self.field}'" if place else f"field '{self.field}'"
        return f"{place}: {self.message}" if place else self.message


class InputProblems(InvalidInput):
    """Raised with every problem found, so one run of an import reports them all."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InputProblems needs at least one problem")
        self.problems = problems
        extra = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{extra}")
