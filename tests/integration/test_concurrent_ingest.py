"""Two writers must not each miss the other's rows (DESIGN.md rule 5), nor fail on each
other's rows (issue 9 §4), on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import asyncpg
import pytest

from service.models import Cycle, Employee, Kpi, Observation, Score
from service.usecases.inputs import FeedbackInput
from service.usecases.parsing import (
    epoch_microseconds,
    offset_minutes,
    parse_decimal,
    parse_moment,
    to_scaled,
)
from service.usecases.scoring.ingest import record_feedback
from service.usecases.scoring.recompute import recompute_cycle
from service.usecases.setup.policy_change import update_policy
from tests.conftest import postgres_url
from tests.integration.scenario import ADMIN, CYCLE, build_organisation


def batch(writer: int, round_: int) -> list[FeedbackInput]:
    employee = f"A{writer % 4 + 1}"
    return [
        FeedbackInput(
            rating=str(1 + (writer + round_ + i) % 5),
            channel="PHONE_CALLBACK",
            occurred_at=f"2026-02-{1 + round_:02d}T09:{i:02d}:00+08:00",
            source="callbacks",
            employee_external_id=employee,
            external_id=f"w{writer}-r{round_}-{i}",
        )
        for i in range(5)
    ]


async def stored_scores() -> dict[int, tuple[Any, ...]]:
    return {
        s.employee_id: (s.status, s.total_exact, s.explanation)
        for s in await Score.filter(cycle__code=CYCLE)
    }


# Only on PostgreSQL: SQLite admits one writer at a time, so the race cannot happen there.
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_concurrent_ingests_leave_the_same_scores_as_a_full_recompute(db: str) -> None:
    assert db == "postgres"
    await build_organisation()
    # Ratings alone (own CSAT and the complaints beside it: 45 % of the weight) must
    # give totals here, so that the scores differ per person.
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "min_evidence_weight": "40",
        },
        expected_version=None,
    )
    for round_ in range(6):
        await asyncio.gather(
            *(record_feedback(actor=ADMIN, feedback=batch(w, round_)) for w in range(4))
        )
    incremental = await stored_scores()
    cycle = await Cycle.get(code=CYCLE)
    from tortoise.transactions import in_transaction

    async with in_transaction() as conn:
        await recompute_cycle(conn, cycle)
    full = await stored_scores()
    assert incremental == full
    assert len({v[1] for v in full.values()}) > 1  # the scores really differ per person


SHARED = FeedbackInput(
    rating="4",
    channel="PHONE_CALLBACK",
    occurred_at="2026-02-03T09:30:00+08:00",
    source="callbacks",
    employee_external_id="A1",
    external_id="shared-1",
)


@asynccontextmanager
async def another_batch_recording(row: FeedbackInput, rating: str) -> AsyncIterator[Any]:
    """Another writer (another process, another idempotency key) has inserted `row` with
    `rating` and not committed yet; it commits when the block ends."""
    employee = await Employee.get(external_id="A1")
    csat = await Kpi.get(code="csat")
    moment = parse_moment(row.occurred_at)
    other = await asyncpg.connect(postgres_url().replace("postgres://", "postgresql://", 1))
    try:
        transaction = other.transaction()
        await transaction.start()
        await other.execute(
            "INSERT INTO observation (kpi_id, employee_id, team_id, value, occurred_at_us, "
            "utc_offset_minutes, source, external_id, channel, comment, recorded_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, now())",
            csat.id,
            employee.id,
            employee.team_id,
            to_scaled(parse_decimal(rating)),
            epoch_microseconds(moment),
            offset_minutes(moment),
            row.source,
            row.external_id,
            row.channel,
        )
        yield other
        await transaction.commit()
    finally:
        await other.close()


async def until_waiting_on_a_row_lock(other: Any) -> None:
    for _ in range(200):
        waiting = await other.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the ingest never reached the insert")


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_a_row_another_batch_records_meanwhile_comes_back_as_a_duplicate(db: str) -> None:
    await build_organisation()
    own = replace(SHARED, external_id="own-1", rating="5")
    async with another_batch_recording(SHARED, "4") as other:
        ingest = asyncio.create_task(record_feedback(actor=ADMIN, feedback=[own, SHARED]))
        await until_waiting_on_a_row_lock(other)  # looked up before, inserting now
    report = await ingest
    assert (report.accepted, report.duplicates, report.rejected) == (1, 1, [])
    assert await Observation.filter(source="callbacks").count() == 2


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_a_different_row_another_batch_records_meanwhile_is_a_conflict(db: str) -> None:
    await build_organisation()
    own = replace(SHARED, external_id="own-1", rating="5")
    async with another_batch_recording(SHARED, "2") as other:
        ingest = asyncio.create_task(record_feedback(actor=ADMIN, feedback=[own, SHARED]))
        await until_waiting_on_a_row_lock(other)
    report = await ingest
    assert [(e.index, e.field, e.code) for e in report.rejected] == [(1, "externalId", "CONFLICT")]
    # ALL_OR_NOTHING: the batch's own row is rolled back with it.
    assert (report.accepted, report.duplicates) == (0, 0)
    assert await Observation.filter(source="callbacks").count() == 1
