"""`fairscore demo`: a realistic organisation, built once and left alone afterwards."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from service.demo import DEMO_SIGN_INS
from tests.cli.conftest import Fairscore


def test_the_demo_builds_an_active_cycle_and_a_second_run_leaves_it(tmp_path: Path) -> None:
    demo = Fairscore(tmp_path / "demo" / "fairscore.sqlite3")

    built = demo.ok("demo")
    scores_before = demo.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout
    audit_before = demo.count("audit_entry")
    again = demo.ok("demo")

    assert "Demo organisation ready" in built.stdout
    assert demo.count("employee") == 40
    assert demo.count("team") == 4
    assert demo.count("observation") >= 20_000
    for channel in ("ONLINE_SURVEY", "PHONE_CALLBACK", "FACE_TO_FACE"):
        assert demo.count("observation", "channel = ?", [channel]) > 100
    assert demo.count("review", "kind = 'MANAGER'") > 0
    assert demo.count("review", "kind = 'SELF'") > 0
    for sign_in in DEMO_SIGN_INS:
        assert f"{sign_in.email} / {sign_in.password}" in built.stdout
    assert demo.count("app_user") == len(DEMO_SIGN_INS)
    scores = json.loads(scores_before)["scores"]
    assert len(scores) == 40
    assert len({score["band"] for score in scores if score["band"]}) >= 4
    # A catalogue of at least six courses and plans for the hotline team (docs/development.md).
    assert demo.count("course") >= 6
    assert demo.count("development_plan") == 2
    assert demo.count("development_item", "focus_kpi_id IS NOT NULL") >= 2
    assert demo.count("course_attendance") == 1
    assert "left as it is" in again.stdout
    assert demo.count("audit_entry") == audit_before
    assert demo.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout == scores_before


def test_the_demo_has_a_finalised_past_quarter_and_corrections_in_the_running_one(
    tmp_path: Path,
) -> None:
    demo = Fairscore(tmp_path / "demo" / "fairscore.sqlite3")
    demo.ok("demo")
    assert demo.value("SELECT state FROM cycle WHERE code = '2026-Q3'") == "FINALIZED"
    assert demo.count("score", "state = 'FINAL' AND inputs_hash IS NOT NULL") > 30
    assert demo.count("adjustment") == 1
    assert demo.count("observation", "voided_at IS NOT NULL") == 1
    assert demo.count("appeal", "state = 'OPEN'") == 1
    payroll = demo.ok("results", "--cycle", "2026-Q3", "--format", "json").stdout
    rows = json.loads(payroll)
    assert {row["state"] for row in rows} == {"FINAL"}
    assert all(row["multiplier"] for row in rows if row["status"] == "SCORED")


def test_the_demo_scores_its_team_leads_on_their_team_and_nobody_else_on_team_lines_alone(
    tmp_path: Path,
) -> None:
    demo = Fairscore(tmp_path / "demo" / "fairscore.sqlite3")
    demo.ok("demo")
    scores = json.loads(demo.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout)
    leads = [s for s in scores["scores"] if s["position"] == "team_lead"]
    assert len(leads) == 3
    assert all(lead["status"] == "SCORED" for lead in leads)
    with sqlite3.connect(demo.path) as db:
        rows = db.execute(
            "SELECT s.explanation, p.code FROM score s JOIN cycle c ON c.id = s.cycle_id "
            "JOIN position p ON p.id = s.position_id "
            "WHERE c.code = '2026-Q4' AND s.status = 'SCORED'"
        ).fetchall()
    assert len(rows) == 39
    team_lines = {"team_lead": 0, "other": 0}
    for raw, position in rows:
        explanation = json.loads(str(raw))
        # Every scored person has at least the policy's 50 % of the weight as their own.
        assert float(explanation["evidence_weight"]) >= 50
        is_lead = position == "team_lead"  # each demo lead leads their own team
        for line in explanation["lines"]:
            if line["scope"] != "TEAM":
                continue
            team_lines["team_lead" if is_lead else "other"] += 1
            # A lead's team lines are their own results; nobody else's ever are.
            assert line["about_person"] is is_lead
            if not is_lead:
                assert line["evidence"] is False
    assert team_lines["team_lead"] > 0
    assert team_lines["other"] > 0


def test_the_demo_quarter_is_ready_for_review_with_one_lenient_reviewer(tmp_path: Path) -> None:
    from service.demo import LENIENT_REVIEWER

    demo = Fairscore(tmp_path / "demo" / "fairscore.sqlite3")
    demo.ok("demo")
    demo.ok("transition", "--cycle", "2026-Q4", "--to", "REVIEW")
    document = json.loads(demo.ok("calibration", "--cycle", "2026-Q4", "--format", "json").stdout)
    flags = {r["reviewer"]: r["flag"] for r in document["reviewers"]}
    assert flags.pop(LENIENT_REVIEWER) == "LENIENT"
    assert set(flags.values()) <= {"IN_LINE", "TOO_FEW"}
    assert any(flag == "IN_LINE" for flag in flags.values())
