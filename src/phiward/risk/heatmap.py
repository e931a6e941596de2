"""Heat maps: how many risks sit in each likelihood x impact cell, with the cell's level.

Pure: no Django. ``count_cells`` takes ratings on one method's scales; cells are keyed
``(likelihood, impact)`` from 1 to the scale size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from phiward.risk.scoring import Level, Method, level, spec


@dataclass(frozen=True, slots=True)
class HeatMap:
    method: str
    likelihood_names: tuple[str, ...]  # index 0 is value 1
    impact_names: tuple[str, ...]
    cells: Mapping[tuple[int, int], int]  # every cell, zero included
    levels: Mapping[tuple[int, int], Level]
    unrated: int  # risks with no rating on this axis pair

    @property
    def size(self) -> int:
        return len(self.likelihood_names)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def rows(self) -> list[list[tuple[int, Level]]]:
        """Rows from the highest likelihood down, each cell (count, level) by rising impact."""
        return [
            [(self.cells[(lk, im)], self.levels[(lk, im)]) for im in range(1, self.size + 1)]
            for lk in range(self.size, 0, -1)
        ]


def count_cells(method: Method | str, ratings: Iterable[tuple[int | None, int | None]]) -> HeatMap:
    """A heat map of ``(likelihood, impact)`` ratings; ``(None, None)`` counts as unrated."""
    chosen = spec(method)
    size = chosen.size
    cells = {(lk, im): 0 for lk in range(1, size + 1) for im in range(1, size + 1)}
    unrated = 0
    for likelihood, impact in ratings:
        if likelihood is None or impact is None:
            unrated += 1
            continue
        if (likelihood, impact) not in cells:
            raise ValueError(f"rating {likelihood}x{impact} is off the {chosen.method} scales")
        cells[(likelihood, impact)] += 1
    return HeatMap(
        method=chosen.method,
        likelihood_names=tuple(p.name for p in chosen.likelihood),
        impact_names=tuple(p.name for p in chosen.impact),
        cells=cells,
        levels={cell: level(chosen.method, *cell) for cell in cells},
        unrated=unrated,
    )
