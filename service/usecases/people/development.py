"""Development plans: an employee's plan and its items, suggestions from their score,
and the effect of a finished item (docs/development.md).

Who may do what (DESIGN.md Access): the employee, their managers and admins see and
edit the plan (`access.may_see_personal_record`); every change writes an audit row
(entity ``development_plan``, keyed by the employee's external id) in its transaction.
Nothing here writes a score: suggestions and effects read stored scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import Issue, NotFound, StaleVersion, ValidationFailed
from service.models import (
    VALUE_SCALE,
    Course,
    Cycle,
    DevelopmentAction,
    DevelopmentItem,
    DevelopmentPlan,
    DevelopmentStatus,
    Employee,
    FocusKind,
    Goal,
    Kpi,
    Score,
)
from service.scoring.development import (
    EffectCycles,
    FocusSuggestion,
    effect_cycles,
    suggest_focus,
)
from service.scoring.periods import CycleSpan
from service.scoring.stored import StoredScore
from service.scoring.types import Scope, ScoreStatus
from service.sql import fetch_all
from service.usecases.accounts.access import manager_ids_of, require_may_see_personal_record
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.people.goals import visible_goal
from service.usecases.people.sessions import session_for_plan
from service.usecases.people.training import courses_for_kpis
from service.usecases.periods import finalized_spans
from service.usecases.retries import retry_when_busy
from service.usecases.setup.policy import load_policy

MAX_AIM = 5_000
MAX_NOTES = 5_000
MAX_DETAIL = 2_000
MAX_SKILL = 200
AUDIT_ENTITY = "development_plan"


@dataclass(frozen=True, slots=True)
class ItemInput:
    """A new item. Exactly one of ``focus_kpi_code`` and ``focus_skill``; ``course_code``
    for a COURSE, ``shadowing_external_id`` for SHADOWING, ``action_detail`` for SESSION
    and CUSTOM. The owner is the employee unless named (they or one of their managers)."""

    action: str
    due_on: date
    focus_kpi_code: str | None = None
    focus_skill: str | None = None
    course_code: str | None = None
    shadowing_external_id: str | None = None
    action_detail: str = ""
    owner_external_id: str | None = None
    status: str = DevelopmentStatus.PLANNED.value
    notes: str = ""
    goal_id: int | None = None  # the goal it serves: see _served_goal
    # A SESSION item may name the knowledge-sharing session: one the employee attended
    # or one still to come (service/usecases/people/sessions.py `session_for_plan`).
    session_id: int | None = None


@dataclass(frozen=True, slots=True)
class ItemChanges:
    """What to change on an item; None leaves a field as it is (``clear_goal`` unlinks
    the goal)."""

    status: str | None = None
    due_on: date | None = None
    notes: str | None = None
    owner_external_id: str | None = None
    action_detail: str | None = None
    goal_id: int | None = None
    clear_goal: bool = False


@dataclass(frozen=True, slots=True)
class PlanSaved:
    plan: DevelopmentPlan
    changed: bool


async def organisation_today(conn: BaseDBAsyncClient) -> date:
    """Today in the policy's timezone: status dates are the organisation's days."""
    policy, _version = await load_policy(conn)
    return datetime.now(UTC).astimezone(ZoneInfo(policy.timezone)).date()


async def _employee(conn: BaseDBAsyncClient, external_id: str, field: str) -> Employee:
    employee = await Employee.get_or_none(external_id=external_id, using_db=conn)
    if employee is None:
        raise NotFound("{field}: there is no employee {id}.", field=field, id=repr(external_id))
    return employee


async def _plan_for_update(
    conn: BaseDBAsyncClient, actor: Actor, employee: Employee
) -> DevelopmentPlan | None:
    await require_may_see_personal_record(conn, actor, employee)
    return (
        await DevelopmentPlan.select_for_update()
        .using_db(conn)
        .get_or_none(employee_id=employee.id)
    )


def _text(field: str, value: str, limit: int, issues: list[Issue], *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        issues.append(Issue(field, "write something here", "REQUIRED"))
    if len(text) > limit:
        issues.append(Issue.of(field, "at most {most} characters", "TOO_LONG", most=f"{limit:,}"))
    return text


def _status(value: str, issues: list[Issue]) -> DevelopmentStatus | None:
    try:
        return DevelopmentStatus(value)
    except ValueError:
        names = ", ".join(s.value for s in DevelopmentStatus)
        issues.append(Issue.of("status", "one of {names}", "INVALID", names=names))
        return None


def _dated(item: DevelopmentItem, status: DevelopmentStatus, today: date) -> None:
    """The start is the first day the item was IN_PROGRESS (or DONE, when it skipped
    that); done is the day it became DONE, cleared when it is reopened."""
    item.status = status
    working = status in (DevelopmentStatus.IN_PROGRESS, DevelopmentStatus.DONE)
    if working and item.started_on is None:
        item.started_on = today
    if status is DevelopmentStatus.DONE:
        if item.done_on is None:
            item.done_on = today
    else:
        item.done_on = None


async def _owner(
    conn: BaseDBAsyncClient, employee: Employee, owner_external_id: str | None, issues: list[Issue]
) -> Employee | None:
    if owner_external_id is None or owner_external_id == employee.external_id:
        return employee
    owner = await Employee.get_or_none(external_id=owner_external_id, using_db=conn)
    if owner is None or owner.id not in await manager_ids_of(conn, employee):
        issues.append(
            Issue.of(
                "ownerExternalId",
                "the owner is {employee} or one of their managers",
                "INVALID",
                employee=employee.external_id,
            )
        )
        return None
    return owner


def item_audit(item: DevelopmentItem) -> dict[str, Any]:
    return {
        "item": item.id,
        "focus_kind": item.focus_kind.value,
        "focus_kpi": item.focus_kpi_id,
        "focus_skill": item.focus_skill,
        "action": item.action.value,
        "course": item.course_id,
        "shadowing": item.shadowing_id,
        "session": item.session_id,
        "action_detail": item.action_detail,
        "owner": item.owner_id,
        "due_on": item.due_on.isoformat(),
        "status": item.status.value,
        "notes": item.notes,
        "started_on": None if item.started_on is None else item.started_on.isoformat(),
        "done_on": None if item.done_on is None else item.done_on.isoformat(),
        "goal": item.goal_id,
    }


async def _served_goal(
    conn: BaseDBAsyncClient, actor: Actor, employee: Employee, goal_id: int, issues: list[Issue]
) -> Goal | None:
    """The goal an item serves: one of the employee's goals or their team's, in any cycle,
    that the actor may see. Unknown, someone else's and hidden goals get one answer, so
    the refusal reveals nothing."""
    goal = await visible_goal(conn, actor=actor, goal_id=goal_id)
    theirs = goal is not None and (
        goal.employee_id == employee.id
        or (goal.team_id is not None and goal.team_id == employee.team_id)
    )
    if goal is None or not theirs:
        issues.append(
            Issue.of(
                "goalId",
                "goal {goal} is not one of {employee}'s goals or their team's that you may see",
                "NOT_THEIR_GOAL",
                goal=goal_id,
                employee=employee.external_id,
            )
        )
        return None
    return goal


@retry_when_busy
async def set_development_plan(
    *, actor: Actor, employee_external_id: str, aim: str, expected_version: int
) -> PlanSaved:
    """Create or change the plan's aim. ``expected_version`` is the version read (0 when
    there is no plan yet); someone else's save in between is refused."""
    issues: list[Issue] = []
    text = _text("aim", aim, MAX_AIM, issues, required=False)
    if issues:
        raise ValidationFailed(issues)
    async with in_transaction() as conn:
        employee = await _employee(conn, employee_external_id, "employeeExternalId")
        plan = await _plan_for_update(conn, actor, employee)
        current = 0 if plan is None else plan.version
        if expected_version != current:
            raise StaleVersion(
                "The development plan of {employee} is at version {version}, "
                "not {expected}: someone saved first. Reload it and try again.",
                employee=employee.external_id,
                version=current,
                expected=expected_version,
            )
        if plan is not None and plan.aim == text:
            return PlanSaved(plan, False)
        before = None if plan is None else {"aim": plan.aim}
        if plan is None:
            plan = await DevelopmentPlan.create(
                using_db=conn, employee_id=employee.id, aim=text, updated_by_label=actor.label
            )
        else:
            plan.aim = text
            plan.version += 1
            plan.updated_by_label = actor.label
            await plan.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="set_development_plan",
            entity=AUDIT_ENTITY,
            entity_key=employee.external_id,
            before=before,
            after={"aim": text},
        )
        return PlanSaved(plan, True)


async def _validated_item(
    conn: BaseDBAsyncClient, actor: Actor, employee: Employee, item: ItemInput, today: date
) -> dict[str, Any]:
    issues: list[Issue] = []
    values: dict[str, Any] = {}
    kpi_code = (item.focus_kpi_code or "").strip()
    skill = (item.focus_skill or "").strip()
    if bool(kpi_code) == bool(skill):
        issues.append(
            Issue("focus", "name a KPI (focusKpiCode) or a skill (focusSkill), not both", "INVALID")
        )
    elif kpi_code:
        kpi = await Kpi.get_or_none(code=kpi_code, using_db=conn)
        if kpi is None:
            issues.append(
                Issue.of("focusKpiCode", "there is no KPI {kpi}", "NOT_FOUND", kpi=repr(kpi_code))
            )
        else:
            values.update(focus_kind=FocusKind.KPI, focus_kpi_id=kpi.id, focus_skill="")
    else:
        values.update(
            focus_kind=FocusKind.SKILL,
            focus_kpi_id=None,
            focus_skill=_text("focusSkill", skill, MAX_SKILL, issues, required=True),
        )
    try:
        action = DevelopmentAction(item.action)
    except ValueError:
        names = ", ".join(a.value for a in DevelopmentAction)
        issues.append(Issue.of("action", "one of {names}", "INVALID", names=names))
        action = None
    values["action"] = action
    values["course_id"] = None
    values["shadowing_id"] = None
    detail_required = action is DevelopmentAction.CUSTOM or (
        action is DevelopmentAction.SESSION and item.session_id is None
    )
    values["action_detail"] = _text(
        "actionDetail", item.action_detail, MAX_DETAIL, issues, required=detail_required
    )
    if action is DevelopmentAction.COURSE:
        course = None
        if item.course_code:
            course = await Course.get_or_none(code=item.course_code, using_db=conn)
        if course is None:
            issues.append(
                Issue("courseCode", "a COURSE names a course of the catalogue", "NOT_FOUND")
            )
        else:
            values["course_id"] = course.id
    elif item.course_code:
        issues.append(Issue("courseCode", "only a COURSE names a course", "INVALID"))
    if action is DevelopmentAction.SHADOWING:
        colleague = None
        if item.shadowing_external_id:
            colleague = await Employee.get_or_none(
                external_id=item.shadowing_external_id, using_db=conn
            )
        if colleague is None or colleague.id == employee.id:
            issues.append(
                Issue(
                    "shadowingExternalId",
                    "SHADOWING names the colleague to shadow (someone else)",
                    "INVALID",
                )
            )
        else:
            values["shadowing_id"] = colleague.id
    elif item.shadowing_external_id:
        issues.append(Issue("shadowingExternalId", "only SHADOWING names a colleague", "INVALID"))
    values["session_id"] = None
    if item.session_id is not None:
        session = None
        if action is DevelopmentAction.SESSION:
            session = await session_for_plan(
                conn,
                session_id=item.session_id,
                employee_id=employee.id,
                today_start=datetime.combine(today, time.min, tzinfo=UTC),
            )
        if session is None:
            issues.append(
                Issue.of(
                    "sessionId",
                    "a SESSION item names a session the person attended or one still to come",
                    "INVALID",
                )
            )
        else:
            values["session_id"] = session.id
    owner = await _owner(conn, employee, item.owner_external_id, issues)
    if owner is not None:
        values["owner_id"] = owner.id
    if item.due_on < today:
        issues.append(
            Issue.of("dueOn", "not before today ({today})", "IN_THE_PAST", today=today.isoformat())
        )
    values["due_on"] = item.due_on
    values["status"] = _status(item.status, issues)
    values["notes"] = _text("notes", item.notes, MAX_NOTES, issues, required=False)
    values["goal_id"] = None
    if item.goal_id is not None:
        goal = await _served_goal(conn, actor, employee, item.goal_id, issues)
        values["goal_id"] = None if goal is None else goal.id
    if issues:
        raise ValidationFailed(issues)
    return values


@retry_when_busy
async def add_development_item(
    *, actor: Actor, employee_external_id: str, item: ItemInput, today: date | None = None
) -> DevelopmentItem:
    """Add an item to the employee's plan (the plan is made on the first item). Taking a
    suggestion is this with the suggested KPI as the focus. ``today`` pins the day (demo,
    tests); else it is today in the organisation's timezone."""
    async with in_transaction() as conn:
        employee = await _employee(conn, employee_external_id, "employeeExternalId")
        plan = await _plan_for_update(conn, actor, employee)
        day = today or await organisation_today(conn)
        values = await _validated_item(conn, actor, employee, item, day)
        status = values.pop("status")
        if plan is None:
            plan = await DevelopmentPlan.create(
                using_db=conn, employee_id=employee.id, updated_by_label=actor.label
            )
        row = DevelopmentItem(plan_id=plan.id, created_by_label=actor.label, **values)
        _dated(row, status, day)
        await row.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="add_development_item",
            entity=AUDIT_ENTITY,
            entity_key=employee.external_id,
            after=item_audit(row),
        )
        return row


@retry_when_busy
async def update_development_item(
    *,
    actor: Actor,
    item_id: int,
    changes: ItemChanges,
    expected_version: int,
    today: date | None = None,
) -> DevelopmentItem:
    """Change an item's status, due date, notes, owner, action detail or goal. Moving to
    IN_PROGRESS (or DONE) sets its start once; DONE sets the day it was done."""
    async with in_transaction() as conn:
        row = await DevelopmentItem.select_for_update().using_db(conn).get_or_none(id=item_id)
        if row is None:
            raise NotFound("There is no development item {id}.", id=item_id)
        plan = await DevelopmentPlan.get(id=row.plan_id, using_db=conn)
        employee = await Employee.get(id=plan.employee_id, using_db=conn)
        await require_may_see_personal_record(conn, actor, employee)
        if expected_version != row.version:
            raise StaleVersion(
                "Development item {id} is at version {version}, not "
                "{expected}: someone saved first. Reload it and try again.",
                id=item_id,
                version=row.version,
                expected=expected_version,
            )
        day = today or await organisation_today(conn)
        before = item_audit(row)
        issues: list[Issue] = []
        status = None if changes.status is None else _status(changes.status, issues)
        if changes.due_on is not None and changes.due_on != row.due_on:
            if changes.due_on < day:
                issues.append(
                    Issue.of(
                        "dueOn", "not before today ({today})", "IN_THE_PAST", today=day.isoformat()
                    )
                )
            row.due_on = changes.due_on
        if changes.notes is not None:
            row.notes = _text("notes", changes.notes, MAX_NOTES, issues, required=False)
        if changes.action_detail is not None:
            required = row.action is DevelopmentAction.CUSTOM or (
                row.action is DevelopmentAction.SESSION and row.session_id is None
            )
            row.action_detail = _text(
                "actionDetail", changes.action_detail, MAX_DETAIL, issues, required=required
            )
        if changes.owner_external_id is not None:
            owner = await _owner(conn, employee, changes.owner_external_id, issues)
            if owner is not None:
                row.owner_id = owner.id
        if changes.clear_goal:
            row.goal_id = None
        elif changes.goal_id is not None:
            goal = await _served_goal(conn, actor, employee, changes.goal_id, issues)
            if goal is not None:
                row.goal_id = goal.id
        if issues:
            raise ValidationFailed(issues)
        if status is not None and status is not row.status:
            _dated(row, status, day)
        after = item_audit(row)
        if after == before:
            return row
        row.version += 1
        await row.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="update_development_item",
            entity=AUDIT_ENTITY,
            entity_key=employee.external_id,
            before=before,
            after=after,
        )
        return row


# --- reads ---------------------------------------------------------------------------


async def development_plan_of(
    conn: BaseDBAsyncClient, *, actor: Actor, employee_external_id: str
) -> tuple[Employee, DevelopmentPlan | None, list[DevelopmentItem]]:
    """The plan and its items (oldest first), for those who may see it."""
    employee = await _employee(conn, employee_external_id, "employeeExternalId")
    await require_may_see_personal_record(conn, actor, employee)
    plan = await DevelopmentPlan.get_or_none(employee_id=employee.id, using_db=conn)
    items = (
        []
        if plan is None
        else list(await DevelopmentItem.filter(plan_id=plan.id).using_db(conn).order_by("id"))
    )
    return employee, plan, items


@dataclass(frozen=True, slots=True)
class Suggestion:
    focus: FocusSuggestion
    kpi: Kpi
    courses: tuple[Course, ...]


@dataclass(frozen=True, slots=True)
class SuggestionsView:
    employee: Employee
    cycle: Cycle | None
    status: str | None  # the score's status; None without a score
    suggestions: tuple[Suggestion, ...]


async def _score_for_suggestions(
    conn: BaseDBAsyncClient, employee: Employee, cycle_code: str | None
) -> tuple[Cycle | None, Score | None]:
    if cycle_code is not None:
        cycle = await Cycle.get_or_none(code=cycle_code, using_db=conn)
        if cycle is None:
            raise NotFound("There is no cycle {cycle}.", cycle=repr(cycle_code))
        return cycle, await Score.get_or_none(
            cycle_id=cycle.id, employee_id=employee.id, using_db=conn
        )
    # The most recent cycle with a score that is not NOT_ELIGIBLE: the latest start,
    # then the shorter cycle, ties by code.
    score = (
        await Score.filter(employee_id=employee.id)
        .exclude(status=ScoreStatus.NOT_ELIGIBLE)
        .using_db(conn)
        .select_related("cycle")
        .order_by("-cycle__starts_on", "cycle__ends_on", "cycle__code")
        .first()
    )
    return (None, None) if score is None else (score.cycle, score)


async def suggestions_for(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    employee_external_id: str,
    cycle_code: str | None = None,
) -> SuggestionsView:
    """Up to three focus KPIs from the employee's score in the cycle (default: their most
    recent scored or NO_DATA cycle), each with the catalogue's courses tagged with it
    (service/scoring/development.py `suggest_focus` is the rule)."""
    employee = await _employee(conn, employee_external_id, "employeeExternalId")
    await require_may_see_personal_record(conn, actor, employee)
    cycle, score = await _score_for_suggestions(conn, employee, cycle_code)
    if score is None:
        return SuggestionsView(employee, cycle, None, ())
    focus = suggest_focus(StoredScore.from_row(score.explanation))
    codes = [f.kpi_code for f in focus]
    kpis = {k.code: k for k in await Kpi.filter(code__in=codes).using_db(conn)}
    courses = await courses_for_kpis(conn, codes)
    suggestions = tuple(
        Suggestion(f, kpis[f.kpi_code], tuple(courses.get(f.kpi_code, ())))
        for f in focus
        if f.kpi_code in kpis
    )
    return SuggestionsView(employee, cycle, score.status.value, suggestions)


# --- effect shown, not claimed -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CycleValue:
    cycle_id: int
    cycle_code: str
    raw_value: Fraction | None  # the INDIVIDUAL line's raw value on the final score
    sample_size: int | None  # None: no such line on their final score


@dataclass(frozen=True, slots=True)
class ItemEffect:
    before: CycleValue | None
    after: CycleValue | None


async def effects_of_items(
    conn: BaseDBAsyncClient, items: list[DevelopmentItem]
) -> dict[int, ItemEffect]:
    """For each DONE item with a KPI focus: the KPI's raw value on the employee's final
    score in the comparable previous cycle of the item's start and in the first finalised
    cycle after it was done (service/scoring/development.py `effect_cycles`). Read in a
    fixed number of queries whatever the number of items. Items without an effect to show
    are left out."""
    done = [
        i
        for i in items
        if i.status is DevelopmentStatus.DONE
        and i.focus_kpi_id is not None
        and i.started_on is not None
        and i.done_on is not None
    ]
    if not done:
        return {}
    finalized = await finalized_spans(conn)
    spans = [span for _pk, span in finalized.values()]
    cycle_ids = {code: pk for code, (pk, _span) in finalized.items()}
    plan_ids = sorted({i.plan_id for i in done})
    owners = dict(
        await DevelopmentPlan.filter(id__in=plan_ids)
        .using_db(conn)
        .values_list("id", "employee_id")
    )
    picked: dict[int, EffectCycles] = {}
    for item in done:
        assert item.started_on is not None
        assert item.done_on is not None
        picked[item.id] = effect_cycles(item.started_on, item.done_on, spans)
    wanted = {
        (owners[i.plan_id], cycle_ids[span.code], i.focus_kpi_id)
        for i in done
        for span in (picked[i.id].before, picked[i.id].after)
        if span is not None
    }
    values: dict[tuple[int, int, int], tuple[int | None, int]] = {}
    if wanted:
        employees = sorted({w[0] for w in wanted})
        cycles = sorted({w[1] for w in wanted})
        kpis = sorted({w[2] for w in wanted if w[2] is not None})
        rows = await fetch_all(
            conn,
            "SELECT s.employee_id AS employee_id, s.cycle_id AS cycle_id, l.kpi_id AS kpi_id, "
            "l.raw_value AS raw_value, l.sample_size AS sample_size "
            "FROM score_line l JOIN score s ON s.id = l.score_id "
            f"WHERE l.scope = ? AND s.employee_id IN ({','.join('?' * len(employees))}) "
            f"AND s.cycle_id IN ({','.join('?' * len(cycles))}) "
            f"AND l.kpi_id IN ({','.join('?' * len(kpis))})",
            [Scope.INDIVIDUAL.value, *employees, *cycles, *kpis],
        )
        for r in rows:
            key = (int(r["employee_id"]), int(r["cycle_id"]), int(r["kpi_id"]))
            raw = None if r["raw_value"] is None else int(r["raw_value"])
            values[key] = (raw, int(r["sample_size"]))

    def value(item: DevelopmentItem, span: CycleSpan | None) -> CycleValue | None:
        if span is None:
            return None
        found = values.get((owners[item.plan_id], cycle_ids[span.code], item.focus_kpi_id or 0))
        if found is None:
            return CycleValue(cycle_ids[span.code], span.code, None, None)
        raw, n = found
        exact = None if raw is None else Fraction(raw, VALUE_SCALE)
        return CycleValue(cycle_ids[span.code], span.code, exact, n)

    return {
        item.id: ItemEffect(value(item, picked[item.id].before), value(item, picked[item.id].after))
        for item in done
    }
