"""Adjustments, voids, appeals and finalisation (SCORING.md §§4, 7, 9)."""

from __future__ import annotations

from datetime import date

import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from service.errors import InvalidTransition, PermissionDenied, ValidationFailed
from service.models import (
    Adjustment,
    Appeal,
    AppealState,
    AuditEntry,
    Cycle,
    Observation,
    Score,
    ScoreState,
    User,
)
from service.settings import Settings
from service.usecases.accounts.users import create_user
from service.usecases.actor import Actor
from service.usecases.inputs import (
    EmployeeInput,
    FeedbackInput,
    ObservationInput,
    ReviewInput,
)
from service.usecases.scoring.appeals import file_appeal, resolve_appeal
from service.usecases.scoring.corrections import adjust_score, void_observation
from service.usecases.scoring.finalize import recompute_from_snapshot
from service.usecases.scoring.ingest import record_feedback, record_observations, submit_reviews
from service.usecases.scoring.results import payroll_results
from service.usecases.setup.cycles import transition_cycle
from service.usecases.setup.organisation import upsert_employees
from service.usecases.setup.policy_change import update_policy
from tests.integration.scenario import ADMIN, CYCLE, build_organisation


async def actor_for(email: str) -> Actor:
    user = await User.get(email=email)
    return Actor(label=email, access=user.access, user_id=user.id, employee_id=user.employee_id)


async def setup() -> None:
    await build_organisation()
    settings = Settings.from_environment()
    for email, access, employee in (
        ("boss@example.com", "ADMIN", None),
        ("lead@example.com", "MANAGER", "L1"),
        ("a1@example.com", "EMPLOYEE", "A1"),
        ("f1@example.com", "EMPLOYEE", "F1"),
    ):
        await create_user(
            actor=ADMIN,
            email=email,
            access=access,
            password="long-enough",
            employee_external_id=employee,
            settings=settings,
        )
    await record_feedback(
        actor=ADMIN,
        feedback=[
            FeedbackInput(
                rating=str(3 + i % 3),
                channel="FACE_TO_FACE",
                occurred_at=f"2026-01-{1 + i:02d}T10:00:00+08:00",
                source="desk",
                employee_external_id=f"A{1 + i % 2}",
                external_id=f"d{i}",
            )
            for i in range(20)
        ],
    )
    await record_observations(
        actor=ADMIN,
        observations=[
            ObservationInput(
                kpi_code="frt",
                value=str(5 + i),
                source="tickets",
                occurred_at=f"2026-02-{1 + i:02d}T10:00:00Z",
                employee_external_id="A1",
                external_id=f"t{i}",
            )
            for i in range(10)
        ],
    )
    await submit_reviews(
        actor=ADMIN,
        reviews=[
            ReviewInput(CYCLE, f"A{i}", "quality", "lead@example.com", "MANAGER", "4")
            for i in (1, 2, 3, 4)
        ]
        + [ReviewInput(CYCLE, "F1", "quality", "boss@example.com", "MANAGER", "3")],
    )


async def total_of(external_id: str) -> str | None:
    score = await Score.get(cycle__code=CYCLE, employee__external_id=external_id)
    total: str | None = score.explanation.get("total")
    return total


async def test_a_manager_adjusts_a_team_members_score_within_the_cap(db: str) -> None:
    await setup()
    lead = await actor_for("lead@example.com")
    before = await total_of("A1")
    await adjust_score(
        actor=lead,
        cycle_code=CYCLE,
        employee_external_id="A1",
        points="4.5",
        reason="covered two extra shifts",
    )
    after = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert after.explanation["adjustments_total"] == "4.50"
    assert after.explanation["adjustments"][0]["reason"] == "covered two extra shifts"
    assert after.explanation["total"] != before
    with pytest.raises(ValidationFailed) as error:
        await adjust_score(
            actor=lead, cycle_code=CYCLE, employee_external_id="A1", points="6", reason="more"
        )
    assert error.value.issues[0].code == "OVER_CAP"
    assert await Adjustment.all().count() == 1


async def test_nobody_adjusts_their_own_score_or_one_outside_their_teams(db: str) -> None:
    await setup()
    employee = await actor_for("a1@example.com")
    with pytest.raises(PermissionDenied):
        await adjust_score(
            actor=employee, cycle_code=CYCLE, employee_external_id="A1", points="1", reason="me"
        )
    with pytest.raises(PermissionDenied):
        await adjust_score(
            actor=employee,
            cycle_code=CYCLE,
            employee_external_id="A2",
            points="1",
            reason="colleague",
        )
    lead = await actor_for("lead@example.com")
    with pytest.raises(PermissionDenied):
        await adjust_score(
            actor=lead, cycle_code=CYCLE, employee_external_id="L1", points="1", reason="me"
        )
    with pytest.raises(PermissionDenied):  # F1 is in the field team, not led by L1
        await adjust_score(
            actor=lead, cycle_code=CYCLE, employee_external_id="F1", points="1", reason="not mine"
        )


async def test_a_voided_observation_stops_counting_and_is_kept(db: str) -> None:
    await setup()
    lead = await actor_for("lead@example.com")
    observation = await Observation.get(external_id="t9")
    before = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    await void_observation(
        actor=lead, observation_id=observation.id, reason="ticket belonged to another agent"
    )
    after = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert before.explanation["lines"][2]["n"] == 10
    assert after.explanation["lines"][2]["n"] == 9
    kept = await Observation.get(id=observation.id)
    assert kept.void_reason == "ticket belonged to another agent"
    with pytest.raises(InvalidTransition):
        await void_observation(actor=lead, observation_id=observation.id, reason="again")


async def test_an_appeal_is_accepted_with_an_adjustment_or_rejected_with_a_note(db: str) -> None:
    await setup()
    employee = await actor_for("a1@example.com")
    lead = await actor_for("lead@example.com")
    line_appeal = await file_appeal(
        actor=employee,
        cycle_code=CYCLE,
        employee_external_id="A1",
        reason="two surveys were about a colleague",
        line=1,
    )
    whole = await file_appeal(
        actor=employee, cycle_code=CYCLE, employee_external_id="A1", reason="the whole thing"
    )
    with pytest.raises(ValidationFailed):
        await resolve_appeal(
            actor=lead, appeal_id=line_appeal.id, outcome="ACCEPTED", note="ok"
        )  # no remedy
    await resolve_appeal(
        actor=lead,
        appeal_id=line_appeal.id,
        outcome="ACCEPTED",
        note="confirmed with the survey tool",
        adjustment_points="2",
    )
    await resolve_appeal(
        actor=lead, appeal_id=whole.id, outcome="REJECTED", note="the data is right"
    )
    appeals = {a.id: a for a in await Appeal.all()}
    assert appeals[line_appeal.id].state is AppealState.ACCEPTED
    assert appeals[line_appeal.id].kpi_id is not None
    assert appeals[whole.id].state is AppealState.REJECTED
    adjustment = await Adjustment.get(appeal_id=line_appeal.id)
    assert adjustment.points == 20_000
    colleague = await actor_for("f1@example.com")
    with pytest.raises(PermissionDenied):
        await file_appeal(
            actor=colleague, cycle_code=CYCLE, employee_external_id="A1", reason="not mine to file"
        )


async def test_finalising_is_refused_while_appeals_are_open_unless_overridden(db: str) -> None:
    await setup()
    employee = await actor_for("a1@example.com")
    await file_appeal(actor=employee, cycle_code=CYCLE, employee_external_id="A1", reason="?")
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    with pytest.raises(InvalidTransition, match="Appeals still open: 1"):
        await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="FINALIZED")
    await transition_cycle(
        actor=ADMIN,
        cycle_code=CYCLE,
        to="FINALIZED",
        override_reason="payroll deadline; appeal handled off-cycle",
    )
    assert await AuditEntry.filter(action="override_finalisation_checks").count() == 1


async def test_finalised_scores_recompute_from_their_snapshot_to_the_cent(db: str) -> None:
    await setup()
    lead = await actor_for("lead@example.com")
    await adjust_score(
        actor=lead,
        cycle_code=CYCLE,
        employee_external_id="A2",
        points="-3",
        reason="missed the training",
    )
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="FINALIZED")
    final = {s.employee_id: s for s in await Score.filter(cycle__code=CYCLE)}
    assert {s.state for s in final.values()} == {ScoreState.FINAL}
    # Afterwards: a void, a transfer, a new policy. The final scores must not move.
    observation = await Observation.get(external_id="t3")
    await void_observation(actor=ADMIN, observation_id=observation.id, reason="late void")
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A1", "Agent 1", date(2021, 1, 1), team_code="field", position_code="agent"
            )
        ],
    )
    await update_policy(
        actor=ADMIN,
        settings={"timezone": "UTC", "csat_kpi_code": "csat", "stretch_bonus": "10"},
        expected_version=None,
    )
    cycle = await Cycle.get(code=CYCLE)
    async with in_transaction() as conn:
        for row in await Score.filter(cycle__code=CYCLE):
            assert row.explanation == final[row.employee_id].explanation
            result, digest = await recompute_from_snapshot(conn, score_row=row, cycle=cycle)
            assert digest == row.inputs_hash
            if result is None:
                assert row.status.value == "NOT_ELIGIBLE"
                continue
            assert result.status.value == row.status.value
            total = None if result.reported_total is None else f"{result.reported_total:f}"
            assert total == row.explanation["total"]
            assert (None if result.band is None else result.band.code) == row.band_code
            assert (result.status_reason or None) == (
                None if row.status_reason is None else row.status_reason
            )


async def test_nothing_of_a_finalised_cycle_changes_and_new_data_is_reported_late(
    db: str,
) -> None:
    await setup()
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="FINALIZED")
    with pytest.raises(InvalidTransition):
        await adjust_score(
            actor=ADMIN, cycle_code=CYCLE, employee_external_id="A1", points="1", reason="too late"
        )
    report = await record_feedback(
        actor=ADMIN,
        feedback=[
            FeedbackInput(
                rating="5",
                channel="ONLINE_SURVEY",
                occurred_at="2026-03-01T10:00:00+08:00",
                source="survey",
                employee_external_id="A1",
                external_id="late-1",
            )
        ],
    )
    assert (report.accepted, report.late) == (1, 1)
    score = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert score.explanation["lines"][0]["n"] == 10


async def test_payroll_results_list_everyone_with_band_and_multiplier_only_when_scored(
    db: str,
) -> None:
    await setup()
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "N1", "New", date(2026, 3, 25), team_code="hotline", position_code="agent"
            )
        ],
    )
    rows = {
        r.employee_external_id: r
        for r in await payroll_results(get_connection("default"), cycle_code=CYCLE)
    }
    assert rows["A1"].status == "SCORED"
    assert rows["A1"].multiplier is not None
    assert rows["N1"].status == "NOT_ELIGIBLE"
    assert (rows["N1"].band, rows["N1"].multiplier, rows["N1"].total) == (None, None, None)
    assert set(rows) == {"L1", "A1", "A2", "A3", "A4", "F1", "N1"}
