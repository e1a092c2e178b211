"""A large recompute scores people in worker processes (scoring_pool.py) and stores
exactly what scoring them in its own process stores, in the same order; a person who
cannot be scored aborts it; a small recompute never starts the pool."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from service.errors import ValidationFailed
from service.models import Cycle, Observation
from service.sql import fetch_all
from service.usecases.inputs import ObservationInput
from service.usecases.scoring import recompute, scoring_pool
from service.usecases.scoring.corrections import adjust_score
from service.usecases.scoring.ingest import record_feedback, record_observations
from service.usecases.scoring.recompute import recompute_cycle
from tests.integration.scenario import (
    ADMIN,
    CYCLE,
    build_organisation,
    hire_agents,
    survey_ratings,
)
from tests.integration.test_large_sums import _organisation_with_a_sum_line, _sales


@contextmanager
def _pooled(monkeypatch: pytest.MonkeyPatch, calls: list[int]) -> Iterator[None]:
    """The pool on from one person, in chunks of 3 or more (several chunks per worker),
    counting the chunks each pooled scoring sends."""
    real_init, real_send = scoring_pool.ChunkRun.__init__, scoring_pool.ChunkRun.send

    def init(self: Any, *args: Any) -> None:
        calls.append(0)
        real_init(self, *args)

    def send(self: Any, chunk: Any) -> None:
        calls[-1] += 1
        real_send(self, chunk)

    monkeypatch.setattr(scoring_pool.ChunkRun, "__init__", init)
    monkeypatch.setattr(scoring_pool.ChunkRun, "send", send)
    with scoring_pool.configured(processes=2, pool_from=1, smallest_chunk=3):
        yield


def _capture_stores(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[Any], list[int]]]:
    """What each recompute hands `_store`: the rows scored, in order, and the kept ids."""
    seen: list[tuple[list[Any], list[int]]] = []
    real = recompute._store

    async def store(conn: Any, cycle: Any, rows: Any, kept: Any, *rest: Any) -> int:
        seen.append((list(rows), list(kept)))
        return await real(conn, cycle, rows, kept, *rest)

    monkeypatch.setattr(recompute, "_store", store)
    return seen


def _as_stored(row: dict[str, Any]) -> dict[str, Any]:
    result = row["result"]
    totals = None if result is None else (result.total, result.reported_total, result.band)
    return row | {"result": totals}


async def _stored() -> list[list[dict[str, Any]]]:
    scores = await fetch_all(
        connections.get("default"),
        "SELECT employee_id, team_id, position_id, state, status, status_reason, total_exact, "
        "total_cents, band_code, explanation, content_hash, engine_inputs_hash, "
        "policy_version FROM score ORDER BY employee_id",
    )
    lines = await fetch_all(
        connections.get("default"),
        "SELECT s.employee_id, l.ordinal, l.kpi_id, l.scope, l.status, l.sample_size, "
        "l.raw_value FROM score_line l JOIN score s ON s.id = l.score_id "
        "ORDER BY s.employee_id, l.ordinal",
    )
    return [scores, lines]


async def _rescore_everyone() -> None:
    """The whole cycle recomputed with every content hash forgotten: every score is
    computed and written again."""
    cycle = await Cycle.get(code=CYCLE)
    async with in_transaction() as conn:
        await conn.execute_query("UPDATE score SET content_hash = NULL")
        await recompute_cycle(conn, cycle)


async def test_a_pooled_recompute_stores_what_a_serial_one_stores(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await build_organisation()
    people = ["A1", "A2", "A3", "A4", *await hire_agents(20, teams=("hotline", "field"))]
    await record_feedback(actor=ADMIN, feedback=survey_ratings(people[:15], 60))
    await record_observations(
        actor=ADMIN,
        observations=[
            ObservationInput(
                kpi_code="frt",
                value=str(5 + i % 30),
                occurred_at=f"2026-02-{1 + i % 20:02d}T08:00:00Z",
                source="tickets",
                employee_external_id=people[i % 12],
                external_id=f"t-{i}",
            )
            for i in range(48)
        ],
    )
    await adjust_score(
        actor=ADMIN, cycle_code=CYCLE, employee_external_id="A2", points="3", reason="shifts"
    )
    seen = _capture_stores(monkeypatch)
    await _rescore_everyone()
    serial = await _stored()
    calls: list[int] = []
    with _pooled(monkeypatch, calls):
        await _rescore_everyone()
    assert len(calls) == 1
    assert calls[0] > 2  # the pool scored, in several chunks
    assert await _stored() == serial
    (serial_rows, serial_kept), (pooled_rows, pooled_kept) = seen
    assert len(serial_rows) == len(people) + 2  # everyone scored: the lead and F1 too
    # The same rows in the same order; of a result, a worker sends back what `_store`
    # reads (its total, reported total and band).
    assert [_as_stored(row) for row in pooled_rows] == [_as_stored(row) for row in serial_rows]
    assert pooled_kept == serial_kept == []
    # With nothing changed, the pool keeps every score as the serial path does.
    seen.clear()
    cycle = await Cycle.get(code=CYCLE)
    with _pooled(monkeypatch, calls):
        async with in_transaction() as conn:
            assert await recompute_cycle(conn, cycle) == 0
    [(rows, kept)] = seen
    assert rows == []
    assert len(kept) == len(people) + 2
    assert await _stored() == serial


async def test_a_person_who_cannot_be_scored_in_the_pool_aborts_the_recompute(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _organisation_with_a_sum_line()
    await hire_agents(10)
    before = await _stored()
    calls: list[int] = []
    with _pooled(monkeypatch, calls), pytest.raises(ValidationFailed) as refused:
        await record_observations(actor=ADMIN, observations=_sales(1000))
    assert calls  # refused in a worker
    assert [issue.code for issue in refused.value.issues] == ["TOO_LARGE"]
    assert "revenue sum" in refused.value.message
    assert "999999999999000.0000" in refused.value.message
    assert await Observation.filter(kpi__code="revenue").count() == 0
    assert await _stored() == before


async def test_a_recompute_below_the_threshold_scores_in_its_own_process(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await build_organisation()
    calls: list[int] = []
    with _pooled(monkeypatch, calls), scoring_pool.configured(processes=2, pool_from=7):
        await record_observations(
            actor=ADMIN,
            observations=[
                ObservationInput(
                    kpi_code="frt",
                    value="12.5",
                    occurred_at="2026-02-03T08:00:00Z",
                    source="tickets",
                    employee_external_id="A1",
                    external_id="one",
                )
            ],
        )
        await _rescore_everyone()  # 6 people
    assert calls == []


def test_one_process_or_few_people_never_use_the_pool() -> None:
    with scoring_pool.configured(processes=1, pool_from=1):
        assert scoring_pool.processes_for(100_000) == 1
    with scoring_pool.configured(processes=2, pool_from=2_000):
        assert scoring_pool.processes_for(1_999) == 1
        assert scoring_pool.processes_for(2_000) == 2


def test_chunks_are_about_four_per_worker_and_never_below_the_smallest() -> None:
    with scoring_pool.configured(processes=2, smallest_chunk=250):
        assert scoring_pool.chunk_size(10_000, 2) == 1_250
        assert scoring_pool.chunk_size(10_001, 2) == 1_251
        assert scoring_pool.chunk_size(1_000, 2) == 250


async def test_a_pooled_recompute_writing_chunk_by_chunk_stores_what_a_serial_one_stores(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scores written chunk by chunk as the pool hands them back (on PostgreSQL,
    recompute.py `_EarlyUpdates`) next to new scores, lines changed, missing and
    surplus: the same stored scores and lines as the serial path's."""
    await build_organisation()
    people = ["A1", "A2", "A3", "A4", *await hire_agents(20, teams=("hotline", "field"))]
    await record_feedback(actor=ADMIN, feedback=survey_ratings(people[:15], 60))
    await _rescore_everyone()
    serial = await _stored()
    conn = connections.get("default")
    # Some scores gone (written again as new ones), others with lines changed, missing
    # and extra (an ordinal no scorecard has), every content hash forgotten.
    await conn.execute_query(
        "DELETE FROM score WHERE employee_id IN "
        "(SELECT id FROM employee WHERE external_id IN ('A2', 'N003', 'N011'))"
    )
    await conn.execute_query(
        "UPDATE score_line SET sample_size = sample_size + 7 WHERE ordinal = 0"
    )
    await conn.execute_query("DELETE FROM score_line WHERE ordinal = 1")
    await conn.execute_query(
        "INSERT INTO score_line (score_id, ordinal, kpi_id, scope, status, sample_size) "
        "SELECT score_id, 99, kpi_id, scope, status, 1 FROM score_line WHERE ordinal = 0"
    )
    calls: list[int] = []
    with _pooled(monkeypatch, calls):
        await _rescore_everyone()
    assert len(calls) == 1
    assert calls[0] > 2
    assert await _stored() == serial
