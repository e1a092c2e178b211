"""Enough evidence through the use cases (SCORING.md §2, §5, §7, §8, §9), on both databases."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from service.errors import InvalidTransition, ValidationFailed
from service.models import (
    AccessLevel,
    Adjustment,
    Appeal,
    AppealState,
    AuditEntry,
    Cycle,
    Employee,
    Score,
    Scorecard,
)
from service.models import Policy as PolicyRow
from service.scoring import score_text
from service.scoring.stored import StoredScore
from service.scoring.types import ScoreStatus
from service.usecases.accounts.access import positions_led_by_a_holder
from service.usecases.actor import Actor
from service.usecases.inputs import (
    EmployeeInput,
    FeedbackInput,
    ObservationInput,
    ScorecardLineInput,
    TeamInput,
)
from service.usecases.scoring.appeals import file_appeal, resolve_appeal
from service.usecases.scoring.finalize import expand_snapshot, inputs_hash, recompute_from_snapshot
from service.usecases.scoring.ingest import record_feedback, record_observations
from service.usecases.scoring.results import payroll_results
from service.usecases.setup.cycles import cycle_warnings, save_scorecard, transition_cycle
from service.usecases.setup.organisation import upsert_employees, upsert_teams
from service.usecases.setup.policy_change import update_policy
from tests.integration.scenario import ADMIN, CYCLE, build_organisation, employee_id

# A team-lead scorecard: the team's CSAT and a manager review.
LEAD_LINES = [
    ScorecardLineInput(kpi_code="csat", scope="TEAM", weight="60", threshold="80", target="92"),
    ScorecardLineInput(kpi_code="quality", weight="40"),
]


def ratings(employee: str, rating: str, n: int) -> list[FeedbackInput]:
    return [
        FeedbackInput(
            rating=rating,
            channel="ONLINE_SURVEY",
            occurred_at="2026-02-10T10:00:00+08:00",
            source="survey",
            employee_external_id=employee,
            external_id=f"{employee}-{rating}-{i}",
        )
        for i in range(n)
    ]


async def score_of(external_id: str) -> Score:
    return await Score.get(cycle__code=CYCLE, employee__external_id=external_id)


async def with_lead_scorecard() -> None:
    await build_organisation()
    await save_scorecard(
        actor=ADMIN,
        cycle_code=CYCLE,
        position_code="lead",
        lines=LEAD_LINES,
        reason="leads are scored on their team",
    )


async def test_a_person_with_no_data_of_their_own_is_not_scored_on_team_lines(db: str) -> None:
    await build_organisation()
    await record_feedback(actor=ADMIN, feedback=ratings("A1", "5", 20))
    # A2 has nothing of their own: the team's CSAT and a count of no complaints.
    a2 = await score_of("A2")
    assert a2.status is ScoreStatus.NO_DATA
    assert a2.status_reason == "NOT_ENOUGH_EVIDENCE"
    assert (a2.total_exact, a2.band_code) == (None, None)
    assert a2.explanation["evidence_weight"] == "0.00"
    assert a2.explanation["needed_weight"] == "50.00"
    assert score_text(StoredScore.from_row(a2.explanation), lang="en").startswith(
        "Not enough of the person's own data yet, so there is no total: evidence for 0 % of "
        "the weight; 50 % needed."
    )
    rows = {row.employee_external_id: row for row in await payroll_results_now()}
    assert (rows["A2"].status, rows["A2"].status_reason, rows["A2"].band) == (
        "NO_DATA",
        "NOT_ENOUGH_EVIDENCE",
        None,
    )
    assert rows["L1"].status_reason == "NO_SCORECARD"


async def payroll_results_now() -> list[Any]:
    async with in_transaction() as conn:
        return await payroll_results(conn, cycle_code=CYCLE)


async def test_a_team_lead_is_scored_on_the_team_lines_they_lead(db: str) -> None:
    await with_lead_scorecard()
    await record_feedback(actor=ADMIN, feedback=ratings("A1", "5", 10) + ratings("A2", "4", 10))
    lead = await score_of("L1")
    assert lead.status is ScoreStatus.SCORED
    assert lead.status_reason is None
    assert lead.explanation["evidence_weight"] == "60.00"
    assert lead.explanation["lines"][0]["evidence"] is True


async def test_a_new_lead_moves_the_evidence_with_the_team(db: str) -> None:
    await with_lead_scorecard()
    await record_feedback(actor=ADMIN, feedback=ratings("A1", "5", 10))
    assert (await score_of("L1")).status is ScoreStatus.SCORED
    # A1 takes over the team: L1 no longer leads it, so its CSAT is not L1's own.
    await upsert_teams(actor=ADMIN, teams=[TeamInput("hotline", "Hotline", "service", "A1")])
    lead = await score_of("L1")
    assert lead.status is ScoreStatus.NO_DATA
    assert lead.status_reason == "NOT_ENOUGH_EVIDENCE"


async def test_a_stored_policy_without_the_field_reads_as_zero(db: str) -> None:
    await build_organisation()
    row = await PolicyRow.get(id=1)
    row.data = {k: v for k, v in row.data.items() if k != "min_evidence_weight"}
    await row.save()
    # Any write recomputes: A2 is scored on the team line again, as before the rule.
    await record_feedback(actor=ADMIN, feedback=ratings("A1", "5", 3))
    a2 = await score_of("A2")
    assert a2.status is ScoreStatus.SCORED
    assert a2.explanation["needed_weight"] == "0.00"


async def test_changing_the_policy_lists_the_scorecards_it_moves(db: str) -> None:
    await build_organisation()
    await record_feedback(actor=ADMIN, feedback=ratings("A1", "5", 20))
    off = await update_policy(
        actor=ADMIN,
        settings={"timezone": "Asia/Shanghai", "csat_kpi_code": "csat", "min_evidence_weight": "0"},
        expected_version=None,
    )
    assert off.changed
    # A1's own CSAT and complaints hold 45 % of the weight, under 50 %, and the others
    # have nothing of their own: with the rule off, every eligible agent is scored.
    assert [(m.cycle_code, m.position_code, m.to_no_data) for m in off.moved] == [
        (CYCLE, "agent", 0)
    ]
    moved_back = off.moved[0].from_no_data
    assert moved_back == await Score.filter(cycle__code=CYCLE, status="SCORED").count()
    on = await update_policy(
        actor=ADMIN,
        settings={"timezone": "Asia/Shanghai", "csat_kpi_code": "csat"},
        expected_version=None,
    )
    assert [(m.position_code, m.to_no_data, m.from_no_data) for m in on.moved] == [
        ("agent", moved_back, 0)
    ]
    unchanged = await update_policy(
        actor=ADMIN,
        settings={"timezone": "Asia/Shanghai", "csat_kpi_code": "csat"},
        expected_version=None,
    )
    assert (unchanged.changed, unchanged.moved) == (False, [])


async def test_the_cycle_warns_how_many_have_no_score_by_reason(db: str) -> None:
    await build_organisation()
    cycle = await Cycle.get(code=CYCLE)
    async with in_transaction() as conn:
        warnings = await cycle_warnings(conn, cycle, actor=ADMIN)
    no_data = await Score.filter(cycle__code=CYCLE, status="NO_DATA").count()
    assert no_data > 0
    assert [w.message for w in warnings if w.field == "scores"] == [
        f"Employees without a total for want of evidence of their own: {no_data}."
    ]
    # A count over the whole cycle can name a colleague's status: admins only.
    for access in (AccessLevel.MANAGER, AccessLevel.EMPLOYEE):
        viewer = Actor(label="someone", access=access, employee_id=await employee_id("A1"))
        async with in_transaction() as conn:
            seen = await cycle_warnings(conn, cycle, actor=viewer)
        assert not [w for w in seen if w.field == "scores"]
        assert [w for w in warnings if w.field != "scores"] == seen


async def test_finalising_checks_manager_reviews_of_no_data_employees_too(db: str) -> None:
    await build_organisation()
    # Nobody is scored (no one has evidence): the check still covers them all.
    assert not await Score.filter(cycle__code=CYCLE, status="SCORED").exists()
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    with pytest.raises(InvalidTransition, match="of eligible employees without a manager's rating"):
        await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="FINALIZED")


def _old_shape(snapshot: dict[str, Any], cycle_snapshot: dict[str, Any]) -> dict[str, Any]:
    """The full snapshot exactly as finalisation wrote it before the evidence rule."""
    card = cycle_snapshot["scorecards"].get(snapshot["position"], []) if snapshot["lines"] else []
    lines = []
    for line, counted in zip(card, snapshot["lines"], strict=True):
        if "team_observations" in counted:
            team = counted["team_observations"]
            ids = cycle_snapshot["team_observations"].get(team, {}).get(line["kpi"]["code"], [])
            counted = {"observations": ids, "team": team}
        lines.append({"line": line, "counted": counted})
    return {
        "cycle": cycle_snapshot["cycle"],
        "policy": cycle_snapshot["policy"],
        "employee": snapshot["employee"],
        "team": snapshot["team"],
        "position": snapshot["position"],
        "status": snapshot["status"],
        "not_eligible_reason": snapshot["not_eligible_reason"],
        "lines": lines,
        "adjustments": snapshot["adjustments"],
    }


async def test_a_snapshot_from_before_the_rule_keeps_its_hash_and_its_scores(db: str) -> None:
    await with_lead_scorecard()
    # The organisation's policy predates the rule: stored without the field.
    row = await PolicyRow.get(id=1)
    row.data = {k: v for k, v in row.data.items() if k != "min_evidence_weight"}
    await row.save()
    await record_feedback(actor=ADMIN, feedback=ratings("A1", "5", 10))
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await transition_cycle(
        actor=ADMIN, cycle_code=CYCLE, to="FINALIZED", override_reason="no reviews in the test"
    )
    cycle = await Cycle.get(code=CYCLE)
    # Make it a snapshot taken before the rule: no min_evidence_weight, no leads_team.
    old_cycle = json.loads(json.dumps(cycle.snapshot))
    del old_cycle["policy"]["min_evidence_weight"]
    cycle.snapshot = old_cycle
    await cycle.save()
    scores = await Score.filter(cycle__code=CYCLE)
    assert any(s.snapshot.get("leads_team") for s in scores)  # L1 leads hotline
    for score in scores:
        old = {k: v for k, v in score.snapshot.items() if k != "leads_team"}
        canonical = json.dumps(
            _old_shape(old, old_cycle), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        old_hash = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        # Expanding an old snapshot adds no field: its hash is the one stored back then.
        assert inputs_hash(expand_snapshot(old, old_cycle)) == old_hash
        score.snapshot = old
        score.inputs_hash = old_hash
        await score.save()
    # A policy with the rule on today changes nothing of the final scores.
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "min_evidence_weight": "80",
        },
        expected_version=None,
    )
    scored = 0
    async with in_transaction() as conn:
        for score in await Score.filter(cycle__code=CYCLE):
            result, digest = await recompute_from_snapshot(conn, score_row=score, cycle=cycle)
            assert digest == score.inputs_hash
            if result is None:
                continue
            total = None if result.reported_total is None else f"{result.reported_total:f}"
            assert total == score.explanation["total"]
            assert result.status.value == score.status.value
            scored += result.status is ScoreStatus.SCORED
    # With the rule off, as it was, A2 (team line only) is scored: nothing moved.
    assert (await score_of("A2")).status is ScoreStatus.SCORED
    assert scored > 0


async def test_a_new_snapshot_keeps_the_rule_and_who_leads(db: str) -> None:
    await with_lead_scorecard()
    await record_feedback(actor=ADMIN, feedback=ratings("A1", "5", 10))
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await transition_cycle(
        actor=ADMIN, cycle_code=CYCLE, to="FINALIZED", override_reason="no reviews in the test"
    )
    cycle = await Cycle.get(code=CYCLE)
    assert cycle.snapshot["policy"]["min_evidence_weight"] == "50.00"
    lead = await score_of("L1")
    assert lead.snapshot["leads_team"] is True
    assert "leads_team" not in (await score_of("A2")).snapshot
    # Someone else leads the team now; L1's final score does not move.
    await upsert_teams(actor=ADMIN, teams=[TeamInput("hotline", "Hotline", "service", "A1")])
    async with in_transaction() as conn:
        result, digest = await recompute_from_snapshot(conn, score_row=lead, cycle=cycle)
    assert digest == lead.inputs_hash
    assert result is not None
    assert result.status is ScoreStatus.SCORED
    assert f"{result.reported_total:f}" == lead.explanation["total"]


def response_times(employee: str, n: int) -> list[ObservationInput]:
    return [
        ObservationInput(
            kpi_code="frt",
            value="8",
            source="tickets",
            occurred_at="2026-02-11T10:00:00Z",
            employee_external_id=employee,
            external_id=f"{employee}-frt-{i}",
        )
        for i in range(n)
    ]


async def test_an_appeal_against_a_no_data_score_is_accepted_naming_the_data_added(
    db: str,
) -> None:
    await build_organisation()
    appeal = await file_appeal(
        actor=ADMIN, cycle_code=CYCLE, employee_external_id="A2", reason="I have no score"
    )
    assert appeal.score_status_when_filed == "NO_DATA"
    await record_feedback(actor=ADMIN, feedback=ratings("A2", "5", 5))
    await record_observations(actor=ADMIN, observations=response_times("A2", 5))
    assert (await score_of("A2")).status is ScoreStatus.SCORED
    resolved = await resolve_appeal(
        actor=ADMIN,
        appeal_id=appeal.id,
        outcome="ACCEPTED",
        note="5 survey ratings and 5 tickets of February were imported",
    )
    assert resolved.state is AppealState.ACCEPTED
    # No adjustment and no void: the data added since is the remedy.
    assert not await Adjustment.filter(appeal_id=appeal.id).exists()
    assert resolved.voided_observation_id is None
    entry = await AuditEntry.get(action="resolve_appeal", entity_key=str(appeal.id))
    assert entry.after["data_added"] is True


async def test_an_appeal_against_a_scored_score_still_needs_a_remedy_to_be_accepted(
    db: str,
) -> None:
    await build_organisation()
    await record_feedback(actor=ADMIN, feedback=ratings("A1", "5", 5))
    await record_observations(actor=ADMIN, observations=response_times("A1", 5))
    appeal = await file_appeal(
        actor=ADMIN, cycle_code=CYCLE, employee_external_id="A1", reason="too low"
    )
    assert appeal.score_status_when_filed == "SCORED"
    with pytest.raises(ValidationFailed, match="remedy"):
        await resolve_appeal(
            actor=ADMIN, appeal_id=appeal.id, outcome="ACCEPTED", note="data added since"
        )
    assert (await Appeal.get(id=appeal.id)).state is AppealState.OPEN


async def test_scorecard_warnings_follow_the_policy_and_who_leads(db: str) -> None:
    await with_lead_scorecard()
    lead_card = await Scorecard.get(cycle__code=CYCLE, position__code="lead")
    # Holders who lead no team could reach 40 % (the review) at most, under 50 %.
    assert [w["code"] for w in lead_card.warnings if w["code"].startswith("EVIDENCE")] == [
        "EVIDENCE_UNREACHABLE"
    ]
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "min_evidence_weight": "40",
        },
        expected_version=None,
    )
    lead_card = await Scorecard.get(id=lead_card.id)
    assert not [w for w in lead_card.warnings if w["code"].startswith("EVIDENCE")]


async def test_a_position_counts_as_led_only_while_a_holder_leads_their_own_team(
    db: str,
) -> None:
    # The §8 warning and the engine mean the same by "leads the team": the team whose
    # TEAM lines the holder is scored on, their own. A lead moved above the team they
    # lead is no longer scored on its lines, and the warnings follow the move.
    await build_organisation()
    conn = get_connection("default")
    lead = await Employee.get(external_id="L1")
    assert lead.position_id in await positions_led_by_a_holder(conn)
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput("L1", lead.name, lead.hired_on, team_code="service", position_code="lead")
        ],
    )
    assert await positions_led_by_a_holder(conn) == set()
