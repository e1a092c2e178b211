"""A command on a database kept busy by another writer says so and changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner, Result

from service.cli import cli
from tests.cli.conftest import Fairscore, stricter_config

BUSY = "error: The database is busy with other changes and nothing was saved"


def _while_another_writer_holds_the_lock(organisation: Fairscore, args: list[str]) -> Result:
    # The server (or another command) holds the write lock; this command waits 50 ms.
    env = {**organisation.env, "DATABASE_URL": f"sqlite://{organisation.path}?busy_timeout=50"}
    other = sqlite3.connect(organisation.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        return CliRunner().invoke(cli, args, env=env)
    finally:
        other.rollback()
        other.close()


def test_a_command_on_a_busy_database_says_to_try_again_and_changes_nothing(
    organisation: Fairscore,
) -> None:
    result = _while_another_writer_holds_the_lock(
        organisation,
        ["transition", "--cycle", "2026-Q4", "--to", "REVIEW", "--reason", "Closed"],
    )

    assert result.exit_code != 0
    assert BUSY in result.stderr
    assert "Traceback" not in result.output
    assert organisation.value("SELECT state FROM cycle WHERE code = '2026-Q4'") == "ACTIVE"
    organisation.ok("transition", "--cycle", "2026-Q4", "--to", "REVIEW", "--reason", "Closed")


def test_applying_a_config_on_a_busy_database_says_busy_not_that_the_file_failed(
    organisation: Fairscore, tmp_path: Path
) -> None:
    # The busy database is the moment's state, not a fault of the file: the message
    # must be the busy one (try again), not "apply failed" naming a place in the file.
    config = stricter_config(tmp_path)
    before = organisation.value("SELECT COUNT(*) FROM audit_entry")

    result = _while_another_writer_holds_the_lock(
        organisation, ["apply", str(config), "--reason", "Q4"]
    )

    assert result.exit_code != 0
    assert BUSY in result.stderr
    assert "Traceback" not in result.output
    assert organisation.value("SELECT COUNT(*) FROM audit_entry") == before
