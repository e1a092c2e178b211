"""Check-ins on both databases: snapshots, action items carried over, cadence around the
interval, acknowledgement, the agenda, and who may record and see what."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection

from service.errors import InvalidTransition, PermissionDenied, ValidationFailed
from service.models import AccessLevel, ActionItem, AuditEntry, CheckIn, Employee, Score
from service.usecases.accounts.access import CheckInView
from service.usecases.actor import Actor
from service.usecases.inputs import EmployeeInput, FeedbackInput, ObservationInput, TeamInput
from service.usecases.people.checkins import (
    ActionItemInput,
    CadenceStatus,
    CheckInSnapshot,
    acknowledge_check_in,
    carried_action_items,
    check_in_agenda,
    check_in_view_of,
    due_check_ins,
    next_check_in,
    record_check_in,
)
from service.usecases.scoring.ingest import record_feedback, record_observations
from service.usecases.setup.organisation import upsert_employees, upsert_teams
from service.usecases.setup.policy_change import update_policy
from tests.integration.scenario import ADMIN, CYCLE, build_organisation, employee_id

# Mid-March 2026 in Shanghai: inside the Q1 cycle.
NOW = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)


async def person(external_id: str, access: AccessLevel) -> Actor:
    return Actor(label=external_id, access=access, employee_id=await employee_id(external_id))


async def ratings(agent: str, values: list[int], *, tag: str, day: int = 2) -> None:
    await record_feedback(
        actor=ADMIN,
        feedback=[
            FeedbackInput(
                rating=str(value),
                channel="ONLINE_SURVEY",
                occurred_at=f"2026-02-{day + i % 20:02d}T09:00:00+08:00",
                source="survey",
                employee_external_id=agent,
                external_id=f"{tag}-{agent}-{i}",
                comment=f"{tag} comment {i}",
            )
            for i, value in enumerate(values)
        ],
    )


async def set_interval(days: int) -> None:
    """The scenario's policy with another check-in interval (a policy is saved whole)."""
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "check_in_interval_days": days,
        },
        expected_version=None,
    )


async def organisation() -> tuple[Actor, Actor, Actor]:
    await build_organisation()
    await ratings("A1", [5, 5, 4, 5, 3, 5], tag="first")
    # Response times too: with the ratings, enough of the weight rests on A1's own data
    # for a total (SCORING §2).
    await record_observations(
        actor=ADMIN,
        observations=[
            ObservationInput(
                kpi_code="frt",
                value=str(8 + i),
                source="tickets",
                occurred_at=f"2026-02-{3 + i:02d}T09:00:00Z",
                employee_external_id="A1",
                external_id=f"frt-{i}",
            )
            for i in range(4)
        ],
    )
    return (
        await person("L1", AccessLevel.MANAGER),
        await person("A1", AccessLevel.EMPLOYEE),
        await person("A2", AccessLevel.EMPLOYEE),
    )


async def test_a_check_in_keeps_the_total_and_every_lines_points_as_they_stood(db: str) -> None:
    lead, _a1, _a2 = await organisation()
    before = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    check_in = await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 3, 19),
        shared_notes="Good month on the phones.",
        private_notes="Ask about the night shifts.",
        discussed_lines=[1],
        now=NOW,
    )
    await ratings("A1", [1, 1, 1, 1], tag="later", day=10)
    after = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert after.explanation["total"] != before.explanation["total"]

    snapshot = CheckInSnapshot.from_row((await CheckIn.get(id=check_in.id)).snapshot)
    assert snapshot.score is not None
    assert snapshot.score.cycle_code == CYCLE
    assert snapshot.score.total == before.explanation["total"]
    assert [line.contribution for line in snapshot.score.lines] == [
        line["contribution"] for line in before.explanation["lines"]
    ]
    assert [line.discussed for line in snapshot.score.lines] == [True] + [False] * 4
    assert snapshot.goals == ()


async def test_the_agenda_opens_with_what_changed_since_the_last_check_in(db: str) -> None:
    lead, _a1, _a2 = await organisation()
    await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 3, 19),
        action_items=[ActionItemInput("Shadow a senior agent", "A1", date(2026, 4, 1))],
        now=NOW,
    )
    quiet = await check_in_agenda(actor=lead, employee_external_id="A1")
    assert quiet.total_then == quiet.total_now
    assert quiet.moved_lines == []
    assert quiet.new_comments == []
    assert [item.text for item in quiet.open_action_items] == ["Shadow a senior agent"]

    await ratings("A1", [1, 2], tag="since", day=12)
    agenda = await check_in_agenda(actor=lead, employee_external_id="A1")
    assert agenda.total_moved
    assert {line.kpi_code for line in agenda.moved_lines} == {"csat"}
    assert sorted(c.comment or "" for c in agenda.new_comments) == [
        "since comment 0",
        "since comment 1",
    ]
    assert agenda.goals_at_risk == []


async def test_action_items_carry_into_the_next_check_in_until_one_closes_them(db: str) -> None:
    lead, _a1, _a2 = await organisation()
    first = await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 3, 1),
        action_items=[
            ActionItemInput("Read the refund guide", "A1", date(2026, 3, 10)),
            ActionItemInput("Book the training", "L1", date(2026, 3, 20)),
        ],
        now=NOW,
    )
    guide, training = await ActionItem.filter(raised_in_id=first.id).order_by("id")
    second = await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 3, 8),
        close_action_item_ids=[guide.id],
        now=NOW,
    )
    third = await record_check_in(
        actor=lead, employee_external_id="A1", held_on=date(2026, 3, 15), now=NOW
    )
    fourth = await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 3, 19),
        close_action_item_ids=[training.id],
        now=NOW,
    )
    fifth = await record_check_in(
        actor=lead, employee_external_id="A1", held_on=date(2026, 3, 20), now=NOW
    )
    items = list(await ActionItem.filter(employee_id=await employee_id("A1")).order_by("id"))

    def carried(check_in: CheckIn) -> list[str]:
        return [item.text for item in carried_action_items(check_in, items)]

    assert carried(first) == []
    assert carried(second) == ["Read the refund guide", "Book the training"]
    assert carried(third) == ["Book the training"]
    assert carried(fourth) == ["Book the training"]
    assert carried(fifth) == []
    with pytest.raises(ValidationFailed) as closed_twice:
        await record_check_in(
            actor=lead,
            employee_external_id="A1",
            held_on=date(2026, 3, 20),
            close_action_item_ids=[guide.id],
            now=NOW,
        )
    assert closed_twice.value.issues[0].code == "NOT_OPEN"


async def test_an_action_item_belongs_to_the_person_or_one_of_their_managers(db: str) -> None:
    lead, _a1, _a2 = await organisation()
    with pytest.raises(ValidationFailed) as failed:
        await record_check_in(
            actor=lead,
            employee_external_id="A1",
            held_on=date(2026, 3, 19),
            action_items=[ActionItemInput("Pair with A2", "A2", date(2026, 3, 25))],
            now=NOW,
        )
    (issue,) = failed.value.issues
    assert (issue.field, issue.code, issue.row) == ("actionItems.owner", "NOT_A_PARTICIPANT", 0)
    assert await CheckIn.all().count() == 0


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        ("2026-03-11T15:59:59+00:00", CadenceStatus.NOT_DUE),  # 23:59:59 on the 11th in Shanghai
        ("2026-03-11T16:00:00+00:00", CadenceStatus.DUE),  # the 12th: three days before
        ("2026-03-15T15:59:59+00:00", CadenceStatus.DUE),  # the last minute of the due day
        ("2026-03-15T16:00:00+00:00", CadenceStatus.OVERDUE),  # the 16th
    ],
)
async def test_the_next_check_in_is_due_at_the_policys_interval_in_its_time_zone(
    db: str, moment: str, status: CadenceStatus
) -> None:
    lead, a1, _a2 = await organisation()
    await set_interval(14)
    await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 3, 1),
        now=datetime(2026, 3, 1, 8, tzinfo=UTC),
    )
    now = datetime.fromisoformat(moment)
    mine = await next_check_in(actor=a1, employee_external_id="A1", now=now)
    assert mine.cadence.due_on == date(2026, 3, 15)
    assert mine.cadence.status is status
    due = {
        row.employee.external_id: row.cadence for row in await due_check_ins(actor=lead, now=now)
    }
    assert ("A1" in due) is (status is not CadenceStatus.NOT_DUE)


async def test_the_due_list_holds_the_managers_people_only_longest_overdue_first(db: str) -> None:
    lead, _a1, _a2 = await organisation()
    await set_interval(7)
    for agent, day in (("A1", 10), ("A2", 1), ("A3", 19)):
        await record_check_in(
            actor=lead, employee_external_id=agent, held_on=date(2026, 3, day), now=NOW
        )
    rows = await due_check_ins(actor=lead, now=NOW)
    # A4 never had one: due 7 days after being hired in 2021.
    assert [(r.employee.external_id, r.cadence.status) for r in rows] == [
        ("A4", CadenceStatus.OVERDUE),
        ("A2", CadenceStatus.OVERDUE),
        ("A1", CadenceStatus.OVERDUE),
    ]
    everyone = await due_check_ins(actor=ADMIN, now=NOW, include_not_due=True)
    assert {r.employee.external_id for r in everyone} >= {"F1", "L1", "A3"}
    with pytest.raises(PermissionDenied):
        await due_check_ins(actor=await person("A1", AccessLevel.EMPLOYEE), now=NOW)


async def test_only_the_person_acknowledges_a_check_in_once_with_an_optional_comment(
    db: str,
) -> None:
    lead, a1, a2 = await organisation()
    check_in = await record_check_in(
        actor=lead, employee_external_id="A1", held_on=date(2026, 3, 19), now=NOW
    )
    for someone in (a2, lead, ADMIN):
        with pytest.raises(PermissionDenied):
            await acknowledge_check_in(actor=someone, check_in_id=check_in.id)
    done = await acknowledge_check_in(actor=a1, check_in_id=check_in.id, comment=" Thanks! ")
    assert done.acknowledged_at is not None
    assert done.acknowledgement_comment == "Thanks!"
    with pytest.raises(InvalidTransition):
        await acknowledge_check_in(actor=a1, check_in_id=check_in.id)
    actions = [
        str(a) for a in await AuditEntry.filter(entity="check_in").values_list("action", flat=True)
    ]
    assert sorted(actions) == ["acknowledge_check_in", "record_check_in"]


async def test_only_a_manager_of_the_person_or_an_admin_records_a_check_in(db: str) -> None:
    lead, a1, a2 = await organisation()
    for actor, external_id in ((lead, "F1"), (lead, "L1"), (a2, "A1"), (a1, "A1")):
        with pytest.raises(PermissionDenied):
            await record_check_in(
                actor=actor, employee_external_id=external_id, held_on=date(2026, 3, 1), now=NOW
            )
    await record_check_in(actor=ADMIN, employee_external_id="F1", held_on=date(2026, 3, 1), now=NOW)
    assert await CheckIn.all().count() == 1


async def test_a_check_in_cannot_be_dated_in_the_future_or_before_the_last_one(db: str) -> None:
    lead, _a1, _a2 = await organisation()
    await record_check_in(actor=lead, employee_external_id="A1", held_on=date(2026, 3, 10), now=NOW)
    for held_on, field in ((date(2026, 3, 21), "heldOn"), (date(2026, 3, 9), "heldOn")):
        with pytest.raises(ValidationFailed) as failed:
            await record_check_in(actor=lead, employee_external_id="A1", held_on=held_on, now=NOW)
        assert failed.value.issues[0].field == field


async def test_after_a_transfer_the_new_managers_see_everything_the_old_keep_what_they_wrote(
    db: str,
) -> None:
    lead, a1, a2 = await organisation()
    by_lead = await record_check_in(
        actor=lead,
        employee_external_id="A1",
        held_on=date(2026, 3, 1),
        private_notes="Thinks of moving to the field team.",
        now=NOW,
    )
    by_admin = await record_check_in(
        actor=ADMIN, employee_external_id="A1", held_on=date(2026, 3, 2), now=NOW
    )
    assert await check_in_view_of(_conn(), lead, by_lead) is CheckInView.MANAGER
    assert await check_in_view_of(_conn(), a1, by_lead) is CheckInView.EMPLOYEE
    assert await check_in_view_of(_conn(), a2, by_lead) is CheckInView.NONE

    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput("M2", "Field Lead", date(2020, 1, 1), team_code="field"),
        ],
    )
    await upsert_teams(actor=ADMIN, teams=[TeamInput("field", "Field", "service", "M2")])
    a1_row = await Employee.get(external_id="A1")
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A1", a1_row.name, a1_row.hired_on, team_code="field", position_code="agent"
            )
        ],
    )
    field_lead = await person("M2", AccessLevel.MANAGER)
    assert await check_in_view_of(_conn(), field_lead, by_lead) is CheckInView.MANAGER
    assert await check_in_view_of(_conn(), field_lead, by_admin) is CheckInView.MANAGER
    assert await check_in_view_of(_conn(), lead, by_lead) is CheckInView.FORMER_AUTHOR
    assert await check_in_view_of(_conn(), lead, by_admin) is CheckInView.NONE
    with pytest.raises(PermissionDenied):
        await check_in_agenda(actor=lead, employee_external_id="A1")


def _conn() -> BaseDBAsyncClient:
    return get_connection("default")
