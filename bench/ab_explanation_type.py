"""A/B of the score writes on PostgreSQL: ``score.explanation`` as ``jsonb`` (before
migration 0026) and as ``json`` (after), in one process on one database.

    .venv/bin/python bench/ab_explanation_type.py --observations 1000000 --rounds 4 \
        --postgres-url postgres://postgres@127.0.0.1:5432/fs_ab_bench

Builds the benchmark's organisation once (``bench/generate.py``), then each round, in
an order that alternates, for each column type: ``ALTER COLUMN ... TYPE`` (which
rewrites the table, so each variant starts from a table without dead rows), fresh
connections (asyncpg caches a statement's column types), every content hash forgotten,
and a whole-cycle score + store, timed with the bare statement before it. The Python
side is the same for both: only the column type differs, as between main and this
change. Not part of CI; the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from bench import generate as gen
from bench import scoring as bench
from service.models import tortoise_config
from service.usecases.scoring import recompute
from service.usecases.scoring.recompute import recompute_open_cycles

STEPS = ("_store", "update_many", "replace_children", "_score_person")
SECONDS: dict[str, float] = {}


def _timed(name: str) -> None:
    original = getattr(recompute, name)
    if asyncio.iscoroutinefunction(original):

        @functools.wraps(original)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                SECONDS[name] = SECONDS.get(name, 0.0) + time.perf_counter() - started

        setattr(recompute, name, timed_async)
    else:

        @functools.wraps(original)
        def timed_sync(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                SECONDS[name] = SECONDS.get(name, 0.0) + time.perf_counter() - started

        setattr(recompute, name, timed_sync)


async def _reconnect(url: str) -> None:
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=10000)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--observations", type=int, default=300000)
    parser.add_argument("--rounds", type=int, default=4)
    # "json+inline": json, with the score rows' TOAST target raised so that a compressed
    # explanation stays in the row (measured, not what migration 0026 does).
    parser.add_argument("--variants", nargs="+", default=["jsonb", "json"])
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/fs_ab_bench")
    args = parser.parse_args()
    sizes = gen.Sizes(args.employees, args.teams, args.observations)
    db = bench.Database("postgres", args.postgres_url)
    url = await db.open_fresh()
    org = await bench.build_organisation(sizes)
    await bench.plain_insert(bench.insert_rows(org, gen.observations(sizes)))
    await bench.analyze()
    async with in_transaction() as tx:
        await recompute_open_cycles(tx)
    sql, params = await bench.bare_statement(org)
    for name in STEPS:
        _timed(name)
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in args.variants}
    print(f"{sizes.observations:,} observations; load average {os.getloadavg()}", flush=True)
    for round_ in range(args.rounds):
        for kind in args.variants if round_ % 2 == 0 else args.variants[::-1]:
            column, _, inline = kind.partition("+")
            # Through text and back: the table is rewritten (its TOAST decisions taken
            # again) even when the type stays.
            await bench.conn().execute_script(
                f"ALTER TABLE score SET (toast_tuple_target = {4096 if inline else 2032}); "
                "ALTER TABLE score ALTER COLUMN explanation TYPE text USING explanation::text; "
                f"ALTER TABLE score ALTER COLUMN explanation TYPE {column} "
                f"USING explanation::{column}; ANALYZE score"
            )
            await _reconnect(url)
            async with in_transaction() as tx:
                await tx.execute_query("UPDATE score SET content_hash = NULL")
            started = time.perf_counter()
            await bench.run_bare(sql, params)
            bare = time.perf_counter() - started
            SECONDS.clear()
            started = time.perf_counter()
            async with in_transaction() as tx:
                await recompute_open_cycles(tx)
            whole = time.perf_counter() - started
            row = {"bare": bare, "score + store": whole, **SECONDS}
            results[kind].append(row)
            print(
                f"round {round_ + 1} {kind:<5} "
                + " ".join(f"{key} {value:.3f}" for key, value in row.items())
                + f" | load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    for kind, rows in results.items():
        medians = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
        ratio = statistics.median(row["score + store"] / row["bare"] for row in rows)
        print(
            f"median {kind:<5} "
            + " ".join(f"{key} {value:.3f}" for key, value in medians.items())
            + f" | score + store / bare {ratio:.2f}x"
        )
    print(f"load average at the end {os.getloadavg()}")
    await db.drop()


if __name__ == "__main__":
    asyncio.run(main())
