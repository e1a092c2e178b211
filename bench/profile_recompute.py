"""Profile a whole-cycle recompute and one new observation (cProfile), on the benchmark's
organisation: where the time goes per employee and per request.

    .venv/bin/python bench/profile_recompute.py --employees 2000 --teams 40 \
        --observations 60000 --database sqlite [--top 25]

Not part of CI; prints cProfile tables sorted by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tortoise.transactions import in_transaction

from bench import generate as gen
from bench import scoring as bench
from service.usecases.inputs import ObservationInput
from service.usecases.scoring.ingest import record_observations
from service.usecases.scoring.recompute import recompute_open_cycles

PHASES: dict[str, float] = {}


def _timed_phases() -> None:
    """Wrap the recompute's steps (module attributes) to add up their wall time."""
    import functools

    from service.usecases.scoring import recompute as module

    def wrap(name: str) -> None:
        original = getattr(module, name)
        if asyncio.iscoroutinefunction(original):

            @functools.wraps(original)
            async def timed_async(*args, **kwargs):  # type: ignore[no-untyped-def]
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    PHASES[name] = PHASES.get(name, 0.0) + time.perf_counter() - started

            setattr(module, name, timed_async)
        else:

            @functools.wraps(original)
            def timed_sync(*args, **kwargs):  # type: ignore[no-untyped-def]
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    PHASES[name] = PHASES.get(name, 0.0) + time.perf_counter() - started

            setattr(module, name, timed_sync)

    for name in PHASE_NAMES:
        if hasattr(module, name):
            wrap(name)


PHASE_NAMES = (
    "_people",
    "_lock_teams",
    "scorecards_for_cycle",
    "team_parents",
    "team_leads",
    "_scope",
    "observation_aggregates",
    "observation_aggregates_by_source",
    "_inputs_basis",
    "_review_aggregates",
    "_adjustments",
    "_sources",
    "_stored_hashes",
    "_scored",
    "_score_person",
    "_skipped",
    "_store",
    "update_many",
    "insert_many",
    "replace_children",
    "execute",
    "announce",
    "refresh_goal_values",
)


async def _phases(label: str, action) -> None:  # type: ignore[no-untyped-def]
    PHASES.clear()
    started = time.perf_counter()
    await action()
    total = time.perf_counter() - started
    print(f"=== {label}: {total:.3f}s; by step (wall, nested steps overlap):")
    for name, seconds in sorted(PHASES.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<24} {seconds:8.3f}s")


async def _statements(label: str, action) -> None:  # type: ignore[no-untyped-def]
    """Wall time of each statement sent through the ORM's clients meanwhile."""
    from tortoise.backends.base.client import BaseDBAsyncClient

    seen: list[tuple[float, str]] = []
    patched = []
    classes = {type(bench.conn())}
    for cls in list(classes):
        classes.update(c for c in cls.__mro__ if issubclass(c, BaseDBAsyncClient))
    import tortoise.backends.asyncpg.client as pg
    import tortoise.backends.sqlite.client as lite

    for module in (pg, lite):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseDBAsyncClient):
                classes.add(value)
    for cls in classes:
        for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_many"):
            if name not in vars(cls):
                continue
            original = vars(cls)[name]

            async def wrapper(self, query, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
                started = time.perf_counter()
                try:
                    return await _original(self, query, *args, **kwargs)
                finally:
                    seen.append((time.perf_counter() - started, query))

            setattr(cls, name, wrapper)
            patched.append((cls, name, original))
    started = time.perf_counter()
    try:
        await action()
    finally:
        for cls, name, original in patched:
            setattr(cls, name, original)
    total = time.perf_counter() - started
    print(
        f"=== {label}: {total:.3f}s, {len(seen)} statements, {sum(t for t, _ in seen):.3f}s in them"
    )
    for seconds, query in seen:
        print(f"    {seconds * 1000:7.1f} ms  {' '.join(query.split())[:110]}")


def _table(profile: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


async def _profiled(label: str, action, top: int) -> None:  # type: ignore[no-untyped-def]
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    await action()
    profile.disable()
    print(f"=== {label}: {time.perf_counter() - started:.3f}s (profiled)")
    print(_table(profile, top))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--observations", type=int, default=60000)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgres://postgres@127.0.0.1:5432/fs_perf_bench"
    )
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--forget", default="content_hash = NULL")
    parser.add_argument("--phases", action="store_true", help="wall time per step, no cProfile")
    parser.add_argument("--single-only", action="store_true", help="only one new observation")
    args = parser.parse_args()
    sizes = gen.Sizes(args.employees, args.teams, args.observations)
    db = bench.Database(args.database, args.postgres_url)
    await db.open_fresh()
    org = await bench.build_organisation(sizes)
    await bench.plain_insert(bench.insert_rows(org, gen.observations(sizes)))
    await bench.analyze()

    async def full() -> None:
        async with in_transaction() as tx:
            await recompute_open_cycles(tx)

    started = time.perf_counter()
    await full()
    print(f"first recompute {time.perf_counter() - started:.3f}s")
    async with in_transaction() as tx:
        await tx.execute_query(f"UPDATE score SET {args.forget}")
    if args.single_only:
        await bench.analyze()
        _timed_phases()
    elif args.phases:
        _timed_phases()
        for _round in range(2):
            async with in_transaction() as tx:
                await tx.execute_query(f"UPDATE score SET {args.forget}")
            await _phases("score + store whole cycle", full)
            await _phases("whole cycle, nothing moved", full)
    else:
        await _profiled("score + store whole cycle", full, args.top)
        await _profiled("whole cycle, nothing moved", full, args.top)
    for round_ in range(3):
        item = ObservationInput(
            kpi_code="csat",
            value="4",
            occurred_at=gen.moment_text(1_770_000_000 + round_ * 3600),
            source="survey-tool",
            employee_external_id=gen.employee_code(round_ * 7),
            external_id=f"profile-{round_}",
        )
        started = time.perf_counter()
        await record_observations(actor=bench.ADMIN, observations=[item])
        print(f"one observation (unprofiled) {time.perf_counter() - started:.3f}s")
    sent = iter(range(100, 1000))

    async def single() -> None:
        n = next(sent)
        item = ObservationInput(
            kpi_code="csat",
            value="5",
            occurred_at=gen.moment_text(1_770_000_000 + n * 3600),
            source="survey-tool",
            employee_external_id=gen.employee_code(n),
            external_id=f"profile-{n}",
        )
        await record_observations(actor=bench.ADMIN, observations=[item])

    if args.phases:
        await _phases("one new observation", single)
        await _statements("one new observation, by statement", single)
    else:
        await _profiled("one new observation", single, args.top)
    await db.drop()


if __name__ == "__main__":
    asyncio.run(main())
