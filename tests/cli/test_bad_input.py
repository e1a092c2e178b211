"""Bad input on the command line (issue 9, section 1): a clear message, a non-zero exit,
no traceback, no Python internals, and an unchanged database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from service.cli import cli
from tests.cli.conftest import Fairscore, Ran

OBSERVATIONS_HEADER = "employee_external_id,team_code,kpi_code,value,occurred_at,source,external_id"
PYTHON_INTERNALS = ("Traceback", "set_int_max_str_digits", "Exceeds the limit", 'File "')


_NOT_FAILURES = {
    "audit_entry": " WHERE action <> 'record_import_failure'",
    "sqlite_sequence": " WHERE name <> 'import_failure'",
}


def database_state(fairscore: Fairscore) -> list[object]:
    """Every table's row count and the stored totals: equal means nothing was written.
    The record of a failed import (and its audit row) is left out: it is written on
    purpose, in its own transaction (docs/day-with-fairscore.md)."""
    with sqlite3.connect(fairscore.path) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if name != "import_failure"
        ]
        counts = [
            (t, db.execute(f'SELECT COUNT(*) FROM "{t}"{_NOT_FAILURES.get(t, "")}').fetchone()[0])
            for t in tables
        ]
        totals = db.execute("SELECT id, total_cents FROM score ORDER BY id").fetchall()
    return [counts, totals]


def refused(result: Ran) -> str:
    """The standard error of a refused command, checked for what must never be in it."""
    assert result.exit_code == 1, result.output
    assert not any(marker in result.output for marker in PYTHON_INTERNALS), result.output
    return result.stderr


def test_adjusting_by_a_huge_exponent_is_refused_by_the_text_check(scored: Fairscore) -> None:
    before = database_state(scored)
    result = scored.run(
        "adjust", "--cycle", "2026-Q4", "--employee", "E1101",
        "--points", "1e10000000", "--reason", "huge",
    )  # fmt: skip
    message = refused(result)
    # Said by the text check of service.usecases.parsing, before any value is made.
    assert "points: 1e10000000 is too large: a number here has at most 12 digits" in message
    assert database_state(scored) == before


def test_resolving_an_appeal_with_points_past_the_store_changes_nothing(scored: Fairscore) -> None:
    filed = scored.ok(
        "appeal", "file", "--cycle", "2026-Q4", "--employee", "E1102", "--reason", "why"
    )
    appeal_id = filed.stdout.split()[-1].rstrip(".")
    before = database_state(scored)
    result = scored.run(
        "appeal", "resolve", appeal_id, "--outcome", "ACCEPTED", "--note", "yes",
        "--points", "99999999999999999999",
    )  # fmt: skip
    assert "points: 99999999999999999999 is too large" in refused(result)
    assert database_state(scored) == before
    assert scored.value("SELECT state FROM appeal") == "OPEN"


def test_an_id_past_its_column_is_refused_by_the_option_not_the_database(
    scored: Fairscore,
) -> None:
    before = database_state(scored)
    void = scored.run("void", "99999999999999999999", "--reason", "x")
    assert void.exit_code == 2  # click's usage error
    assert "is not in the range" in void.stderr
    resolve = scored.run("appeal", "resolve", "3000000000", "--outcome", "REJECTED", "--note", "n")
    assert resolve.exit_code == 2
    assert "is not in the range 1<=x<=2147483647" in resolve.stderr
    assert "OverflowError" not in void.output + resolve.output
    assert database_state(scored) == before


def test_an_import_with_a_complaint_count_past_the_store_names_the_line(
    organisation: Fairscore, tmp_path: Path
) -> None:
    csv_file = tmp_path / "observations.csv"
    csv_file.write_text(
        f"{OBSERVATIONS_HEADER}\n"
        ",hotline,complaints,1,2026-10-05T12:00:00+08:00,desk,c-1\n"
        ",hotline,complaints,1e20,2026-10-06T12:00:00+08:00,desk,c-2\n",
        encoding="utf-8",
    )
    before = database_state(organisation)
    result = organisation.run("import", "observations", str(csv_file))
    message = refused(result)
    assert f"{csv_file}:3: value: 1e20 is too large" in message
    assert "Nothing was written" in message
    assert database_state(organisation) == before


def test_an_import_of_data_dated_in_the_future_is_refused_past_the_clock_skew(
    organisation: Fairscore, tmp_path: Path
) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=10)).isoformat(timespec="seconds")
    csv_file = tmp_path / "observations.csv"
    csv_file.write_text(
        f"{OBSERVATIONS_HEADER}\n"
        ",hotline,complaints,1,2026-10-05T12:00:00+08:00,desk,c-1\n"
        f",hotline,complaints,1,{soon},desk,c-2\n"
        ",hotline,complaints,1,2027-05-30T09:00:00+08:00,desk,c-3\n",
        encoding="utf-8",
    )
    before = database_state(organisation)
    message = refused(organisation.run("import", "observations", str(csv_file)))
    assert f"{csv_file}:3: occurred_at: {soon} has not happened yet" in message
    assert f"{csv_file}:4: occurred_at: 2027-05-30T09:00:00+08:00 has not happened yet" in message
    assert database_state(organisation) == before
    # An hour of allowed clock difference takes the row ten minutes ahead, not next year.
    tolerant = CliRunner().invoke(
        cli,
        ["import", "observations", "--keep-valid", str(csv_file)],
        env={**organisation.env, "FAIRSCORE_MAX_CLOCK_SKEW": "3600"},
    )
    assert "2 accepted" in tolerant.stdout
    assert "2027-05-30T09:00:00+08:00 has not happened yet" in tolerant.stderr
    assert organisation.count("observation", "source = 'desk'") == 2


def test_a_config_with_numbers_past_the_store_names_each_path(
    organisation: Fairscore, tmp_path: Path
) -> None:
    config = tmp_path / "big.yaml"
    config.write_text(
        "policy:\n"
        "  adjustment_cap: 1e20\n"
        "kpis:\n"
        "  - {code: huge, name: Huge, kind: QUANTITATIVE, direction: HIGHER_IS_BETTER,\n"
        f"     aggregation: MEAN, range: [0, {'9' * 5000}]}}\n"
        "cycles:\n"
        "  - code: 2027-Q1\n"
        "    name: Q1 2027\n"
        "    starts_on: 2027-01-01\n"
        "    ends_on: 2027-03-31\n"
        "    scorecards:\n"
        "      agent:\n"
        "        - {kpi: complaints, weight: 100, threshold: 3e15, target: 1}\n",
        encoding="utf-8",
    )
    before = database_state(organisation)
    message = refused(organisation.run("apply", str(config)))
    assert f"{config}: policy.adjustment_cap: 1e20 is too large" in message
    assert f"{config}: kpis[0].range[1]: 9999" in message
    assert "is too long for a number" in message
    assert f"{config}: cycles[0].scorecards.agent[0].threshold: 3e15 is too large" in message
    assert max(len(line) for line in message.splitlines()) < 300  # quoted, not repeated
    assert database_state(organisation) == before


def test_a_config_that_is_not_utf8_says_where_and_what_to_do(
    fairscore: Fairscore, tmp_path: Path
) -> None:
    config = tmp_path / "latin1.yaml"
    before_the_e = "positions:\n  - {code: agent, name: Agent}\n# caf"
    config.write_bytes(f"{before_the_e}é\n".encode("latin-1"))
    message = refused(fairscore.run("apply", str(config)))
    where = f"at byte {len(before_the_e)}, line 3"
    assert f"{config}: file: is not UTF-8 text (invalid continuation byte {where})" in message
    assert "save it as UTF-8" in message
    assert fairscore.count("position") == 0


def test_schema_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "dir" / "schema.graphql"
    result = CliRunner().invoke(cli, ["schema", "--output", str(target)])
    assert result.exit_code == 1
    assert f"error: cannot write {target}: No such file or directory" in result.stderr
    assert "create the folder first" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not target.exists()


def test_a_database_url_of_an_unknown_kind_is_a_clear_error(tmp_path: Path) -> None:
    for url in ("mysqlx://admin:s3cret@db/fairscore", "fairscore.sqlite3"):
        result = CliRunner().invoke(cli, ["cycles"], env={"DATABASE_URL": url})
        assert result.exit_code == 1, result.output
        assert "DATABASE_URL must start with sqlite:// or postgres://" in result.stderr
        assert "s3cret" not in result.output  # the rest of a URL may be a password
        assert result.exception is None or isinstance(result.exception, SystemExit)
    broken_port = CliRunner().invoke(
        cli, ["cycles"], env={"DATABASE_URL": "postgres://u@localhost:port/db"}
    )
    assert broken_port.exit_code == 1
    assert "error: DATABASE_URL cannot be used: Port is not an integer" in broken_port.stderr
