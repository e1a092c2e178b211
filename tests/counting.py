"""Counting the SQL statements a piece of work sends: how the tests prove that a read or a
recompute costs the same number of queries for many rows as for few."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tortoise.connection import get_connection

CLIENT_METHODS = (
    "execute_query",
    "execute_query_dict",
    "execute_insert",
    "execute_many",
    "execute_script",
)


@contextmanager
def counted_queries(conn: Any = None) -> Iterator[list[str]]:
    """Every statement sent meanwhile through the ORM's client, whatever the database;
    given a connection (a transaction's), through that connection's client class."""
    client_class: Any = type(conn if conn is not None else get_connection("default"))
    seen: list[str] = []
    originals = {name: getattr(client_class, name) for name in CLIENT_METHODS}
    for name, original in originals.items():

        def wrapper(
            self: Any, query: str, *args: Any, _original: Any = original, **kwargs: Any
        ) -> Any:
            seen.append(query)
            return _original(self, query, *args, **kwargs)

        setattr(client_class, name, wrapper)
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(client_class, name, original)
