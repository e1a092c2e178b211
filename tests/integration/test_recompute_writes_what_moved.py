"""A recompute writes the scores that moved, and only those (issue 10 §3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from service import sql
from service.models import Cycle, Employee, Score, ScoreLine
from service.sql import fetch_all, int_values
from service.usecases.inputs import FeedbackInput, ObservationInput
from service.usecases.scoring import recompute
from service.usecases.scoring.ingest import record_feedback, record_observations
from service.usecases.scoring.recompute import recompute_cycle
from service.usecases.setup.policy_change import update_policy
from tests.counting import counted_queries
from tests.integration.scenario import (
    ADMIN,
    CYCLE,
    build_organisation,
    hire_agents,
    survey_ratings,
)


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
    await record_feedback(actor=ADMIN, feedback=survey_ratings(["A1", "A2", "A3", "A4"], 40))


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


async def _stored_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    conn = connections.get("default")
    scores = await fetch_all(
        conn,
        "SELECT employee_id, team_id, position_id, state, status, status_reason, total_exact, "
        "total_cents, band_code, explanation, content_hash, policy_version FROM score "
        "ORDER BY employee_id",
    )
    lines = await fetch_all(
        conn,
        "SELECT s.employee_id, l.ordinal, l.kpi_id, l.scope, l.status, l.sample_size, "
        "l.raw_value FROM score_line l JOIN score s ON s.id = l.score_id "
        "ORDER BY s.employee_id, l.ordinal",
    )
    return scores, lines


async def _recompute(*, forget: bool = False, delete: bool = False) -> int:
    async with in_transaction() as conn:
        if delete:
            await conn.execute_query("DELETE FROM score_line")
            await conn.execute_query("DELETE FROM score")
        if forget:
            await conn.execute_query("UPDATE score SET content_hash = NULL")
        return await recompute_cycle(conn, await Cycle.get(code=CYCLE, using_db=conn))


async def test_many_scores_are_written_in_bulk_exactly_as_one_row_at_a_time(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = sql.COPY_FROM_ROWS + 6
    await build_organisation(members=members)
    people = [f"A{i}" for i in range(1, members + 1)]
    await record_feedback(actor=ADMIN, feedback=survey_ratings(people, 3 * members))
    # Stored in bulk (COPY on PostgreSQL): inserted by the activation, updated by the ingest.
    in_bulk = await _stored_rows()
    assert len(in_bulk[0]) > sql.COPY_FROM_ROWS
    assert await _recompute(forget=True) == len(in_bulk[0])  # updated in bulk
    assert await _stored_rows() == in_bulk
    monkeypatch.setattr(sql, "COPY_FROM_ROWS", 10**9)
    assert await _recompute(forget=True) == len(in_bulk[0])  # updated row by row
    assert await _stored_rows() == in_bulk
    assert await _recompute(delete=True) == len(in_bulk[0])  # inserted row by row
    assert await _stored_rows() == in_bulk


_LINE_COLUMNS = ("score_id", "ordinal", "kpi_id", "scope", "status", "sample_size", "raw_value")
# Every stored line, in the order the replacing tests compare them.
_LINES = f"SELECT {', '.join(_LINE_COLUMNS)} FROM score_line ORDER BY score_id, ordinal"


async def _replace_lines(rows: list[list[Any]], parents: list[int]) -> list[tuple[Any, ...]]:
    columns = _LINE_COLUMNS
    async with in_transaction() as tx:
        await sql.replace_children(tx, "score_line", "score_id", "ordinal", columns, rows, parents)
    stored = await fetch_all(connections.get("default"), _LINES)
    return [tuple(row[c] for c in columns) for row in stored]


async def test_replacing_lines_in_bulk_equals_deleting_and_inserting_them(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``sql.replace_children`` leaves (updated in place, inserted, the surplus
    deleted, unchanged rows untouched, on PostgreSQL from COPY_FROM_ROWS rows) is what
    deleting the parents' rows and inserting the new ones leaves."""
    await build_organisation(members=sql.COPY_FROM_ROWS + 6)
    conn = connections.get("default")
    lines = await fetch_all(conn, _LINES)
    by_score: dict[int, list[list[Any]]] = {}
    for line in lines:
        by_score.setdefault(int(line["score_id"]), []).append(list(line.values()))
    scores = sorted(by_score)
    assert len(lines) >= sql.COPY_FROM_ROWS + 6
    assert len(scores) >= 4
    emptied, shortened, grown = scores[0], scores[1], scores[2]
    rows: list[list[Any]] = []
    for score_id in scores[1:]:
        kept = by_score[score_id][:-1] if score_id == shortened else by_score[score_id]
        for index, values in enumerate(kept):
            changed = list(values)
            if index == 0:
                changed[5] = values[5] + 7  # sample_size
                changed[6] = None if values[6] is not None else 12_345  # raw_value
            rows.append(changed)
        if score_id == grown:
            extra = list(by_score[score_id][0])
            extra[1] = len(by_score[score_id])  # a new ordinal
            rows.append(extra)
    parents = [emptied, shortened, grown, *scores[3:]]
    before = set(await int_values(ScoreLine.all().values_list("id", flat=True)))
    in_bulk = await _replace_lines(rows, parents)
    untouched = before & set(await int_values(ScoreLine.all().values_list("id", flat=True)))
    assert in_bulk == sorted(tuple(row) for row in rows)
    if sql.is_postgres(conn):
        # Updated in place: only the emptied and shortened scores' dropped lines are gone.
        assert len(before - untouched) == len(by_score[emptied]) + 1
    monkeypatch.setattr(sql, "COPY_FROM_ROWS", 10**9)
    restored = [list(line.values()) for line in lines]
    assert await _replace_lines(restored, scores) == [tuple(row) for row in restored]
    assert await _replace_lines(rows, parents) == in_bulk


async def test_replacing_lines_with_none_dropped_keeps_every_line_and_adds_the_new(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When no parent loses a line (the usual whole-cycle recompute), the lines are
    updated and added in place and none is deleted, on PostgreSQL from COPY_FROM_ROWS
    rows (which then skips its anti-join for the surplus): the same lines as deleting
    and inserting them, each stored line keeping its id."""
    await build_organisation(members=sql.COPY_FROM_ROWS + 6)
    conn = connections.get("default")
    lines = await fetch_all(conn, _LINES)
    rows = [list(line.values()) for line in lines]
    scores = sorted({int(line["score_id"]) for line in lines})
    assert len(rows) >= sql.COPY_FROM_ROWS + 6
    rows[0][5] += 3  # a sample size changed
    grown = list(rows[-1])
    grown[1] += 1  # a new ordinal of the last score
    rows.append(grown)
    before = set(await int_values(ScoreLine.all().values_list("id", flat=True)))
    in_bulk = await _replace_lines(rows, scores)
    after = set(await int_values(ScoreLine.all().values_list("id", flat=True)))
    assert in_bulk == sorted(tuple(row) for row in rows)
    if sql.is_postgres(conn):
        assert before < after  # every line kept its id
        assert len(after - before) == 1  # the new one
    monkeypatch.setattr(sql, "COPY_FROM_ROWS", 10**9)
    restored = [list(line.values()) for line in lines]
    assert await _replace_lines(restored, scores) == [tuple(row) for row in restored]
    assert await _replace_lines(rows, scores) == in_bulk


async def test_a_bulk_insert_that_breaks_a_unique_key_is_an_integrity_error(db: str) -> None:
    await build_organisation(members=2)
    conn = connections.get("default")
    cycle = await Cycle.get(code=CYCLE)
    employee = await fetch_all(conn, "SELECT MIN(employee_id) AS e FROM score")
    row = [cycle.id, employee[0]["e"], "PROVISIONAL", "NO_DATA", 1, datetime.now(UTC), "{}"]
    with pytest.raises(IntegrityError):
        async with in_transaction() as tx:
            await sql.insert_many(
                tx,
                "score",
                (
                    "cycle_id",
                    "employee_id",
                    "state",
                    "status",
                    "policy_version",
                    "computed_at",
                    "explanation",
                ),
                [row] * sql.COPY_FROM_ROWS,
            )


# --- scored again only when what a score is computed from changed -----------------------


@contextmanager
def _scored_people(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The ids of the people the engine scores meanwhile (the recompute's own step,
    wrapped; the database is the real one)."""
    scored: list[int] = []
    original = recompute._score_person

    def counting(person: Any, loaded: Any) -> dict[str, Any]:
        scored.append(person.id)
        return original(person, loaded)

    with monkeypatch.context() as patch:
        patch.setattr(recompute, "_score_person", counting)
        yield scored


async def _ids(*codes: str) -> list[int]:
    return sorted([e.id for e in await Employee.filter(external_id__in=codes)])


async def test_a_recompute_with_the_same_inputs_scores_nobody_again(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _scored_organisation()
    before = await _stored_rows()
    with _scored_people(monkeypatch) as scored:
        assert await _recompute() == 0
    assert scored == []
    assert await _stored_rows() == before


async def test_a_new_observation_scores_again_only_the_person_it_moved(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _scored_organisation()
    with _scored_people(monkeypatch) as scored:
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
    # frt is on no TEAM line: A1 alone is recomputed.
    assert scored == await _ids("A1")


async def test_an_observation_on_a_team_line_reads_the_team_and_scores_who_moved(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _scored_organisation()
    before = await _written()
    seen: list[int] = []
    original = recompute._people

    async def people(*args: Any, **kwargs: Any) -> Any:
        found = await original(*args, **kwargs)
        seen.extend(p.id for p in found)
        return found

    monkeypatch.setattr(recompute, "_people", people)
    with _scored_people(monkeypatch) as scored:
        await record_feedback(
            actor=ADMIN,
            feedback=[
                FeedbackInput(
                    rating="5",
                    channel="ONLINE_SURVEY",
                    occurred_at="2026-02-03T10:00:00+08:00",
                    source="survey",
                    employee_external_id="A2",
                    external_id="fb-team",
                )
            ],
        )
    # csat is also on the TEAM line: the hotline is read again and every agent's team
    # line moved, so they are scored and written; its lead's score (another card) reads
    # nothing that changed and is not scored again.
    hotline = sorted([e.id for e in await Employee.filter(team__code="hotline")])
    agents = sorted(
        [e.id for e in await Employee.filter(team__code="hotline", position__code="agent")]
    )
    assert sorted(seen) == hotline
    assert sorted(scored) == agents
    after = await _written()
    assert {e for e in after if after[e] != before[e]} == {
        e.external_id for e in await Employee.filter(id__in=agents)
    }


async def test_a_change_that_moves_no_score_scores_everyone_once_then_nobody(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _scored_organisation()
    before = await _written()
    with _scored_people(monkeypatch) as scored:
        await update_policy(
            actor=ADMIN,
            settings={
                "timezone": "Asia/Shanghai",
                "csat_kpi_code": "csat",
                "csat_share_max": "55",
            },
            expected_version=None,
        )
    # The policy is an input of every score: everyone is scored, no score moved, no
    # score row is written (the time and content stay); their inputs' hash is kept.
    assert sorted(scored) == sorted([s.employee_id for s in await Score.all()])
    assert await _written() == before
    with _scored_people(monkeypatch) as scored:
        assert await _recompute() == 0
    assert scored == []


async def test_a_score_whose_stored_content_changed_is_computed_and_written_again(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _scored_organisation()
    before = await _stored_rows()
    [a1] = await _ids("A1")
    await Score.filter(employee_id=a1).update(content_hash="tampered")
    with _scored_people(monkeypatch) as scored:
        assert await _recompute() == 1
    assert scored == [a1]
    assert await _stored_rows() == before


async def test_the_scoring_code_is_part_of_every_scores_inputs(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _scored_organisation()
    before = await _written()
    recompute.scoring_code_fingerprint.cache_clear()
    monkeypatch.setattr(recompute, "_SCORING_CODE", (*recompute._SCORING_CODE, "pyproject.toml"))
    try:
        with _scored_people(monkeypatch) as scored:
            assert await _recompute() == 0
        # Another code base: everyone is scored again, and nothing moved.
        assert len(scored) == len(before)
        assert await _written() == before
    finally:
        recompute.scoring_code_fingerprint.cache_clear()


async def test_a_recompute_costs_the_same_queries_for_more_people(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every write as one statement (executemany) at both sizes, so each is counted; past
    # COPY_FROM_ROWS PostgreSQL copies instead, one round trip outside the ORM's client.
    monkeypatch.setattr(sql, "COPY_FROM_ROWS", 10**9)
    await build_organisation(members=3)
    cycle = await Cycle.get(code=CYCLE)

    async def counted() -> tuple[int, int]:
        async with in_transaction() as conn:
            await conn.execute_query("UPDATE score SET content_hash = NULL")
        async with in_transaction() as conn:
            with counted_queries(conn) as seen:
                written = await recompute_cycle(conn, cycle)
        return len(seen), written

    few, written_few = await counted()
    newcomers = await hire_agents(12)
    await record_feedback(actor=ADMIN, feedback=survey_ratings(newcomers, 36, prefix="fb-n"))
    many, written_many = await counted()
    assert few > 0
    assert written_many == written_few + 12
    assert many == few
