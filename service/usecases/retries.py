"""Run a use case again when another writer got in its way (docs/operations.md).

A use case is one transaction, so running it again from the start is safe: the failed
attempt was rolled back whole. What counts as "got in its way":

- SQLite: "database is locked" (another process held the write lock past the busy
  timeout);
- PostgreSQL: a serialization failure, a deadlock or a lock timeout (SQLSTATE 40001,
  40P01, 55P03);
- either: a unique violation, once. Under READ COMMITTED a check-then-insert race
  (two requests creating the same review) ends this way; run again, the use case sees
  the winner's row. A second one is a real error and is raised as it is.

When the attempts run out the caller gets `DatabaseBusy`, a typed, retryable domain
error: GraphQL returns it as a `BusyError`, the admin and the CLI say the database
is busy and to try again.
"""

from __future__ import annotations

import asyncio
import functools
import random
import sqlite3
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from tortoise.backends.base.client import TransactionalDBClient
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError

from service.errors import DatabaseBusy

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPTS = 3
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_SQLITE_BUSY = ("database is locked", "database is busy")


def is_transient(error: BaseException) -> bool:
    """True when the error (or one it was raised from) is a lost race, not a fault.

    A DatabaseBusy is not: an inner use case already spent its attempts, and running
    the outer one again would multiply them (and, for a sign-in, hash the password again).
    """
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, DatabaseBusy):
            return False
        if getattr(current, "sqlstate", None) in _TRANSIENT_SQLSTATES:
            return True
        if isinstance(current, sqlite3.OperationalError) and any(
            text in str(current) for text in _SQLITE_BUSY
        ):
            return True
        # Tortoise wraps driver errors: the original is an argument, a cause or context.
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False


def _in_transaction() -> bool:
    return isinstance(get_connection("default"), TransactionalDBClient)


def retry_when_busy(
    use_case: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Give a use case a bounded number of fresh attempts (see the module's docstring).

    Called inside another use case's transaction it runs once: a retry must restart
    the whole transaction, which belongs to the outermost use case.
    """

    @functools.wraps(use_case)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if _in_transaction():
            return await use_case(*args, **kwargs)
        unique_violations = 0
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await use_case(*args, **kwargs)
            except IntegrityError:
                unique_violations += 1
                if unique_violations > 1 or attempt == ATTEMPTS:
                    raise
            except Exception as error:
                if not is_transient(error):
                    raise
                if attempt == ATTEMPTS:
                    raise DatabaseBusy() from error
                # Jitter, so that the writers that collided do not collide again.
                await asyncio.sleep(random.uniform(0.02, 0.1) * attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    return run
