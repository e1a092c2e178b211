"""Goals linked from the people side, on both databases: what a check-in keeps of the
person's goals (and keeps after the goals move), the goals discussed, the agenda's goals
turning AT_RISK, feedback notes tied to a goal and development items naming the goal
they serve, with every refusal naming its field."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from service.errors import PermissionDenied, ValidationFailed
from service.models import AccessLevel, AuditEntry, CheckIn, DevelopmentItem, FeedbackNote, Goal
from service.scoring.goals import GoalClock
from service.usecases.actor import Actor
from service.usecases.people.checkins import CheckInSnapshot, check_in_agenda, record_check_in
from service.usecases.people.development import (
    ItemChanges,
    ItemInput,
    add_development_item,
    update_development_item,
)
from service.usecases.people.feedback_notes import give_feedback_note
from service.usecases.people.goals import GoalInput, MeasureInput, delete_goal, set_goal
from service.usecases.scoring.ingest import record_feedback
from tests.integration.scenario import ADMIN, CYCLE, build_organisation
from tests.integration.test_check_ins import person
from tests.integration.test_feedback_notes import allow_colleagues
from tests.integration.test_goals import JAN_5, clock, csat_goal, feedback, visits_goal

# The check-ins are recorded "now" in mid-March 2026, inside the Q1 cycle.
NOW = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)
TEAM_GOAL = GoalInput(
    cycle_code=CYCLE,
    title="Hotline CSAT to 90 %",
    measure=MeasureInput(kpi_code="csat", scope="TEAM"),
    target="90",
    due_on="2026-03-31",
    team_code="hotline",
)


def at(day: date) -> GoalClock:
    return clock(day)


async def goals_of_a1() -> tuple[Actor, Goal, Goal, Goal]:
    """Lena (the hotline's lead) sets A1 a CSAT goal and a manual goal, and the hotline a
    team goal; A1's ratings put the CSAT goal at 80 %."""
    await build_organisation()
    lead = await person("L1", AccessLevel.MANAGER)
    csat = await set_goal(actor=lead, goal=csat_goal("A1"), clock=JAN_5)
    visits = await set_goal(actor=lead, goal=visits_goal("A1"), clock=JAN_5)
    team = await set_goal(actor=lead, goal=TEAM_GOAL, clock=JAN_5)
    await record_feedback(
        actor=ADMIN,
        feedback=feedback("A1", "5", 8, "2026-01-06") + feedback("A1", "2", 2, "2026-01-06"),
    )
    return lead, csat.goal, visits.goal, team.goal


def kept(check_in: CheckIn) -> CheckInSnapshot:
    return CheckInSnapshot.from_row(check_in.snapshot)


async def test_a_check_in_keeps_every_goals_value_and_status_even_after_the_goal_moves(
    db: str,
) -> None:
    lead, csat, visits, _team = await goals_of_a1()
    check_in = await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 1, 20),
        discussed_goals=[csat.id],
        now=NOW,
        clock=at(date(2026, 1, 20)),
    )
    # The goal moves afterwards: a run of low ratings.
    await record_feedback(actor=ADMIN, feedback=feedback("A1", "1", 10, "2026-01-25"))
    assert (await Goal.get(id=csat.id)).current_value == 400_000

    snapshot = kept(await CheckIn.get(id=check_in.id))
    # A1's own goals; the team's is not kept: fewer than 5 of the hotline are scored, so
    # A1 does not see it (SCORING §11) and neither does their check-in.
    assert [(g.goal_id, g.title, g.team_goal) for g in snapshot.goals] == [
        (csat.id, "Raise CSAT to 90 %", False),
        (visits.id, "Visit twelve key customers", False),
    ]
    first, second = snapshot.goals
    assert (first.value, first.target, first.status, first.discussed) == (
        "80.0000",
        "90",
        "ON_TRACK",
        True,
    )
    assert (first.cycle_code, first.unit) == (CYCLE, "%")
    assert (second.value, second.status, second.discussed) == (None, "ON_TRACK", False)
    audit = await AuditEntry.filter(action="record_check_in").order_by("-id").first()
    assert audit is not None
    assert audit.after["discussed_goals"] == [csat.id]


async def test_a_team_goal_is_kept_where_the_person_sees_it_as_the_teams_lead(db: str) -> None:
    _lead, _csat, _visits, team = await goals_of_a1()
    check_in = await record_check_in(
        actor=ADMIN,
        employee_external_id="L1",
        held_on=date(2026, 1, 20),
        discussed_goals=[team.id],
        now=NOW,
        clock=at(date(2026, 1, 20)),
    )
    [goal] = kept(check_in).goals
    assert (goal.goal_id, goal.team_goal, goal.discussed) == (team.id, True, True)


async def test_only_goals_the_person_has_of_a_cycle_including_the_day_are_discussed(
    db: str,
) -> None:
    lead, csat, _visits, team = await goals_of_a1()
    a2_goal = await set_goal(actor=lead, goal=csat_goal("A2"), clock=JAN_5)
    for goal_id in (a2_goal.goal.id, team.id, 999_999):
        with pytest.raises(ValidationFailed) as refused:
            await record_check_in(
                actor=lead,
                employee_external_id="A1",
                held_on=date(2026, 1, 20),
                discussed_goals=[csat.id, goal_id],
                now=NOW,
            )
        [issue] = refused.value.issues
        assert (issue.field, issue.code, issue.values["goal"]) == (
            "discussedGoals",
            "UNKNOWN_GOAL",
            goal_id,
        )
    assert await CheckIn.all().count() == 0


async def test_the_agenda_lists_goals_turning_at_risk_since_the_last_check_in(db: str) -> None:
    lead, csat, visits, _team = await goals_of_a1()
    # 20 January: 80 % against 90 % and no visits yet, but little of the time gone: both
    # on track.
    await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 1, 20),
        now=NOW,
        clock=at(date(2026, 1, 20)),
    )
    # Mid-February both are at risk; and a goal set after the check-in, not in its
    # snapshot, is at risk as well: all three turned AT_RISK since.
    later = await set_goal(
        actor=lead, goal=csat_goal("A1", title="CSAT to 95 %", target="95"), clock=JAN_5
    )
    agenda = await check_in_agenda(
        actor=lead, employee_external_id="A1", clock=at(date(2026, 2, 15))
    )
    assert [(g.goal_id, g.status) for g in agenda.goals_at_risk] == [
        (csat.id, "AT_RISK"),
        (visits.id, "AT_RISK"),
        (later.goal.id, "AT_RISK"),
    ]
    # Once a check-in has seen them at risk, they are no news the next time.
    await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 2, 15),
        now=NOW,
        clock=at(date(2026, 2, 15)),
    )
    agenda = await check_in_agenda(
        actor=lead, employee_external_id="A1", clock=at(date(2026, 2, 20))
    )
    assert agenda.goals_at_risk == []


async def test_a_feedback_note_is_tied_to_a_goal_the_giver_may_see(db: str) -> None:
    lead, csat, _visits, team = await goals_of_a1()
    a2_goal = await set_goal(actor=lead, goal=csat_goal("A2"), clock=JAN_5)
    note = await give_feedback_note(
        actor=lead, employee_external_id="A1", kind="PRAISE", text="On track", goal_id=csat.id
    )
    assert note.goal_id == csat.id
    team_note = await give_feedback_note(
        actor=lead, employee_external_id="A1", kind="PRAISE", text="Team", goal_id=team.id
    )
    assert team_note.goal_id == team.id
    audit = await AuditEntry.filter(action="give_feedback_note").order_by("-id").first()
    assert audit is not None
    assert audit.after["goal"] == team.id
    # Another person's goal, an unknown one: one refusal.
    for goal_id in (a2_goal.goal.id, 999_999):
        with pytest.raises(PermissionDenied):
            await give_feedback_note(
                actor=lead, employee_external_id="A1", kind="PRAISE", text="x", goal_id=goal_id
            )
    # A colleague never ties a note to A1's own goal, nor to the team's goal they may not
    # see yet (fewer than 5 scored).
    await allow_colleagues(True)
    a2 = await person("A2", AccessLevel.EMPLOYEE)
    for goal_id in (csat.id, team.id):
        with pytest.raises(PermissionDenied):
            await give_feedback_note(
                actor=a2, employee_external_id="A1", kind="PRAISE", text="x", goal_id=goal_id
            )
    with pytest.raises(ValidationFailed) as refused:
        await give_feedback_note(
            actor=lead,
            employee_external_id="A1",
            kind="PRAISE",
            text="x",
            cycle_code=CYCLE,
            line=1,
            goal_id=csat.id,
        )
    assert [i.field for i in refused.value.issues] == ["goalId"]
    assert await FeedbackNote.all().count() == 2


async def test_a_development_item_names_a_goal_of_the_employee_or_their_team(db: str) -> None:
    lead, csat, visits, team = await goals_of_a1()
    a2_goal = await set_goal(actor=lead, goal=csat_goal("A2"), clock=JAN_5)
    coaching = ItemInput(
        action="COACHING", due_on=date(2026, 3, 31), focus_kpi_code="csat", goal_id=csat.id
    )
    item = await add_development_item(
        actor=lead, employee_external_id="A1", item=coaching, today=date(2026, 1, 20)
    )
    assert item.goal_id == csat.id
    # Someone else's goal, or an unknown one: refused, naming the field.
    for goal_id in (a2_goal.goal.id, 999_999):
        with pytest.raises(ValidationFailed) as refused:
            await add_development_item(
                actor=lead,
                employee_external_id="A1",
                item=ItemInput(
                    action="COACHING",
                    due_on=date(2026, 3, 31),
                    focus_skill="Calm calls",
                    goal_id=goal_id,
                ),
                today=date(2026, 1, 20),
            )
        assert [(i.field, i.code) for i in refused.value.issues] == [("goalId", "NOT_THEIR_GOAL")]
    # The employee edits their plan, but cannot name the team goal they may not see yet.
    a1 = await person("A1", AccessLevel.EMPLOYEE)
    with pytest.raises(ValidationFailed):
        await update_development_item(
            actor=a1,
            item_id=item.id,
            changes=ItemChanges(goal_id=team.id),
            expected_version=item.version,
            today=date(2026, 1, 20),
        )
    moved = await update_development_item(
        actor=a1,
        item_id=item.id,
        changes=ItemChanges(goal_id=visits.id),
        expected_version=item.version,
        today=date(2026, 1, 20),
    )
    assert moved.goal_id == visits.id
    audit = await AuditEntry.filter(action="update_development_item").order_by("-id").first()
    assert audit is not None
    assert (audit.before["goal"], audit.after["goal"]) == (csat.id, visits.id)
    # The lead names the team's goal (any cycle of the team's), then clears it.
    on_team = await update_development_item(
        actor=lead,
        item_id=item.id,
        changes=ItemChanges(goal_id=team.id),
        expected_version=moved.version,
        today=date(2026, 1, 20),
    )
    assert on_team.goal_id == team.id
    cleared = await update_development_item(
        actor=lead,
        item_id=item.id,
        changes=ItemChanges(clear_goal=True),
        expected_version=on_team.version,
        today=date(2026, 1, 20),
    )
    assert cleared.goal_id is None


async def test_deleting_a_goal_unlinks_the_items_and_notes_that_named_it(db: str) -> None:
    lead, csat, _visits, _team = await goals_of_a1()
    item = await add_development_item(
        actor=lead,
        employee_external_id="A1",
        item=ItemInput(
            action="COACHING", due_on=date(2026, 3, 31), focus_kpi_code="csat", goal_id=csat.id
        ),
        today=date(2026, 1, 20),
    )
    note = await give_feedback_note(
        actor=lead, employee_external_id="A1", kind="PRAISE", text="Good", goal_id=csat.id
    )
    await delete_goal(actor=ADMIN, goal_id=csat.id, reason="Set twice by mistake")
    assert (await DevelopmentItem.get(id=item.id)).goal_id is None
    assert (await FeedbackNote.get(id=note.id)).goal_id is None
