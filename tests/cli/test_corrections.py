"""`fairscore void`, `adjust`, `appeal file|resolve`, `results`, `token create`, `schema`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Fairscore


def test_adjust_within_the_cap_and_refuse_past_it_naming_the_cap(scored: Fairscore) -> None:
    done = scored.ok(
        "adjust",
        "--cycle",
        "2026-Q4",
        "--employee",
        "E1101",
        "--points",
        "4",
        "--reason",
        "covered a colleague's shifts",
    )
    assert "total now" in done.stdout
    refused = scored.run(
        "adjust", "--cycle", "2026-Q4", "--employee", "E1101", "--points", "7", "--reason", "more"
    )
    assert refused.exit_code != 0
    assert "cap" in refused.stderr
    assert scored.count("adjustment") == 1


def test_void_an_observation_then_the_same_again_is_a_clear_error(scored: Fairscore) -> None:
    observation_id = scored.value("SELECT id FROM observation WHERE external_id = 'fr-1-E1101'")
    assert observation_id is not None
    scored.ok("void", str(observation_id), "--reason", "belonged to another agent")
    again = scored.run("void", str(observation_id), "--reason", "again")
    assert again.exit_code != 0
    assert "already voided" in again.stderr
    assert scored.count("observation", "voided_at IS NOT NULL") == 1


def test_void_names_the_observation_by_its_source_and_external_id(scored: Fairscore) -> None:
    row = scored.value("SELECT source FROM observation WHERE external_id = 'fr-1-E1101'")
    observation_id = scored.value("SELECT id FROM observation WHERE external_id = 'fr-1-E1101'")

    voided = scored.ok(
        "void", "--source", str(row), "--external-id", "fr-1-E1101", "--reason", "wrong agent"
    )

    assert f"Voided observation {observation_id}." in voided.stdout
    assert scored.count("observation", "voided_at IS NOT NULL") == 1
    unknown = scored.run(
        "void", "--source", str(row), "--external-id", "no-such-id", "--reason", "wrong"
    )
    assert unknown.exit_code != 0
    assert "No observation came from" in unknown.stderr
    both = scored.run("void", str(observation_id), "--source", "x", "--reason", "wrong")
    assert both.exit_code != 0
    neither = scored.run("void", "--reason", "wrong")
    assert neither.exit_code != 0
    assert "source and external id" in neither.stderr
    assert scored.count("observation", "voided_at IS NOT NULL") == 1


def test_an_appeal_is_filed_and_resolved_with_an_adjustment(scored: Fairscore) -> None:
    filed = scored.ok(
        "appeal",
        "file",
        "--cycle",
        "2026-Q4",
        "--employee",
        "E1102",
        "--line",
        "1",
        "--reason",
        "surveys about the outage",
    )
    appeal_id = filed.stdout.split()[-1].rstrip(".")
    no_remedy = scored.run(
        "appeal", "resolve", appeal_id, "--outcome", "ACCEPTED", "--note", "right"
    )
    assert no_remedy.exit_code != 0
    assert "remedy" in no_remedy.stderr
    scored.ok(
        "appeal",
        "resolve",
        appeal_id,
        "--outcome",
        "ACCEPTED",
        "--note",
        "confirmed with the survey tool",
        "--points",
        "1.5",
    )
    assert scored.value("SELECT state FROM appeal") == "ACCEPTED"
    assert scored.value("SELECT points FROM adjustment") == 15_000


def test_results_list_everyone_with_band_and_multiplier_only_when_scored(
    scored: Fairscore,
) -> None:
    rows = json.loads(scored.ok("results", "--cycle", "2026-Q4", "--format", "json").stdout)
    assert rows
    for row in rows:
        if row["status"] == "SCORED":
            assert row["band"]
            assert row["multiplier"]
            assert row["total"]
        else:
            assert (row["band"], row["multiplier"], row["total"]) == (None, None, None)
    csv_text = scored.ok("results", "--cycle", "2026-Q4").stdout
    assert csv_text.splitlines()[0].startswith("employee_external_id,employee_name,status")


def test_a_token_is_printed_once_for_an_existing_user(scored: Fairscore) -> None:
    made = scored.ok(
        "token", "create", "--user", "lead@example.com", "--expires", "90", "--name", "survey-tool"
    )
    token = made.stdout.strip()
    assert token.startswith("fs_")
    assert scored.count("api_token") == 1
    assert token not in str(scored.value("SELECT token_hash FROM api_token"))
    missing = scored.run("token", "create", "--user", "nobody@example.com")
    assert missing.exit_code != 0
    assert "user create" in missing.stderr


def test_schema_prints_the_sdl_that_graphql_schema_graphql_holds(
    fairscore: Fairscore, tmp_path: Path
) -> None:
    out = tmp_path / "schema.graphql"
    fairscore.ok("schema", "--output", str(out))
    committed = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"
    assert out.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")
