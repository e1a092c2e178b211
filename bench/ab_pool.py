"""A/B of the scoring pool in one process, on one database: whole-cycle recomputes with
every content hash forgotten, scored in the pool and in-process alternately (the order
swapped each round; in-process is main's scoring loop). Not part of CI.

    .venv/bin/python bench/ab_pool.py --employees 10000 --teams 200 \
        --observations 300000 --database postgres --rounds 4 \
        --postgres-url postgres://postgres@127.0.0.1:5432/fs_ab_pool

Prints each recompute's seconds, the load average at each, and the medians. The first
pooled recompute starts the pool (the forkserver and its workers); it is timed apart
and not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise.transactions import in_transaction

from bench import generate as gen
from bench import scoring as bench
from service.usecases.scoring import scoring_pool
from service.usecases.scoring.recompute import recompute_open_cycles


async def _rescore(processes: int) -> float:
    async with in_transaction() as tx:
        await tx.execute_query("UPDATE score SET content_hash = NULL")
    with scoring_pool.configured(processes=processes):
        started = time.perf_counter()
        async with in_transaction() as tx:
            await recompute_open_cycles(tx)
        return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--observations", type=int, default=300_000)
    parser.add_argument("--database", default="postgres")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/fs_ab_pool")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    sizes = gen.Sizes(args.employees, args.teams, args.observations)
    db = bench.Database(args.database, args.postgres_url)
    await db.open_fresh()
    pooled_processes = len(os.sched_getaffinity(0))
    try:
        org = await bench.build_organisation(sizes)
        await bench.plain_insert(bench.insert_rows(org, gen.observations(sizes)))
        await bench.analyze()
        print(f"first recompute, in-process: {await _rescore(1):.3f}s")
        print(f"first pooled recompute (starts the pool): {await _rescore(pooled_processes):.3f}s")
        times: dict[str, list[float]] = {"pool": [], "in-process": []}
        for round_ in range(args.rounds):
            order = ["pool", "in-process"] if round_ % 2 == 0 else ["in-process", "pool"]
            for side in order:
                seconds = await _rescore(pooled_processes if side == "pool" else 1)
                times[side].append(seconds)
                load = [f"{x:.2f}" for x in os.getloadavg()]
                print(
                    f"round {round_ + 1} {side:<10} {seconds:7.3f}s  "
                    f"{time.strftime('%H:%M:%S', time.gmtime())} UTC load {' '.join(load)}"
                )
        for side, found in times.items():
            shown = ", ".join(f"{t:.2f}" for t in found)
            print(f"{side:<10} median {statistics.median(found):.3f}s ({shown})")
    finally:
        await db.drop()
        scoring_pool.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
