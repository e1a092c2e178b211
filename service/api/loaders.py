"""Per-request DataLoaders: every relation is fetched in one query per batch, so a
page of 100 scores costs the same number of queries as a page of 10."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.connection import get_connection

from service.models import (
    Adjustment,
    Appeal,
    Course,
    CourseAttendance,
    Cycle,
    DevelopmentItem,
    DevelopmentPlan,
    Employee,
    Goal,
    Kpi,
    Position,
    Score,
    Team,
)
from service.scoring.types import Policy
from service.sql import for_dialect, placeholders
from service.usecases.people.development import ItemEffect, effects_of_items
from service.usecases.scoring.trends import EmployeeTrend, employee_trends
from service.usecases.setup.policy import load_policy

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


async def _instances(model: Any, sql: str, params: Sequence[Any]) -> list[Any]:
    """Model instances of a hand-written SELECT of the model's table's columns, built as
    the ORM builds those of a query (`Model._init_from_db`), without composing the query
    each time: the loaders run on every request."""
    conn = get_connection("default")
    _count, rows = await conn.execute_query(for_dialect(conn, sql), list(params))
    return [model._init_from_db(**dict(row)) for row in rows]


def _by_id(model: Any) -> Callable[[list[int]], Awaitable[list[Any]]]:
    table = model._meta.db_table

    async def load(ids: list[int]) -> list[Any]:
        found = await _instances(
            model, f"SELECT * FROM {table} WHERE id IN ({placeholders(len(ids))})", ids
        )
        rows = {row.id: row for row in found}
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
    employees = sorted({e for e, _ in keys})
    codes = sorted({c for _, c in keys})
    conn = get_connection("default")
    sql = (
        "SELECT s.*, c.code AS of_cycle_code FROM score s JOIN cycle c ON c.id = s.cycle_id "
        f"WHERE s.employee_id IN ({placeholders(len(employees))}) "
        f"AND c.code IN ({placeholders(len(codes))})"
    )
    _count, rows = await conn.execute_query(for_dialect(conn, sql), [*employees, *codes])
    found = {}
    for row in rows:
        values = dict(row)
        found[(values["employee_id"], values.pop("of_cycle_code"))] = Score._init_from_db(**values)
    return [found.get(k) for k in keys]


async def _kpis_by_code(codes: list[str]) -> list[Kpi | None]:
    rows = {k.code: k for k in await Kpi.filter(code__in=codes)}
    return [rows.get(c) for c in codes]


async def _goals(keys: list[tuple[int, str]]) -> list[list[Goal]]:
    """An employee's goals in a cycle, in one query for every (employee, cycle) asked."""
    employees = {e for e, _ in keys}
    codes = {c for _, c in keys}
    rows = await Goal.filter(employee_id__in=employees, cycle__code__in=codes).select_related(
        "cycle"
    )
    found: dict[tuple[int, str], list[Goal]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r.id):
        found[(row.employee_id or 0, row.cycle.code)].append(row)
    return [found.get(k, []) for k in keys]


async def _policy(keys: list[int]) -> list[Policy]:
    policy, _version = await load_policy(get_connection("default"))
    return [policy for _ in keys]


async def _members(team_ids: list[int]) -> Sequence[Employee]:
    return await Employee.filter(team_id__in=team_ids).order_by("id")


async def _plans(employee_ids: list[int]) -> list[DevelopmentPlan | None]:
    rows = {p.employee_id: p for p in await DevelopmentPlan.filter(employee_id__in=employee_ids)}
    return [rows.get(e) for e in employee_ids]


async def _items(plan_ids: list[int]) -> Sequence[DevelopmentItem]:
    return await DevelopmentItem.filter(plan_id__in=plan_ids).order_by("id")


async def _attendances(employee_ids: list[int]) -> Sequence[CourseAttendance]:
    return (
        await CourseAttendance.filter(employee_id__in=employee_ids)
        .select_related("course")
        .order_by("-attended_on", "-id")
    )


async def _effects(item_ids: list[int]) -> list[ItemEffect | None]:
    items = list(await DevelopmentItem.filter(id__in=item_ids))
    found = await effects_of_items(get_connection("default"), items)
    return [found.get(i) for i in item_ids]


async def _trends(keys: list[tuple[int, str, int | None]]) -> list[EmployeeTrend]:
    """People's trends, one read of the scores per (cycle, length) asked."""
    found: dict[tuple[int, str, int | None], EmployeeTrend] = {}
    asked: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    for employee_id, cycle_code, last in keys:
        asked[(cycle_code, last)].append(employee_id)
    for (cycle_code, last), employee_ids in asked.items():
        trends = await employee_trends(
            get_connection("default"), employee_ids=employee_ids, cycle_code=cycle_code, last=last
        )
        for employee_id, trend in trends.items():
            found[(employee_id, cycle_code, last)] = trend
    return [found[k] for k in keys]


class SharedLoader(DataLoader[K, V]):
    """A DataLoader whose futures outlive any one resolver that awaits them.

    graphql-core cancels the sibling resolvers of a field whose error nulls their
    parent. A resolver cancelled while awaiting a loader's future would cancel that
    future itself, and every other resolver waiting for the same key (another alias,
    another branch of the query) would fail with CancelledError, which is no field error:
    the whole request would fail. Each resolver awaits a shield of the shared future.
    """

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


class Loaders:
    def __init__(self) -> None:
        self.employee: SharedLoader[int, Employee | None] = SharedLoader(_by_id(Employee))
        self.team: SharedLoader[int, Team | None] = SharedLoader(_by_id(Team))
        self.position: SharedLoader[int, Position | None] = SharedLoader(_by_id(Position))
        self.cycle: SharedLoader[int, Cycle | None] = SharedLoader(_by_id(Cycle))
        self.kpi_by_code: SharedLoader[str, Kpi | None] = SharedLoader(_kpis_by_code)
        self.kpi: SharedLoader[int, Kpi | None] = SharedLoader(_by_id(Kpi))
        # Key 0: the policy, read once however many resolvers ask side by side.
        self.policy: SharedLoader[int, Policy] = SharedLoader(_policy)
        self.goals_by_employee_cycle: SharedLoader[tuple[int, str], list[Goal]] = SharedLoader(
            _goals
        )
        self.score_by_employee_cycle: SharedLoader[tuple[int, str], Score | None] = SharedLoader(
            _scores
        )
        self.adjustments: SharedLoader[tuple[int, int], list[Adjustment]] = SharedLoader(
            _grouped(_adjustments, lambda a: (a.cycle_id, a.employee_id))
        )
        self.appeals: SharedLoader[tuple[int, int], list[Appeal]] = SharedLoader(
            _grouped(_appeals, lambda a: (a.cycle_id, a.employee_id))
        )
        self.all_teams: SharedLoader[int, list[Team]] = SharedLoader(self._all_teams)
        # The people side keeps its loaders beside its types (imported here, late: that
        # module builds on SharedLoader above).
        from service.api.people.loaders import PeopleLoaders

        self.people = PeopleLoaders()
        from service.api.people.recognition_loaders import RecognitionLoaders

        self.recognition = RecognitionLoaders()
        from service.api.people.best_practice_loaders import BestPracticeLoaders

        self.best_practice = BestPracticeLoaders()
        self.course: SharedLoader[int, Course | None] = SharedLoader(_by_id(Course))
        self.plan_by_employee: SharedLoader[int, DevelopmentPlan | None] = SharedLoader(_plans)
        self.items_by_plan: SharedLoader[int, list[DevelopmentItem]] = SharedLoader(
            _grouped(_items, lambda i: i.plan_id)
        )
        self.attendance_by_employee: SharedLoader[int, list[CourseAttendance]] = SharedLoader(
            _grouped(_attendances, lambda a: a.employee_id)
        )
        self.item_effect: SharedLoader[int, ItemEffect | None] = SharedLoader(_effects)
        self.trend: SharedLoader[tuple[int, str, int | None], EmployeeTrend] = SharedLoader(_trends)

    @staticmethod
    async def _all_teams(keys: list[int]) -> list[list[Team]]:
        # The whole hierarchy in one query: managers and sub-teams walk it in memory.
        teams = list(await Team.all())
        return [teams for _ in keys]
