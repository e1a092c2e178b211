"""Tortoise's SQLite client, made safe for several processes on one file.

Tortoise opens every transaction with a plain (deferred) ``BEGIN``: the transaction
reads under a shared lock and asks for the write lock only at its first write. When
two processes both read first, the one that asks second cannot get the lock until the
other commits, and the other cannot commit past its reader: SQLite answers "database
is locked" at once, whatever the busy timeout. ``BEGIN IMMEDIATE`` takes the write
lock up front, where the busy timeout applies, so writers queue instead of failing.
Every transaction in fairscore is a use case that writes, so all of them begin so.

Every connection also runs in WAL mode (readers never wait for the writer, nor it
for them) with a busy timeout (how long a writer waits for another before SQLite
gives up). Both may be overridden in DATABASE_URL, e.g. ``?busy_timeout=10000``.
Registered as the engine of SQLite URLs by ``service.models.tortoise_config``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections
from tortoise.exceptions import OperationalError

DEFAULT_BUSY_TIMEOUT_MS = 5000


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    def __init__(self, connection: SqliteClient) -> None:
        super().__init__(connection)
        # Run once the transaction has committed, never after a rollback: how this
        # process hears its own score changes (service/usecases/scoring/changes.py).
        self.after_commit: list[Callable[[], None]] = []

    async def commit(self) -> None:
        await super().commit()
        hooks, self.after_commit = self.after_commit, []
        for hook in hooks:
            hook()

    async def rollback(self) -> None:
        self.after_commit = []
        await super().rollback()

    async def begin(self) -> None:
        if self._connection.in_transaction:
            # Left open by a commit that failed: never carry its writes into this one.
            await self._connection.rollback()
        try:
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            # "database is locked" after the busy timeout: the use case may run again.
            raise OperationalError(error) from error


class ImmediateTransactionContext(SqliteTransactionContext):
    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                get_connections().reset(self.token)
                raise
        except BaseException:
            # Tortoise's own context keeps the lock when BEGIN fails: every later query of
            # the process would wait for it for ever.
            self._trxlock.release()
            raise
        connection: TransactionalDBClient = self.connection
        return connection


class ImmediateSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        # The busy timeout first: switching to WAL itself may have to wait for another
        # process opening the same file.
        kwargs = {"busy_timeout": DEFAULT_BUSY_TIMEOUT_MS, "journal_mode": "WAL", **kwargs}
        super().__init__(file_path, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return ImmediateTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
