"""Raw SQL on either database, for the set-based paths the ORM cannot express well.

Statements are written once with ``?`` placeholders; PostgreSQL (asyncpg) wants
``$1, $2 ...``, so they are rewritten for it here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

_PLACEHOLDER = re.compile(r"\?")


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    return bool(conn.capabilities.dialect == "postgres")


def for_dialect(conn: BaseDBAsyncClient, sql: str) -> str:
    if not is_postgres(conn):
        return sql
    counter = iter(range(1, 1_000_000))
    return _PLACEHOLDER.sub(lambda _match: f"${next(counter)}", sql)


async def fetch_all(
    conn: BaseDBAsyncClient, sql: str, params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await conn.execute_query_dict(for_dialect(conn, sql), list(params))
    return rows


async def execute(conn: BaseDBAsyncClient, sql: str, params: Sequence[Any] = ()) -> int:
    count, _rows = await conn.execute_query(for_dialect(conn, sql), list(params))
    return int(count)


async def execute_many(conn: BaseDBAsyncClient, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        await conn.execute_many(for_dialect(conn, sql), [list(row) for row in rows])


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


async def int_values(query: Any) -> list[int]:
    """Await a `values_list(..., flat=True)` query as ints (its stubs type rows as tuples)."""
    rows: list[Any] = await query
    return [int(value) for value in rows if value is not None]
