"""Shadow scorecards and the pilot report (SCORING.md §13) on both databases."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from tortoise.connection import get_connection

from service.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from service.models import (
    AccessLevel,
    AuditEntry,
    Cycle,
    CyclePilotTeam,
    CycleState,
    Employee,
    Score,
    Scorecard,
    ScorecardLine,
    ShadowScorecard,
    ShadowScorecardLine,
)
from service.scoring.shadow import ShadowRow
from service.scoring.types import ScoreStatus
from service.usecases.actor import Actor
from service.usecases.inputs import KpiInput, ScorecardLineInput
from service.usecases.review.pilot import (
    PilotReport,
    pilot_document,
    pilot_report,
    roll_out_pilot,
)
from service.usecases.review.shadow import (
    ShadowReport,
    delete_shadow_scorecard,
    promote_shadow_scorecards,
    save_shadow_scorecard,
    shadow_document,
    shadow_report,
)
from service.usecases.scoring.corrections import adjust_score
from service.usecases.scoring.ingest import record_observations
from service.usecases.setup.cycles import save_scorecard, transition_cycle
from service.usecases.setup.kpis import upsert_kpis
from tests.counting import counted_queries
from tests.integration.scenario import ADMIN, CYCLE, LINES
from tests.integration.shadow_scenario import (
    A1_SHADOW,
    A2_LIVE,
    A2_SHADOW,
    PILOT,
    PREVIOUS,
    SHADOW_LINES,
    add_a2,
    build_pilot_cycles,
    build_shadow_cycle,
    ratings,
)

F = Fraction


async def actor_for(external_id: str, access: AccessLevel) -> Actor:
    employee = await Employee.get(external_id=external_id)
    return Actor(label=f"{external_id}@example.com", access=access, employee_id=employee.id)


async def report(actor: Actor = ADMIN, team_code: str | None = None) -> ShadowReport:
    return await shadow_report(
        get_connection("default"),
        actor=actor,
        cycle_code=CYCLE,
        position_code="agent",
        team_code=team_code,
    )


def rows_by_person(view: ShadowReport) -> dict[str, ShadowRow]:
    return {view.people[r.employee_id].external_id: r for r in view.summary.rows}


async def test_shadow_report_scores_the_same_data_on_the_shadow_lines(db: str) -> None:
    await build_shadow_cycle()
    view = await report()
    rows = rows_by_person(view)
    assert set(rows) == {"A1", "A2", "A3", "A4", "A9", "F1"}
    a1, a2 = rows["A1"], rows["A2"]
    assert (a1.live.status, a1.live.reason) == (ScoreStatus.NO_DATA, "NOT_ENOUGH_EVIDENCE")
    assert (a1.shadow.total, a1.shadow.band) == (A1_SHADOW, "A")
    assert (a2.live.total, a2.live.band) == (A2_LIVE, "B")
    assert (a2.shadow.total, a2.shadow.band) == (A2_SHADOW, "B")
    assert a2.change == F(50, 51)
    assert rows["A9"].live.status is ScoreStatus.NOT_ELIGIBLE
    assert rows["A9"].shadow.reason == "EMPLOYED_TOO_FEW_DAYS"
    summary = view.summary
    assert summary.count("NO_DATA", "A") == 1
    assert summary.count("B", "B") == 1
    assert summary.count("NO_DATA", "NO_DATA") == 3
    assert summary.count("NOT_ELIGIBLE", "NOT_ELIGIBLE") == 1
    assert summary.mean_change == F(50, 51)
    assert (summary.live_multiplier_sum, summary.shadow_multiplier_sum) == (F(1), F("2.2"))
    document = shadow_document(view)
    assert document["rows"][0]["employee"] == "A1"  # those who move come first
    assert document["mean_change"] == "0.98"
    assert document["moving"] == 1


async def test_live_adjustments_are_carried_into_the_shadow(db: str) -> None:
    await build_shadow_cycle()
    await adjust_score(
        actor=ADMIN, cycle_code=CYCLE, employee_external_id="A2", points="2", reason="coaching"
    )
    a2 = rows_by_person(await report())["A2"]
    assert (a2.live.total, a2.live.band) == (A2_LIVE + 2, "B")
    assert (a2.shadow.total, a2.shadow.band) == (A2_SHADOW + 2, "A")
    assert a2.change == F(50, 51)
    assert a2.moves


async def test_a_shadow_follows_an_import(db: str) -> None:
    await build_shadow_cycle(with_a2=False)
    before = rows_by_person(await report())["A2"]
    assert before.shadow.status is ScoreStatus.NO_DATA
    await add_a2()
    after = rows_by_person(await report())["A2"]
    assert after.shadow.total == A2_SHADOW


async def test_the_shadow_report_is_stored_nowhere(db: str) -> None:
    await build_shadow_cycle()
    scores = [(s.employee_id, s.total_exact, s.content_hash) for s in await Score.all()]
    with counted_queries() as seen:
        await report()
    assert not [q for q in seen if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert [(s.employee_id, s.total_exact, s.content_hash) for s in await Score.all()] == scores


async def test_shadow_report_query_count_does_not_grow_with_people(db: str) -> None:
    await build_shadow_cycle()
    with counted_queries() as few:
        await report()
    from service.usecases.inputs import EmployeeInput
    from service.usecases.setup.organisation import upsert_employees

    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(f"N{i}", f"New {i}", date(2021, 1, 1), None, "hotline", "agent")
            for i in range(12)
        ],
    )
    await record_observations(actor=ADMIN, observations=ratings("N3", prefix="n-"))
    with counted_queries() as many:
        view = await report()
    assert len(view.summary.rows) == 18
    assert len(many) == len(few)


async def test_team_filter_lists_only_that_team_and_those_under_it(db: str) -> None:
    await build_shadow_cycle()
    assert set(rows_by_person(await report(team_code="field"))) == {"F1"}
    assert set(rows_by_person(await report(team_code="service"))) == {
        "A1",
        "A2",
        "A3",
        "A4",
        "A9",
        "F1",
    }
    with pytest.raises(NotFound):
        await report(team_code="nowhere")


async def test_a_manager_sees_the_shadow_report_of_their_teams_only(db: str) -> None:
    await build_shadow_cycle()
    lead = await actor_for("L1", AccessLevel.MANAGER)
    assert set(rows_by_person(await report(lead))) == {"A1", "A2", "A3", "A4", "A9"}
    assert set(rows_by_person(await report(lead, "hotline"))) == {"A1", "A2", "A3", "A4", "A9"}
    with pytest.raises(PermissionDenied):
        await report(lead, "field")


async def test_an_employee_never_sees_a_shadow_report(db: str) -> None:
    await build_shadow_cycle()
    with pytest.raises(PermissionDenied):
        await report(await actor_for("A1", AccessLevel.EMPLOYEE))
    integration = Actor(label="survey", access=AccessLevel.INTEGRATION)
    with pytest.raises(PermissionDenied):
        await report(integration)


async def test_a_manager_never_sees_their_own_row(db: str) -> None:
    await build_shadow_cycle()
    # Make the lead an agent of their own team: they are then in the report, but not in theirs.
    from service.usecases.inputs import EmployeeInput
    from service.usecases.setup.organisation import upsert_employees

    await upsert_employees(
        actor=ADMIN,
        employees=[EmployeeInput("L1", "Lena Lead", date(2020, 1, 1), None, "hotline", "agent")],
    )
    lead = await actor_for("L1", AccessLevel.MANAGER)
    assert "L1" in rows_by_person(await report())
    assert "L1" not in rows_by_person(await report(lead))


async def test_a_shadow_scorecard_is_checked_like_a_live_one(db: str) -> None:
    await build_shadow_cycle()
    wrong = [ScorecardLineInput(kpi_code="csat", weight="90", threshold="80", target="92")]
    with pytest.raises(ValidationFailed) as failed:
        await save_shadow_scorecard(
            actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=wrong
        )
    assert "WEIGHTS_NOT_100" in {i.code for i in failed.value.issues}
    saved = await save_shadow_scorecard(
        actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=SHADOW_LINES
    )
    assert (saved.version, saved.changed) == (1, False)
    # The live scorecard and the live scores are untouched.
    live = await Scorecard.get(cycle__code=CYCLE, position__code="agent")
    assert live.version == 1
    audit = await AuditEntry.filter(action="save_shadow_scorecard").count()
    assert audit == 1


async def test_a_shadow_scorecard_needs_an_active_or_review_cycle(db: str) -> None:
    await build_pilot_cycles()
    with pytest.raises(ValidationFailed) as failed:
        await save_shadow_scorecard(
            actor=ADMIN, cycle_code=PREVIOUS, position_code="agent", lines=SHADOW_LINES
        )
    assert failed.value.issues[0].code == "WRONG_STATE"
    with pytest.raises(ValidationFailed):
        await save_shadow_scorecard(
            actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=SHADOW_LINES
        )  # 2026-Q1 is DRAFT here


async def test_a_kpi_on_a_shadow_scorecard_is_frozen(db: str) -> None:
    await build_shadow_cycle()
    await upsert_kpis(
        actor=ADMIN,
        kpis=[
            KpiInput(
                code="nps",
                name="NPS",
                kind="QUANTITATIVE",
                direction="HIGHER_IS_BETTER",
                aggregation="MEAN",
            )
        ],
    )
    lines = [
        *SHADOW_LINES[:4],
        ScorecardLineInput(kpi_code="quality", weight="10"),
        ScorecardLineInput(kpi_code="nps", weight="10", threshold="0", target="50"),
    ]
    await save_shadow_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=lines)
    with pytest.raises(ValidationFailed) as failed:
        await upsert_kpis(
            actor=ADMIN,
            kpis=[
                KpiInput(
                    code="nps",
                    name="NPS",
                    kind="QUANTITATIVE",
                    direction="LOWER_IS_BETTER",
                    aggregation="MEAN",
                )
            ],
        )
    assert failed.value.issues[0].code == "FROZEN"


async def test_a_deleted_shadow_scorecard_is_audited_and_frees_its_kpis(db: str) -> None:
    await build_shadow_cycle()
    await upsert_kpis(actor=ADMIN, kpis=[nps_kpi("HIGHER_IS_BETTER")])
    lines = [
        *SHADOW_LINES[:4],
        ScorecardLineInput(kpi_code="quality", weight="10"),
        ScorecardLineInput(kpi_code="nps", weight="10", threshold="0", target="50"),
    ]
    await save_shadow_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=lines)
    scores = await Score.all().order_by("id").values_list("id", "status", "total_exact")
    lead = await actor_for("L1", AccessLevel.MANAGER)
    with pytest.raises(PermissionDenied):
        await delete_shadow_scorecard(actor=lead, cycle_code=CYCLE, position_code="agent")
    with pytest.raises(StaleVersion):
        await delete_shadow_scorecard(
            actor=ADMIN, cycle_code=CYCLE, position_code="agent", expected_version=1
        )
    await delete_shadow_scorecard(
        actor=ADMIN, cycle_code=CYCLE, position_code="agent", expected_version=2
    )
    assert not await ShadowScorecard.exists()
    assert not await ShadowScorecardLine.exists()
    entry = await AuditEntry.get(action="delete_shadow_scorecard")
    assert entry.entity_key == f"{CYCLE}/agent"
    assert entry.before["version"] == 2
    assert [line["kpi"] for line in entry.before["lines"]][-1] == "nps"
    # No score moved, and the KPI only the shadow used may change again.
    assert await Score.all().order_by("id").values_list("id", "status", "total_exact") == scores
    await upsert_kpis(actor=ADMIN, kpis=[nps_kpi("LOWER_IS_BETTER")])
    with pytest.raises(NotFound):
        await delete_shadow_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent")


async def test_a_shadow_scorecard_stays_with_its_finalised_cycle(db: str) -> None:
    await build_shadow_cycle()
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await transition_cycle(
        actor=ADMIN, cycle_code=CYCLE, to="FINALIZED", override_reason="closing the test"
    )
    with pytest.raises(ValidationFailed) as failed:
        await delete_shadow_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent")
    assert failed.value.issues[0].code == "WRONG_STATE"
    assert await ShadowScorecard.exists()


def nps_kpi(direction: str) -> KpiInput:
    return KpiInput(
        code="nps", name="NPS", kind="QUANTITATIVE", direction=direction, aggregation="MEAN"
    )


async def test_promote_creates_a_draft_cycle_with_shadow_and_live_scorecards(db: str) -> None:
    await build_shadow_cycle()
    lead_lines = [
        ScorecardLineInput(kpi_code="csat", scope="TEAM", weight="100", threshold="80", target="92")
    ]
    await save_scorecard(
        actor=ADMIN,
        cycle_code=CYCLE,
        position_code="lead",
        lines=lead_lines,
        reason="leads are scored on their team",
    )
    created = await promote_shadow_scorecards(
        actor=ADMIN,
        cycle_code=CYCLE,
        new_cycle_code="2026-Q2",
        name="Q2 2026",
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 6, 30),
    )
    assert (created.code, created.state) == ("2026-Q2", CycleState.DRAFT)
    weights = {
        (line.scorecard.position.code, line.kpi.code, line.scope.value): line.weight // 10_000
        for line in await ScorecardLine.filter(scorecard__cycle_id=created.id).prefetch_related(
            "scorecard__position", "kpi"
        )
    }
    assert weights[("agent", "csat", "INDIVIDUAL")] == 45  # the shadow's
    assert weights[("agent", "quality", "INDIVIDUAL")] == 20
    assert weights[("lead", "csat", "TEAM")] == 100  # the live one: lead has no shadow
    assert await ShadowScorecard.filter(cycle_id=created.id).count() == 0
    audit = await AuditEntry.get(action="promote_shadow_scorecards")
    assert audit.entity_key == "2026-Q2"
    assert audit.after["scorecards"] == {"agent": "shadow", "lead": "live"}
    # The source cycle is untouched.
    assert (await Cycle.get(code=CYCLE)).state is CycleState.ACTIVE


async def test_promote_refuses_a_taken_code_and_changes_nothing(db: str) -> None:
    await build_shadow_cycle()
    with pytest.raises(ValidationFailed) as failed:
        await promote_shadow_scorecards(
            actor=ADMIN,
            cycle_code=CYCLE,
            new_cycle_code=CYCLE,
            name="again",
            starts_on=date(2026, 4, 1),
            ends_on=date(2026, 6, 30),
        )
    assert failed.value.issues[0].field == "newCycleCode"
    assert await Cycle.all().count() == 1
    with pytest.raises(PermissionDenied):
        await promote_shadow_scorecards(
            actor=await actor_for("L1", AccessLevel.MANAGER),
            cycle_code=CYCLE,
            new_cycle_code="2026-Q2",
            name="Q2",
            starts_on=date(2026, 4, 1),
            ends_on=date(2026, 6, 30),
        )


async def pilot(actor: Actor = ADMIN) -> PilotReport:
    return await pilot_report(get_connection("default"), actor=actor, cycle_code=PILOT)


async def test_pilot_report_compares_the_groups_with_the_previous_cycle(db: str) -> None:
    await build_pilot_cycles()
    view = await pilot()
    assert view.previous_cycle_code == PREVIOUS
    lines = {line.kpi.code: line for line in view.lines}
    assert list(lines) == ["complaints", "csat", "frt"]  # quality is qualitative
    csat = lines["csat"]
    assert (csat.pilot.value, csat.pilot.n) == (F(250, 3), 6)
    assert (csat.outside.value, csat.outside.n) == (F(50), 2)
    assert csat.pilot_previous is not None
    assert csat.outside_previous is not None
    assert (csat.pilot_previous.value, csat.pilot_previous.n) == (F(50), 4)
    assert (csat.outside_previous.value, csat.outside_previous.n) == (F(100), 2)
    assert (csat.pilot_change, csat.outside_change, csat.gap) == (F(100, 3), F(-50), F(250, 3))
    complaints = lines["complaints"]
    assert (complaints.pilot.value, complaints.pilot.n, complaints.pilot.headcount) == (
        F(4, 5),
        4,
        5,
    )
    assert (complaints.outside.value, complaints.outside.headcount) == (F(1), 1)
    assert complaints.pilot_change == F(3, 5)
    assert complaints.outside_change == F(1)
    assert complaints.gap == F(-2, 5)
    frt = lines["frt"]
    assert (frt.pilot.value, frt.outside.value) == (F(40), F(15))
    assert frt.pilot_change is None
    assert frt.gap is None
    document = pilot_document(view)
    row = next(r for r in document["lines"] if r["kpi"] == "csat")
    assert (row["pilot_value"], row["gap"]) == ("83.3333", "83.3333")


async def test_pilot_report_without_a_previous_cycle(db: str) -> None:
    await build_pilot_cycles(finalize_january=False)
    view = await pilot()
    assert view.previous_cycle_code is None
    csat = next(line for line in view.lines if line.kpi.code == "csat")
    assert csat.pilot.value == F(250, 3)
    assert (csat.pilot_previous, csat.pilot_change, csat.gap) == (None, None, None)


async def test_pilot_report_is_for_admins_and_managers_and_needs_a_pilot(db: str) -> None:
    await build_pilot_cycles()
    assert (await pilot(await actor_for("L1", AccessLevel.MANAGER))).lines
    with pytest.raises(PermissionDenied):
        await pilot(await actor_for("A1", AccessLevel.EMPLOYEE))
    with pytest.raises(ValidationFailed) as failed:
        await pilot_report(get_connection("default"), actor=ADMIN, cycle_code=PREVIOUS)
    assert failed.value.issues[0].code == "NO_PILOT_SCOPE"


async def test_pilot_report_query_count_does_not_grow_with_teams_or_people(db: str) -> None:
    await build_pilot_cycles()
    with counted_queries() as few:
        await pilot()
    from service.usecases.inputs import EmployeeInput, TeamInput
    from service.usecases.setup.organisation import upsert_employees, upsert_teams

    await upsert_teams(
        actor=ADMIN, teams=[TeamInput(f"t{i}", f"T{i}", "service") for i in range(5)]
    )
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(f"N{i}", f"New {i}", date(2021, 1, 1), None, f"t{i % 5}", "agent")
            for i in range(10)
        ],
    )
    with counted_queries() as many:
        view = await pilot()
    complaints = next(line for line in view.lines if line.kpi.code == "complaints")
    assert complaints.outside.headcount == 11
    assert len(many) == len(few)


async def test_roll_out_promotes_the_pilots_scorecards_without_pilot_scope(db: str) -> None:
    await build_pilot_cycles()
    created = await roll_out_pilot(
        actor=ADMIN,
        cycle_code=PILOT,
        new_cycle_code="2026-03",
        name="March",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )
    assert created.state is CycleState.DRAFT
    assert await CyclePilotTeam.filter(cycle_id=created.id).count() == 0
    lines = await ScorecardLine.filter(scorecard__cycle_id=created.id).count()
    assert lines == len(LINES)
    assert (await AuditEntry.get(action="roll_out_pilot")).after["from_cycle"] == PILOT
    with pytest.raises(ValidationFailed) as failed:
        await roll_out_pilot(
            actor=ADMIN,
            cycle_code=PREVIOUS,
            new_cycle_code="x",
            name="x",
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 3, 31),
        )
    assert failed.value.issues[0].code == "NO_PILOT_SCOPE"


async def test_a_position_without_a_live_scorecard_is_scored_in_shadow(db: str) -> None:
    await build_shadow_cycle()
    # The lead position has no live scorecard: L1 is NOT_ELIGIBLE (NO_SCORECARD) live.
    # In shadow their team's CSAT (18 of 20 ratings: 90 %, p = 250/3) is their own result.
    await save_shadow_scorecard(
        actor=ADMIN,
        cycle_code=CYCLE,
        position_code="lead",
        lines=[
            ScorecardLineInput(
                kpi_code="csat", scope="TEAM", weight="100", threshold="80", target="92"
            )
        ],
    )
    view = await shadow_report(
        get_connection("default"), actor=ADMIN, cycle_code=CYCLE, position_code="lead"
    )
    (row,) = view.summary.rows
    assert (row.live.status, row.live.reason) == (ScoreStatus.NOT_ELIGIBLE, "NO_SCORECARD")
    assert (row.shadow.total, row.shadow.band) == (F(250, 3), "B")
    assert view.summary.count("NOT_ELIGIBLE", "B") == 1
    assert view.summary.mean_change is None
    assert view.summary.shadow_multiplier_sum == 1
