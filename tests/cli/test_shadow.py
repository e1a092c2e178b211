"""`fairscore shadow`, `fairscore pilot-report` and `fairscore promote` (SCORING §13), on
the hand-computed cycles of tests/integration/shadow_scenario.py."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from service.models import Cycle, CyclePilotTeam, CycleState, ScorecardLine
from tests.cli.conftest import Fairscore
from tests.conftest import active_database_url
from tests.integration.scenario import CYCLE
from tests.integration.shadow_scenario import PILOT, build_pilot_cycles, build_shadow_cycle

# The command runs in a process of its own, on the session's SQLite file.
pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


def fairscore_here(db: str) -> Fairscore:
    assert db == "sqlite"
    return Fairscore(Path(active_database_url().removeprefix("sqlite://")), in_subprocess=True)


async def test_shadow_json_reports_the_hand_computed_rows(db: str) -> None:
    await build_shadow_cycle()
    out = fairscore_here(db).ok(
        "shadow", "--cycle", CYCLE, "--position", "agent", "--format", "json"
    )
    document = json.loads(out.stdout)
    rows = {r["employee"]: r for r in document["rows"]}
    # A1: NO_DATA live, 3350/39 = 85.897… (A) shadow; A2: 1400/17 = 82.35 → 250/3 = 83.33.
    assert (rows["A1"]["live"]["status"], rows["A1"]["shadow"]["total"]) == ("NO_DATA", "85.90")
    assert (rows["A2"]["live"]["total"], rows["A2"]["shadow"]["total"]) == ("82.35", "83.33")
    assert rows["A2"]["change"] == "0.98"
    assert document["rows"][0]["employee"] == "A1"
    assert (document["live_multiplier_sum"], document["shadow_multiplier_sum"]) == ("1.00", "2.20")
    assert {"from": "NO_DATA", "to": "A", "count": 1} in document["shift_matrix"]


async def test_shadow_csv_and_table_and_team_filter(db: str) -> None:
    await build_shadow_cycle()
    fairscore = fairscore_here(db)
    out = fairscore.ok(
        "shadow", "--cycle", CYCLE, "--position", "agent", "--team", "field", "--format", "csv"
    ).stdout
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [r["employee_external_id"] for r in rows] == ["F1"]
    table = fairscore.ok("shadow", "--cycle", CYCLE, "--position", "agent").stdout
    assert "Band shift matrix" in table
    assert "85.90 A" in table


async def test_shadow_without_a_shadow_scorecard_is_a_clear_error(db: str) -> None:
    await build_shadow_cycle()
    missing = fairscore_here(db).run("shadow", "--cycle", CYCLE, "--position", "lead")
    assert missing.exit_code != 0
    assert "no shadow scorecard" in missing.output


async def test_pilot_report_json_and_csv(db: str) -> None:
    await build_pilot_cycles()
    fairscore = fairscore_here(db)
    document = json.loads(fairscore.ok("pilot-report", "--cycle", PILOT, "--format", "json").stdout)
    assert document["previous_cycle"] == "2026-01"
    csat = next(line for line in document["lines"] if line["kpi"] == "csat")
    assert (csat["pilot_value"], csat["outside_value"], csat["gap"]) == (
        "83.3333",
        "50.0000",
        "83.3333",
    )
    out = fairscore.ok("pilot-report", "--cycle", PILOT, "--format", "csv").stdout
    rows = {r["kpi"]: r for r in csv.DictReader(io.StringIO(out, newline=""))}
    assert (rows["complaints"]["pilot_value"], rows["complaints"]["gap"]) == (
        "0.8000",
        "-0.4000",
    )
    assert "hotline" in fairscore.ok("pilot-report", "--cycle", PILOT).stdout


async def test_promote_creates_the_draft_cycle_and_roll_out_drops_the_pilot(db: str) -> None:
    await build_shadow_cycle()
    fairscore = fairscore_here(db)
    out = fairscore.ok(
        "promote", "--cycle", CYCLE, "--to", "2026-Q2", "--starts", "2026-04-01",
        "--ends", "2026-06-30", "--name", "Q2 2026",
    )  # fmt: skip
    assert "2026-Q2" in out.stdout
    created = await Cycle.get(code="2026-Q2")
    assert (created.state, created.name) == (CycleState.DRAFT, "Q2 2026")
    weights = await ScorecardLine.filter(scorecard__cycle_id=created.id).order_by("ordinal")
    assert weights[0].weight == 45 * 10_000
    refused = fairscore.run(
        "promote", "--cycle", CYCLE, "--to", "2026-Q2", "--starts", "2026-04-01",
        "--ends", "2026-06-30",
    )  # fmt: skip
    assert refused.exit_code != 0
    assert "newCycleCode" in refused.output


async def test_roll_out_drops_the_pilot_scope(db: str) -> None:
    await build_pilot_cycles()
    fairscore = fairscore_here(db)
    fairscore.ok(
        "promote", "--cycle", PILOT, "--to", "2026-03", "--starts", "2026-03-01",
        "--ends", "2026-03-31", "--roll-out",
    )  # fmt: skip
    created = await Cycle.get(code="2026-03")
    assert await CyclePilotTeam.filter(cycle_id=created.id).count() == 0
    assert await ScorecardLine.filter(scorecard__cycle_id=created.id).count() == 5
