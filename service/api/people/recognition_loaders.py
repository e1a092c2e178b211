"""Per-request loaders of recognition: a page of each team's wall, or of each person's
recognitions, costs the same queries for many teams or people as for one (a window
function pages every list in one statement, then one query loads the rows)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tortoise.connection import get_connection

from service.api.loaders import SharedLoader
from service.models import Recognition
from service.sql import fetch_all, placeholders
from service.usecases.people.recognition import WallKey, wall_pages

# (receiver id, rows wanted, the id the page starts after or None, with hidden rows)
ReceivedKey = tuple[int, int, int | None, bool]


async def _rows(ids: list[int]) -> dict[int, Recognition]:
    if not ids:
        return {}
    return {row.id: row for row in await Recognition.filter(id__in=ids)}


async def _walls(keys: list[WallKey]) -> list[list[Recognition]]:
    pages = await wall_pages(get_connection("default"), keys)
    rows = await _rows(sorted({pk for ids in pages.values() for pk in ids}))
    return [[rows[pk] for pk in pages[key]] for key in keys]


async def _received(keys: list[ReceivedKey]) -> list[list[Recognition]]:
    groups: dict[tuple[int, int | None, bool], set[int]] = defaultdict(set)
    for receiver, size, after, with_hidden in keys:
        groups[(size, after, with_hidden)].add(receiver)
    pages: dict[ReceivedKey, list[int]] = {}
    conn = get_connection("default")
    for (size, after, with_hidden), receivers in groups.items():
        people = sorted(receivers)
        where = f"receiver_id IN ({placeholders(len(people))})"
        params: list[Any] = list(people)
        if after is not None:
            where += " AND id < ?"
            params.append(after)
        if not with_hidden:
            where += " AND hidden_at IS NULL"
        found = await fetch_all(
            conn,
            "SELECT id, receiver_id FROM (SELECT id, receiver_id, ROW_NUMBER() OVER "
            "(PARTITION BY receiver_id ORDER BY id DESC) AS place FROM recognition "
            f"WHERE {where}) ranked WHERE place <= ? ORDER BY id DESC",
            [*params, size],
        )
        by_person: dict[int, list[int]] = defaultdict(list)
        for row in found:
            by_person[int(row["receiver_id"])].append(int(row["id"]))
        for receiver in people:
            pages[(receiver, size, after, with_hidden)] = by_person.get(receiver, [])
    rows = await _rows(sorted({pk for ids in pages.values() for pk in ids}))
    return [[rows[pk] for pk in pages[key]] for key in keys]


class RecognitionLoaders:
    """Made per request, with the other loaders (service/api/loaders.py)."""

    def __init__(self) -> None:
        self.wall: SharedLoader[WallKey, list[Recognition]] = SharedLoader(_walls)
        self.received: SharedLoader[ReceivedKey, list[Recognition]] = SharedLoader(_received)
