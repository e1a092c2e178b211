"""Use cases run again when another writer got in their way (service/usecases/retries.py)."""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg
import pytest
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from service.errors import DatabaseBusy
from service.models import Team
from service.usecases.retries import ATTEMPTS, is_transient, retry_when_busy


def test_lost_races_are_transient_and_faults_are_not() -> None:
    assert is_transient(OperationalError(sqlite3.OperationalError("database is locked")))
    assert is_transient(asyncpg.exceptions.DeadlockDetectedError("deadlock detected"))
    assert is_transient(asyncpg.exceptions.SerializationError("could not serialize"))
    assert not is_transient(OperationalError(sqlite3.OperationalError("no such table: team")))
    assert not is_transient(IntegrityError(sqlite3.IntegrityError("UNIQUE constraint failed")))
    assert not is_transient(ValueError("database is locked"))


def test_an_inner_use_case_that_ran_out_of_attempts_is_not_run_again_by_the_outer() -> None:
    locked = OperationalError(sqlite3.OperationalError("database is locked"))
    with pytest.raises(DatabaseBusy) as raised:
        raise DatabaseBusy() from locked
    assert is_transient(locked)
    assert not is_transient(raised.value)


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_the_victim_of_a_deadlock_runs_again_and_both_writers_succeed(db: str) -> None:
    await Team.create(code="a", name="A")
    await Team.create(code="b", name="B")
    holding = {"a": asyncio.Event(), "b": asyncio.Event()}
    runs: list[str] = []

    @retry_when_busy
    async def rename_both(*, first: str, then: str) -> None:
        runs.append(first)
        async with in_transaction() as conn:
            await Team.filter(code=first).using_db(conn).update(name=f"{first} by {first}")
            holding[first].set()
            # Each waits until the other holds its first row: then they lock crosswise.
            await asyncio.wait_for(holding[then].wait(), 10)
            await Team.filter(code=then).using_db(conn).update(name=f"{then} by {first}")

    await asyncio.wait_for(
        asyncio.gather(rename_both(first="a", then="b"), rename_both(first="b", then="a")), 60
    )
    assert sorted(runs) in (["a", "a", "b"], ["a", "b", "b"])  # one of them ran twice
    names = {t.code: t.name for t in await Team.filter(code__in=["a", "b"])}
    assert names in ({"a": "a by a", "b": "b by a"}, {"a": "a by b", "b": "b by b"})


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_a_writer_that_keeps_losing_gets_a_busy_error(db: str) -> None:
    runs = 0

    @retry_when_busy
    async def always_deadlocked() -> None:
        nonlocal runs
        runs += 1
        async with in_transaction() as conn:
            # A real serialization failure, raised by the server itself.
            await conn.execute_script(
                "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'serialization_failure'; END $$"
            )

    with pytest.raises(DatabaseBusy):
        await always_deadlocked()
    assert runs == ATTEMPTS
