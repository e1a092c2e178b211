"""A command on a database kept busy by another writer says so and changes nothing."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from service.cli import cli
from tests.cli.conftest import Fairscore


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
