"""Issue 8 as a new user met it: the example organisation with three ratings and three
observations must not score anyone top band on lines that are not their own."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.cli.conftest import Fairscore


def _a_little_data(folder: Path) -> list[tuple[str, Path]]:
    feedback = folder / "feedback.csv"
    feedback.write_text(
        "employee_external_id,channel,rating,occurred_at,source,external_id,comment\n"
        + "".join(
            f"E1101,ONLINE_SURVEY,{rating},2026-10-0{day}T09:00:00+08:00,survey,fb-{day},\n"
            for day, rating in ((1, 5), (2, 4), (3, 5))
        ),
        encoding="utf-8",
    )
    observations = folder / "observations.csv"
    observations.write_text(
        "employee_external_id,team_code,kpi_code,value,occurred_at,source,external_id\n"
        + "".join(
            f"E1102,,first_response_minutes,{minutes},2026-10-0{day}T10:00:00+08:00,tickets,"
            f"fr-{day}\n"
            for day, minutes in ((1, 4), (2, 6), (3, 5))
        ),
        encoding="utf-8",
    )
    return [("feedback", feedback), ("observations", observations)]


def test_three_ratings_and_three_observations_score_nobody_on_lines_not_their_own(
    organisation: Fairscore, tmp_path: Path
) -> None:
    for kind, path in _a_little_data(tmp_path):
        organisation.ok("import", kind, str(path))
    found = json.loads(organisation.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout)
    by_employee = {score["employee"]: score for score in found["scores"]}
    # Every line below min_samples, a COUNT line with n = 0 left: before the rule,
    # 120.00, band S. Now nobody has a total, and each says why.
    assert all(score["band"] is None for score in found["scores"])
    for agent in ("E1101", "E1102", "E1103", "E1301", "E1302"):
        assert by_employee[agent]["status"] == "NO_DATA"
        assert by_employee[agent]["status_reason"] == "NOT_ENOUGH_EVIDENCE"
    assert "not_eligible_reason" not in by_employee["E1101"]
    table = organisation.ok("scores", "--cycle", "2026-Q4").stdout
    assert "(NOT_ENOUGH_EVIDEN" in table  # the table may cut the reason short


def test_scores_and_results_csv_name_the_status_reason(scored: Fairscore) -> None:
    scores = list(
        csv.DictReader(
            io.StringIO(scored.ok("scores", "--cycle", "2026-Q4", "--format", "csv").stdout)
        )
    )
    assert "status_reason" in scores[0]
    assert "not_eligible_reason" not in scores[0]
    reasons = {row["employee_external_id"]: row["status_reason"] for row in scores}
    assert reasons["E1101"] == ""  # scored
    results = list(csv.DictReader(io.StringIO(scored.ok("results", "--cycle", "2026-Q4").stdout)))
    assert "status_reason" in results[0]
    by_employee = {row["employee_external_id"]: row for row in results}
    for row in by_employee.values():
        assert (row["status"] == "SCORED") == (row["status_reason"] == "")
    rows = json.loads(scored.ok("results", "--cycle", "2026-Q4", "--format", "json").stdout)
    assert all("status_reason" in row for row in rows)


def test_an_appeal_against_a_no_data_score_is_accepted_with_a_note_alone(
    organisation: Fairscore,
) -> None:
    filed = organisation.ok(
        "appeal", "file", "--cycle", "2026-Q4", "--employee", "E1103", "--reason", "no score"
    )
    appeal_id = filed.stdout.split()[-1].rstrip(".")
    done = organisation.ok(
        "appeal", "resolve", appeal_id, "--outcome", "ACCEPTED",
        "--note", "October's survey ratings were imported",
    )  # fmt: skip
    assert "ACCEPTED" in done.stdout
    assert organisation.count("adjustment") == 0


def test_explain_says_why_a_score_has_no_total_and_what_would_make_lines_count(
    organisation: Fairscore, tmp_path: Path
) -> None:
    for kind, path in _a_little_data(tmp_path):
        organisation.ok("import", kind, str(path))
    english = organisation.ok("explain", "--employee", "E1101", "--cycle", "2026-Q4").stdout
    assert "No data (too little of the person's own data)" in english
    assert "evidence for 0 % of the weight; 50 % needed" in english
    assert "needs 7 more ratings to count as evidence" in english
    chinese = organisation.ok(
        "explain", "--employee", "E1101", "--cycle", "2026-Q4", "--lang", "zh-CN"
    ).stdout
    assert "有依据的权重为 0 %，需要 50 %" in chinese
