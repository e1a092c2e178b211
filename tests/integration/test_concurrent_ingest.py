"""Two writers must not each miss the other's rows (DESIGN.md rule 5), on PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.models import Cycle, Score
from service.usecases.ingest import record_feedback
from service.usecases.inputs import FeedbackInput
from service.usecases.policy import update_policy
from service.usecases.recompute import recompute_cycle
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
