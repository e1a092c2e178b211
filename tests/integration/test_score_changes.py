"""Score changes are heard after commit, never after a rollback, by every listener
(service/usecases/scoring/changes.py), on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from service.models import Cycle, Employee, Score
from service.usecases.scoring.changes import (
    MAX_PAYLOAD_BYTES,
    ChangeHub,
    ScoreChange,
    Subscriber,
    hearing_changes,
)
from service.usecases.scoring.recompute import recompute_cycle
from tests.conftest import active_database_url
from tests.integration.scenario import CYCLE, build_organisation

QUIET_SECONDS = 0.5


@asynccontextmanager
async def listening(cycle_id: int) -> AsyncIterator[tuple[ChangeHub, Subscriber]]:
    hub = ChangeHub()
    async with hearing_changes(hub, active_database_url()):
        subscriber = hub.subscribe(cycle_id)
        yield hub, subscriber


async def heard(subscriber: Subscriber, seconds: float = 5) -> ScoreChange | None:
    try:
        async with asyncio.timeout(seconds):
            return await subscriber.next_change()
    except TimeoutError:
        return None


async def moved(external_id: str, *, whole_cycle: bool = False, fail: bool = False) -> None:
    """One score made to move (its stored hash spoiled), recomputed in a transaction."""
    async with in_transaction() as conn:
        employee = await Employee.get(external_id=external_id, using_db=conn)
        cycle = await Cycle.get(code=CYCLE, using_db=conn)
        await Score.filter(employee_id=employee.id).using_db(conn).update(content_hash="x")
        ids = None if whole_cycle else {employee.id}
        await recompute_cycle(conn, cycle, employee_ids=ids)
        if fail:
            raise RuntimeError("the use case fails after recomputing")


@pytest.fixture
async def cycle_id(db: str) -> int:
    await build_organisation(members=4)
    return (await Cycle.get(code=CYCLE)).id


async def test_a_committed_change_names_the_employee_and_team_once_committed(
    cycle_id: int,
) -> None:
    employee = await Employee.get(external_id="A1")
    assert employee.team_id is not None
    async with listening(cycle_id) as (_hub, subscriber):
        async with in_transaction() as conn:
            cycle = await Cycle.get(code=CYCLE, using_db=conn)
            await Score.filter(employee_id=employee.id).using_db(conn).update(content_hash="x")
            await recompute_cycle(conn, cycle, employee_ids={employee.id})
            assert await heard(subscriber, QUIET_SECONDS) is None  # not before the commit
        change = await heard(subscriber)
    assert change == ScoreChange(cycle_id, frozenset({employee.id}), frozenset({employee.team_id}))


async def test_a_rolled_back_change_is_never_heard(cycle_id: int) -> None:
    async with listening(cycle_id) as (_hub, subscriber):
        with pytest.raises(RuntimeError):
            await moved("A1", fail=True)
        assert await heard(subscriber, QUIET_SECONDS * 2) is None
        await moved("A2")
        change = await heard(subscriber)
    a2 = await Employee.get(external_id="A2")
    assert change is not None
    assert change.employee_ids == frozenset({a2.id})


async def test_a_recompute_that_moves_nothing_says_nothing(cycle_id: int) -> None:
    async with listening(cycle_id) as (_hub, subscriber):
        async with in_transaction() as conn:
            await recompute_cycle(conn, await Cycle.get(code=CYCLE, using_db=conn))
        assert await heard(subscriber, QUIET_SECONDS * 2) is None


async def test_a_whole_cycle_recompute_is_one_cycle_changed_event(cycle_id: int) -> None:
    async with listening(cycle_id) as (_hub, subscriber):
        await moved("A1", whole_cycle=True)
        assert await heard(subscriber) == ScoreChange(cycle_id)
        assert await heard(subscriber, QUIET_SECONDS) is None


async def test_changes_heard_while_busy_are_merged_into_one(cycle_id: int) -> None:
    async with listening(cycle_id) as (_hub, subscriber):
        await moved("A1")
        await moved("A2")
        await asyncio.sleep(QUIET_SECONDS)
        change = await heard(subscriber)
    ids = {e.id for e in await Employee.filter(external_id__in=["A1", "A2"])}
    assert change is not None
    assert change.employee_ids == frozenset(ids)


async def test_two_applications_hear_one_change(cycle_id: int) -> None:
    async with listening(cycle_id) as (_one, first), listening(cycle_id) as (_two, second):
        await moved("A3")
        assert await heard(first) is not None
        assert await heard(second) is not None


async def test_the_listener_reconnects_and_says_the_cycle_may_have_changed(
    cycle_id: int, db: str
) -> None:
    if db != "postgres":
        pytest.skip("SQLite hears changes in-process: there is no connection to lose")
    async with listening(cycle_id) as (_hub, subscriber):
        await get_connection("default").execute_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()"
        )
        assert await heard(subscriber, 15) == ScoreChange(cycle_id)
        await moved("A4")
        change = await heard(subscriber)
    assert change is not None
    assert not change.whole_cycle


def test_a_change_too_large_for_one_notification_is_sent_as_the_whole_cycle() -> None:
    large = ScoreChange(7, frozenset(range(10**6, 10**6 + 2_000)), frozenset({1}))
    assert len(large.to_payload()) <= MAX_PAYLOAD_BYTES
    assert ScoreChange.from_payload(large.to_payload()) == ScoreChange(7)
    small = ScoreChange(7, frozenset({1, 2}), frozenset({3}))
    assert ScoreChange.from_payload(small.to_payload()) == small


@pytest.mark.parametrize(
    "payload",
    ["", "null", "[]", '{"cycle": "7"}', '{"cycle": true}', '{"cycle": 7, "employees": ["x"]}'],
)
def test_a_notification_of_another_shape_is_ignored(payload: str) -> None:
    assert ScoreChange.from_payload(payload) is None


async def test_a_quiet_listener_still_hears_after_its_pings(
    cycle_id: int, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db != "postgres":
        pytest.skip("SQLite hears changes in-process: there is no connection to ping")
    from service.usecases.scoring import changes

    monkeypatch.setattr(changes, "PING_SECONDS", 0.2)
    async with listening(cycle_id) as (_hub, subscriber):
        await asyncio.sleep(1.5)  # several pings
        assert await heard(subscriber, 0.1) is None
        await moved("A1")
        assert await heard(subscriber) is not None
