"""Per-request DataLoaders: every relation is fetched in one query per batch, so a
page of 100 scores costs the same number of queries as a page of 10."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from service.models import (
    Adjustment,
    Appeal,
    Cycle,
    Employee,
    Kpi,
    Position,
    Score,
    Team,
)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _by_id(model: Any) -> Callable[[list[int]], Awaitable[list[Any]]]:
    async def load(ids: list[int]) -> list[Any]:
        rows = {row.id: row for row in await model.filter(id__in=ids)}
        return [rows.get(i) for i in ids]

    return load


def _grouped(
    fetch: Callable[[list[K]], Awaitable[Sequence[Any]]], key: Callable[[Any], K]
) -> Callable[[list[K]], Awaitable[list[list[Any]]]]:
    async def load(keys: list[K]) -> list[list[Any]]:
        groups: dict[K, list[Any]] = defaultdict(list)
        for row in await fetch(keys):
            groups[key(row)].append(row)
        return [groups.get(k, []) for k in keys]

    return load


async def _adjustments(keys: list[tuple[int, int]]) -> Sequence[Adjustment]:
    cycles = {c for c, _ in keys}
    employees = {e for _, e in keys}
    return await Adjustment.filter(cycle_id__in=cycles, employee_id__in=employees).order_by("id")


async def _appeals(keys: list[tuple[int, int]]) -> Sequence[Appeal]:
    cycles = {c for c, _ in keys}
    employees = {e for _, e in keys}
    return await Appeal.filter(cycle_id__in=cycles, employee_id__in=employees).order_by("id")


async def _scores(keys: list[tuple[int, str]]) -> list[Score | None]:
    employees = {e for e, _ in keys}
    codes = {c for _, c in keys}
    rows = await Score.filter(employee_id__in=employees, cycle__code__in=codes).select_related(
        "cycle"
    )
    found = {(r.employee_id, r.cycle.code): r for r in rows}
    return [found.get(k) for k in keys]


async def _kpis_by_code(codes: list[str]) -> list[Kpi | None]:
    rows = {k.code: k for k in await Kpi.filter(code__in=codes)}
    return [rows.get(c) for c in codes]


async def _members(team_ids: list[int]) -> Sequence[Employee]:
    return await Employee.filter(team_id__in=team_ids).order_by("id")


class Loaders:
    def __init__(self) -> None:
        self.employee: DataLoader[int, Employee | None] = DataLoader(_by_id(Employee))
        self.team: DataLoader[int, Team | None] = DataLoader(_by_id(Team))
        self.position: DataLoader[int, Position | None] = DataLoader(_by_id(Position))
        self.cycle: DataLoader[int, Cycle | None] = DataLoader(_by_id(Cycle))
        self.kpi_by_code: DataLoader[str, Kpi | None] = DataLoader(_kpis_by_code)
        self.score_by_employee_cycle: DataLoader[tuple[int, str], Score | None] = DataLoader(
            _scores
        )
        self.adjustments: DataLoader[tuple[int, int], list[Adjustment]] = DataLoader(
            _grouped(_adjustments, lambda a: (a.cycle_id, a.employee_id))
        )
        self.appeals: DataLoader[tuple[int, int], list[Appeal]] = DataLoader(
            _grouped(_appeals, lambda a: (a.cycle_id, a.employee_id))
        )
        self.all_teams: DataLoader[int, list[Team]] = DataLoader(self._all_teams)

    @staticmethod
    async def _all_teams(keys: list[int]) -> list[list[Team]]:
        # The whole hierarchy in one query: managers and sub-teams walk it in memory.
        teams = list(await Team.all())
        return [teams for _ in keys]
