"""Time whole-cycle recomputes (score + store, every content hash forgotten) on a database
built once, so two checkouts can be compared alternately on the very same rows.

    # once: build the benchmark's organisation and observations, keep the database
    .venv/bin/python bench/ab_recompute.py --build --employees 10000 --teams 200 \
        --observations 1000000 --postgres-url postgres://…/fs_x_bench
    # then, alternately from each checkout (its own code first on sys.path):
    .venv/bin/python /path/to/checkout/bench/ab_recompute.py --rounds 3 --postgres-url …

Prints one line per round: the whole recompute's wall seconds and `_scored` / `_store` /
`update_many` / `replace_children` (the phases of bench/profile_recompute.py), and the
recompute's CPU seconds in this process. Not part of CI.
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

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from bench import generate as gen
from bench import profile_recompute as prof
from bench import scoring as bench
from service.models import tortoise_config
from service.usecases.scoring.recompute import recompute_open_cycles

SHOWN = ("_scored", "_store", "update_many", "replace_children")


def _workers_cpu() -> float:
    """CPU seconds used so far by the scoring pool's workers (0 without a pool)."""
    from service.usecases.scoring import scoring_pool

    pool = scoring_pool._pool
    if pool is None:
        return 0.0
    total = 0.0
    for pid in list(getattr(pool, "_processes", None) or {}):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _mark_pool_returns() -> list[float]:
    """When the pool's results last came back (the last chunk taken, on a checkout that
    takes them chunk by chunk; all of them, on one that joins them at once)."""
    from service.usecases.scoring import scoring_pool

    marks: list[float] = []
    owner, name = (
        (scoring_pool.ChunkRun, "next")
        if hasattr(scoring_pool, "ChunkRun")
        else (scoring_pool, "map_chunks")
    )
    original = getattr(owner, name)

    async def marked(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return await original(*args, **kwargs)
        finally:
            marks.append(time.perf_counter())

    setattr(owner, name, marked)
    return marks


def _off(*_args: object) -> None:
    """`_EarlyUpdates` turned off: the recompute writes everything after the pool."""
    return None


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=10000)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--observations", type=int, default=1000000)
    parser.add_argument("--postgres-url", required=True)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--ab",
        action="store_true",
        help="this checkout only: rounds alternate writing while the pool scores (A) and "
        "writing after it (B, as main: `_EarlyUpdates` off)",
    )
    parser.add_argument("--chunks-per-worker", type=int, default=None)
    args = parser.parse_args()

    if args.build:
        sizes = gen.Sizes(args.employees, args.teams, args.observations)
        db = bench.Database("postgres", args.postgres_url)
        await db.open_fresh()
        org = await bench.build_organisation(sizes)
        await bench.plain_insert(bench.insert_rows(org, gen.observations(sizes)))
        await bench.analyze()
        async with in_transaction() as tx:
            await recompute_open_cycles(tx)
        await bench.analyze()
        await db.close()
        return
    await Tortoise.init(config=tortoise_config(args.postgres_url), _enable_global_fallback=True)
    from service.usecases.scoring import recompute

    prof._timed_phases()
    marks = _mark_pool_returns()
    from service.usecases.scoring import scoring_pool

    if args.chunks_per_worker is not None:
        scoring_pool._CHUNKS_PER_WORKER = args.chunks_per_worker
    early_updates = getattr(recompute, "_EarlyUpdates", None)
    by_mode: dict[str, list[float]] = {"A": [], "B": []}
    print("code:", recompute.__file__)
    totals: list[float] = []
    for _round in range(args.rounds + 1):
        mode = "A" if not args.ab or (_round % 4 in (0, 3)) else "B"
        if args.ab:
            vars(recompute)["_EarlyUpdates"] = early_updates if mode == "A" else _off
        async with in_transaction() as tx:
            await tx.execute_query("UPDATE score SET content_hash = NULL")
        async with in_transaction() as tx:
            await tx.execute_query("CHECKPOINT")
        prof.PHASES.clear()
        workers = _workers_cpu()
        started, cpu = time.perf_counter(), time.process_time()
        async with in_transaction() as tx:
            await recompute_open_cycles(tx)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        workers = _workers_cpu() - workers
        ended = time.perf_counter()
        after_pool = ended - marks[-1] if marks else 0.0
        marks.clear()
        label = "warm-up" if _round == 0 else f"round {_round}"
        if args.ab:
            label += f" {mode}"
        if _round:
            totals.append(wall)
            by_mode[mode].append(wall)
        print(
            f"{label}: {wall:.3f}s (cpu {cpu:.3f}s, workers {workers:.2f}s, "
            f"after the pool's last chunk {after_pool:.3f}s) "
            + " ".join(f"{name} {prof.PHASES.get(name, 0.0):.3f}" for name in SHOWN),
            flush=True,
        )
    print(f"median {statistics.median(totals):.3f}s")
    if args.ab:
        for mode, walls in by_mode.items():
            if walls:
                print(f"median {mode} {statistics.median(walls):.3f}s of {len(walls)}")
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
