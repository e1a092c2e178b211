"""Per-request DataLoaders: every relation is fetched in one query per batch, so a
page of 100 scores costs the same number of queries as a page of 10."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

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
    ScoreState,
    ScoreStatus,
    Team,
)
from service.scoring.types import Policy
from service.sql import fetch_all, fetch_models, field_value, placeholders
from service.usecases.people.development import ItemEffect, effects_of_items
from service.usecases.scoring.trends import EmployeeTrend, employee_trends
from service.usecases.setup.policy import load_policy

if TYPE_CHECKING:
    from service.api.people.best_practice_loaders import BestPracticeLoaders
    from service.api.people.loaders import PeopleLoaders
    from service.api.people.recognition_loaders import RecognitionLoaders

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _by_id(model: Any) -> Callable[[list[int]], Awaitable[list[Any]]]:
    table = model._meta.db_table

    async def load(ids: list[int]) -> list[Any]:
        # A fixed statement (service/sql.py, fetch_models): loaders run on every request.
        found = await fetch_models(
            get_connection("default"),
            model,
            f"SELECT * FROM {table} WHERE id IN ({placeholders(len(ids))})",
            ids,
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


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    """The columns of a score row the API's `Score.from_row` reads, each converted as the
    ORM converts it (`field_value`): "my score" reads one score per request, and a whole
    `Score` instance converted the twelve columns it does not read (≈ 0.1 M
    instructions of the request; docs/performance.md, "myscore2")."""

    id: int
    state: ScoreState
    status: ScoreStatus
    status_reason: str | None
    explanation: Any
    computed_at: datetime
    inputs_hash: str | None
    employee_id: int
    cycle_id: int

    @staticmethod
    def of(row: Mapping[str, Any]) -> ScoreRecord:
        return ScoreRecord(
            **{column: field_value(Score, column, row[column]) for column in _RECORD_COLUMNS}
        )


_RECORD_COLUMNS = tuple(field.name for field in fields(ScoreRecord))


async def _scores(keys: list[tuple[int, str]]) -> list[ScoreRecord | None]:
    employees = sorted({e for e, _ in keys})
    codes = sorted({c for _, c in keys})
    sql = (
        f"SELECT {', '.join(f's.{column}' for column in _RECORD_COLUMNS)}, "
        "c.code AS of_cycle_code FROM score s JOIN cycle c ON c.id = s.cycle_id "
        f"WHERE s.employee_id IN ({placeholders(len(employees))}) "
        f"AND c.code IN ({placeholders(len(codes))})"
    )
    rows = await fetch_all(get_connection("default"), sql, [*employees, *codes])
    found = {(row["employee_id"], row["of_cycle_code"]): ScoreRecord.of(row) for row in rows}
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


class NotLoaded(Enum):
    """A value a loader does not have yet (None is a value: a row that is not there)."""

    NOT_LOADED = "NOT_LOADED"


NOT_LOADED = NotLoaded.NOT_LOADED


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

    def loaded(self, key: K) -> V | NotLoaded:
        """The value of `key` if this request has it already (its load done, without
        error), else NOT_LOADED: a resolver can then answer without awaiting, which
        saves graphql-core a coroutine and a task per field (Employee.team on the team
        overview). A failed or pending load is NOT_LOADED: awaiting it gives what it
        always gave."""
        future = self.cache_map.get(key) if self.cache else None
        if future is None or not future.done() or future.cancelled():
            return NOT_LOADED
        if future.exception() is not None:
            return NOT_LOADED
        value: V = future.result()
        return value


class Loaders:
    """A request's loaders, each made the first time a resolver asks for it: a request
    uses a few of them, and making all of them cost every request its share."""

    @cached_property
    def employee(self) -> SharedLoader[int, Employee | None]:
        return SharedLoader(_by_id(Employee))

    @cached_property
    def team(self) -> SharedLoader[int, Team | None]:
        return SharedLoader(_by_id(Team))

    @cached_property
    def position(self) -> SharedLoader[int, Position | None]:
        return SharedLoader(_by_id(Position))

    @cached_property
    def cycle(self) -> SharedLoader[int, Cycle | None]:
        return SharedLoader(_by_id(Cycle))

    @cached_property
    def kpi_by_code(self) -> SharedLoader[str, Kpi | None]:
        return SharedLoader(_kpis_by_code)

    @cached_property
    def kpi(self) -> SharedLoader[int, Kpi | None]:
        return SharedLoader(_by_id(Kpi))

    @cached_property
    def policy(self) -> SharedLoader[int, Policy]:
        # Key 0: the policy, read once however many resolvers ask side by side.
        return SharedLoader(_policy)

    @cached_property
    def goals_by_employee_cycle(self) -> SharedLoader[tuple[int, str], list[Goal]]:
        return SharedLoader(_goals)

    @cached_property
    def score_by_employee_cycle(self) -> SharedLoader[tuple[int, str], ScoreRecord | None]:
        return SharedLoader(_scores)

    @cached_property
    def adjustments(self) -> SharedLoader[tuple[int, int], list[Adjustment]]:
        return SharedLoader(_grouped(_adjustments, lambda a: (a.cycle_id, a.employee_id)))

    @cached_property
    def appeals(self) -> SharedLoader[tuple[int, int], list[Appeal]]:
        return SharedLoader(_grouped(_appeals, lambda a: (a.cycle_id, a.employee_id)))

    @cached_property
    def all_teams(self) -> SharedLoader[int, list[Team]]:
        return SharedLoader(self._all_teams)

    # The people side keeps its loaders beside its types (imported late: those modules
    # build on SharedLoader above).
    @cached_property
    def people(self) -> PeopleLoaders:
        from service.api.people.loaders import PeopleLoaders

        return PeopleLoaders()

    @cached_property
    def recognition(self) -> RecognitionLoaders:
        from service.api.people.recognition_loaders import RecognitionLoaders

        return RecognitionLoaders()

    @cached_property
    def best_practice(self) -> BestPracticeLoaders:
        from service.api.people.best_practice_loaders import BestPracticeLoaders

        return BestPracticeLoaders()

    @cached_property
    def course(self) -> SharedLoader[int, Course | None]:
        return SharedLoader(_by_id(Course))

    @cached_property
    def plan_by_employee(self) -> SharedLoader[int, DevelopmentPlan | None]:
        return SharedLoader(_plans)

    @cached_property
    def items_by_plan(self) -> SharedLoader[int, list[DevelopmentItem]]:
        return SharedLoader(_grouped(_items, lambda i: i.plan_id))

    @cached_property
    def attendance_by_employee(self) -> SharedLoader[int, list[CourseAttendance]]:
        return SharedLoader(_grouped(_attendances, lambda a: a.employee_id))

    @cached_property
    def item_effect(self) -> SharedLoader[int, ItemEffect | None]:
        return SharedLoader(_effects)

    @cached_property
    def trend(self) -> SharedLoader[tuple[int, str, int | None], EmployeeTrend]:
        return SharedLoader(_trends)

    @staticmethod
    async def _all_teams(keys: list[int]) -> list[list[Team]]:
        # The whole hierarchy in one query: managers and sub-teams walk it in memory.
        teams = list(await Team.all())
        return [teams for _ in keys]
