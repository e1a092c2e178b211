"""A recompute writes the scores that moved, and only those (issue 10 §3)."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from service.models import Cycle, Score, ScoreLine
from service.sql import int_values
from service.usecases.inputs import FeedbackInput, ObservationInput
from service.usecases.scoring.ingest import record_feedback, record_observations
from service.usecases.scoring.recompute import recompute_cycle
from service.usecases.setup.policy_change import update_policy
from tests.integration.scenario import ADMIN, CYCLE, build_organisation


async def _written() -> dict[str, tuple[datetime, str | None]]:
    """When each score was last written, by employee, and its hash."""
    rows = await Score.filter(cycle__code=CYCLE).prefetch_related("employee")
    return {r.employee.external_id: (r.computed_at, r.content_hash) for r in rows}


async def _line_ids(employee: str | None = None) -> set[int]:
    query = ScoreLine.filter(score__cycle__code=CYCLE)
    if employee is not None:
        query = query.filter(score__employee__external_id=employee)
    return set(await int_values(query.values_list("id", flat=True)))


async def _scored_organisation() -> None:
    await build_organisation()
    await record_feedback(
        actor=ADMIN,
        feedback=[
            FeedbackInput(
                rating=str(1 + i % 5),
                channel="ONLINE_SURVEY",
                occurred_at=f"2026-02-{1 + i % 20:02d}T10:00:00+08:00",
                source="survey",
                employee_external_id=f"A{1 + i % 4}",
                external_id=f"fb-{i}",
            )
            for i in range(40)
        ],
    )


async def test_a_recompute_that_moves_no_score_writes_no_score_row(db: str) -> None:
    await _scored_organisation()
    before, lines_before = await _written(), await _line_ids()
    assert all(digest for _at, digest in before.values())
    # A policy change that moves no score (only the scorecard warnings read it)
    # recomputes every open cycle.
    saved = await update_policy(
        actor=ADMIN,
        settings={"timezone": "Asia/Shanghai", "csat_kpi_code": "csat", "csat_share_max": "55"},
        expected_version=None,
    )
    assert saved.changed
    assert await _written() == before
    assert await _line_ids() == lines_before  # no line deleted and inserted again
    cycle = await Cycle.get(code=CYCLE)
    async with in_transaction() as conn:
        assert await recompute_cycle(conn, cycle) == 0


async def test_a_change_that_moves_one_score_writes_that_score_only(db: str) -> None:
    await _scored_organisation()
    before, lines_before = await _written(), await _line_ids()
    a1_before = await _line_ids("A1")
    # A first-response time of A1's own: A1's line moves; the team is recomputed too
    # (the observation names its team) but no colleague's score moves.
    await record_observations(
        actor=ADMIN,
        observations=[
            ObservationInput(
                kpi_code="frt",
                value="12.5",
                occurred_at="2026-02-03T08:00:00Z",
                source="tickets",
                employee_external_id="A1",
                external_id="t-1",
            )
        ],
    )
    after = await _written()
    assert after.keys() == before.keys()
    assert [e for e in sorted(after) if after[e] != before[e]] == ["A1"]
    lines_after = await _line_ids()
    a1_after = await _line_ids("A1")
    # A1's lines were written again; nobody else's were touched.
    assert lines_after - a1_after == lines_before - a1_before
    assert not a1_after & a1_before
