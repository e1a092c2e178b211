"""A command on a database kept busy by another writer says so and changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from service.cli import cli
from tests.cli.conftest import EXAMPLE_CONFIG, Fairscore


def test_a_command_on_a_busy_database_says_to_try_again_and_changes_nothing(
    organisation: Fairscore,
) -> None:
    # The server (or another command) holds the write lock; this command waits 50 ms.
    env = {**organisation.env, "DATABASE_URL": f"sqlite://{organisation.path}?busy_timeout=50"}
    other = sqlite3.connect(organisation.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        result = CliRunner().invoke(
            cli, ["transition", "--cycle", "2026-Q4", "--to", "REVIEW", "--reason", "Closed"],
            env=env,
        )  # fmt: skip
    finally:
        other.rollback()
        other.close()

    assert result.exit_code != 0
    assert "error: The database is busy with other changes and nothing was saved" in result.stderr
    assert "Traceback" not in result.output
    assert organisation.value("SELECT state FROM cycle WHERE code = '2026-Q4'") == "ACTIVE"
    organisation.ok("transition", "--cycle", "2026-Q4", "--to", "REVIEW", "--reason", "Closed")


def test_applying_a_config_on_a_busy_database_says_busy_not_that_the_file_failed(
    organisation: Fairscore, tmp_path: Path
) -> None:
    # The busy database is the moment's state, not a fault of the file: the message
    # must be the busy one (try again), not "apply failed" naming a place in the file.
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "{kpi: csat, weight: 35, threshold: 70, target: 90, stretch: 97, min_samples: 10}",
        "{kpi: csat, weight: 35, threshold: 72, target: 90, stretch: 97, min_samples: 10}",
        1,
    )
    config = tmp_path / "stricter.yaml"
    config.write_text(text, encoding="utf-8")
    env = {**organisation.env, "DATABASE_URL": f"sqlite://{organisation.path}?busy_timeout=50"}
    before = organisation.value("SELECT COUNT(*) FROM audit_entry")
    other = sqlite3.connect(organisation.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        result = CliRunner().invoke(cli, ["apply", str(config), "--reason", "Q4"], env=env)
    finally:
        other.rollback()
        other.close()

    assert result.exit_code != 0
    assert "error: The database is busy with other changes and nothing was saved" in result.stderr
    assert "Traceback" not in result.output
    assert organisation.value("SELECT COUNT(*) FROM audit_entry") == before
