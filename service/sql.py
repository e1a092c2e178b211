"""Raw SQL on either database, for the set-based paths the ORM cannot express well.

Statements are written once with ``?`` placeholders; PostgreSQL (asyncpg) wants
``$1, $2 ...``, so they are rewritten for it here and nowhere else. Writing many rows
goes through :func:`insert_many` and :func:`update_many`: PostgreSQL's ``COPY`` (one
round trip, no per-row statement) where it pays, one ``executemany`` elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

_PLACEHOLDER = re.compile(r"\?")
# From this many rows on, PostgreSQL writes by COPY; below it a statement per row costs
# less than the temporary table an UPDATE by COPY needs.
COPY_FROM_ROWS = 64


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


class Row(Protocol):
    """A row read by :func:`fetch_rows`: its values by column name, or in the select
    list's order by iterating (unpacking) it."""

    def __getitem__(self, column: str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


async def fetch_rows(
    conn: BaseDBAsyncClient, sql: str, params: Sequence[Any] = ()
) -> Sequence[Row]:
    """The rows of a SELECT as the driver gives them (asyncpg's records, sqlite3's rows),
    read by column name like :func:`fetch_all`'s dicts but not copied into them: for
    reads of tens of thousands of rows, where the copies cost ≈ 3 µs a row."""
    _count, rows = await conn.execute_query(for_dialect(conn, sql), list(params))
    return rows


async def execute(conn: BaseDBAsyncClient, sql: str, params: Sequence[Any] = ()) -> int:
    count, _rows = await conn.execute_query(for_dialect(conn, sql), list(params))
    return int(count)


async def execute_many(conn: BaseDBAsyncClient, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        await conn.execute_many(for_dialect(conn, sql), [list(row) for row in rows])


# SQLite's SUM of integers fails past 64 bits ("integer overflow"): it sums the quotient
# and the remainder by 2**32 instead (neither can overflow), joined exactly in Python.
# PostgreSQL's SUM of a bigint is a numeric, exact as it is.
_SUM_SPLIT = 1 << 32


def exact_sum(conn: BaseDBAsyncClient, expression: str, name: str) -> str:
    """Select list items summing the integer ``expression`` exactly: ``name`` and
    ``name``_low, joined by :func:`sum_scale`."""
    if is_postgres(conn):
        return f"SUM({expression}) AS {name}, 0 AS {name}_low"
    return (
        f"SUM({expression} / {_SUM_SPLIT}) AS {name}, "
        f"SUM({expression} % {_SUM_SPLIT}) AS {name}_low"
    )


def sum_scale(conn: BaseDBAsyncClient) -> int:
    """What an :func:`exact_sum`'s first item is worth: its exact sum is
    ``int(high) * sum_scale(conn) + low`` (asked once per statement, not once per row).
    SQLite's integer division and remainder both truncate toward zero, so
    value == quotient * 2**32 + remainder for negative values too."""
    return 1 if is_postgres(conn) else _SUM_SPLIT


def values_at_rank(
    conn: BaseDBAsyncClient,
    source: str,
    keys: Sequence[str],
    value: str,
    rank: Callable[[str, str], str],
) -> str:
    """A SELECT of one row per group of ``source`` (``table alias WHERE ...``) by the two
    ``keys``: both keys, then the group's ``value`` at a 1-based rank among its values in
    ascending order. ``rank(second_key, count)`` is the rank's SQL, given the SQL of the
    second key and of the group's count.

    PostgreSQL gathers each group's values into an array, sorted within the group, and
    reads the rank's element: the rows are sorted by the keys alone and each group's few
    values apart (≈ 25% less CPU than the window below at 215,000 rows, which sorts every
    row by keys and value, then numbers and counts them all). SQLite has no arrays: a
    window numbers and counts each group's rows (one window, its frame the whole group,
    which the row number ignores) and the ranked row is kept.
    """
    first, second = keys
    if is_postgres(conn):
        return (
            f"SELECT {first}, {second}, (ARRAY_AGG({value} ORDER BY {value}))"
            f"[{rank(second, 'COUNT(*)')}] FROM {source} GROUP BY {first}, {second}"
        )
    return (
        f"SELECT grp, k, v FROM (SELECT {first} AS grp, {second} AS k, {value} AS v, "
        f"ROW_NUMBER() OVER w AS rn, COUNT(*) OVER w AS cnt FROM {source} "
        f"WINDOW w AS (PARTITION BY {first}, {second} ORDER BY {value} "
        f"ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) ranked "
        f"WHERE rn = {rank('k', 'cnt')}"
    )


@cache
def columns_of(model: Any, alias: str, prefix: str = "") -> str:
    """The select list of every column of ``model``'s table read through ``alias``, each
    named ``prefix`` + its column, for :func:`model_of` (a model's second table in a join
    takes a prefix so its columns do not shadow the first's). Worked out once per model,
    the first time a statement is run (after Tortoise.init, which adds the foreign keys'
    columns): the statements around it are fixed."""
    columns = sorted(model._meta.fields_db_projection.values())
    return ", ".join(f"{alias}.{column} AS {prefix}{column}" for column in columns)


def model_of(model: Any, values: Mapping[str, Any], prefix: str = "") -> Any:
    """The ``model`` instance of a row read by hand, built as the ORM builds those of a
    query (``Model._init_from_db``: the same field conversions) without composing the
    query each time; for reads that run on every request. ``values`` holds each column
    of the table, named ``prefix`` + its column (other keys are ignored)."""
    if prefix:
        values = {column: values[key] for key, column in _prefixed(model, prefix) if key in values}
    return model._init_from_db(**values)


@cache
def _prefixed(model: Any, prefix: str) -> tuple[tuple[str, str], ...]:
    """Each column of ``model``'s table with its name in a row read under ``prefix``: the
    keys :func:`model_of` takes from such a row (``_init_from_db`` reads no other)."""
    return tuple((prefix + column, column) for column in model._meta.fields_db_projection.values())


@cache
def _conversion(model: Any, column: str) -> Any:
    """How ``Model._init_from_db`` turns ``column`` of ``model``'s table into its
    attribute's value: as the driver gives it, by the field's type, or by the field's
    `to_python_value` (its three kinds of field)."""
    meta = model._meta
    for key, _name, _field in meta.db_native_fields:
        if key == column:
            return None
    for key, _name, field in meta.db_default_fields:
        if key == column:
            field_type = field.field_type
            return lambda value: None if value is None else field_type(value)
    for key, _name, field in meta.db_complex_fields:
        if key == column:
            return field.to_python_value
    raise KeyError(f"{model.__name__} has no column {column}")


def field_value(model: Any, column: str, value: Any) -> Any:
    """One column of a row read by hand, converted as :func:`model_of` (the ORM)
    converts it: for a statement that reads a few columns of a table, not whole rows."""
    convert = _conversion(model, column)
    return value if convert is None else convert(value)


async def fetch_models(
    conn: BaseDBAsyncClient, model: Any, sql: str, params: Sequence[Any] = ()
) -> list[Any]:
    """The ``model`` instances of a hand-written SELECT of its table's columns."""
    return [model_of(model, row) for row in await fetch_all(conn, sql, params)]


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


async def int_values(query: Any) -> list[int]:
    """Await a `values_list(..., flat=True)` query as ints (its stubs type rows as tuples)."""
    rows: list[Any] = await query
    return [int(value) for value in rows if value is not None]


# Rows written by COPY are large (a score's explanation is a few kB of JSON, TOASTed):
# lz4 compresses them several times faster than PostgreSQL's default pglz (≈ 1.4 s less
# for 10,000 scores), and a value keeps its compression when an UPDATE ... FROM copies
# it on. For the rest of the transaction only; a server built without lz4 keeps pglz
# (the block's own savepoint undoes the failed setting, nothing else).
_FAST_TOAST_COMPRESSION = (
    "DO $$ BEGIN PERFORM set_config('default_toast_compression', 'lz4', true); "
    "EXCEPTION WHEN OTHERS THEN NULL; END $$"
)


async def _copy(
    conn: BaseDBAsyncClient,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    compression: bool = True,
) -> None:
    """COPY ``rows`` into ``table``; ``compression=False``: the transaction's compression
    was set already (by an earlier COPY of the same batched write)."""
    async with conn.acquire_connection() as connection:
        if compression:
            await connection.execute(_FAST_TOAST_COMPRESSION)
        try:
            await connection.copy_records_to_table(
                table, records=[tuple(row) for row in rows], columns=list(columns)
            )
        except Exception as error:
            # As the ORM reports it for a statement (class 23: integrity constraint).
            if str(getattr(error, "sqlstate", "")).startswith("23"):
                raise IntegrityError(error) from error
            raise


async def insert_many(
    conn: BaseDBAsyncClient, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT ``rows`` (values in ``columns`` order) into ``table``."""
    if not rows:
        return
    if is_postgres(conn) and len(rows) >= COPY_FROM_ROWS:
        await _copy(conn, table, columns, rows)
        return
    await execute_many(
        conn,
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders(len(columns))})",
        rows,
    )


async def update_many(
    conn: BaseDBAsyncClient,
    table: str,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """UPDATE ``table`` SET ``columns`` for the row whose ``key`` is each row's last value.

    On PostgreSQL many rows are copied into a temporary table shaped like ``table`` and
    written by one ``UPDATE ... FROM``; it is dropped before returning, so a transaction
    may update several times.
    """
    if not rows:
        return
    if is_postgres(conn) and len(rows) >= COPY_FROM_ROWS:
        staged = StagedUpdates(conn, table, key, columns, f"{table}_update_staging")
        await staged.write(rows)
        await staged.close()
        return
    assignments = ", ".join(f"{column} = ?" for column in columns)
    await execute_many(conn, f"UPDATE {table} SET {assignments} WHERE {key} = ?", rows)


class StagedUpdates:
    """PostgreSQL only: rows of ``table`` updated batch after batch through one temporary
    table (values in ``columns`` order, then ``key``): each batch is copied into it and
    written by one ``UPDATE ... FROM``. For writes that arrive in parts (a recompute
    writes each chunk of scores as the scoring pool hands it back, while the next ones
    are scored); `update_many` is one batch. ``batches``: many are expected, so each
    batch takes as few round trips as it can (the `UPDATE` and the emptying of the
    table in one script, the compression set by the first COPY only): each round trip
    waits for the server, which on a busy machine waits for a core. `close` drops the
    table (on success only: after a failure the transaction is aborted, a DROP would
    hide the error, and the rollback removes the table anyway); a transaction may stage
    several times."""

    def __init__(
        self,
        conn: BaseDBAsyncClient,
        table: str,
        key: str,
        columns: Sequence[str],
        staging: str,
        *,
        batches: bool = False,
    ) -> None:
        self._conn = conn
        self._table = table
        self._key = key
        self._columns = list(columns)
        self._staging = staging
        self._batches = batches
        # Then "filled" (holds the last batch, or emptied with ``batches``), "closed".
        self._state = "new"

    async def write(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        conn, staging, key = self._conn, self._staging, self._key
        if self._state == "closed":
            raise RuntimeError(f"{staging} was dropped")
        first = self._state == "new"
        if first:
            await execute(
                conn,
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {key}, {', '.join(self._columns)} FROM {self._table} WITH NO DATA",
            )
        elif not self._batches:
            # Emptied before the next batch rather than after each, so a single batch
            # (`update_many`) runs the statements it always ran.
            await execute(conn, f"TRUNCATE {staging}")
        self._state = "filled"
        await _copy(conn, staging, [*self._columns, key], rows, compression=first)
        assignments = ", ".join(f"{column} = s.{column}" for column in self._columns)
        update = (
            f"UPDATE {self._table} AS t SET {assignments} FROM {staging} AS s "
            f"WHERE t.{key} = s.{key}"
        )
        if self._batches:
            await conn.execute_script(f"{update}; TRUNCATE {staging}")
        else:
            await execute(conn, update)

    async def close(self) -> None:
        if self._state == "filled":
            await execute(self._conn, f"DROP TABLE {self._staging}")
        self._state = "closed"


async def _has_surplus(
    conn: BaseDBAsyncClient,
    table: str,
    parent: str,
    at: int,
    rows: Sequence[Sequence[Any]],
    parents: Sequence[int],
) -> bool:
    """Whether ``table`` holds rows of ``parents`` that are not among ``rows`` (whose
    ``parent`` is at index ``at``), once every one of ``rows`` is stored: then it holds
    more rows of them than ``rows`` does (``(parent, key)`` is unique in both). Counting
    them is one scan of the table; the `DELETE`'s anti-join sorts or hashes both tables
    (≈ 15 ms against ≈ 60–90 ms of server CPU for 79,000 lines, none of them surplus:
    docs/performance.md, branch `mainside`), and a whole-cycle recompute rarely drops a
    line."""
    wanted = set(parents)
    expected = sum(1 for row in rows if row[at] in wanted)
    found = await fetch_rows(
        conn, f"SELECT COUNT(*) FROM {table} WHERE {parent} = ANY(?)", [list(parents)]
    )
    return int(next(iter(found[0]))) != expected


# Past this many ids an IN list costs more than it saves (and SQLite caps parameters).
_IN_LIST = 500


async def replace_children(
    conn: BaseDBAsyncClient,
    table: str,
    parent: str,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    parents: Sequence[int],
) -> None:
    """Make ``table``'s rows of the ``parents`` exactly ``rows`` (values in ``columns``
    order, ``parent`` and ``key`` among them; ``(parent, key)`` is unique). ``rows`` may
    also hold rows of other parents that have none yet.

    On PostgreSQL many rows are copied into a temporary table and the stored rows
    follow it in place: those whose values differ are updated, the missing inserted and
    the surplus of ``parents`` deleted. A row left as it was is not written, and an
    update that keeps its foreign keys checks none (a new row checks each of its keys:
    deleting and inserting every row cost ≈ 4x as much for 79,000 unchanged lines).
    Elsewhere the rows of ``parents`` are deleted and ``rows`` inserted.
    """
    if not (is_postgres(conn) and len(rows) >= COPY_FROM_ROWS):
        ids = list(parents)
        for start in range(0, len(ids), _IN_LIST):
            chunk = ids[start : start + _IN_LIST]
            await execute(
                conn, f"DELETE FROM {table} WHERE {parent} IN ({placeholders(len(chunk))})", chunk
            )
        await insert_many(conn, table, columns, rows)
        return
    staging = f"{table}_replace_staging"
    listed = ", ".join(columns)
    values = [column for column in columns if column not in (parent, key)]
    same_row = f"t.{parent} = s.{parent} AND t.{key} = s.{key}"
    await execute(
        conn,
        f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
        f"SELECT {listed} FROM {table} WITH NO DATA",
    )
    await _copy(conn, staging, columns, rows)
    assignments = ", ".join(f"{column} = s.{column}" for column in values)
    stored = ", ".join(f"t.{column}" for column in values)
    written = ", ".join(f"s.{column}" for column in values)
    await execute(
        conn,
        f"UPDATE {table} AS t SET {assignments} FROM {staging} AS s WHERE {same_row} "
        f"AND ({stored}) IS DISTINCT FROM ({written})",
    )
    await execute(
        conn,
        f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {staging} AS s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {same_row})",
    )
    if parents and await _has_surplus(conn, table, parent, columns.index(parent), rows, parents):
        await execute(
            conn,
            f"DELETE FROM {table} AS t WHERE t.{parent} = ANY(?) "
            f"AND NOT EXISTS (SELECT 1 FROM {staging} AS s WHERE {same_row})",
            [list(parents)],
        )
    # Dropped on success only (see update_many).
    await execute(conn, f"DROP TABLE {staging}")
