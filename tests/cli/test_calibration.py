"""`fairscore calibration --cycle CODE [--format table|json|csv]` (SCORING §12), on the
hand-computed cycle of tests/integration/calibration_scenario.py."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.conftest import Fairscore
from tests.conftest import active_database_url
from tests.integration.calibration_scenario import build_calibration_cycle
from tests.integration.scenario import CYCLE

# The command runs in a process of its own, on the session's SQLite file.
pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


async def cli_on_this_database(db: str) -> Fairscore:
    assert db == "sqlite"
    await build_calibration_cycle()
    return Fairscore(Path(active_database_url().removeprefix("sqlite://")), in_subprocess=True)


async def test_calibration_json_reports_the_hand_computed_figures(db: str) -> None:
    fairscore = await cli_on_this_database(db)
    document = json.loads(fairscore.ok("calibration", "--cycle", CYCLE, "--format", "json").stdout)
    # -4925/297 = -16.582…; 215/27 = 7.962…; -1000/27 = -37.037…
    assert document["organisation_gap"] == "-16.58"
    lead, hr = sorted(document["reviewers"], key=lambda r: r["reviewer"], reverse=True)
    assert (lead["reviewer"], lead["n"], lead["gap"], lead["flag"]) == (
        "lead@example.com", 5, "7.96", "LENIENT"
    )  # fmt: skip
    assert lead["standard_error"] == "5.00"
    assert (hr["n"], hr["gap"], hr["standard_error"], hr["flag"]) == (6, "-37.04", "0.00", "HARSH")
    first = lead["employees"][0]
    # 2350/27 = 87.037…
    assert (first["qualitative"], first["quantitative"], first["gap"]) == (
        "100.00", "87.04", "12.96"
    )  # fmt: skip


async def test_calibration_csv_has_a_row_per_reviewer_and_employee(db: str) -> None:
    fairscore = await cli_on_this_database(db)
    out = fairscore.ok("calibration", "--cycle", CYCLE, "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == 5 + 6
    assert {r["flag"] for r in rows} == {"LENIENT", "HARSH"}
    hr_f1 = next(r for r in rows if r["employee_external_id"] == "F1")
    assert (hr_f1["reviewer"], hr_f1["gap"]) == ("hr@example.com", "-37.04")


async def test_calibration_table_names_each_reviewer_and_flag(db: str) -> None:
    fairscore = await cli_on_this_database(db)
    out = fairscore.ok("calibration", "--cycle", CYCLE).stdout
    assert "lead@example.com" in out
    assert "LENIENT" in out
    assert "HARSH" in out


async def test_calibration_of_a_cycle_not_in_review_is_a_clear_error(db: str) -> None:
    fairscore = await cli_on_this_database(db)
    missing = fairscore.run("calibration", "--cycle", "nope")
    assert missing.exit_code != 0
    assert "nope" in missing.output
