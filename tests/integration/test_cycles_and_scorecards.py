from __future__ import annotations

from datetime import date

import pytest

from service.errors import InvalidTransition, StaleVersion, ValidationFailed
from service.models import AuditEntry, Cycle, CycleState, Score, Scorecard
from service.usecases.inputs import CycleInput, KpiInput, ScorecardLineInput
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from service.usecases.setup.kpis import upsert_kpis
from tests.integration.scenario import ADMIN, CYCLE, LINES, build_organisation


async def test_a_scorecard_whose_weights_do_not_add_up_is_refused_naming_the_field(
    db: str,
) -> None:
    await build_organisation(activate=False)
    bad = [*LINES[:-1], ScorecardLineInput(kpi_code="quality", weight="20")]
    with pytest.raises(ValidationFailed) as error:
        await save_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=bad)
    assert [i.code for i in error.value.issues] == ["WEIGHTS_NOT_100"]
    card = await Scorecard.get(cycle__code=CYCLE, position__code="agent")
    assert card.version == 1  # unchanged


async def test_a_qualitative_kpi_at_team_scope_is_refused(db: str) -> None:
    await build_organisation(activate=False)
    bad = [*LINES[:-1], ScorecardLineInput(kpi_code="quality", weight="30", scope="TEAM")]
    with pytest.raises(ValidationFailed) as error:
        await save_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=bad)
    assert "lines[4]" in error.value.issues[0].field


async def test_warnings_are_saved_beside_the_scorecard(db: str) -> None:
    await build_organisation(activate=False)
    only_quantitative = [
        ScorecardLineInput(kpi_code="csat", weight="70", threshold="80", target="92"),
        ScorecardLineInput(
            kpi_code="complaints", weight="30", method="BANDS", bands=(("0", "100"), ("2", "50"))
        ),
    ]
    saved = await save_scorecard(
        actor=ADMIN,
        cycle_code=CYCLE,
        position_code="agent",
        lines=only_quantitative,
        expected_version=1,
    )
    codes = {w.code for w in saved.warnings}
    assert saved.version == 2
    assert len(codes) == 4  # 100 % quantitative, CSAT 70 %, one line > 60 %, no qualitative
    card = await Scorecard.get(cycle__code=CYCLE, position__code="agent")
    assert {w["code"] for w in card.warnings} == codes


async def test_a_save_based_on_an_older_version_is_refused(db: str) -> None:
    await build_organisation(activate=False)
    changed = [*LINES[:-1], ScorecardLineInput(kpi_code="quality", weight="30", target="4")]
    await save_scorecard(
        actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=changed, expected_version=1
    )
    with pytest.raises(StaleVersion):
        await save_scorecard(
            actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=LINES, expected_version=1
        )


async def test_saving_the_same_scorecard_again_changes_nothing(db: str) -> None:
    await build_organisation(activate=False)
    audit_rows = await AuditEntry.all().count()
    saved = await save_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=LINES)
    assert (saved.version, saved.changed) == (1, False)
    assert await AuditEntry.all().count() == audit_rows


async def test_an_active_scorecard_changes_only_with_a_reason_and_scores_follow(db: str) -> None:
    await build_organisation()
    changed = [*LINES[:-1], ScorecardLineInput(kpi_code="quality", weight="30", target="4")]
    with pytest.raises(ValidationFailed) as error:
        await save_scorecard(actor=ADMIN, cycle_code=CYCLE, position_code="agent", lines=changed)
    assert error.value.issues[0].field == "reason"
    before = (await Score.get(cycle__code=CYCLE, employee__external_id="A1")).explanation
    await save_scorecard(
        actor=ADMIN,
        cycle_code=CYCLE,
        position_code="agent",
        lines=changed,
        reason="quality target was set too high",
    )
    after = (await Score.get(cycle__code=CYCLE, employee__external_id="A1")).explanation
    assert before["lines"][4]["target"] == "5.0000"
    assert after["lines"][4]["target"] == "4.0000"
    entry = await AuditEntry.filter(action="save_scorecard").order_by("-id").first()
    assert entry is not None
    assert entry.reason == "quality target was set too high"


async def test_a_cycle_without_scorecards_cannot_be_activated(db: str) -> None:
    await build_organisation(activate=False)
    await create_cycle(
        actor=ADMIN, cycle=CycleInput("empty", "Empty", date(2026, 4, 1), date(2026, 4, 30))
    )
    with pytest.raises(InvalidTransition, match="no scorecard"):
        await transition_cycle(actor=ADMIN, cycle_code="empty", to="ACTIVE")


async def test_cycle_states_only_move_forward_one_step(db: str) -> None:
    await build_organisation(activate=False)
    with pytest.raises(InvalidTransition, match="next state is Active"):
        await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="ACTIVE")
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    with pytest.raises(InvalidTransition):
        await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="ACTIVE")
    assert (await Cycle.get(code=CYCLE)).state is CycleState.REVIEW


async def test_draft_cycles_have_no_scores_and_activation_computes_them(db: str) -> None:
    await build_organisation(activate=False)
    assert await Score.filter(cycle__code=CYCLE).count() == 0
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="ACTIVE")
    assert await Score.filter(cycle__code=CYCLE).count() == 6  # everyone employed in Q1


async def test_a_pilot_scope_covers_its_sub_teams_and_lists_the_rest_as_not_eligible(
    db: str,
) -> None:
    await build_organisation(activate=False)
    await create_cycle(
        actor=ADMIN,
        cycle=CycleInput("pilot", "Pilot", date(2026, 1, 1), date(2026, 3, 31), ("hotline",)),
    )
    await save_scorecard(actor=ADMIN, cycle_code="pilot", position_code="agent", lines=LINES)
    await transition_cycle(actor=ADMIN, cycle_code="pilot", to="ACTIVE")
    field_agent = await Score.get(cycle__code="pilot", employee__external_id="F1")
    assert field_agent.status_reason == "NOT_IN_SCOPE"
    hotline_agent = await Score.get(cycle__code="pilot", employee__external_id="A1")
    # In scope, so eligible; with no data of their own yet (only a count of no
    # complaints), there is no total.
    assert hotline_agent.status_reason == "NOT_ENOUGH_EVIDENCE"


async def test_a_kpi_used_by_an_active_cycle_keeps_its_direction(db: str) -> None:
    await build_organisation()
    with pytest.raises(ValidationFailed) as error:
        await upsert_kpis(
            actor=ADMIN,
            kpis=[
                KpiInput(
                    code="frt",
                    name="First response",
                    kind="QUANTITATIVE",
                    direction="HIGHER_IS_BETTER",
                    aggregation="PERCENTILE",
                    aggregation_param="90",
                    unit="min",
                )
            ],
        )
    assert (error.value.issues[0].field, error.value.issues[0].code) == ("direction", "FROZEN")


async def test_a_kpi_edit_based_on_an_older_version_is_refused(db: str) -> None:
    await build_organisation()
    rename = KpiInput(
        code="frt",
        name="First reply",
        kind="QUANTITATIVE",
        direction="LOWER_IS_BETTER",
        aggregation="PERCENTILE",
        aggregation_param="90",
        unit="min",
        expected_version=1,
    )
    report = await upsert_kpis(actor=ADMIN, kpis=[rename])
    assert report.updated == 1
    with pytest.raises(StaleVersion):
        await upsert_kpis(actor=ADMIN, kpis=[rename])
