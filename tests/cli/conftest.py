"""A migrated SQLite file per test, and a way to run `fairscore` against it in-process.

The CLI reads DATABASE_URL from the environment like in production; each test gets its
own copy of one migrated file, so tests are independent and need no other fixture.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from tests.conftest import copy_sqlite

EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "docs" / "examples" / "org.yaml"


def edited_config(folder: Path, name: str, old: str, new: str) -> Path:
    """The example config with one text replaced, written as ``folder/name``."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {EXAMPLE_CONFIG.name}"
    config = folder / name
    config.write_text(text.replace(old, new, 1), encoding="utf-8")
    return config


def stricter_config(folder: Path) -> Path:
    """The example config with the agents' CSAT threshold raised from 70 to 72."""
    line = "{kpi: csat, weight: 35, threshold: %d, target: 90, stretch: 97, min_samples: 10}"
    return edited_config(folder, "stricter.yaml", line % 70, line % 72)


# Cheap Argon2 parameters: tests create users and must stay fast.
_CHEAP_HASHING = {"FAIRSCORE_ARGON2_MEMORY_KIB": "1024", "FAIRSCORE_ARGON2_TIME_COST": "1"}


@dataclass(frozen=True)
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Fairscore:
    """Runs the command line against one database file.

    In-process by default (fast). in_subprocess runs `python -m service.cli` instead:
    Tortoise caches each model's INSERT statement per connection name for the life of
    the process, so one process must not switch between SQLite and PostgreSQL.
    """

    path: Path
    in_subprocess: bool = False

    @property
    def env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": f"sqlite://{self.path}",
            "FAIRSCORE_ENV": "development",
            **_CHEAP_HASHING,
        }

    def run(self, *args: str, input: str | None = None) -> Ran:
        if self.in_subprocess:
            done = subprocess.run(
                [sys.executable, "-m", "service.cli", *args], input=input, text=True,
                capture_output=True, env={**os.environ, **self.env}, check=False,
            )  # fmt: skip
            return Ran(done.returncode, done.stdout, done.stderr)
        result = CliRunner().invoke(cli, list(args), env=self.env, input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, input: str | None = None) -> Ran:
        result = self.run(*args, input=input)
        assert result.exit_code == 0, result.output
        return result

    def count(self, table: str, where: str = "1 = 1", params: Sequence[object] = ()) -> int:
        with sqlite3.connect(self.path) as db:
            row = db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params).fetchone()
        return int(row[0])

    def value(self, sql: str, params: Sequence[object] = ()) -> object:
        with sqlite3.connect(self.path) as db:
            row = db.execute(sql, params).fetchone()
        return None if row is None else row[0]


@pytest.fixture(scope="session")
def migrated_template(migrated_sqlite: Path) -> Path:
    """The session's migrated file (tests/conftest.py), copied for each test."""
    return migrated_sqlite


@pytest.fixture
def fairscore(tmp_path: Path, migrated_template: Path) -> Fairscore:
    path = tmp_path / "fairscore.sqlite3"
    shutil.copy(migrated_template, path)
    return Fairscore(path)


FairscoreFactory = Callable[[], Fairscore]


@pytest.fixture
def fairscore_factory(tmp_path: Path, migrated_template: Path) -> FairscoreFactory:
    """More databases for one test, e.g. to compare two built differently."""
    made: list[Fairscore] = []

    def make() -> Fairscore:
        path = tmp_path / f"other-{len(made)}.sqlite3"
        shutil.copy(migrated_template, path)
        made.append(Fairscore(path))
        return made[-1]

    return make


@pytest.fixture
def demo(tmp_path: Path, demo_sqlite: Path) -> Fairscore:
    """A copy of the demo `fairscore demo` built once for the session."""
    path = tmp_path / "demo" / "fairscore.sqlite3"
    copy_sqlite(demo_sqlite, path)
    return Fairscore(path)


@pytest.fixture
def organisation(fairscore: Fairscore) -> Fairscore:
    """The example organisation of docs/examples/org.yaml, its cycle ACTIVE."""
    fairscore.ok("apply", str(EXAMPLE_CONFIG))
    return fairscore


def scenario_files(folder: Path) -> list[tuple[str, Path]]:
    """Feedback, observations and reviews for the example organisation, always the same."""
    agents = ["E1101", "E1102", "E1103", "E1104"]
    feedback = ["employee_external_id,channel,rating,occurred_at,source,external_id,comment"]
    observations = ["employee_external_id,team_code,kpi_code,value,occurred_at,source,external_id"]
    for day in range(1, 29):
        for number, agent in enumerate(agents, start=1):
            rating = 5 - (day * number) % 4 if number != 4 else 3 + day % 3
            channel = ("ONLINE_SURVEY", "PHONE_CALLBACK", "FACE_TO_FACE")[day % 3]
            feedback.append(
                f"{agent},{channel},{rating},2026-10-{day:02d}T09:{number:02d}:00+08:00,"
                f"survey-tool,fb-{day}-{agent},"
            )
            minutes = f"{(day * number) % 17 + 0.25 * number:.2f}"
            observations.append(
                f"{agent},,first_response_minutes,{minutes},"
                f"2026-10-{day:02d}T10:{number:02d}:00+08:00,ticketing,fr-{day}-{agent}"
            )
        if day % 9 == 0:
            observations.append(
                f",hotline,complaints,1,2026-10-{day:02d}T12:00:00+08:00,complaints-desk,c-{day}"
            )
    reviews = ["cycle_code,employee_external_id,kpi_code,reviewer_email,kind,rating,comment"]
    for number, agent in enumerate(agents, start=1):
        reviews.append(f"2026-Q4,{agent},service_quality,lead@example.com,MANAGER,{number},ok")
        reviews.append(f"2026-Q4,{agent},communication,lead@example.com,MANAGER,4.5,clear")
    files = []
    for kind, rows in (("feedback", feedback), ("observations", observations),
                       ("reviews", reviews)):  # fmt: skip
        path = folder / f"{kind}.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        files.append((kind, path))
    return files


@pytest.fixture
def scored(organisation: Fairscore, tmp_path: Path) -> Fairscore:
    folder = tmp_path / "data"
    folder.mkdir()
    organisation.ok(
        "user", "create", "lead@example.com", "--access", "MANAGER", "--employee", "E1001",
        input="a long password\n",
    )  # fmt: skip
    for kind, path in scenario_files(folder):
        organisation.ok("import", kind, str(path))
    return organisation
