"""Test-wide fixtures: a fixed Hypothesis profile and every database test on both databases.

Database tests take the `db` fixture. It runs each test on SQLite and, when
FAIRSCORE_TEST_POSTGRES_URL names a PostgreSQL database, again on PostgreSQL. Without
that setting the PostgreSQL runs skip with the reason; under CI=true they fail, so a
green CI always means both databases ran.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate

from service.models import tortoise_config

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Tests hash passwords with cheap Argon2 parameters; production keeps DESIGN.md's.
os.environ.setdefault("FAIRSCORE_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("FAIRSCORE_ARGON2_TIME_COST", "1")
# Recomputes score in the test's own process; the tests of the scoring pool turn it on.
os.environ.setdefault("FAIRSCORE_SCORING_PROCESSES", "1")

POSTGRES_URL_VARIABLE = "FAIRSCORE_TEST_POSTGRES_URL"
ACTIVE_CONFIG: dict[str, dict[str, object]] = {}
IN_CI = os.environ.get("CI", "").lower() == "true"

# Children first, so deleting in this order never trips a foreign key.
TABLES = (
    "recognition",
    "action_item",
    "check_in",
    "feedback_note",
    "goal_update",
    "goal",
    "development_item",
    "development_plan",
    "best_practice_thanks",
    "best_practice_note",
    "role_model_setting",
    "session_attendance",
    "session_presenter",
    "knowledge_session",
    "course_attendance",
    "course",
    "score_line",
    "score",
    "adjustment",
    "appeal",
    "review",
    "observation",
    "scorecard_line",
    "scorecard",
    "shadow_scorecard_line",
    "shadow_scorecard",
    "cycle_pilot_team",
    "calibration_record",
    "audit_entry",
    "api_token",
    "admin_session",
    "sign_in_attempt",
    "import_failure",
    "ingest_request",
    "app_user",
    "cycle",
    "kpi",
    "policy",
)


def active_database_url() -> str:
    """The URL of the database the current test runs on (for a server of its own)."""
    return str(ACTIVE_CONFIG["url"]["value"])


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE, "")
    if not url:
        message = (
            f"{POSTGRES_URL_VARIABLE} is not set: set it to an empty PostgreSQL database "
            "(e.g. postgres://postgres@127.0.0.1:5432/fairscore_test) to run this on PostgreSQL"
        )
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    return url


async def reset_postgres_schema(url: str) -> None:
    import asyncpg

    try:
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {POSTGRES_URL_VARIABLE} is not reachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


# Cheap Argon2 parameters for the `fairscore` commands the tests run in other processes.
CHEAP_HASHING = {"FAIRSCORE_ARGON2_MEMORY_KIB": "1024", "FAIRSCORE_ARGON2_TIME_COST": "1"}


def copy_sqlite(source: Path, target: Path) -> None:
    """A copy of a SQLite database file (through SQLite, so a write-ahead log comes too)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as read, closing(sqlite3.connect(target)) as write:
        read.backup(write)


def run_fairscore(path: Path, *args: str) -> None:
    """`fairscore <args>` on the SQLite file at `path`, in a process of its own (the ORM
    of this one keeps the session's database)."""
    subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        env={**os.environ, "DATABASE_URL": f"sqlite://{path}", "FAIRSCORE_ENV": "development",
             **CHEAP_HASHING},
        check=True,
        capture_output=True,
    )  # fmt: skip


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file `fairscore migrate` brought to the head, once per session: replaying
    the migrations costs seconds (Tortoise renders the models of every step), so every
    SQLite database the tests need starts as a copy of this one. tests/integration/
    test_migrations.py proves the migrations themselves."""
    path = tmp_path_factory.mktemp("migrated") / "fairscore.sqlite3"
    run_fairscore(path, "migrate")
    return path


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Path:
    """`fairscore demo` on a copy of the migrated file, once per session: the demo is the
    same on every run (fixed seed, fixed "today"), so the tests that read or serve it use
    copies (tests/cli/test_demo.py builds it from nothing and runs it twice)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    copy_sqlite(migrated_sqlite, path)
    run_fairscore(path, "demo")
    return path


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    migrated_sqlite: Path,
) -> AsyncIterator[str]:
    """A migrated database of each kind, set up once per test session."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "fairscore.sqlite3"
        copy_sqlite(migrated_sqlite, path)
        url = f"sqlite://{path}"
        config = tortoise_config(url)
    else:
        url = postgres_url()
        await reset_postgres_schema(url)
        config = tortoise_config(url)
        await migrate(config=config)
    await Tortoise.close_connections()
    # Tortoise caches compiled statements per connection name, across inits: without
    # this, PostgreSQL would be sent SQLite's statements after the SQLite session.
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=config, _enable_global_fallback=True)
    ACTIVE_CONFIG["config"] = config
    ACTIVE_CONFIG["url"] = {"value": url}
    try:
        yield request.param
    finally:
        await Tortoise.close_connections()


def _emptying_script(database: str, sequences: list[str]) -> str:
    """Deletes every row, children first, and restarts the ids.

    DELETE, not TRUNCATE, on PostgreSQL too: TRUNCATE gives each of the forty-odd tables
    and their indexes new files, which costs most of a second per test, while deleting
    the few rows a test wrote costs milliseconds. The ids restart at 1 as before."""
    script = (
        "UPDATE team SET lead_id = NULL, parent_id = NULL; UPDATE goal SET parent_id = NULL;"
        + "".join(f"DELETE FROM {table};" for table in (*TABLES, "employee", "team", "position"))
    )
    if database == "postgres":
        restarts = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
        return script + (f"SELECT {restarts};" if restarts else "")
    return script + "DELETE FROM sqlite_sequence;"


@pytest.fixture(scope="session")
async def _emptying(database: str) -> str:
    """The script that empties the session's database, built once per database."""
    from tortoise.connection import get_connection

    sequences: list[str] = []
    if database == "postgres":
        rows = await get_connection("default").execute_query_dict(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
            "AND sequencename <> 'tortoise_migrations_id_seq'"
        )
        sequences = sorted(str(row["sequencename"]) for row in rows)
    return _emptying_script(database, sequences)


@pytest.fixture
async def db(database: str, _emptying: str) -> str:
    """An empty database for one test; yields "sqlite" or "postgres"."""
    from tortoise.connection import get_connection

    await get_connection("default").execute_script(_emptying)
    return database


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
async def own_orm(database: str) -> AsyncIterator[None]:
    """For a test that starts the app's own lifespan (which re-initialises the ORM):
    put the session's database back afterwards."""
    yield
    await Tortoise.close_connections()
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=ACTIVE_CONFIG["config"], _enable_global_fallback=True)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the SQLite connections nobody closed, so that a finished run exits.

    An in-process `fairscore` run (tests/cli) initialises Tortoise on an event loop of its
    own, and Tortoise then reconnects 'default' on the next loop, dropping the session's
    connection unclosed (its TortoiseLoopSwitchWarning). aiosqlite's worker thread is
    not a daemon: left running, it kept `pytest tests/cli` from exiting after the last test.
    """
    import gc

    import aiosqlite

    for found in gc.get_objects():
        if isinstance(found, aiosqlite.Connection) and found._connection is not None:
            found.stop()
