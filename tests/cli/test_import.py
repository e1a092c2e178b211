"""`fairscore import`: CSV files of observations, feedback and reviews (docs/import.md)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Fairscore

FEEDBACK_HEADER = "employee_external_id,channel,rating,occurred_at,source,external_id,comment\n"
OBSERVATION_HEADER = (
    "employee_external_id,team_code,kpi_code,value,occurred_at,source,external_id\n"
)


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_importing_feedback_records_every_row_once(organisation: Fairscore, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "feedback.csv",
        FEEDBACK_HEADER
        + "E1101,PHONE_CALLBACK,5,2026-10-02T10:00:00+08:00,callback,cb-1,\n"
        + 'E1101,ONLINE_SURVEY,4,2026-10-03T10:00:00+08:00,survey,sv-1,"Quick, friendly"\n'
        + "E1102,FACE_TO_FACE,2,2026-10-03T11:00:00+08:00,desk,fd-1,太慢了\n",
    )

    first = organisation.ok("import", "feedback", str(path))
    again = organisation.ok("import", "feedback", str(path))

    assert "3 rows: 3 accepted, 0 duplicates, 0 late, 0 rejected" in first.stdout
    assert "3 rows: 0 accepted, 3 duplicates" in again.stdout
    assert organisation.count("observation") == 3
    assert organisation.value("SELECT comment FROM observation WHERE external_id = 'sv-1'") == (
        "Quick, friendly"
    )


def test_a_bad_row_is_rejected_naming_its_line_and_column_and_nothing_is_written(
    organisation: Fairscore, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "observations.csv",
        OBSERVATION_HEADER
        + "E1101,,first_response_minutes,4.5,2026-10-02T10:00:00+08:00,ticketing,t-1\n"
        + "E1101,,first_respons_minutes,4.5,2026-10-02T11:00:00+08:00,ticketing,t-2\n"
        + ",hotline,complaints,1,2026-10-02T12:00:00+08:00,complaints-desk,c-1\n",
    )

    result = organisation.run("import", "observations", str(path))

    assert result.exit_code == 1
    assert f"{path}:3: kpi_code: no KPI has the code 'first_respons_minutes'" in result.stderr
    assert "Nothing was written" in result.stderr
    assert "0 accepted" in result.stdout
    assert organisation.count("observation") == 0


def test_keep_valid_writes_the_good_rows_and_reports_the_bad_ones(
    organisation: Fairscore, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "observations.csv",
        OBSERVATION_HEADER
        + "E1101,,first_response_minutes,4.5,2026-10-02T10:00:00+08:00,ticketing,t-1\n"
        + "E1101,,first_response_minutes,4.5,2026-10-02T11:00:00,ticketing,t-2\n"
        + ",hotline,complaints,1,2026-10-02T12:00:00+08:00,complaints-desk,c-1\n",
    )

    result = organisation.run("import", "observations", str(path), "--keep-valid")

    assert result.exit_code == 1
    assert "2 accepted" in result.stdout
    assert f"{path}:3: occurred_at: '2026-10-02T11:00:00' has no UTC offset" in result.stderr
    assert organisation.count("observation") == 2


def test_an_import_over_several_batches_is_still_all_or_nothing(
    organisation: Fairscore, tmp_path: Path
) -> None:
    rows = [
        f"E1101,,first_response_minutes,{minutes},2026-10-02T10:{minutes:02d}:00+08:00,"
        f"ticketing,t-{minutes}\n"
        for minutes in range(1, 8)
    ]
    rows.append("E1101,,first_response_minutes,-3,2026-10-02T11:00:00+08:00,ticketing,t-99\n")
    path = _csv(tmp_path, "observations.csv", OBSERVATION_HEADER + "".join(rows))

    result = organisation.run("import", "observations", str(path), "--batch-size", "3")

    assert result.exit_code == 1
    assert f"{path}:9: value:" in result.stderr
    assert organisation.count("observation") == 0


def test_a_row_with_too_many_fields_is_rejected_with_its_line(
    organisation: Fairscore, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "feedback.csv",
        FEEDBACK_HEADER
        + 'E1101,ONLINE_SURVEY,4,2026-10-03T10:00:00+08:00,survey,sv-1,"two\nlines"\n'
        + "E1101,ONLINE_SURVEY,4,2026-10-03T10:00:00+08:00,survey,sv-2,a,b\n",
    )

    result = organisation.run("import", "feedback", str(path))

    # The first record spans lines 2-3, so the bad one starts on line 4.
    assert f"{path}:4: (row): has 8 fields but the header has 7" in result.stderr
    assert organisation.count("observation") == 0


def test_unknown_and_missing_columns_are_refused_naming_them(
    organisation: Fairscore, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "feedback.csv",
        "employee_external_id,channel,score,occurred_at,source\n"
        "E1101,ONLINE_SURVEY,4,2026-10-03T10:00:00+08:00,survey\n",
    )

    result = organisation.run("import", "feedback", str(path))

    assert result.exit_code == 1
    assert f"{path}: column score: is not a column of a feedback file" in result.stderr
    assert f"{path}: column rating: is missing from the header" in result.stderr
    assert organisation.count("observation") == 0


def test_manager_reviews_are_imported_for_the_reviewers_team(
    organisation: Fairscore, tmp_path: Path
) -> None:
    organisation.ok(
        "user", "create", "chen.jing@example.com", "--access", "MANAGER",
        "--employee", "E1001", input="a long password\n",
    )  # fmt: skip
    path = _csv(
        tmp_path,
        "reviews.csv",
        "cycle_code,employee_external_id,kpi_code,reviewer_email,kind,rating,comment\n"
        "2026-Q4,E1101,service_quality,chen.jing@example.com,MANAGER,4.5,Calm and clear\n"
        "2026-Q4,E1301,service_quality,chen.jing@example.com,MANAGER,4,Not my team\n",
    )

    refused = organisation.run("import", "reviews", str(path))
    kept = organisation.run("import", "reviews", str(path), "--keep-valid")

    assert f"{path}:3: reviewer_email: chen.jing@example.com is not a manager" in refused.stderr
    assert "1 accepted" in kept.stdout
    assert organisation.count("review") == 1


def test_a_failed_import_on_the_command_line_is_recorded_for_the_admin_home(
    organisation: Fairscore, tmp_path: Path
) -> None:
    rows = _csv(
        tmp_path,
        "rows.csv",
        OBSERVATION_HEADER
        + "E1101,,first_respons_minutes,4.5,2026-10-02T11:00:00+08:00,ticketing,t-2\n",
    )
    header = _csv(tmp_path, "header.csv", "who,what\nE1101,5\n")

    assert organisation.run("import", "observations", str(rows)).exit_code == 1
    assert organisation.run("import", "observations", str(header)).exit_code != 0

    assert organisation.count("observation") == 0
    assert organisation.count("import_failure") == 2
    assert organisation.value(
        "SELECT name FROM import_failure WHERE channel = 'CLI_CSV' ORDER BY id LIMIT 1"
    ) == ("rows.csv")
    assert organisation.value("SELECT rows FROM import_failure WHERE name = 'header.csv'") == 0
