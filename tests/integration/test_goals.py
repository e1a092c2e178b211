"""Goals on both databases (SCORING.md §11): the SMART check on save, current values
that follow the data (a KPI goal with an import, a manual goal with a report), the
comparable previous cycle's baseline, proposals and decisions, locks and who may do
what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from tortoise.connection import get_connection

from service.errors import (
    GoalNotSmart,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from service.models import AccessLevel, AuditEntry, Employee, Goal, GoalUpdate
from service.scoring.goals import GoalClock, GoalState, GoalStatus
from service.usecases.actor import Actor
from service.usecases.inputs import CycleInput, FeedbackInput
from service.usecases.people.goals import (
    GoalInput,
    MeasureInput,
    apply_goal_template,
    at_risk_goals,
    decide_goal,
    delete_goal,
    employee_goals,
    report_goal_value,
    set_goal,
    team_goals,
)
from service.usecases.scoring.ingest import record_feedback
from service.usecases.setup.cycles import create_cycle, save_scorecard, transition_cycle
from tests.integration.scenario import ADMIN, CYCLE, LINES, build_organisation, employee_id

JAN_5 = GoalClock(now=datetime(2026, 1, 5, 4, tzinfo=UTC), pinned_today=date(2026, 1, 5))


def clock(day: date) -> GoalClock:
    return GoalClock(now=datetime(2026, 12, 7, tzinfo=UTC), pinned_today=day)


async def manager() -> Actor:
    return Actor(
        "lena@example.com", AccessLevel.MANAGER, user_id=None, employee_id=await employee_id("L1")
    )


async def employee(external_id: str) -> Actor:
    return Actor(
        f"{external_id}@example.com",
        AccessLevel.EMPLOYEE,
        employee_id=await employee_id(external_id),
    )


def csat_goal(
    owner: str = "A1",
    *,
    title: str = "Raise CSAT to 90 %",
    target: str = "90",
    due: str = "2026-03-31",
) -> GoalInput:
    return GoalInput(
        cycle_code=CYCLE,
        title=title,
        measure=MeasureInput(kpi_code="csat", scope="INDIVIDUAL"),
        target=target,
        due_on=due,
        employee_external_id=owner,
    )


def visits_goal(owner: str = "A1") -> GoalInput:
    return GoalInput(
        cycle_code=CYCLE,
        title="Visit twelve key customers",
        measure=MeasureInput(
            unit="visits",
            direction="HIGHER_IS_BETTER",
            range_min="0",
            range_max="50",
            related_kpi_code="csat",
        ),
        target="12",
        baseline="0",
        due_on="2026-03-31",
        employee_external_id=owner,
    )


def feedback(employee: str, rating: str, n: int, day: str) -> list[FeedbackInput]:
    return [
        FeedbackInput(
            rating=rating,
            channel="ONLINE_SURVEY",
            occurred_at=f"{day}T10:00:00+08:00",
            source="survey",
            employee_external_id=employee,
            external_id=f"{employee}-{day}-{rating}-{i}",
        )
        for i in range(n)
    ]


async def test_a_managers_goal_is_accepted_and_its_kpi_value_follows_an_import(db: str) -> None:
    await build_organisation()
    saved = await set_goal(actor=await manager(), goal=csat_goal(), clock=JAN_5)
    assert saved.goal.state is GoalState.ACCEPTED
    assert saved.goal.accepted_on == date(2026, 1, 5)
    assert saved.goal.current_value is None  # no rating yet: a share has no value
    assert [f.result.value for f in saved.findings] == ["OK"] * 5

    await record_feedback(
        actor=ADMIN,
        feedback=feedback("A1", "5", 8, "2026-02-10") + feedback("A1", "2", 2, "2026-02-10"),
    )
    goal = await Goal.get(id=saved.goal.id)
    assert goal.current_value == 800_000  # 8 of 10 ratings at 4 or more: 80 %

    # Progress on read: no baseline, so all or nothing; 80 does not meet 90.
    # Accepted 5 Jan, due 31 Mar: D = 86 days; on 15 Feb E = 41: elapsed 47.67 > 25.
    [view] = await employee_goals(
        get_connection("default"),
        actor=ADMIN,
        employee_id=await employee_id("A1"),
        cycle_code=CYCLE,
        clock=clock(date(2026, 2, 15)),
    )
    assert view.progress is not None
    assert (view.progress.reported, view.progress.status) == ("0.00", GoalStatus.AT_RISK)


async def test_observations_after_the_due_day_do_not_count(db: str) -> None:
    await build_organisation()
    saved = await set_goal(actor=await manager(), goal=csat_goal(due="2026-02-15"), clock=JAN_5)
    # 16 Feb 00:30 in Shanghai is after the due day; 15 Feb 23:30 is on it.
    late = FeedbackInput(
        rating="1",
        channel="ONLINE_SURVEY",
        occurred_at="2026-02-16T00:30:00+08:00",
        source="survey",
        employee_external_id="A1",
        external_id="late",
    )
    on_time = FeedbackInput(
        rating="5",
        channel="ONLINE_SURVEY",
        occurred_at="2026-02-15T23:30:00+08:00",
        source="survey",
        employee_external_id="A1",
        external_id="on-time",
    )
    await record_feedback(actor=ADMIN, feedback=[late, on_time])
    assert (await Goal.get(id=saved.goal.id)).current_value == 1_000_000  # 100 %


async def test_a_manual_goal_moves_with_a_reported_value_noted_and_audited(db: str) -> None:
    await build_organisation()
    saved = await set_goal(actor=await manager(), goal=visits_goal(), clock=JAN_5)
    a1 = await employee("A1")
    await report_goal_value(
        actor=a1, goal_id=saved.goal.id, value="5", note="visit log", clock=clock(date(2026, 2, 1))
    )
    await report_goal_value(
        actor=await manager(),
        goal_id=saved.goal.id,
        value="9",
        note="CRM export",
        clock=clock(date(2026, 2, 20)),
    )
    goal = await Goal.get(id=saved.goal.id)
    assert goal.current_value == 90_000
    assert await GoalUpdate.filter(goal_id=goal.id).count() == 2
    audits = await AuditEntry.filter(entity="goal", action="goal.report").order_by("id")
    assert [a.after["value"] for a in audits] == ["5", "9"]
    with pytest.raises(ValidationFailed) as refused:
        await report_goal_value(
            actor=a1, goal_id=goal.id, value="51", note="", clock=clock(date(2026, 2, 21))
        )
    assert {i.field for i in refused.value.issues} == {"value", "note"}
    # A colleague may not report on A1's goal.
    with pytest.raises(NotFound):
        await report_goal_value(
            actor=await employee("A2"),
            goal_id=goal.id,
            value="10",
            note="x",
            clock=clock(date(2026, 2, 21)),
        )
    # 9 of 12 from a baseline of 0 is 75 %.
    [view] = await employee_goals(
        get_connection("default"),
        actor=a1,
        employee_id=goal.employee_id or 0,
        cycle_code=CYCLE,
        clock=clock(date(2026, 2, 21)),
    )
    assert view.progress is not None
    assert view.progress.reported == "75.00"


async def test_a_goal_failing_a_letter_is_not_saved_and_every_letter_is_reported(db: str) -> None:
    await build_organisation()
    with pytest.raises(GoalNotSmart) as refused:
        await set_goal(
            actor=await manager(),
            goal=csat_goal(title="CSAT", target="120", due="2026-04-02"),
            clock=JAN_5,
        )
    letters = {f["letter"]: f["result"] for f in refused.value.findings}
    assert letters == {"S": "ERROR", "M": "ERROR", "A": "OK", "R": "OK", "T": "ERROR"}
    assert {i.field for i in refused.value.issues} == {"title", "target", "dueOn"}
    assert await Goal.all().count() == 0


async def test_a_kpi_off_the_owners_scorecard_is_not_relevant(db: str) -> None:
    await build_organisation()
    goal = csat_goal(owner="L1")  # the lead's position has no scorecard in the cycle
    with pytest.raises(GoalNotSmart) as refused:
        await set_goal(actor=ADMIN, goal=goal, clock=JAN_5)
    assert [i.code for i in refused.value.issues] == ["SMART_R_KPI_NOT_ON_OWNER_SCORECARD"]


async def test_an_employee_proposes_a_manager_returns_with_a_note_then_accepts(db: str) -> None:
    await build_organisation()
    a1 = await employee("A1")
    proposed = await set_goal(actor=a1, goal=csat_goal(), clock=JAN_5)
    assert proposed.goal.state is GoalState.PROPOSED
    with pytest.raises(ValidationFailed):
        await decide_goal(
            actor=await manager(), goal_id=proposed.goal.id, decision="RETURN", clock=JAN_5
        )
    returned = await decide_goal(
        actor=await manager(),
        goal_id=proposed.goal.id,
        decision="RETURN",
        note="Aim for 92",
        clock=JAN_5,
    )
    assert (returned.state, returned.return_note) == (GoalState.RETURNED, "Aim for 92")
    # The employee changes it: proposed again, then accepted on the day of the decision.
    again = await set_goal(
        actor=a1,
        goal=replace(
            csat_goal(title="Raise CSAT to 92 %", target="92"),
            employee_external_id=None,
            goal_id=proposed.goal.id,
            expected_version=2,
        ),
        clock=JAN_5,
    )
    assert again.goal.state is GoalState.PROPOSED
    with pytest.raises(PermissionDenied):
        await decide_goal(actor=a1, goal_id=again.goal.id, decision="ACCEPT", clock=JAN_5)
    accepted = await decide_goal(
        actor=await manager(),
        goal_id=again.goal.id,
        decision="ACCEPT",
        clock=clock(date(2026, 1, 20)),
    )
    assert (accepted.state, accepted.accepted_on) == (GoalState.ACCEPTED, date(2026, 1, 20))
    # Accepted: the employee may no longer change it.
    with pytest.raises(PermissionDenied):
        await set_goal(
            actor=a1,
            goal=GoalInput(
                cycle_code=CYCLE,
                title="Raise CSAT to 95 %",
                measure=MeasureInput(kpi_code="csat"),
                target="95",
                due_on="2026-03-31",
                goal_id=accepted.id,
            ),
            clock=JAN_5,
        )


def edit(goal_id: int, target: str, reason: str | None = None) -> GoalInput:
    return GoalInput(
        cycle_code=CYCLE,
        title="Raise CSAT to 90 %",
        measure=MeasureInput(kpi_code="csat"),
        target=target,
        due_on="2026-03-31",
        goal_id=goal_id,
        reason=reason,
    )


async def test_an_accepted_goals_numbers_lock_in_an_active_cycle_but_an_admin_may_with_a_reason(
    db: str,
) -> None:
    await build_organisation()
    saved = await set_goal(actor=await manager(), goal=csat_goal(), clock=JAN_5)
    with pytest.raises(ValidationFailed) as locked:
        await set_goal(actor=await manager(), goal=edit(saved.goal.id, "85"), clock=JAN_5)
    assert [(i.field, i.code) for i in locked.value.issues] == [("target", "LOCKED")]
    # The title is not locked.
    renamed = await set_goal(
        actor=await manager(),
        goal=replace(edit(saved.goal.id, "90"), title="CSAT up to 90 %"),
        clock=JAN_5,
    )
    assert renamed.goal.title == "CSAT up to 90 %"
    with pytest.raises(ValidationFailed) as no_reason:
        await set_goal(actor=ADMIN, goal=edit(saved.goal.id, "85"), clock=JAN_5)
    assert no_reason.value.issues[0].field == "reason"
    changed = await set_goal(
        actor=ADMIN, goal=edit(saved.goal.id, "85", reason="target agreed too high"), clock=JAN_5
    )
    assert changed.goal.target == 850_000
    audit = await AuditEntry.filter(entity="goal", action="goal.set").order_by("-id").first()
    assert audit is not None
    assert audit.reason == "target agreed too high"


async def test_goals_lock_entirely_when_the_cycle_is_finalized(db: str) -> None:
    await build_organisation()
    saved = await set_goal(actor=await manager(), goal=visits_goal(), clock=JAN_5)
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")
    await transition_cycle(
        actor=ADMIN, cycle_code=CYCLE, to="FINALIZED", override_reason="no reviews in the test"
    )
    with pytest.raises(InvalidTransition):
        await set_goal(actor=ADMIN, goal=edit(saved.goal.id, "90", "late"), clock=JAN_5)
    with pytest.raises(InvalidTransition):
        await report_goal_value(
            actor=ADMIN, goal_id=saved.goal.id, value="3", note="late", clock=JAN_5
        )
    with pytest.raises(InvalidTransition):
        await delete_goal(actor=ADMIN, goal_id=saved.goal.id, reason="late")


async def test_the_baseline_is_the_owners_value_in_the_comparable_previous_cycle(db: str) -> None:
    await build_organisation(activate=False)
    await create_cycle(
        actor=ADMIN, cycle=CycleInput("2025-Q4", "Q4 2025", date(2025, 10, 1), date(2025, 12, 31))
    )
    await save_scorecard(actor=ADMIN, cycle_code="2025-Q4", position_code="agent", lines=LINES)
    await transition_cycle(actor=ADMIN, cycle_code="2025-Q4", to="ACTIVE")
    await record_feedback(
        actor=ADMIN,
        feedback=feedback("A1", "5", 7, "2025-11-10")
        + feedback("A1", "3", 3, "2025-11-10")
        + feedback("A2", "5", 19, "2025-11-11")
        + feedback("A2", "1", 1, "2025-11-11"),
    )
    await transition_cycle(actor=ADMIN, cycle_code="2025-Q4", to="REVIEW")
    await transition_cycle(
        actor=ADMIN, cycle_code="2025-Q4", to="FINALIZED", override_reason="no reviews in the test"
    )
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="ACTIVE")
    saved = await set_goal(actor=await manager(), goal=csat_goal(target="96"), clock=JAN_5)
    assert (saved.goal.baseline, saved.goal.baseline_computed) == (700_000, True)
    # The best SCORED own CSAT line in the hotline last cycle was A2's 95 %: 96 beats it.
    a_letter = next(f for f in saved.findings if f.letter.value == "A")
    assert (a_letter.result.value, a_letter.code) == ("WARNING", "TARGET_BEYOND_BEST")
    below = await set_goal(
        actor=await manager(), goal=csat_goal(owner="A3", target="60"), clock=JAN_5
    )
    assert below.goal.baseline is None  # A3 had no rating: no baseline
    given = await set_goal(
        actor=await manager(),
        goal=replace(csat_goal(owner="A4"), baseline="95"),
        clock=JAN_5,
    )
    assert (given.goal.baseline, given.goal.baseline_computed) == (950_000, False)
    assert (
        next(f for f in given.findings if f.letter.value == "A").code
        == "TARGET_WORSE_THAN_BASELINE"
    )


async def test_an_employee_never_sees_a_colleagues_goals(db: str) -> None:
    await build_organisation()
    await set_goal(actor=await manager(), goal=csat_goal(owner="A2"), clock=JAN_5)
    conn = get_connection("default")
    with pytest.raises(PermissionDenied):
        await employee_goals(
            conn,
            actor=await employee("A1"),
            employee_id=await employee_id("A2"),
            cycle_code=CYCLE,
            clock=JAN_5,
        )
    own = await employee_goals(
        conn,
        actor=await employee("A2"),
        employee_id=await employee_id("A2"),
        cycle_code=CYCLE,
        clock=JAN_5,
    )
    assert len(own) == 1
    # The field agent's manager is not the hotline lead: Lena may not set F1's goals.
    with pytest.raises(PermissionDenied):
        await set_goal(actor=await manager(), goal=csat_goal(owner="F1"), clock=JAN_5)


async def test_team_goals_reach_members_only_once_five_members_are_scored(db: str) -> None:
    await build_organisation()
    team_goal = GoalInput(
        cycle_code=CYCLE,
        title="Hotline CSAT to 90 %",
        measure=MeasureInput(kpi_code="csat", scope="TEAM"),
        target="90",
        due_on="2026-03-31",
        team_code="hotline",
    )
    saved = await set_goal(actor=await manager(), goal=team_goal, clock=JAN_5)
    conn = get_connection("default")
    hotline = saved.goal.team_id or 0
    assert (
        len(
            await team_goals(
                conn, actor=await manager(), team_id=hotline, cycle_code=CYCLE, clock=JAN_5
            )
        )
        == 1
    )
    with pytest.raises(PermissionDenied):
        await team_goals(
            conn, actor=await employee("A1"), team_id=hotline, cycle_code=CYCLE, clock=JAN_5
        )
    # An individual goal serves it; an employee may not set a team goal.
    serving = await set_goal(
        actor=await manager(),
        goal=GoalInput(
            cycle_code=CYCLE,
            title="Call back every unhappy customer",
            measure=MeasureInput(unit="calls", direction="HIGHER_IS_BETTER"),
            target="20",
            due_on="2026-03-31",
            employee_external_id="A1",
            parent_goal_id=saved.goal.id,
        ),
        clock=JAN_5,
    )
    assert serving.goal.parent_id == saved.goal.id
    with pytest.raises(PermissionDenied):
        await set_goal(actor=await employee("A1"), goal=team_goal, clock=JAN_5)
    with pytest.raises(InvalidTransition):
        await delete_goal(actor=ADMIN, goal_id=saved.goal.id, reason="x")


async def test_a_template_gives_every_member_a_goal_and_lists_failures_per_person(db: str) -> None:
    await build_organisation()
    report = await apply_goal_template(
        actor=ADMIN, template=csat_goal(owner="x"), team_code="hotline", clock=JAN_5
    )
    owners = {e.id: e.external_id for e in await Employee.all()}
    assert sorted(owners[g.employee_id or 0] for g in report.created) == ["A1", "A2", "A3", "A4"]
    # The lead's position has no scorecard: the R letter refuses the lead's copy.
    assert [(f.employee_external_id, f.issues[0].code) for f in report.failed] == [
        ("L1", "SMART_R_KPI_NOT_ON_OWNER_SCORECARD")
    ]
    by_position = await apply_goal_template(
        actor=await manager(), template=visits_goal(owner="x"), position_code="agent", clock=JAN_5
    )
    # Only the agents Lena manages: the field agent is not hers.
    assert len(by_position.created) == 4
    assert by_position.failed == []


async def test_at_risk_goals_are_listed_for_the_manager(db: str) -> None:
    await build_organisation()
    behind = await set_goal(actor=await manager(), goal=csat_goal(owner="A1"), clock=JAN_5)
    await set_goal(actor=await manager(), goal=csat_goal(owner="A2", target="50"), clock=JAN_5)
    await record_feedback(
        actor=ADMIN,
        feedback=feedback("A1", "2", 3, "2026-01-06") + feedback("A2", "5", 3, "2026-01-06"),
    )
    conn = get_connection("default")
    risky = await at_risk_goals(
        conn, actor=await manager(), cycle_code=CYCLE, clock=clock(date(2026, 2, 15))
    )
    assert [v.goal.id for v in risky] == [behind.goal.id]
    with pytest.raises(PermissionDenied):
        await at_risk_goals(
            conn, actor=await employee("A1"), cycle_code=CYCLE, clock=clock(date(2026, 2, 15))
        )


async def test_a_refused_goal_step_names_the_goals_state_in_the_readers_language(
    db: str,
) -> None:
    from admin.i18n import said

    await build_organisation()
    proposed = await set_goal(actor=await employee("A1"), goal=visits_goal(), clock=JAN_5)
    assert proposed.goal.state is GoalState.PROPOSED
    with pytest.raises(InvalidTransition) as not_accepted:
        await report_goal_value(
            actor=ADMIN, goal_id=proposed.goal.id, value="3", note="early", clock=JAN_5
        )
    assert "is Proposed:" in not_accepted.value.message
    assert "已提议" in said("zh-CN", not_accepted.value)
    assert "PROPOSED" not in said("zh-CN", not_accepted.value)
    await decide_goal(actor=ADMIN, goal_id=proposed.goal.id, decision="ACCEPT", clock=JAN_5)
    with pytest.raises(InvalidTransition) as decided:
        await decide_goal(actor=ADMIN, goal_id=proposed.goal.id, decision="ACCEPT", clock=JAN_5)
    chinese = said("zh-CN", decided.value)
    assert "已接受" in chinese
    assert "已提议" in chinese
    assert "ACCEPTED" not in chinese
    assert "PROPOSED" not in chinese
