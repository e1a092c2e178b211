"""Admin home's data-freshness query: the statement before 0025 against today's, on
SQLite and PostgreSQL (not part of CI; numbers in docs/performance.md).

Builds the scoring benchmark's organisation and loads its observations (bench/generate.py,
plain insert), then times, in alternating rounds, with the medians reported:

- `before`: the single GROUP BY over every observation the home page ran before
  migration 0025, without the index 0025 adds (as it ran then) and with it;
- `after`: `data_freshness` (service/usecases/scoring/home.py) as it is now.

It checks that both give the same rows, and prints each statement's plan. On PostgreSQL
the observations are vacuumed once loaded, as autovacuum would leave them.

Usage: python bench/freshness.py [--employees 1000] [--teams 20] [--observations 300000]
       [--rounds 7] [--databases sqlite,postgres] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate as gen
from bench.scoring import (
    Database,
    _load,
    analyze,
    build_organisation,
    conn,
    insert_rows,
    machine,
    plain_insert,
    say,
)
from service.sql import fetch_all, for_dialect, is_postgres
from service.usecases.scoring.home import (
    FRESHNESS_PAIRS_SQL,
    USUAL_DAYS,
    freshness_of_pairs_sql,
    freshness_rows,
)

# Midway through the generated cycle (2026-Q1): the last day and the 14 before it hold rows.
NOW = datetime(2026, 3, 20, tzinfo=UTC)
INDEX = "bench_freshness"
INDEX_COLUMNS = "source, kpi_id, occurred_at_us, voided_at"

BEFORE_SQL = (
    "SELECT source, kpi_id, MAX(occurred_at_us) AS last_us, "
    "SUM(CASE WHEN occurred_at_us >= ? AND occurred_at_us < ? THEN 1 ELSE 0 END) AS last_day, "
    "SUM(CASE WHEN occurred_at_us >= ? AND occurred_at_us < ? THEN 1 ELSE 0 END) AS prev_days "
    "FROM observation WHERE voided_at IS NULL AND occurred_at_us < ? "
    "GROUP BY source, kpi_id"
)


def after_params() -> list[int]:
    end, day_ago, window = _moments()
    return [end, day_ago, end, window, day_ago]


def _moments() -> tuple[int, int, int]:
    end = int(NOW.timestamp() * 1_000_000)
    day_ago = end - 86_400_000_000
    return end, day_ago, day_ago - USUAL_DAYS * 86_400_000_000


def before_params() -> list[int]:
    end, day_ago, window = _moments()
    return [day_ago, end, window, day_ago, end]


async def run(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return await fetch_all(conn(), sql, params)


async def timed_ms(sql: str, params: list[Any]) -> float:
    started = time.perf_counter()
    await run(sql, params)
    return (time.perf_counter() - started) * 1000


def rows_of(found: list[dict[str, Any]]) -> list[tuple[str, int, int, int, int]]:
    return sorted(
        (
            str(r["source"]),
            int(r["kpi_id"]),
            int(r["last_us"]),
            int(r["last_day"] or 0),
            int(r["prev_days"] or 0),
        )
        for r in found
    )


async def explain(sql: str, params: list[Any]) -> list[str]:
    if is_postgres(conn()):
        lines = await conn().execute_query_dict(
            for_dialect(conn(), "EXPLAIN (ANALYZE, BUFFERS) " + sql), params
        )
        return [str(line["QUERY PLAN"]) for line in lines]
    lines = await conn().execute_query_dict("EXPLAIN QUERY PLAN " + sql, params)
    return [str(line["detail"]) for line in lines]


async def set_index(present: bool) -> None:
    """Migration 0025's index, or none: dropped by whatever name the migration gave it."""
    if present:
        await conn().execute_script(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON observation ({INDEX_COLUMNS})"
        )
    else:
        if is_postgres(conn()):
            sql = (
                "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'observation' "
                f"AND indexdef LIKE '%({INDEX_COLUMNS})%'"
            )
        else:
            sql = (
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'observation' AND replace(replace(sql, '\"', ''), '`', '') "
                f"LIKE '%({INDEX_COLUMNS})%'"
            )
        for row in await run(sql, []):
            await conn().execute_script(f'DROP INDEX "{row["name"]}"')
    await analyze()


async def run_database(kind: str, args: argparse.Namespace) -> list[str]:
    sizes = gen.Sizes(args.employees, args.teams, args.observations)
    db = Database(kind, args.postgres_url)
    await db.open_fresh()
    say(f"{kind}: {sizes.employees:,} employees, {sizes.observations:,} observations")
    org = await build_organisation(sizes)
    await plain_insert(insert_rows(org, gen.observations(sizes)))
    if is_postgres(conn()):
        # As autovacuum leaves a table that is mostly written once (PostgreSQL >= 13 vacuums
        # after inserts too): the visibility map set, so that index-only scans stay so.
        await conn().execute_script("VACUUM ANALYZE observation")
    await analyze()
    old = await run(BEFORE_SQL, before_params())
    assert rows_of(old) == rows_of(await freshness_rows(conn(), now=NOW)), "rows differ"
    out = [f"## {kind}: {sizes.observations:,} observations, {len(old)} (source, KPI) pairs"]
    times: dict[str, list[float]] = {"before, no index": [], "before, index": [], "after": []}
    plans: dict[str, list[str]] = {}
    for round_ in range(args.rounds):
        await set_index(False)
        await run(BEFORE_SQL, before_params())  # warm the cache alike for each
        times["before, no index"].append(await timed_ms(BEFORE_SQL, before_params()))
        if round_ == 0:
            plans["before, no index"] = await explain(BEFORE_SQL, before_params())
        await set_index(True)
        await freshness_rows(conn(), now=NOW)
        started = time.perf_counter()
        await freshness_rows(conn(), now=NOW)
        times["after"].append((time.perf_counter() - started) * 1000)
        times["before, index"].append(await timed_ms(BEFORE_SQL, before_params()))
        if round_ == 0:
            plans["after: pairs"] = await explain(FRESHNESS_PAIRS_SQL, [])
            pairs = [[r["source"], r["kpi_id"]] for r in await run(FRESHNESS_PAIRS_SQL, [])]
            plans["after: per pair"] = await explain(
                freshness_of_pairs_sql(len(pairs)),
                [*after_params(), *(value for pair in pairs for value in pair)],
            )
            plans["before, index"] = await explain(BEFORE_SQL, before_params())
    for name, values in times.items():
        out.append(
            f"{name}: median {statistics.median(values):.2f} ms "
            f"(min {min(values):.2f}, max {max(values):.2f}, {len(values)} rounds)"
        )
    for name, plan in plans.items():
        out.append(f"### plan, {name}")
        out.extend(f"    {line}" for line in plan)
    await db.drop()
    return out


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--employees", type=int, default=1_000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--observations", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "FAIRSCORE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/fairscore_bench"
        ),
    )
    args = parser.parse_args(argv)
    lines = [*machine(), f"Load (1, 5, 15 min) at start: {_load()}"]
    for kind in args.databases.split(","):
        lines.extend(await run_database(kind.strip(), args))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
