"""Per-request loaders of the people side: a page of check-ins or feedback notes for each
of many people costs the same queries as for one (a window function pages every
person's list in one statement)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from tortoise.connection import get_connection

from service.api.loaders import SharedLoader
from service.models import ActionItem, CheckIn, FeedbackNote, Goal, Observation
from service.sql import fetch_all, placeholders
from service.usecases.accounts.access import may_see_team_goals
from service.usecases.actor import Actor
from service.usecases.people.checkins import last_held_on

RowT = TypeVar("RowT", CheckIn, FeedbackNote)
# (employee id, rows wanted, the id the page starts after or None, with hidden rows)
PageKey = tuple[int, int, int | None, bool]


def _pages(
    model: type[RowT], table: str, hidden_column: str | None
) -> Callable[[list[PageKey]], Awaitable[list[list[RowT]]]]:
    """Each person's rows, newest (highest id) first, `size` of them after a cursor."""

    async def load(keys: list[PageKey]) -> list[list[RowT]]:
        groups: dict[tuple[int, int | None, bool], list[int]] = defaultdict(list)
        for employee_id, size, after, with_hidden in keys:
            groups[(size, after, with_hidden)].append(employee_id)
        found: dict[PageKey, list[RowT]] = {}
        conn = get_connection("default")
        for (size, after, with_hidden), people in groups.items():
            ids = sorted(set(people))
            where = f"employee_id IN ({placeholders(len(ids))})"
            params: list[Any] = list(ids)
            if after is not None:
                where += " AND id < ?"
                params.append(after)
            if hidden_column is not None and not with_hidden:
                where += f" AND {hidden_column} IS NULL"
            rows = await fetch_all(
                conn,
                "SELECT id FROM (SELECT id, ROW_NUMBER() OVER "
                f"(PARTITION BY employee_id ORDER BY id DESC) AS place FROM {table} "
                f"WHERE {where}) ranked WHERE place <= ?",
                [*params, size],
            )
            wanted = [int(row["id"]) for row in rows]
            loaded = await model.filter(id__in=wanted).order_by("-id") if wanted else []
            by_person: dict[int, list[RowT]] = defaultdict(list)
            for row in loaded:
                by_person[row.employee_id].append(row)
            for employee_id in ids:
                found[(employee_id, size, after, with_hidden)] = by_person.get(employee_id, [])
        return [found[key] for key in keys]

    return load


async def _action_items(employee_ids: list[int]) -> list[list[ActionItem]]:
    rows = await ActionItem.filter(employee_id__in=employee_ids).order_by("due_on", "id")
    grouped: dict[int, list[ActionItem]] = defaultdict(list)
    for row in rows:
        grouped[row.employee_id].append(row)
    return [grouped.get(e, []) for e in employee_ids]


async def _last_held_on(employee_ids: list[int]) -> list[date | None]:
    found = await last_held_on(get_connection("default"), employee_ids)
    return [found.get(e) for e in employee_ids]


def _by_id(model: Any) -> Callable[[list[int]], Awaitable[list[Any]]]:
    async def load(ids: list[int]) -> list[Any]:
        rows = {row.id: row for row in await model.filter(id__in=ids)}
        return [rows.get(i) for i in ids]

    return load


async def _team_goals_seen(keys: list[tuple[Actor, int, int]]) -> list[bool]:
    """Whether the actor may see a team's goals of a cycle: one check per (team, cycle)
    asked, however many goals of theirs a page links to."""
    conn = get_connection("default")
    found = {
        key: await may_see_team_goals(conn, key[0], team_id=key[1], cycle_id=key[2])
        for key in dict.fromkeys(keys)
    }
    return [found[key] for key in keys]


class PeopleLoaders:
    """Made per request, with the other loaders (service/api/loaders.py)."""

    def __init__(self) -> None:
        self.check_in_pages: SharedLoader[PageKey, list[CheckIn]] = SharedLoader(
            _pages(CheckIn, "check_in", None)
        )
        self.feedback_note_pages: SharedLoader[PageKey, list[FeedbackNote]] = SharedLoader(
            _pages(FeedbackNote, "feedback_note", "hidden_at")
        )
        self.action_items: SharedLoader[int, list[ActionItem]] = SharedLoader(_action_items)
        self.last_held_on: SharedLoader[int, date | None] = SharedLoader(_last_held_on)
        self.observation: SharedLoader[int, Observation | None] = SharedLoader(_by_id(Observation))
        self.goal: SharedLoader[int, Goal | None] = SharedLoader(_by_id(Goal))
        # (the viewer, team id, cycle id): the viewer is the request's one actor.
        self.team_goals_seen: SharedLoader[tuple[Actor, int, int], bool] = SharedLoader(
            _team_goals_seen
        )
