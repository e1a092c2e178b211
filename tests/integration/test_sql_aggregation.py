"""The SQL aggregation on each database equals a plain Python aggregation of the same lists."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise.connection import get_connection
from tortoise.exceptions import OperationalError

from service.models import Kpi, Team
from service.scoring import aggregate_values, raw_value
from service.scoring.types import Kpi as EngineKpi
from service.scoring.types import Method, Scope, ScorecardLine
from service.sql import execute, execute_many, fetch_all
from service.usecases.scoring import aggregates
from service.usecases.scoring.aggregates import observation_aggregates_by_source
from service.usecases.scoring.engine_inputs import kpi_to_engine
from service.usecases.scoring.recompute import observation_aggregates

AGGREGATIONS = [
    ("mean", "MEAN", None),
    ("total", "SUM", None),
    ("count", "COUNT", None),
    ("share_least", "SHARE_AT_LEAST", 4),
    ("share_most", "SHARE_AT_MOST", Decimal("10.5")),
    ("p55", "PERCENTILE", 55),
    ("p90", "PERCENTILE", Decimal("90.5")),
]

values_4dp = st.decimals(
    min_value=Decimal("-50"), max_value=Decimal("150"), places=4, allow_nan=False
)


async def _setup() -> tuple[int, dict[int, EngineKpi]]:
    team = await Team.get_or_none(code="t") or await Team.create(code="t", name="T")
    kpis: dict[int, EngineKpi] = {}
    for code, aggregation, param in AGGREGATIONS:
        row = await Kpi.get_or_none(code=code) or await Kpi.create(
            code=code,
            name=code,
            kind="QUANTITATIVE",
            direction="HIGHER_IS_BETTER",
            aggregation=aggregation,
            aggregation_param=None if param is None else int(Decimal(param) * 10_000),
        )
        kpis[row.id] = kpi_to_engine(row)
    return team.id, kpis


# Each example clears the observations itself, so sharing the `db` fixture is safe.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(values_4dp, min_size=1, max_size=120))
async def test_sql_aggregates_equal_python_aggregates(db: str, values: list[Decimal]) -> None:
    team_id, kpis = await _setup()
    conn = get_connection("default")
    await execute(conn, "DELETE FROM observation")
    rows = [
        [kpi_id, team_id, int(v * 10_000), 1_000_000 + i, 0, "s", f"{kpi_id}-{i}"]
        for kpi_id in kpis
        for i, v in enumerate(values)
    ]
    await execute_many(
        conn,
        "INSERT INTO observation (kpi_id, team_id, value, occurred_at_us, utc_offset_minutes, "
        "source, external_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)",
        rows,
    )
    lines = _team_lines(kpis)
    found = await observation_aggregates(conn, "team_id", lines, None, 0, 10**12)
    for kpi_id, kpi in kpis.items():
        expected = aggregate_values(kpi, [Fraction(v) for v in values])
        assert found[(team_id, kpi_id)] == expected, kpi.code
        assert raw_value(kpi, found[(team_id, kpi_id)]) == raw_value(kpi, expected)


async def test_percentile_55_of_100_values_is_the_55th_not_the_56th(db: str) -> None:
    team_id, kpis = await _setup()
    conn = get_connection("default")
    await execute(conn, "DELETE FROM observation")
    p55 = next(k for k, kpi in kpis.items() if kpi.code == "p55")
    await execute_many(
        conn,
        "INSERT INTO observation (kpi_id, team_id, value, occurred_at_us, utc_offset_minutes, "
        "source, recorded_at) VALUES (?, ?, ?, ?, 0, 's', CURRENT_TIMESTAMP)",
        [[p55, team_id, v * 10_000, 5] for v in range(1, 101)],
    )
    line = ScorecardLine(
        kpi=kpis[p55],
        scope=Scope.TEAM,
        weight=Fraction(100),
        method=Method.BINARY,
        target=Fraction(1),
    )
    found = await observation_aggregates(conn, "team_id", {p55: line}, None, 0, 10)
    assert found[(team_id, p55)].value_at_rank == 55


async def test_a_sum_past_64_bits_is_aggregated_exactly(db: str) -> None:
    # 1,000 values of 999,999,999,999 (x 10,000 stored) add up past 2**63: SQLite's SUM
    # of integers would fail ("integer overflow"); the mean itself is small.
    team_id, kpis = await _setup()
    conn = get_connection("default")
    await execute(conn, "DELETE FROM observation")
    values = [Fraction(999_999_999_999)] * 1000 + [Fraction("-123456789.1234")] * 3
    rows = [
        [kpi_id, team_id, int(v * 10_000), 1_000_000 + i, 0, "s", f"{kpi_id}-{i}"]
        for kpi_id, kpi in kpis.items()
        if kpi.code in ("mean", "total")
        for i, v in enumerate(values)
    ]
    await execute_many(
        conn,
        "INSERT INTO observation (kpi_id, team_id, value, occurred_at_us, utc_offset_minutes, "
        "source, external_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)",
        rows,
    )
    lines = _team_lines(kpis, "mean", "total")
    found = await observation_aggregates(conn, "team_id", lines, None, 0, 10**12)
    for kpi_id, kpi in kpis.items():
        if kpi_id in lines:
            assert found[(team_id, kpi_id)] == aggregate_values(kpi, values), kpi.code
    assert sum(values) > Fraction(2**63, 10_000)


async def test_counts_by_source_come_in_the_databases_source_and_channel_order(db: str) -> None:
    # Two teams, every aggregation, sources and channels (a null one too) inserted out of
    # order: the by-source read gives what the plain read gives, and per (team, KPI) the
    # counts in the order the database's own ORDER BY source, channel gives.
    team_id, kpis = await _setup()
    other = await Team.get_or_none(code="t2") or await Team.create(code="t2", name="T2")
    conn = get_connection("default")
    await execute(conn, "DELETE FROM observation")
    kinds = [("web", "PHONE_CALLBACK"), ("Web", None), ("app", "ONLINE_SURVEY"), ("web", None)]
    kinds += [("app", None), ("web", "FACE_TO_FACE"), ("_x", "ONLINE_SURVEY")]
    rows = [
        [kpi_id, team, (i * 37 % 11) * 10_000, 1_000 + i, 0, source, channel, f"{team}-{i}"]
        for kpi_id in kpis
        for team in (team_id, other.id)
        for i, (source, channel) in enumerate(kinds * 3)
        if team == team_id or i % 2 == 0
    ]
    await execute_many(
        conn,
        "INSERT INTO observation (kpi_id, team_id, value, occurred_at_us, utc_offset_minutes, "
        "source, channel, external_id, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)",
        rows,
    )
    lines = _team_lines(kpis)
    plain = await observation_aggregates(conn, "team_id", lines, None, 0, 10**6)
    found, counts = await observation_aggregates_by_source(conn, "team_id", lines, None, 0, 10**6)
    assert found == plain
    assert len(found) == 2 * len(kpis)
    expected: dict[tuple[int, int], list[tuple[str, str | None, int]]] = {}
    for r in await fetch_all(
        conn,
        "SELECT team_id, kpi_id, source, channel, COUNT(*) AS n FROM observation "
        "GROUP BY team_id, kpi_id, source, channel ORDER BY source, channel",
    ):
        key = (int(r["team_id"]), int(r["kpi_id"]))
        expected.setdefault(key, []).append((r["source"], r["channel"], int(r["n"])))
    assert counts == expected


async def _percentile_lines() -> dict[int, ScorecardLine]:
    team_id, kpis = await _setup()
    conn = get_connection("default")
    await execute(conn, "DELETE FROM observation")
    await execute_many(
        conn,
        "INSERT INTO observation (kpi_id, team_id, value, occurred_at_us, utc_offset_minutes, "
        "source, recorded_at) VALUES (?, ?, ?, ?, 0, 's', CURRENT_TIMESTAMP)",
        [[kpi_id, team_id, v * 10_000, 5] for kpi_id in kpis for v in range(1, 11)],
    )
    return _team_lines(kpis)


def _ranking() -> list[asyncio.Task[object]]:
    return [
        task
        for task in asyncio.all_tasks()
        if "_values_at_rank" in repr(task.get_coro()) and not task.done()
    ]


async def test_a_failure_while_adding_up_leaves_no_percentile_statement_running(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The percentile's statement is sent before the GROUP BY's rows are added up: when
    # the adding up fails, the error is the one raised and the statement is not left behind.
    lines = await _percentile_lines()
    conn = get_connection("default")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("adding up failed")

    monkeypatch.setattr(aggregates, "_added_up", broken)
    with pytest.raises(RuntimeError, match="adding up failed"):
        await observation_aggregates(conn, "team_id", lines, None, 0, 10)
    assert _ranking() == []
    monkeypatch.undo()
    found = await observation_aggregates(conn, "team_id", lines, None, 0, 10)
    assert {a.n for a in found.values()} == {10}


async def test_a_failing_percentile_statement_fails_the_read(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = await _percentile_lines()
    conn = get_connection("default")
    monkeypatch.setattr(aggregates, "values_at_rank", lambda *_args: "SELECT no_such_column")
    with pytest.raises(OperationalError):
        await observation_aggregates(conn, "team_id", lines, None, 0, 10)
    assert _ranking() == []


def _team_lines(kpis: dict[int, EngineKpi], *codes: str) -> dict[int, ScorecardLine]:
    """A TEAM line for each KPI (those of the codes given, or all)."""
    return {
        kpi_id: ScorecardLine(
            kpi=kpi,
            scope=Scope.TEAM,
            weight=Fraction(100),
            method=Method.BINARY,
            target=Fraction(1),
        )
        for kpi_id, kpi in kpis.items()
        if not codes or kpi.code in codes
    }
