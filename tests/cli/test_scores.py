"""`fairscore scores` and `fairscore explain`: the stored scores, read back."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.cli.conftest import EXAMPLE_CONFIG, Fairscore, FairscoreFactory, scenario_files

LINE_KEYS = {
    "kpi", "scope", "status", "sample_size", "raw_value", "normalized", "weight",
    "effective_weight", "contribution", "whatItWouldTake",
}  # fmt: skip
RAW = re.compile(r"^-?\d+\.\d{4}$")
REPORTED = re.compile(r"^-?\d+\.\d{2}$")


def _build_scenario(fairscore: Fairscore, folder: Path, *, reverse: bool = False) -> None:
    fairscore.ok("apply", str(EXAMPLE_CONFIG))
    fairscore.ok(
        "user", "create", "lead@example.com", "--access", "MANAGER", "--employee", "E1001",
        input="a long password\n",
    )  # fmt: skip
    files = scenario_files(folder)
    for kind, path in reversed(files) if reverse else files:
        if reverse and kind != "reviews":
            # Same rows in the opposite order: different ids, the same scores.
            lines = path.read_text(encoding="utf-8").splitlines()
            path.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", "utf-8")
        fairscore.ok("import", kind, str(path))


def test_scores_json_is_deterministic_and_holds_every_line_field(
    scored: Fairscore, tmp_path: Path
) -> None:
    first = scored.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout
    second = scored.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout

    assert first == second
    document = json.loads(first)
    assert document["cycle"] == "2026-Q4"
    rows = document["scores"]
    assert len(rows) == 8
    totals = [(row["total"] is None, -float(row["total"] or 0)) for row in rows]
    assert totals == sorted(totals)
    assert '"id"' not in first
    assert "computed" not in first
    agent = next(row for row in rows if row["employee"] == "E1101")
    assert agent["status"] == "SCORED"
    assert REPORTED.match(agent["total"])
    assert agent["band"] in {"S", "A", "B", "C", "D"}
    assert [line["kpi"] for line in agent["lines"]] == [
        "csat", "csat", "first_response_minutes", "complaints", "service_quality",
        "communication",
    ]  # fmt: skip
    # As the API has them: the next band and each line's "what it would take".
    assert set(agent) >= {"nextBand", "multiplier"}
    if agent["band"] != "S":
        assert REPORTED.match(agent["nextBand"]["pointsNeeded"])
    takes = [line["whatItWouldTake"] for line in agent["lines"] if line["whatItWouldTake"]]
    assert takes
    assert all(take["sentence"] for take in takes)
    for line in agent["lines"]:
        assert set(line) == LINE_KEYS
        if line["status"] == "SCORED":
            assert RAW.match(line["raw_value"]), line
            for name in ("normalized", "weight", "effective_weight", "contribution"):
                assert REPORTED.match(line[name]), (name, line)


def test_the_same_data_in_another_order_gives_the_same_json(
    scored: Fairscore, fairscore_factory: FairscoreFactory, tmp_path: Path
) -> None:
    other = fairscore_factory()
    folder = tmp_path / "reversed"
    folder.mkdir()
    _build_scenario(other, folder, reverse=True)

    assert (
        scored.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout
        == other.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout
    )


def test_scores_as_csv_and_table_list_everyone_best_first(scored: Fairscore) -> None:
    as_json = json.loads(scored.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout)
    as_csv = scored.ok("scores", "--cycle", "2026-Q4", "--format", "csv").stdout.splitlines()
    table = scored.ok("scores", "--cycle", "2026-Q4").stdout

    assert as_csv[0].startswith("rank,employee_external_id,name,team,position,status,total")
    assert [line.split(",")[1] for line in as_csv[1:]] == [
        row["employee"] for row in as_json["scores"]
    ]
    assert "E1101" in table
    assert "SCORED" in table


def test_equal_totals_rank_by_employee_id_not_by_external_id(scored: Fairscore) -> None:
    """SCORING.md §5: total, then employee (its id), as the API and the admin rank."""
    with sqlite3.connect(scored.path) as db:
        ids = [r[0] for r in db.execute("SELECT employee_id FROM score ORDER BY employee_id")]
        first, last = ids[0], ids[-1]
        names = dict(db.execute("SELECT id, external_id FROM employee"))
        # Their external ids swapped, so that their order runs against the ids'.
        db.execute("UPDATE employee SET external_id = 'swap' WHERE id = ?", (first,))
        db.execute("UPDATE employee SET external_id = ? WHERE id = ?", (names[first], last))
        db.execute("UPDATE employee SET external_id = ? WHERE id = ?", (names[last], first))
        db.execute("UPDATE score SET total_cents = 8000")
        by_id = [
            r[0]
            for r in db.execute(
                "SELECT e.external_id FROM score s JOIN employee e ON e.id = s.employee_id "
                "ORDER BY s.employee_id"
            )
        ]
    assert by_id != sorted(by_id)

    document = json.loads(scored.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout)

    assert [row["employee"] for row in document["scores"]] == by_id


def test_scores_of_an_unknown_cycle_is_a_clear_error(organisation: Fairscore) -> None:
    result = organisation.run("scores", "--cycle", "2031-Q1")

    assert result.exit_code == 1
    assert "No cycle has the code '2031-Q1'" in result.stderr
    assert "Traceback" not in result.output


def test_explain_in_english_names_each_line_and_what_it_would_take(scored: Fairscore) -> None:
    result = scored.ok("explain", "--employee", "E1101", "--cycle", "2026-Q4")

    out = result.stdout
    assert "E1101" in out
    assert re.search(r"Total \d+\.\d\d points: band [SABCD] \(multiplier \d\.\d\d\)", out)
    assert "Customer satisfaction:" in out
    assert "Customer satisfaction (team):" in out
    assert "Sources: survey-tool / " in out
    assert "Next band:" in out


def test_explain_in_chinese_renders_the_chinese_sentences(scored: Fairscore) -> None:
    result = scored.ok("explain", "--employee", "E1101", "--cycle", "2026-Q4", "--lang", "zh-CN")

    out = result.stdout
    assert re.search(r"总分 \d+\.\d\d 分：[SABCD] 档（系数 \d\.\d\d）", out)
    assert "数据来源" in out
    assert "（团队）" in out
    # The KPI's Chinese name and unit (docs/examples/org.yaml); the English elsewhere,
    # spaced from the Chinese around it.
    assert "首次响应时间：" in out
    assert "分钟" in out
    assert "First response time" not in out
    assert "Customer satisfaction（团队）：" in out


def test_explain_in_chinese_shows_states_and_channels_by_their_chinese_labels(
    scored: Fairscore,
) -> None:
    result = scored.ok("explain", "--employee", "E1101", "--cycle", "2026-Q4", "--lang", "zh-CN")

    out = result.stdout
    assert "已评分" in out
    assert "暂定" in out
    assert any(channel in out for channel in ("在线问卷", "电话回访", "面对面"))
    codes = r"\b(PROVISIONAL|FINAL|SCORED|NO_DATA|ONLINE_SURVEY|PHONE_CALLBACK|FACE_TO_FACE)\b"
    assert not re.search(codes, out), out


def test_explain_in_english_shows_labels_not_codes(scored: Fairscore) -> None:
    out = scored.ok("explain", "--employee", "E1101", "--cycle", "2026-Q4").stdout

    assert "Scored" in out
    assert "Provisional" in out
    assert not re.search(r"\b(PROVISIONAL|SCORED|ONLINE_SURVEY|PHONE_CALLBACK)\b", out), out


def test_explain_for_someone_without_a_score_says_why(organisation: Fairscore) -> None:
    result = organisation.run("explain", "--employee", "NOBODY", "--cycle", "2026-Q4")

    assert result.exit_code == 1
    assert "No employee has the external id 'NOBODY'" in result.stderr


# --- the same on PostgreSQL -------------------------------------------------------------


class PostgresFairscore(Fairscore):
    def __init__(self, url: str) -> None:
        super().__init__(Path("unused"), in_subprocess=True)
        self.url = url

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "DATABASE_URL": self.url}


def _postgres_server() -> str:
    url = os.environ.get("FAIRSCORE_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the PostgreSQL tests: set FAIRSCORE_TEST_POSTGRES_URL")
        pytest.skip("FAIRSCORE_TEST_POSTGRES_URL is not set")
    return url


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def postgres_fairscore() -> Iterator[PostgresFairscore]:
    # A database of its own, so other tests' PostgreSQL fixtures never see these rows.
    server = _postgres_server()
    name = f"fairscore_cli_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(server)
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    try:
        fairscore = PostgresFairscore(urlunsplit(parts._replace(path=f"/{name}")))
        fairscore.ok("migrate")
        yield fairscore
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.postgres
def test_scores_json_is_the_same_on_sqlite_and_postgresql(
    scored: Fairscore, postgres_fairscore: PostgresFairscore, tmp_path: Path
) -> None:
    folder = tmp_path / "pg"
    folder.mkdir()
    _build_scenario(postgres_fairscore, folder)

    assert (
        postgres_fairscore.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout
        == scored.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout
    )
