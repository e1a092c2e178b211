"""`fairscore demo`: a realistic organisation, built once and left alone afterwards."""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import date
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
    # E1101 and E1102, and E1103 who put an attended session in theirs (docs/role-models.md).
    assert demo.count("development_plan") == 3
    assert demo.count("development_item", "session_id IS NOT NULL") == 1
    # Two role models per team wrote notes; one session is past, one still to come.
    authors = demo.value("SELECT COUNT(DISTINCT author_id) FROM best_practice_note")
    assert authors == 6
    assert demo.count("knowledge_session") == 2
    assert demo.count("development_item", "focus_kpi_id IS NOT NULL") >= 2
    assert demo.count("course_attendance") == 1
    assert "left as it is" in again.stdout
    assert demo.count("audit_entry") == audit_before
    assert demo.ok("scores", "--cycle", "2026-Q4", "--format", "json").stdout == scores_before


def test_the_demo_has_a_finalised_past_quarter_and_corrections_in_the_running_one(
    demo: Fairscore,
) -> None:
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
    demo: Fairscore,
) -> None:
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


def test_the_demo_quarter_is_ready_for_review_with_one_lenient_reviewer(demo: Fairscore) -> None:
    from service.demo import LENIENT_REVIEWER

    demo.ok("transition", "--cycle", "2026-Q4", "--to", "REVIEW")
    document = json.loads(demo.ok("calibration", "--cycle", "2026-Q4", "--format", "json").stdout)
    flags = {r["reviewer"]: r["flag"] for r in document["reviewers"]}
    assert flags.pop(LENIENT_REVIEWER) == "LENIENT"
    assert set(flags.values()) <= {"IN_LINE", "TOO_FEW"}
    assert any(flag == "IN_LINE" for flag in flags.values())


def test_the_demo_tries_a_shadow_scorecard_and_pilots_the_hotline(demo: Fairscore) -> None:
    shadow = json.loads(
        demo.ok("shadow", "--cycle", "2026-Q4", "--position", "agent", "--format", "json").stdout
    )
    # The shadow weighs the agents' own CSAT at 45 % instead of 35 %: some bands move.
    assert shadow["moving"] > 0
    assert len(shadow["rows"]) == demo.count(
        "employee", "position_id = (SELECT id FROM position WHERE code = 'agent')"
    )
    assert demo.value("SELECT state FROM cycle WHERE code = '2026-10'") == "FINALIZED"
    pilot = json.loads(demo.ok("pilot-report", "--cycle", "2026-11", "--format", "json").stdout)
    assert pilot["pilot_teams"] == ["hotline"]
    assert pilot["previous_cycle"] == "2026-10"
    csat = next(line for line in pilot["lines"] if line["kpi"] == "csat")
    assert csat["pilot_n"] > 0
    assert csat["outside_n"] > 0
    assert csat["gap"] is not None


def test_the_demo_hotline_shows_every_goal_status_on_its_today(demo: Fairscore) -> None:
    from datetime import date
    from fractions import Fraction

    from service.scoring.goals import GoalMeasure, GoalStatus, goal_progress, pinned_instant

    assert demo.count("goal", "team_id IS NOT NULL") == 2
    agents = demo.count("employee e JOIN position p ON p.id = e.position_id", "p.code = 'agent'")
    assert demo.count("goal", "kpi_id IS NOT NULL AND employee_id IS NOT NULL") == agents
    assert demo.count("goal", "current_value IS NOT NULL AND kpi_id IS NOT NULL") > 0
    with sqlite3.connect(demo.path) as db:
        timezone = json.loads(db.execute("SELECT data FROM policy").fetchone()[0])["timezone"]
        starts = date.fromisoformat(
            db.execute("SELECT starts_on FROM cycle WHERE code = '2026-Q4'").fetchone()[0]
        )
        rows = db.execute(
            "SELECT target, baseline, current_value, due_on, accepted_on FROM goal "
            "WHERE kpi_id IS NULL AND parent_id IS NOT NULL"
        ).fetchall()
    statuses = {
        goal_progress(
            measure=GoalMeasure(unit="x"),
            target=Fraction(target, 10_000),
            baseline=Fraction(baseline, 10_000),
            current=None if current is None else Fraction(current, 10_000),
            due_on=date.fromisoformat(due),
            accepted_on=date.fromisoformat(accepted),
            cycle_starts_on=starts,
            at=pinned_instant(date(2026, 11, 28), timezone),
            timezone=timezone,
        ).status
        for target, baseline, current, due, accepted in rows
    }
    assert statuses == set(GoalStatus)


def test_the_demo_hotline_has_a_check_in_every_two_weeks_with_one_action_item_open(
    demo: Fairscore,
) -> None:
    with sqlite3.connect(demo.path) as db:
        rows = db.execute(
            "SELECT e.external_id, c.held_on FROM check_in c JOIN employee e "
            "ON e.id = c.employee_id ORDER BY e.external_id, c.held_on"
        ).fetchall()
        teams = {
            team
            for (team,) in db.execute(
                "SELECT DISTINCT t.code FROM check_in c JOIN employee e ON e.id = c.employee_id "
                "JOIN team t ON t.id = e.team_id"
            )
        }
        open_items = dict(
            db.execute(
                "SELECT e.external_id, COUNT(*) FROM action_item a JOIN employee e "
                "ON e.id = a.employee_id WHERE a.closed_at IS NULL GROUP BY e.external_id"
            ).fetchall()
        )
    assert teams == {"hotline"}
    held: dict[str, list[date]] = {}
    for person, day in rows:
        held.setdefault(person, []).append(date.fromisoformat(str(day)[:10]))
    assert len(held) >= 16
    for person, days in held.items():
        assert all((b - a).days == 14 for a, b in itertools.pairwise(days)), person
        assert open_items[person] == 1, person
    assert demo.count("feedback_note") >= 4


def test_the_demo_has_weeks_of_recognition_a_flagged_pair_and_one_customer_praise(
    demo: Fairscore,
) -> None:
    from service.usecases.people.recognition_rules import trading_pairs

    with sqlite3.connect(demo.path) as db:
        per_team = dict(
            db.execute(
                "SELECT t.code, COUNT(*) FROM recognition r JOIN employee e "
                "ON e.id = r.receiver_id JOIN team t ON t.id = e.team_id GROUP BY t.code"
            ).fetchall()
        )
        weeks = {
            row[0] // (7 * 86_400 * 1_000_000)
            for row in db.execute("SELECT given_at_us FROM recognition")
        }
        given = db.execute(
            "SELECT giver_employee_id, receiver_id FROM recognition "
            "WHERE observation_id IS NULL AND hidden_at IS NULL"
        ).fetchall()
        pairs = trading_pairs((int(g), int(r)) for g, r in given)
        flagged = {
            db.execute("SELECT external_id FROM employee WHERE id = ?", [p]).fetchone()[0]
            for pair in pairs
            for p in (pair.first, pair.second)
        }
    assert per_team["hotline"] > max(per_team["field"], per_team["front-desk"]) > 0
    assert len(weeks) >= 7
    assert flagged == {"E1301", "E1302"}
    assert demo.count("recognition", "visibility = 'PRIVATE'") > 0
    assert demo.count("recognition", "observation_id IS NOT NULL") == 1
