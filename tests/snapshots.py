"""Set-up built once per database, then copied into each test's empty database.

Building an organisation through the use cases (policy, teams, people, a cycle,
accounts, evidence, the scores they give) costs up to a second on PostgreSQL, and
hundreds of tests start from the same one. A builder decorated with @snapshotted runs
for real the first time it is called, with the same arguments, on an empty database of
a session; its rows, ids and sequence counters are then read back, and every later
call on an empty database of that session writes those rows straight back (a handful
of statements) and returns a copy of what the builder returned. The database a test
sees is the one the use cases built; the builders' own paths are proved by the tests
that are about them (tests/integration), which call the use cases directly.

A builder called on a database that is not empty (a test wrote something first) runs
for real, so a snapshot never hides rows of the test's own.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from service.sql import execute, execute_many, fetch_all, is_postgres, placeholders
from tests.conftest import TABLES, active_database_url

P = ParamSpec("P")
R = TypeVar("R")

# Parents before children (TABLES lists children first); a foreign key to a table that
# comes later or to its own table (team.lead_id, goal.parent_id ...) is written
# afterwards by an UPDATE.
ORDER = ("position", "team", "employee", *reversed(TABLES))


@dataclass(frozen=True)
class _Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    late: tuple[str, ...]  # foreign keys to a table not yet written


@dataclass(frozen=True)
class _Snapshot:
    tables: dict[str, _Table]
    sequences: tuple[tuple[str, Any], ...]
    result: Any


_TAKEN: dict[tuple[Any, ...], _Snapshot] = {}
_FOREIGN_KEYS: dict[str, dict[str, set[tuple[str, str]]]] = {}


async def _foreign_keys(conn: BaseDBAsyncClient) -> dict[str, set[tuple[str, str]]]:
    """(column, referenced table) of each table's foreign keys, read once per database."""
    url = active_database_url()
    if url not in _FOREIGN_KEYS:
        if is_postgres(conn):
            rows = await fetch_all(
                conn,
                "SELECT cl.relname AS tab, a.attname AS col, rf.relname AS ref "
                "FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid "
                "JOIN pg_class rf ON rf.oid = c.confrelid "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
                "WHERE c.contype = 'f'",
            )
        else:
            rows = await fetch_all(
                conn,
                'SELECT m.name AS tab, p."from" AS col, p."table" AS ref FROM sqlite_master m '
                "JOIN pragma_foreign_key_list(m.name) p WHERE m.type = 'table'",
            )
        found: dict[str, set[tuple[str, str]]] = {}
        for row in rows:
            found.setdefault(str(row["tab"]), set()).add((str(row["col"]), str(row["ref"])))
        _FOREIGN_KEYS[url] = found
    return _FOREIGN_KEYS[url]


async def _is_empty(conn: BaseDBAsyncClient) -> bool:
    rows = await fetch_all(
        conn,
        "SELECT " + " + ".join(f"(SELECT COUNT(*) FROM (SELECT 1 FROM {t} LIMIT 1) x{i})"
                               for i, t in enumerate(ORDER)) + " AS n",
    )  # fmt: skip
    return int(rows[0]["n"]) == 0


async def _take(conn: BaseDBAsyncClient, result: Any) -> _Snapshot:
    keys = await _foreign_keys(conn)
    position = {table: index for index, table in enumerate(ORDER)}
    tables: dict[str, _Table] = {}
    for table in ORDER:
        # No ORDER BY: the rows go back in the order they are stored in.
        rows = await fetch_all(conn, f"SELECT * FROM {table}")
        if not rows:
            continue
        late = tuple(
            sorted(
                column
                for column, referenced in keys.get(table, set())
                if position.get(referenced, len(ORDER)) >= position[table]
            )
        )
        columns = tuple(rows[0])
        tables[table] = _Table(columns, tuple(tuple(row.values()) for row in rows), late)
    if is_postgres(conn):
        counters = await fetch_all(
            conn,
            "SELECT sequencename AS name, last_value AS value FROM pg_sequences "
            "WHERE schemaname = 'public' AND sequencename <> 'tortoise_migrations_id_seq'",
        )
    else:
        counters = await fetch_all(conn, "SELECT name, seq AS value FROM sqlite_sequence")
    sequences = tuple((str(row["name"]), row["value"]) for row in counters)
    return _Snapshot(tables, sequences, copy.deepcopy(result))


async def _restore(snapshot: _Snapshot) -> None:
    async with in_transaction() as conn:
        for table, stored in snapshot.tables.items():
            late = {stored.columns.index(column) for column in stored.late}
            await execute_many(
                conn,
                f"INSERT INTO {table} ({', '.join(stored.columns)}) "
                f"VALUES ({placeholders(len(stored.columns))})",
                [
                    [None if i in late else value for i, value in enumerate(row)]
                    for row in stored.rows
                ],
            )
        for table, stored in snapshot.tables.items():
            if not stored.late:
                continue
            indexes = [stored.columns.index(column) for column in stored.late]
            key = stored.columns.index("id")
            await execute_many(
                conn,
                f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in stored.late)} WHERE id = ?",
                [
                    [row[i] for i in indexes] + [row[key]]
                    for row in stored.rows
                    if any(row[i] is not None for i in indexes)
                ],
            )
        if is_postgres(conn):
            for name, value in snapshot.sequences:
                if value is not None:
                    await execute(conn, f"SELECT setval('{name}', {int(value)}, true)")
        else:
            await execute_many(
                conn,
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                [list(pair) for pair in snapshot.sequences],
            )


def snapshotted(build: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Run `build` for real once per database and arguments, then copy what it wrote."""

    @functools.wraps(build)
    async def copied(*args: P.args, **kwargs: P.kwargs) -> R:
        conn = get_connection("default")
        key = (active_database_url(), build.__module__, build.__qualname__, args,
               tuple(sorted(kwargs.items())))  # fmt: skip
        if not await _is_empty(conn):
            return await build(*args, **kwargs)
        taken = _TAKEN.get(key)
        if taken is not None:
            await _restore(taken)
            restored: R = copy.deepcopy(taken.result)
            return restored
        result = await build(*args, **kwargs)
        _TAKEN[key] = await _take(get_connection("default"), result)
        return result

    return copied
