"""Development plans through their use cases, on both databases (docs/development.md)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from tortoise.connection import get_connection

from service.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from service.models import (
    AccessLevel,
    AuditEntry,
    CourseAttendance,
    DevelopmentItem,
    DevelopmentPlan,
    DevelopmentStatus,
    Employee,
)
from service.usecases.people.development import (
    ItemChanges,
    ItemInput,
    add_development_item,
    development_plan_of,
    effects_of_items,
    set_development_plan,
    suggestions_for,
    update_development_item,
)
from service.usecases.people.training import (
    CourseInput,
    attendance_of,
    record_attendance,
    save_course,
)
from tests.integration.development_scenario import (
    actor,
    build_development_scenario,
    finalise_months,
)
from tests.integration.scenario import ADMIN, CYCLE

TODAY = date(2026, 2, 15)
COACHING = ItemInput(action="COACHING", due_on=date(2026, 3, 31), focus_kpi_code="csat")


def _issue_fields(error: ValidationFailed) -> set[str]:
    return {issue.field for issue in error.issues}


async def test_an_employee_adds_an_item_and_the_plan_is_made_with_an_audit_row(db: str) -> None:
    await build_development_scenario()
    a1 = await actor("A1")
    item = await add_development_item(
        actor=a1, employee_external_id="A1", item=COACHING, today=TODAY
    )
    plan = await DevelopmentPlan.get(id=item.plan_id)
    assert (item.status, item.owner_id, plan.employee_id) == (
        DevelopmentStatus.PLANNED,
        a1.employee_id,
        a1.employee_id,
    )
    audit = await AuditEntry.filter(entity="development_plan", entity_key="A1")
    assert [(e.action, e.actor) for e in audit] == [("add_development_item", "a1@example.com")]
    assert audit[0].after["focus_kind"] == "KPI"


async def test_the_employee_their_managers_and_admins_see_and_edit_the_plan(db: str) -> None:
    await build_development_scenario()
    conn = get_connection("default")
    lead = await actor("L1", AccessLevel.MANAGER)
    item = await add_development_item(
        actor=lead,
        employee_external_id="A1",
        item=ItemInput(
            action="COURSE",
            due_on=date(2026, 3, 1),
            focus_kpi_code="frt",
            course_code="fast-reply",
            owner_external_id="L1",
        ),
        today=TODAY,
    )
    saved = await set_development_plan(
        actor=await actor("A1"), employee_external_id="A1", aim="Answer faster", expected_version=1
    )
    assert (saved.changed, saved.plan.version) == (True, 2)
    updated = await update_development_item(
        actor=ADMIN,
        item_id=item.id,
        changes=ItemChanges(notes="booked for March"),
        expected_version=1,
        today=TODAY,
    )
    assert (updated.version, updated.notes) == (2, "booked for March")
    for who in (await actor("A1"), lead, ADMIN):
        _employee, plan, items = await development_plan_of(
            conn, actor=who, employee_external_id="A1"
        )
        assert plan is not None
        assert plan.aim == "Answer faster"
        assert [i.id for i in items] == [item.id]
    actions = await AuditEntry.filter(entity="development_plan", entity_key="A1").order_by("id")
    assert [(e.action, e.actor) for e in actions] == [
        ("add_development_item", "l1@example.com"),
        ("set_development_plan", "a1@example.com"),
        ("update_development_item", "test-admin"),
    ]


@pytest.mark.parametrize(
    ("who", "access"),
    [
        ("A2", AccessLevel.EMPLOYEE),  # a colleague in the same team
        ("F1", AccessLevel.EMPLOYEE),  # someone in another team
        ("L1", AccessLevel.EMPLOYEE),  # leads the team but has no manager access
        ("F1", AccessLevel.MANAGER),  # a manager, but not of A1
    ],
)
async def test_nobody_else_sees_or_edits_a_plan(db: str, who: str, access: AccessLevel) -> None:
    await build_development_scenario()
    item = await add_development_item(
        actor=await actor("A1"), employee_external_id="A1", item=COACHING, today=TODAY
    )
    other = await actor(who, access)
    conn = get_connection("default")
    with pytest.raises(PermissionDenied):
        await development_plan_of(conn, actor=other, employee_external_id="A1")
    with pytest.raises(PermissionDenied):
        await suggestions_for(conn, actor=other, employee_external_id="A1")
    with pytest.raises(PermissionDenied):
        await add_development_item(
            actor=other, employee_external_id="A1", item=COACHING, today=TODAY
        )
    with pytest.raises(PermissionDenied):
        await update_development_item(
            actor=other,
            item_id=item.id,
            changes=ItemChanges(status="DROPPED"),
            expected_version=1,
            today=TODAY,
        )
    with pytest.raises(PermissionDenied):
        await set_development_plan(
            actor=other, employee_external_id="A1", aim="x", expected_version=1
        )
    assert await DevelopmentItem.filter(plan__employee__external_id="A1").count() == 1
    assert await AuditEntry.filter(entity="development_plan").count() == 1


async def test_an_item_names_its_focus_and_what_its_action_needs(db: str) -> None:
    await build_development_scenario()
    a1 = await actor("A1")
    cases = [
        (ItemInput(action="COACHING", due_on=date(2026, 3, 1)), {"focus"}),
        (
            ItemInput(
                action="COACHING",
                due_on=date(2026, 3, 1),
                focus_kpi_code="csat",
                focus_skill="calm",
            ),
            {"focus"},
        ),
        (ItemInput(action="COURSE", due_on=date(2026, 3, 1), focus_skill="calm"), {"courseCode"}),
        (
            ItemInput(
                action="SHADOWING",
                due_on=date(2026, 3, 1),
                focus_skill="calm",
                shadowing_external_id="A1",
            ),
            {"shadowingExternalId"},
        ),
        (ItemInput(action="CUSTOM", due_on=date(2026, 3, 1), focus_skill="calm"), {"actionDetail"}),
        (
            ItemInput(
                action="COACHING",
                due_on=date(2026, 3, 1),
                focus_skill="calm",
                owner_external_id="A2",
            ),
            {"ownerExternalId"},
        ),
        (ItemInput(action="COACHING", due_on=date(2026, 2, 14), focus_skill="calm"), {"dueOn"}),
        (
            ItemInput(action="NAP", due_on=date(2026, 3, 1), focus_kpi_code="nope"),
            {"action", "focusKpiCode"},
        ),
    ]
    for item, fields in cases:
        with pytest.raises(ValidationFailed) as refused:
            await add_development_item(actor=a1, employee_external_id="A1", item=item, today=TODAY)
        assert _issue_fields(refused.value) == fields, item
    assert await DevelopmentItem.all().count() == 0
    shadowing = await add_development_item(
        actor=a1,
        employee_external_id="A1",
        item=ItemInput(
            action="SHADOWING",
            due_on=date(2026, 3, 1),
            focus_skill="Calm with angry callers",
            shadowing_external_id="A2",
        ),
        today=TODAY,
    )
    assert shadowing.shadowing_id is not None


async def test_status_changes_date_the_start_and_the_end_and_an_old_version_is_refused(
    db: str,
) -> None:
    await build_development_scenario()
    a1 = await actor("A1")
    item = await add_development_item(
        actor=a1, employee_external_id="A1", item=COACHING, today=TODAY
    )
    assert (item.started_on, item.done_on) == (None, None)
    item = await update_development_item(
        actor=a1,
        item_id=item.id,
        changes=ItemChanges(status="IN_PROGRESS"),
        expected_version=1,
        today=date(2026, 2, 20),
    )
    item = await update_development_item(
        actor=a1,
        item_id=item.id,
        changes=ItemChanges(status="DONE"),
        expected_version=2,
        today=date(2026, 3, 5),
    )
    assert (item.started_on, item.done_on) == (date(2026, 2, 20), date(2026, 3, 5))
    with pytest.raises(StaleVersion):
        await update_development_item(
            actor=a1,
            item_id=item.id,
            changes=ItemChanges(status="IN_PROGRESS"),
            expected_version=2,
            today=date(2026, 3, 6),
        )
    item = await update_development_item(
        actor=a1,
        item_id=item.id,
        changes=ItemChanges(status="IN_PROGRESS"),
        expected_version=3,
        today=date(2026, 3, 6),
    )
    assert (item.started_on, item.done_on) == (date(2026, 2, 20), None)
    # Saving what is already there changes nothing and writes no audit row.
    same = await update_development_item(
        actor=a1,
        item_id=item.id,
        changes=ItemChanges(status="IN_PROGRESS"),
        expected_version=4,
        today=date(2026, 3, 6),
    )
    assert same.version == 4
    assert await AuditEntry.filter(action="update_development_item").count() == 3


async def test_a_stale_plan_version_is_refused(db: str) -> None:
    await build_development_scenario()
    a1 = await actor("A1")
    await set_development_plan(actor=a1, employee_external_id="A1", aim="one", expected_version=0)
    with pytest.raises(StaleVersion):
        await set_development_plan(
            actor=a1, employee_external_id="A1", aim="two", expected_version=0
        )
    assert (await DevelopmentPlan.get()).aim == "one"


async def test_suggestions_rank_the_scored_lines_by_points_left_with_tagged_courses(
    db: str,
) -> None:
    await build_development_scenario()
    view = await suggestions_for(
        get_connection("default"), actor=await actor("A1"), employee_external_id="A1"
    )
    assert (view.cycle and view.cycle.code, view.status) == (CYCLE, "SCORED")
    assert [
        (s.kpi.code, s.focus.points_left, [c.code for c in s.courses]) for s in view.suggestions
    ] == [
        ("frt", Fraction("10.72"), ["csat-frt", "fast-reply"]),
        ("csat", Fraction("8.33"), ["csat-basics", "csat-frt"]),
    ]
    assert view.suggestions[0].focus.line.what_it_would_take is not None


async def test_a_no_data_score_suggests_the_lines_without_evidence_by_weight(db: str) -> None:
    await build_development_scenario()
    view = await suggestions_for(
        get_connection("default"), actor=await actor("A2"), employee_external_id="A2"
    )
    assert view.status == "NO_DATA"
    assert [(s.kpi.code, s.focus.points_left) for s in view.suggestions] == [
        ("quality", None),
        ("frt", None),
    ]


async def test_a_not_eligible_person_gets_no_suggestions(db: str) -> None:
    await build_development_scenario()
    conn = get_connection("default")
    # L1's position (lead) has no scorecard: NOT_ELIGIBLE, so no cycle to suggest from.
    view = await suggestions_for(conn, actor=ADMIN, employee_external_id="L1")
    assert (view.cycle, view.suggestions) == (None, ())
    view = await suggestions_for(conn, actor=ADMIN, employee_external_id="L1", cycle_code=CYCLE)
    assert (view.status, view.suggestions) == ("NOT_ELIGIBLE", ())
    with pytest.raises(NotFound):
        await suggestions_for(conn, actor=ADMIN, employee_external_id="A1", cycle_code="nope")


async def test_a_done_item_shows_its_kpi_in_the_comparable_month_before_and_the_month_after(
    db: str,
) -> None:
    await build_development_scenario()
    await finalise_months()
    a1 = await actor("A1")
    item = await add_development_item(
        actor=a1,
        employee_external_id="A1",
        item=COACHING,
        today=date(2025, 12, 1),
    )
    await update_development_item(
        actor=a1,
        item_id=item.id,
        changes=ItemChanges(status="IN_PROGRESS"),
        expected_version=1,
        today=date(2025, 12, 10),
    )
    skill = await add_development_item(
        actor=a1,
        employee_external_id="A1",
        item=ItemInput(action="COACHING", due_on=date(2026, 3, 1), focus_skill="Patience"),
        today=date(2025, 12, 1),
    )
    conn = get_connection("default")
    assert await effects_of_items(conn, [await DevelopmentItem.get(id=item.id), skill]) == {}
    done = await update_development_item(
        actor=a1,
        item_id=item.id,
        changes=ItemChanges(status="DONE"),
        expected_version=2,
        today=date(2025, 12, 20),
    )
    effects = await effects_of_items(conn, [done, skill])
    # Started 10 Dec, done 20 Dec: after = 2026-01 (31 days, the first finalised cycle
    # starting after 20 Dec); before = the latest finalised cycle ending before 10 Dec
    # within 28..34 days: 2025-11. CSAT 2 of 4 = 50 %, then 3 of 4 = 75 %.
    effect = effects[done.id]
    assert effect.before is not None
    assert effect.after is not None
    assert (effect.before.cycle_code, effect.before.raw_value, effect.before.sample_size) == (
        "2025-11",
        Fraction(50),
        4,
    )
    assert (effect.after.cycle_code, effect.after.raw_value, effect.after.sample_size) == (
        "2026-01",
        Fraction(75),
        4,
    )
    assert skill.id not in effects


async def test_the_catalogue_is_kept_by_admins_and_attendance_by_managers(db: str) -> None:
    await build_development_scenario()
    course = CourseInput("listening", "Active listening", "积极倾听", ("csat",), 45, "ONLINE")
    with pytest.raises(PermissionDenied):
        await save_course(actor=await actor("L1", AccessLevel.MANAGER), course=course)
    saved = await save_course(actor=ADMIN, course=course)
    again = await save_course(actor=ADMIN, course=course, expected_version=1)
    assert (saved.changed, again.changed) == (True, False)
    with pytest.raises(ValidationFailed) as refused:
        await save_course(
            actor=ADMIN,
            course=CourseInput("bad", "", "坏", ("nope",), 0, "TELEPATHY"),
        )
    assert _issue_fields(refused.value) == {"title", "kpiCodes", "lengthMinutes", "format"}
    lead = await actor("L1", AccessLevel.MANAGER)
    await record_attendance(
        actor=lead, course_code="listening", employee_external_id="A1", attended_on=TODAY
    )
    with pytest.raises(ValidationFailed):
        await record_attendance(
            actor=ADMIN, course_code="listening", employee_external_id="A1", attended_on=TODAY
        )
    with pytest.raises(PermissionDenied):
        await record_attendance(
            actor=await actor("A1"),
            course_code="listening",
            employee_external_id="A1",
            attended_on=TODAY,
        )
    conn = get_connection("default")
    a1_row = await Employee.get(external_id="A1")
    took = await attendance_of(conn, actor=await actor("A1"), employee=a1_row)
    assert [(a.course.code, a.attended_on) for a in took] == [("listening", TODAY)]
    with pytest.raises(PermissionDenied):
        await attendance_of(conn, actor=await actor("A2"), employee=a1_row)
    assert await CourseAttendance.all().count() == 1
    assert await AuditEntry.filter(action="record_attendance").count() == 1
    assert await AuditEntry.filter(action="save_course").count() == 4  # 3 in the scenario
