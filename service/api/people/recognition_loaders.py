"""Per-request loaders of recognition: a page of each team's wall, or of each person's
recognitions, costs the same queries for many teams or people as for one (a window
function pages every list in one statement, then one query loads the rows)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.connection import get_connection

from service.api.loaders import SharedLoader
from service.models import Recognition
from service.sql import fetch_all, placeholders
from service.usecases.people.recognition import WallKey, wall_pages

# (receiver or giver id, rows wanted, the id the page starts after or None, with hidden rows)
PersonKey = tuple[int, int, int | None, bool]


async def _rows(ids: list[int]) -> dict[int, Recognition]:
    if not ids:
        return {}
    return {row.id: row for row in await Recognition.filter(id__in=ids)}


async def _walls(keys: list[WallKey]) -> list[list[Recognition]]:
    pages = await wall_pages(get_connection("default"), keys)
    rows = await _rows(sorted({pk for ids in pages.values() for pk in ids}))
    return [[rows[pk] for pk in pages[key]] for key in keys]


def _paged_by(column: str) -> Callable[[list[PersonKey]], Awaitable[list[list[Recognition]]]]:
    """A batch function paging each person's recognitions by `column` (who received them,
    or who gave them), newest first: one statement per page size and cursor."""

    async def load(keys: list[PersonKey]) -> list[list[Recognition]]:
        groups: dict[tuple[int, int | None, bool], set[int]] = defaultdict(set)
        for person, size, after, with_hidden in keys:
            groups[(size, after, with_hidden)].add(person)
        pages: dict[PersonKey, list[int]] = {}
        conn = get_connection("default")
        for (size, after, with_hidden), persons in groups.items():
            people = sorted(persons)
            where = f"{column} IN ({placeholders(len(people))})"
            params: list[Any] = list(people)
            if after is not None:
                where += " AND id < ?"
                params.append(after)
            if not with_hidden:
                where += " AND hidden_at IS NULL"
            found = await fetch_all(
                conn,
                f"SELECT id, {column} AS person FROM (SELECT id, {column}, ROW_NUMBER() OVER "
                f"(PARTITION BY {column} ORDER BY id DESC) AS place FROM recognition "
                f"WHERE {where}) ranked WHERE place <= ? ORDER BY id DESC",
                [*params, size],
            )
            by_person: dict[int, list[int]] = defaultdict(list)
            for row in found:
                by_person[int(row["person"])].append(int(row["id"]))
            for person in people:
                pages[(person, size, after, with_hidden)] = by_person.get(person, [])
        rows = await _rows(sorted({pk for ids in pages.values() for pk in ids}))
        return [[rows[pk] for pk in pages[key]] for key in keys]

    return load


class RecognitionLoaders:
    """Made per request, with the other loaders (service/api/loaders.py)."""

    def __init__(self) -> None:
        self.wall: SharedLoader[WallKey, list[Recognition]] = SharedLoader(_walls)
        self.received: SharedLoader[PersonKey, list[Recognition]] = SharedLoader(
            _paged_by("receiver_id")
        )
        self.given: SharedLoader[PersonKey, list[Recognition]] = SharedLoader(
            _paged_by("giver_employee_id")
        )
