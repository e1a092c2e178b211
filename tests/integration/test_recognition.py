"""Recognition on both databases: the rolling weekly limit at instants, never oneself,
visibility, hiding by an admin, customer praise, the wall and its counts, trading
flags, and that no score moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tortoise.connection import get_connection

from service.errors import InvalidTransition, PermissionDenied, ValidationFailed
from service.models import (
    AccessLevel,
    AuditEntry,
    Cycle,
    Employee,
    Observation,
    Recognition,
    Score,
)
from service.usecases.accounts.access import WallView
from service.usecases.actor import Actor
from service.usecases.people.recognition import (
    customer_praise_of,
    give_recognition,
    hide_recognition,
    recognition_counts,
    recognize_customer_praise,
    set_recognition_visibility,
    trading_flags,
    wall_page,
)
from service.usecases.setup.policy_change import update_policy
from tests.integration.scenario import ADMIN, CYCLE, build_organisation, employee_id
from tests.integration.test_check_ins import person, ratings

MONDAY = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
TICK = timedelta(microseconds=1)


async def admin_with_record() -> Actor:
    return Actor(label="admin", access=AccessLevel.ADMIN, employee_id=await employee_id("L1"))


async def test_three_a_week_from_one_giver_to_one_receiver_in_any_rolling_seven_days(
    db: str,
) -> None:
    await build_organisation()
    a2 = await person("A2", AccessLevel.EMPLOYEE)
    for hours in (0, 1, 2):
        await give_recognition(
            actor=a2,
            receiver_external_id="A1",
            message="Thanks",
            now=MONDAY + timedelta(hours=hours),
        )
    with pytest.raises(ValidationFailed) as refused:
        # One microsecond before the first one leaves the window: still three inside it.
        await give_recognition(
            actor=a2, receiver_external_id="A1", message="Again", now=MONDAY + WEEK - TICK
        )
    (issue,) = refused.value.issues
    assert (issue.field, issue.code) == ("employeeExternalId", "LIMIT_REACHED")
    assert "recognitions_per_colleague_per_week" in issue.message
    # Another receiver, or another giver, has a window of their own.
    await give_recognition(actor=a2, receiver_external_id="A3", message="Thanks", now=MONDAY)
    a3 = await person("A3", AccessLevel.EMPLOYEE)
    await give_recognition(actor=a3, receiver_external_id="A1", message="Thanks", now=MONDAY)
    # Exactly seven days after the first, it has left the rolling week.
    await give_recognition(actor=a2, receiver_external_id="A1", message="Again", now=MONDAY + WEEK)
    with pytest.raises(ValidationFailed):
        await give_recognition(
            actor=a2, receiver_external_id="A1", message="More", now=MONDAY + WEEK + TICK
        )
    assert await Recognition.filter(receiver__external_id="A1").count() == 5


async def test_the_policy_sets_the_weekly_limit_and_an_old_policy_reads_three(db: str) -> None:
    await build_organisation()
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "recognitions_per_colleague_per_week": 1,
        },
        expected_version=None,
    )
    a2 = await person("A2", AccessLevel.EMPLOYEE)
    await give_recognition(actor=a2, receiver_external_id="A1", message="Thanks", now=MONDAY)
    with pytest.raises(ValidationFailed):
        await give_recognition(
            actor=a2, receiver_external_id="A1", message="Again", now=MONDAY + timedelta(days=3)
        )


async def test_nobody_recognises_themselves_and_bad_input_names_the_field(db: str) -> None:
    await build_organisation()
    a1 = await person("A1", AccessLevel.EMPLOYEE)
    with pytest.raises(ValidationFailed) as itself:
        await give_recognition(actor=a1, receiver_external_id="A1", message="Me")
    assert [i.field for i in itself.value.issues] == ["employeeExternalId"]
    with pytest.raises(ValidationFailed) as empty:
        await give_recognition(
            actor=a1, receiver_external_id="A2", message="  ", value_tag="x" * 41
        )
    assert [i.field for i in empty.value.issues] == ["message", "valueTag"]
    with pytest.raises(ValidationFailed) as kpi:
        await give_recognition(actor=a1, receiver_external_id="A2", message="Hi", kpi_code="nope")
    assert [i.field for i in kpi.value.issues] == ["kpiCode"]
    with pytest.raises(PermissionDenied):  # an admin account without an employee record
        await give_recognition(actor=ADMIN, receiver_external_id="A2", message="Hi")
    assert await Recognition.all().count() == 0


async def test_a_recognition_is_public_until_the_receiver_makes_it_private_and_no_score_moves(
    db: str,
) -> None:
    await build_organisation()
    await ratings("A1", [5, 4], tag="c")
    before = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    a2 = await person("A2", AccessLevel.EMPLOYEE)
    a1 = await person("A1", AccessLevel.EMPLOYEE)
    a3 = await person("A3", AccessLevel.EMPLOYEE)
    given = await give_recognition(
        actor=a2,
        receiver_external_id="A1",
        message="Great call",
        kpi_code="csat",
        value_tag=" Team Work ",
    )
    assert (given.visibility.value, given.value_tag) == ("PUBLIC", "team work")
    conn = get_connection("default")
    team_id = (await Score.get(cycle__code=CYCLE, employee__external_id="A1")).team_id
    assert team_id is not None
    view, rows = await wall_page(conn, actor=a3, team_id=team_id, size=10, after=None)
    assert (view, [r.id for r in rows]) == (WallView.MEMBER, [given.id])
    with pytest.raises(PermissionDenied):  # only the receiver decides
        await set_recognition_visibility(actor=a2, recognition_id=given.id, visibility="PRIVATE")
    await set_recognition_visibility(actor=a1, recognition_id=given.id, visibility="PRIVATE")
    _view, rows = await wall_page(conn, actor=a3, team_id=team_id, size=10, after=None)
    assert rows == []
    for who in (a1, a2, await person("L1", AccessLevel.MANAGER), ADMIN):
        _view, rows = await wall_page(conn, actor=who, team_id=team_id, size=10, after=None)
        assert [r.id for r in rows] == [given.id], who.label
    with pytest.raises(PermissionDenied):  # another team's wall
        await wall_page(
            conn,
            actor=await person("F1", AccessLevel.EMPLOYEE),
            team_id=team_id,
            size=10,
            after=None,
        )
    after = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert (after.total_cents, after.inputs_hash) == (before.total_cents, before.inputs_hash)
    entries = await AuditEntry.filter(entity="recognition")
    assert sorted(e.action for e in entries) == ["give_recognition", "set_recognition_visibility"]


async def test_an_admin_hides_a_recognition_with_a_reason_and_it_leaves_every_wall_but_theirs(
    db: str,
) -> None:
    await build_organisation()
    a2 = await person("A2", AccessLevel.EMPLOYEE)
    given = await give_recognition(actor=a2, receiver_external_id="A1", message="rude joke")
    with pytest.raises(PermissionDenied):
        await hide_recognition(
            actor=await person("L1", AccessLevel.MANAGER), recognition_id=given.id, reason="x"
        )
    with pytest.raises(ValidationFailed) as no_reason:
        await hide_recognition(actor=ADMIN, recognition_id=given.id, reason=" ")
    assert [i.field for i in no_reason.value.issues] == ["reason"]
    hidden = await hide_recognition(actor=ADMIN, recognition_id=given.id, reason="Not kind")
    assert hidden.hidden_reason == "Not kind"
    with pytest.raises(InvalidTransition):
        await hide_recognition(actor=ADMIN, recognition_id=given.id, reason="again")
    conn = get_connection("default")
    team_id = (await Recognition.get(id=given.id).prefetch_related("receiver")).receiver.team_id
    assert team_id is not None
    for who in ("A1", "A2", "A3"):
        actor = await person(who, AccessLevel.EMPLOYEE)
        _view, rows = await wall_page(conn, actor=actor, team_id=team_id, size=10, after=None)
        assert rows == [], who
    _view, rows = await wall_page(
        conn, actor=await person("L1", AccessLevel.MANAGER), team_id=team_id, size=10, after=None
    )
    assert rows == []
    _view, rows = await wall_page(conn, actor=ADMIN, team_id=team_id, size=10, after=None)
    assert [r.id for r in rows] == [given.id]
    entry = await AuditEntry.get(action="hide_recognition")
    assert entry.reason == "Not kind"


async def test_a_manager_turns_a_top_rating_comment_into_a_private_recognition_once(
    db: str,
) -> None:
    await build_organisation()
    await ratings("A1", [5, 4], tag="c")
    await ratings("F1", [5], tag="f")
    top = await Observation.get(external_id="c-A1-0")
    four = await Observation.get(external_id="c-A1-1")
    lead = await person("L1", AccessLevel.MANAGER)
    made = await recognize_customer_praise(actor=lead, observation_id=top.id)
    assert (made.visibility.value, made.message, made.receiver_id) == (
        "PRIVATE",
        "c comment 0",
        await employee_id("A1"),
    )
    assert (made.kpi_id, made.value_tag) == (None, None)
    with pytest.raises(InvalidTransition):
        await recognize_customer_praise(actor=lead, observation_id=top.id)
    with pytest.raises(ValidationFailed) as not_top:
        await recognize_customer_praise(actor=lead, observation_id=four.id)
    assert [(i.field, i.code) for i in not_top.value.issues] == [
        ("observationId", "NOT_TOP_OF_SCALE")
    ]
    other_team = await Observation.get(external_id="f-F1-0")
    with pytest.raises(PermissionDenied):
        await recognize_customer_praise(actor=lead, observation_id=other_team.id)
    with pytest.raises(PermissionDenied):  # a colleague is not a manager
        await recognize_customer_praise(
            actor=await person("A2", AccessLevel.EMPLOYEE), observation_id=top.id
        )
    await Observation.filter(id=four.id).update(value=top.value, comment=None)
    with pytest.raises(ValidationFailed) as no_comment:
        await recognize_customer_praise(actor=lead, observation_id=four.id)
    assert [i.code for i in no_comment.value.issues] == ["NO_COMMENT"]
    assert await customer_praise_of(get_connection("default"), await made.receiver) == []
    assert await Recognition.all().count() == 1


async def test_customer_praise_is_offered_only_for_top_ratings_with_a_comment(db: str) -> None:
    await build_organisation()
    await ratings("A1", [5, 4, 5], tag="c")
    a1 = await Employee.get(external_id="A1")
    offered = await customer_praise_of(get_connection("default"), a1)
    assert sorted(o.external_id or "" for o in offered) == ["c-A1-0", "c-A1-2"]


async def test_counts_per_person_per_cycle_leave_out_a_colleagues_private_ones(db: str) -> None:
    await build_organisation()
    a2 = await person("A2", AccessLevel.EMPLOYEE)
    a1 = await person("A1", AccessLevel.EMPLOYEE)
    first = await give_recognition(actor=a2, receiver_external_id="A1", message="x", now=MONDAY)
    await give_recognition(actor=a2, receiver_external_id="A1", message="y", now=MONDAY)
    await give_recognition(  # outside the cycle (Q1 2026)
        actor=a2, receiver_external_id="A3", message="z", now=datetime(2026, 4, 2, tzinfo=UTC)
    )
    await set_recognition_visibility(actor=a1, recognition_id=first.id, visibility="PRIVATE")
    conn = get_connection("default")
    cycle = await Cycle.get(code=CYCLE)
    team_id = (await Recognition.get(id=first.id).prefetch_related("receiver")).receiver.team_id
    assert team_id is not None
    a1_id = await employee_id("A1")
    seen_by_a3 = await recognition_counts(
        conn, actor=await person("A3", AccessLevel.EMPLOYEE), team_id=team_id, cycle=cycle
    )
    assert seen_by_a3 == {a1_id: 1}
    seen_by_lead = await recognition_counts(
        conn, actor=await person("L1", AccessLevel.MANAGER), team_id=team_id, cycle=cycle
    )
    assert seen_by_lead == {a1_id: 2}
    assert (
        await recognition_counts(
            conn, actor=await person("F1", AccessLevel.EMPLOYEE), team_id=team_id, cycle=cycle
        )
        == {}
    )


async def test_admins_see_pairs_who_mostly_recognise_each_other(db: str) -> None:
    await build_organisation()
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "recognitions_per_colleague_per_week": 10,
        },
        expected_version=None,
    )
    a1 = await person("A1", AccessLevel.EMPLOYEE)
    a2 = await person("A2", AccessLevel.EMPLOYEE)
    a3 = await person("A3", AccessLevel.EMPLOYEE)
    for day in range(3):
        moment = MONDAY + timedelta(days=day)
        await give_recognition(actor=a1, receiver_external_id="A2", message="x", now=moment)
        await give_recognition(actor=a2, receiver_external_id="A1", message="x", now=moment)
        await give_recognition(actor=a3, receiver_external_id="A1", message="x", now=moment)
    flags = await trading_flags(actor=ADMIN, now=MONDAY + timedelta(days=10))
    assert [(f.first.external_id, f.second.external_id) for f in flags] == [("A1", "A2")]
    assert (flags[0].pair.first_to_second, flags[0].pair.second_to_first) == (3, 3)
    # 90 days on, the window has moved past them.
    assert await trading_flags(actor=ADMIN, now=MONDAY + timedelta(days=93)) == []
    with pytest.raises(PermissionDenied):
        await trading_flags(actor=await person("L1", AccessLevel.MANAGER))
    assert (await admin_with_record()).is_admin
