"""`fairscore apply`: configuration as code (docs/config.md)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import EXAMPLE_CONFIG, Fairscore, edited_config, stricter_config

_TABLES = ("policy", "position", "team", "employee", "kpi", "cycle", "scorecard", "audit_entry")


def _counts(fairscore: Fairscore) -> dict[str, int]:
    return {table: fairscore.count(table) for table in _TABLES}


def test_applying_the_example_config_builds_the_organisation(fairscore: Fairscore) -> None:
    result = fairscore.ok("apply", str(EXAMPLE_CONFIG))

    assert fairscore.count("employee") == 8
    assert fairscore.count("kpi") == 6
    assert fairscore.count("scorecard") == 3
    assert fairscore.value("SELECT state FROM cycle WHERE code = '2026-Q4'") == "ACTIVE"
    assert fairscore.value("SELECT lead_id IS NOT NULL FROM team WHERE code = 'hotline'") == 1
    assert fairscore.count("score") == 8
    assert (
        fairscore.value(
            "SELECT name_zh || '/' || unit_zh FROM kpi WHERE code = 'first_response_minutes'"
        )
        == "首次响应时间/分钟"
    )
    assert fairscore.value("SELECT name_zh FROM kpi WHERE code = 'csat'") == ""
    assert "2026-Q4: DRAFT -> ACTIVE" in result.stdout


def test_reapplying_the_same_config_changes_nothing(organisation: Fairscore) -> None:
    before = _counts(organisation)

    result = organisation.ok("apply", str(EXAMPLE_CONFIG))

    assert _counts(organisation) == before
    assert "Nothing changed" in result.stdout
    for line in result.stdout.splitlines():
        if "│ employees" in line:
            assert line.split("│")[2:5] == [f"{' ' * 7}0 ", f"{' ' * 7}0 ", f"{' ' * 9}8 "]


def test_a_malformed_config_is_rejected_naming_file_path_and_field(
    fairscore: Fairscore, tmp_path: Path
) -> None:
    config = tmp_path / "broken.yaml"
    config.write_text(
        "positions:\n"
        "  - {code: agent, name: Agent, colour: red}\n"
        "teams:\n"
        "  - {code: hotline, name: 5}\n"
        "kpis:\n"
        "  - {code: csat, name: CSAT, kind: QUANTITATIVE, direction: UP, aggregation: MEAN}\n",
        encoding="utf-8",
    )

    result = fairscore.run("apply", str(config))

    assert result.exit_code == 1
    assert f"{config}: positions[0].colour: is not a known key" in result.stderr
    assert f"{config}: teams[0].name: must be text, not the number 5" in result.stderr
    assert (
        f"{config}: kpis[0].direction: 'UP' is not one of HIGHER_IS_BETTER, LOWER_IS_BETTER"
        in result.stderr
    )
    assert "Traceback" not in result.output
    assert fairscore.count("position") == fairscore.count("audit_entry") == 0


def test_a_config_refused_half_way_leaves_the_database_unchanged(
    fairscore: Fairscore, tmp_path: Path
) -> None:
    # Well-formed, so positions, teams, employees and KPIs are written before the
    # scorecard (weights add up to 90) is refused: the outer transaction undoes them.
    config = edited_config(
        tmp_path,
        "weights.yaml",
        "- {kpi: communication, weight: 15}\n      front_desk:",
        "- {kpi: communication, weight: 5}\n      front_desk:",
    )

    result = fairscore.run("apply", str(config))

    assert result.exit_code == 1
    assert f"{config}: cycles[0].scorecards.agent" in result.stderr
    assert _counts(fairscore) == dict.fromkeys(_TABLES, 0)


def test_a_dry_run_saves_nothing(fairscore: Fairscore) -> None:
    result = fairscore.ok("apply", "--dry-run", str(EXAMPLE_CONFIG))

    assert "dry run" in result.stdout
    assert "nothing was saved (dry run)" in result.stdout.replace("\n", " ")
    assert "Changed." not in result.stdout
    assert "Saved:" not in result.stdout
    assert _counts(fairscore) == dict.fromkeys(_TABLES, 0)


def test_changing_a_scorecard_of_an_active_cycle_needs_a_reason(
    organisation: Fairscore, tmp_path: Path
) -> None:
    config = stricter_config(tmp_path)

    refused = organisation.run("apply", str(config))
    applied = organisation.ok("apply", str(config), "--reason", "Q4 target agreed with ops")

    assert refused.exit_code == 1
    assert "cycles[0].scorecards.agent.reason" in refused.stderr
    assert "--reason" in refused.stderr
    assert "Saved: the database now matches the file." in applied.stdout
    assert (
        organisation.value(
            "SELECT reason FROM audit_entry WHERE action = 'save_scorecard' "
            "ORDER BY id DESC LIMIT 1"
        )
        == "Q4 target agreed with ops"
    )


def test_a_config_cannot_move_a_cycle_back(organisation: Fairscore, tmp_path: Path) -> None:
    config = tmp_path / "back.yaml"
    config.write_text(
        "cycles:\n  - {code: 2026-Q4, name: Q4 2026, starts_on: 2026-10-01, "
        "ends_on: 2026-12-31, state: DRAFT}\n",
        encoding="utf-8",
    )

    result = organisation.run("apply", str(config))

    assert result.exit_code == 1
    assert "cycles[0].state: cycle '2026-Q4' is already ACTIVE" in result.stderr


def test_a_key_given_twice_is_refused(fairscore: Fairscore, tmp_path: Path) -> None:
    config = tmp_path / "twice.yaml"
    config.write_text("positions:\n  - code: agent\n    code: lead\n    name: A\n")

    result = fairscore.run("apply", str(config))

    assert result.exit_code == 1
    assert "line 3" in result.stderr
    assert "appears twice" in result.stderr


def test_the_calibration_settings_are_applied_from_yaml(
    fairscore: Fairscore, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "policy:\n"
        "  leniency_threshold: 12.5\n"
        "  band_guide_tolerance: 8\n"
        "  band_guide: {S: 10, A: 20, B: 40.5}\n",
        encoding="utf-8",
    )
    fairscore.ok("apply", str(path))
    stored = json.loads(str(fairscore.value("SELECT data FROM policy")))
    assert stored["leniency_threshold"] == "12.5"
    assert stored["band_guide_tolerance"] == "8"
    assert stored["band_guide"] == {"S": "10", "A": "20", "B": "40.5"}
    path.write_text("policy:\n  band_guide: {Q: 10}\n", encoding="utf-8")
    refused = fairscore.run("apply", str(path))
    assert refused.exit_code != 0
    assert "policy.band_guide.Q" in refused.output


def test_teams_and_positions_take_a_chinese_name_from_the_file(organisation: Fairscore) -> None:
    assert organisation.value("SELECT name_zh FROM team WHERE code = 'hotline'") == "热线组"
    assert organisation.value("SELECT name_zh FROM position WHERE code = 'agent'") == "热线客服"
    assert organisation.value("SELECT name_zh FROM team WHERE code = 'service'") == ""


def test_a_bad_scorecard_line_is_named_by_the_files_own_keys(
    fairscore: Fairscore, tmp_path: Path
) -> None:
    # The use case names line fields as the API does (kpiCode); the file's key is kpi.
    example = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    line = (
        "        - {kpi: csat, weight: 35, threshold: 70, target: 90, stretch: 97, min_samples: 10}"
    )
    assert line in example
    config = tmp_path / "lines.yaml"
    twice = f"{line}\n        - {{kpi: csat, weight: 5, threshold: 70, target: 90}}"
    config.write_text(example.replace(line, twice, 1), encoding="utf-8")

    result = fairscore.run("apply", str(config))

    assert result.exit_code == 1
    assert ".agent[1].kpi: Line 2 (csat, INDIVIDUAL): this KPI is already" in result.stderr
    assert "kpiCode" not in result.stderr
