"""Differential check of the stored scores: run it in two checkouts and compare outputs.

    cd /work/main && .venv/bin/python /path/to/bench/differential.py --database sqlite \
        --output /tmp/before.json
    cd <worktree> && .venv/bin/python bench/differential.py --database sqlite \
        --output /tmp/after.json
    cmp /tmp/before.json /tmp/after.json

It builds the benchmark's organisation (``bench/generate.py``, deterministic) in a fresh
database of the checkout it is run from (the current directory), then stores, after each
of these steps, every score's written values and lines (ids and times left out):
the whole cycle scored; one new observation (its recompute); a whole-cycle recompute
with nothing moved; an adjustment-free policy change; the whole cycle scored again with
every hash forgotten. Not part of CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

# The checkout it is run from, not the one holding this file.
sys.path.insert(0, os.getcwd())

from tortoise.transactions import in_transaction

from bench import generate as gen
from bench import scoring as bench
from service.sql import fetch_all
from service.usecases.inputs import ObservationInput
from service.usecases.scoring.ingest import record_observations
from service.usecases.scoring.recompute import recompute_open_cycles
from service.usecases.setup.policy_change import update_policy


async def _stored() -> list[object]:
    scores = await fetch_all(
        bench.conn(),
        "SELECT employee_id, team_id, position_id, state, status, status_reason, total_exact, "
        "total_cents, band_code, explanation, content_hash, policy_version FROM score "
        "ORDER BY employee_id",
    )
    lines = await fetch_all(
        bench.conn(),
        "SELECT s.employee_id, l.ordinal, l.kpi_id, l.scope, l.status, l.sample_size, "
        "l.raw_value FROM score_line l JOIN score s ON s.id = l.score_id "
        "ORDER BY s.employee_id, l.ordinal",
    )
    for row in scores:
        # Compared as values: PostgreSQL's jsonb (before migration 0026) printed the text
        # re-spaced, json keeps it as written.
        value = row["explanation"]
        if isinstance(value, str):
            value = json.loads(value)
        row["explanation"] = json.dumps(value, sort_keys=True)
    return [scores, lines]


async def main() -> tuple[str, dict[str, object]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--observations", type=int, default=60000)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgres://postgres@127.0.0.1:5432/fairscore_differential"
    )
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    sizes = gen.Sizes(args.employees, args.teams, args.observations)
    db = bench.Database(args.database, args.postgres_url)
    await db.open_fresh()
    steps: dict[str, object] = {}
    try:
        org = await bench.build_organisation(sizes)
        await bench.plain_insert(bench.insert_rows(org, gen.observations(sizes)))

        async def full() -> None:
            async with in_transaction() as tx:
                await recompute_open_cycles(tx)

        await full()
        steps["whole cycle"] = await _stored()
        singles = [
            ("csat", "5", gen.employee_code(0), None),
            ("frt", "42.5", gen.employee_code(17), None),
            (gen.TEAM_KPI, "88", None, gen.team_code(1)),  # moves the team line
        ]
        for i, (kpi, value, employee, team) in enumerate(singles):
            await record_observations(
                actor=bench.ADMIN,
                observations=[
                    ObservationInput(
                        kpi_code=kpi,
                        value=value,
                        occurred_at=gen.moment_text(1_770_000_000 + i * 3600),
                        source="survey-tool",
                        employee_external_id=employee,
                        team_code=team,
                        external_id=f"differential-{i}",
                    )
                ],
            )
            steps[f"one observation {i}"] = await _stored()
        await full()
        steps["nothing moved"] = await _stored()
        await update_policy(
            actor=bench.ADMIN,
            settings={"timezone": gen.TIMEZONE, "csat_kpi_code": "csat", "csat_share_max": "55"},
            expected_version=None,
        )
        steps["policy change"] = await _stored()
        async with in_transaction() as tx:
            await tx.execute_query("UPDATE score SET content_hash = NULL")
        await full()
        steps["forgotten and rescored"] = await _stored()
    finally:
        await db.drop()
    return args.output, steps


if __name__ == "__main__":
    output, steps = asyncio.run(main())
    with open(output, "w") as out:
        json.dump(steps, out, sort_keys=True, default=str)
    print(f"{output}: {', '.join(steps)}")
