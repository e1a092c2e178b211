"""Check-ins (one-to-ones): recorded by a manager, acknowledged by the person, with
action items carried from one to the next until closed, an agenda of what changed
since the last one, and a cadence set by the policy.

A check-in keeps the person's stored score as it stood (its total and every line's
points) and their goals as they stood (value, progress and status) in a
`CheckInSnapshot`; it reads scores and goals and never writes one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from service.errors import InvalidTransition, Issue, NotFound, PermissionDenied, ValidationFailed
from service.models import (
    OPEN_CYCLE_STATES,
    AccessLevel,
    ActionItem,
    Appeal,
    AppealState,
    CheckIn,
    Cycle,
    Employee,
    Goal,
    Observation,
    Score,
)
from service.scoring import format_compact, format_fixed
from service.scoring.goals import GoalClock, GoalState, GoalStatus
from service.scoring.stored import StoredScore
from service.scoring.types import Policy
from service.sql import fetch_all, placeholders
from service.usecases.accounts.access import (
    CheckInView,
    check_in_view,
    manager_ids_in,
    manager_ids_of,
    person_sees_team_goals,
    require_may_hold_check_in,
    team_leads,
    team_parents,
    visible_employee_ids,
)
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.parsing import from_scaled
from service.usecases.people.goal_values import current_value_of
from service.usecases.people.goals import goal_views
from service.usecases.retries import retry_when_busy
from service.usecases.setup.policy import load_policy

MAX_NOTES = 10_000
MAX_ACTION_ITEM = 500
MAX_ACKNOWLEDGEMENT = 2_000
MAX_ACTION_ITEMS = 50
# A check-in is "due" this many days before its date, so a manager can plan it.
DUE_SOON_DAYS = 3
# The agenda lists at most this many new customer comments (the newest).
AGENDA_COMMENTS = 50
SNAPSHOT_VERSION = 1


# --- the snapshot: what the person's numbers were when the check-in was recorded -------


@dataclass(frozen=True, slots=True)
class SnapshotLine:
    number: int  # 1-based, as on the score
    kpi_code: str
    kpi_name: str
    kpi_name_zh: str
    scope: str
    status: str
    raw_value: str | None
    normalized: str | None
    contribution: str | None
    discussed: bool


@dataclass(frozen=True, slots=True)
class SnapshotScore:
    cycle_code: str
    status: str
    total: str | None
    band: str | None
    lines: tuple[SnapshotLine, ...]


@dataclass(frozen=True, slots=True)
class SnapshotGoal:
    """A goal as it stood (see :func:`snapshot_goals` for which goals); a snapshot
    without the key, or an entry without a newer key, reads as empty, so check-ins
    recorded before goals were kept stay readable."""

    goal_id: int
    title: str
    value: str | None  # the current value then, 4 places; None while there was none
    status: str  # ON_TRACK, AT_RISK, ACHIEVED or MISSED then
    discussed: bool
    cycle_code: str = ""
    team_goal: bool = False  # the person's team's goal, not their own
    target: str | None = None
    progress: str | None = None  # 0-100, 2 places
    unit: str = ""


@dataclass(frozen=True, slots=True)
class CheckInSnapshot:
    score: SnapshotScore | None
    goals: tuple[SnapshotGoal, ...] = ()

    def to_row(self) -> dict[str, Any]:
        score = self.score
        return {
            "version": SNAPSHOT_VERSION,
            "score": None
            if score is None
            else {
                "cycle": score.cycle_code,
                "status": score.status,
                "total": score.total,
                "band": score.band,
                "lines": [
                    {
                        "number": line.number,
                        "kpi": line.kpi_code,
                        "kpi_name": line.kpi_name,
                        "kpi_name_zh": line.kpi_name_zh,
                        "scope": line.scope,
                        "status": line.status,
                        "raw_value": line.raw_value,
                        "normalized": line.normalized,
                        "contribution": line.contribution,
                        "discussed": line.discussed,
                    }
                    for line in score.lines
                ],
            },
            "goals": [
                {
                    "id": goal.goal_id,
                    "title": goal.title,
                    "value": goal.value,
                    "status": goal.status,
                    "discussed": goal.discussed,
                    "cycle": goal.cycle_code,
                    "team": goal.team_goal,
                    "target": goal.target,
                    "progress": goal.progress,
                    "unit": goal.unit,
                }
                for goal in self.goals
            ],
        }

    @staticmethod
    def from_row(data: Any) -> CheckInSnapshot:
        data = data if isinstance(data, dict) else {}
        raw = data.get("score")
        score = None
        if isinstance(raw, dict):
            score = SnapshotScore(
                cycle_code=str(raw.get("cycle", "")),
                status=str(raw.get("status", "")),
                total=raw.get("total"),
                band=raw.get("band"),
                lines=tuple(
                    SnapshotLine(
                        number=int(line["number"]),
                        kpi_code=str(line["kpi"]),
                        kpi_name=str(line.get("kpi_name", line["kpi"])),
                        kpi_name_zh=str(line.get("kpi_name_zh", "")),
                        scope=str(line.get("scope", "")),
                        status=str(line.get("status", "")),
                        raw_value=line.get("raw_value"),
                        normalized=line.get("normalized"),
                        contribution=line.get("contribution"),
                        discussed=bool(line.get("discussed", False)),
                    )
                    for line in raw.get("lines", [])
                ),
            )
        goals = tuple(
            SnapshotGoal(
                goal_id=int(goal["id"]),
                title=str(goal.get("title", "")),
                value=goal.get("value"),
                status=str(goal.get("status", "")),
                discussed=bool(goal.get("discussed", False)),
                cycle_code=str(goal.get("cycle", "")),
                team_goal=bool(goal.get("team", False)),
                target=goal.get("target"),
                progress=goal.get("progress"),
                unit=str(goal.get("unit", "")),
            )
            for goal in data.get("goals", []) or []
        )
        return CheckInSnapshot(score=score, goals=goals)


def snapshot_of_score(
    cycle_code: str, stored: StoredScore, discussed: Sequence[int] = ()
) -> SnapshotScore:
    return SnapshotScore(
        cycle_code=cycle_code,
        status=stored.status,
        total=stored.total,
        band=stored.band,
        lines=tuple(
            SnapshotLine(
                number=number,
                kpi_code=line.setting.kpi.code,
                kpi_name=line.setting.kpi.name,
                kpi_name_zh=line.setting.kpi.name_zh,
                scope=line.setting.scope,
                status=line.status,
                raw_value=line.raw_value,
                normalized=line.normalized,
                contribution=line.contribution,
                discussed=number in discussed,
            )
            for number, line in enumerate(stored.lines, start=1)
        ),
    )


async def snapshot_goals(
    conn: BaseDBAsyncClient,
    employee: Employee,
    *,
    on: date,
    clock: GoalClock,
    discussed: Sequence[int] = (),
) -> tuple[SnapshotGoal, ...]:
    """The goals a check-in held on `on` keeps (docs/checkins.md): the person's ACCEPTED
    goals of every cycle that includes that day, their own and their team's, each with
    its value, progress and status at the clock's instant (SCORING.md §11). A team goal
    is kept only where the person themself may see it (the rule of 5), so the check-in
    never shows them more than their goals page does."""
    cycles = {
        c.id: c for c in await Cycle.filter(starts_on__lte=on, ends_on__gte=on).using_db(conn)
    }
    if not cycles:
        return ()
    owners = Q(employee_id=employee.id)
    if employee.team_id is not None:
        owners |= Q(team_id=employee.team_id)
    goals = list(
        await Goal.filter(owners, cycle_id__in=sorted(cycles), state=GoalState.ACCEPTED)
        .using_db(conn)
        .order_by("cycle_id", "id")
    )
    team_seen: dict[int, bool] = {}
    for cycle_id in sorted({g.cycle_id for g in goals if g.team_id is not None}):
        team_seen[cycle_id] = await person_sees_team_goals(conn, employee, cycle_id=cycle_id)
    goals = [g for g in goals if g.team_id is None or team_seen[g.cycle_id]]
    # The person's own goals first, then the team's.
    goals.sort(key=lambda g: (g.team_id is not None, g.cycle_id, g.id))
    # Each value as of the clock's instant, as the status is: for a real clock that is
    # the stored current value; a pinned day (demo, tests) gets that day's value. Set on
    # the rows read here only, never saved.
    policy, _version = await load_policy(conn)
    at = clock.instant(policy.timezone)
    for goal in goals:
        goal.current_value = await current_value_of(conn, goal, cycles[goal.cycle_id], policy, at)
    kept: list[SnapshotGoal] = []
    for view in await goal_views(conn, goals, clock=clock):
        goal, progress = view.goal, view.progress
        kept.append(
            SnapshotGoal(
                goal_id=goal.id,
                title=goal.title,
                value=None if view.current_value is None else format_fixed(view.current_value, 4),
                status="" if progress is None else progress.status.value,
                discussed=goal.id in discussed,
                cycle_code=cycles[goal.cycle_id].code,
                team_goal=goal.team_id is not None,
                target=format_compact(from_scaled(goal.target)),
                progress=None if progress is None else progress.reported,
                unit=view.kpi.unit if view.kpi is not None else goal.unit,
            )
        )
    return tuple(kept)


async def _current_score(
    conn: BaseDBAsyncClient, employee_id: int, cycle_code: str | None
) -> tuple[str, StoredScore] | None:
    """The stored score of the named cycle, or of the latest open cycle the person has
    one in."""
    query = Score.filter(employee_id=employee_id).using_db(conn).select_related("cycle")
    if cycle_code is not None:
        query = query.filter(cycle__code=cycle_code)
    else:
        query = query.filter(cycle__state__in=list(OPEN_CYCLE_STATES)).order_by(
            "-cycle__starts_on", "-cycle_id"
        )
    row = await query.first()
    if row is None:
        return None
    return row.cycle.code, StoredScore.from_row(row.explanation)


# --- recording and acknowledging ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionItemInput:
    text: str
    owner_external_id: str
    due_on: date


def local_today(policy: Policy, now: datetime | None) -> date:
    """The date in the policy's time zone at `now` (the cadence counts local days)."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(ZoneInfo(policy.timezone)).date()


async def _employee(conn: BaseDBAsyncClient, external_id: str) -> Employee:
    employee = await Employee.get_or_none(external_id=external_id, using_db=conn)
    if employee is None:
        raise NotFound("No employee has the external id {id}.", id=repr(external_id))
    return employee


def _text_issues(name: str, text: str, limit: int, *, required: bool) -> list[Issue]:
    if required and not text.strip():
        return [Issue(name, "write something", "REQUIRED")]
    if len(text) > limit:
        return [
            Issue.of(
                name,
                "is {size} characters long; at most {most} fit",
                "TOO_LONG",
                size=len(text),
                most=limit,
            )
        ]
    return []


@retry_when_busy
async def record_check_in(
    *,
    actor: Actor,
    employee_external_id: str,
    held_on: date,
    shared_notes: str = "",
    private_notes: str = "",
    cycle_code: str | None = None,
    discussed_lines: Sequence[int] = (),
    discussed_goals: Sequence[int] = (),
    action_items: Sequence[ActionItemInput] = (),
    close_action_item_ids: Sequence[int] = (),
    now: datetime | None = None,
    clock: GoalClock | None = None,
) -> CheckIn:
    """A manager (or an admin) records a check-in held with someone they manage.

    It keeps the person's stored score of `cycle_code` (by default the latest open
    cycle they have a score in) with the lines discussed marked, and their goals
    (:func:`snapshot_goals`, at `clock`: by default `now`) with the goals discussed
    marked; raises new action items and closes open ones; open items it does not close
    carry into the next."""
    issues = _text_issues("sharedNotes", shared_notes, MAX_NOTES, required=False)
    issues += _text_issues("privateNotes", private_notes, MAX_NOTES, required=False)
    if len(action_items) > MAX_ACTION_ITEMS:
        issues.append(
            Issue.of(
                "actionItems", "at most {most} in one check-in", "TOO_MANY", most=MAX_ACTION_ITEMS
            )
        )
    for index, item in enumerate(action_items):
        for issue in _text_issues("text", item.text, MAX_ACTION_ITEM, required=True):
            issues.append(replace(issue, field=f"actionItems.{issue.field}", row=index))
        if item.due_on < held_on:
            issues.append(
                Issue.of(
                    "actionItems.dueOn",
                    "is before the check-in ({day})",
                    "BEFORE_CHECK_IN",
                    row=index,
                    day=held_on.isoformat(),
                )
            )
    if issues:
        raise ValidationFailed(issues)
    async with in_transaction() as conn:
        employee = await _employee(conn, employee_external_id)
        managers = await manager_ids_of(conn, employee)
        require_may_hold_check_in(actor, employee=employee, manager_ids=managers)
        policy, _version = await load_policy(conn)
        today = local_today(policy, now)
        if held_on > today:
            raise ValidationFailed(
                [
                    Issue.of(
                        "heldOn",
                        "is after today ({today}); record it once held",
                        today=today.isoformat(),
                    )
                ]
            )
        last = (
            await CheckIn.filter(employee_id=employee.id)
            .using_db(conn)
            .order_by("-held_on", "-id")
            .first()
        )
        if last is not None and held_on < last.held_on:
            raise ValidationFailed(
                [
                    Issue.of(
                        "heldOn",
                        "is before the last check-in ({day}); check-ins "
                        "are recorded in the order they were held",
                        "BEFORE_LAST",
                        day=last.held_on.isoformat(),
                    )
                ]
            )
        current = await _current_score(conn, employee.id, cycle_code)
        if cycle_code is not None and current is None:
            raise ValidationFailed(
                [
                    Issue.of(
                        "cycleCode",
                        "{employee} has no score in {cycle}",
                        employee=employee_external_id,
                        cycle=repr(cycle_code),
                    )
                ]
            )
        lines_count = 0 if current is None else len(current[1].lines)
        for number in discussed_lines:
            if not 1 <= number <= lines_count:
                raise ValidationFailed(
                    [
                        Issue.of(
                            "discussedLines",
                            "line {line} is not on the score (it has lines 1 to {last})",
                            "UNKNOWN_LINE",
                            line=number,
                            last=lines_count,
                        )
                        if lines_count
                        else Issue(
                            "discussedLines",
                            "there is no score to discuss lines of",
                            "UNKNOWN_LINE",
                        )
                    ]
                )
        goals = await snapshot_goals(
            conn,
            employee,
            on=held_on,
            clock=clock or GoalClock(now=now or datetime.now(UTC)),
            discussed=discussed_goals,
        )
        kept = {goal.goal_id for goal in goals}
        unknown = [goal_id for goal_id in dict.fromkeys(discussed_goals) if goal_id not in kept]
        if unknown:
            raise ValidationFailed(
                [
                    Issue.of(
                        "discussedGoals",
                        "goal {goal} is not one of {employee}'s accepted goals (or their "
                        "team's) of a cycle that includes {day}",
                        "UNKNOWN_GOAL",
                        goal=goal_id,
                        employee=employee.external_id,
                        day=held_on.isoformat(),
                    )
                    for goal_id in unknown
                ]
            )
        owners = await _owners(conn, employee, managers, action_items)
        closing = await _closable(conn, employee, close_action_item_ids)
        snapshot = CheckInSnapshot(
            score=None
            if current is None
            else snapshot_of_score(current[0], current[1], discussed_lines),
            goals=goals,
        )
        check_in = await CheckIn.create(
            using_db=conn,
            employee_id=employee.id,
            held_on=held_on,
            recorded_by_employee_id=actor.employee_id,
            recorded_by_id=actor.user_id,
            recorded_by_label=actor.label,
            shared_notes=shared_notes.strip(),
            private_notes=private_notes.strip(),
            snapshot=snapshot.to_row(),
        )
        closed_at = now or datetime.now(UTC)
        for open_item in closing:
            open_item.closed_in_id = check_in.id
            open_item.closed_at = closed_at
            await open_item.save(using_db=conn, update_fields=["closed_in_id", "closed_at"])
        for new_item, owner in zip(action_items, owners, strict=True):
            await ActionItem.create(
                using_db=conn,
                employee_id=employee.id,
                raised_in_id=check_in.id,
                text=new_item.text.strip(),
                owner_id=owner.id,
                due_on=new_item.due_on,
            )
        await write_audit(
            conn,
            actor=actor,
            action="record_check_in",
            entity="check_in",
            entity_key=str(check_in.id),
            # The private notes stay out of the audit log, which more people read.
            after={
                "employee": employee.external_id,
                "held_on": held_on.isoformat(),
                "cycle": None if current is None else current[0],
                "discussed_lines": sorted(discussed_lines),
                "discussed_goals": sorted(set(discussed_goals)),
                "action_items": len(action_items),
                "closed_action_items": sorted(row.id for row in closing),
            },
        )
        return check_in


async def _owners(
    conn: BaseDBAsyncClient,
    employee: Employee,
    managers: set[int],
    items: Sequence[ActionItemInput],
) -> list[Employee]:
    """An action item's owner is the person or one of their managers: both see it."""
    codes = sorted({item.owner_external_id for item in items})
    rows = {e.external_id: e for e in await Employee.filter(external_id__in=codes).using_db(conn)}
    issues: list[Issue] = []
    owners: list[Employee] = []
    for index, item in enumerate(items):
        owner = rows.get(item.owner_external_id)
        if owner is None or (owner.id != employee.id and owner.id not in managers):
            issues.append(
                Issue.of(
                    "actionItems.owner",
                    "{owner} is neither {employee} nor one of their managers",
                    "NOT_A_PARTICIPANT",
                    row=index,
                    owner=repr(item.owner_external_id),
                    employee=employee.external_id,
                )
            )
        else:
            owners.append(owner)
    if issues:
        raise ValidationFailed(issues)
    return owners


async def _closable(
    conn: BaseDBAsyncClient, employee: Employee, ids: Sequence[int]
) -> list[ActionItem]:
    wanted = sorted(set(ids))
    rows = (
        await ActionItem.filter(id__in=wanted, employee_id=employee.id, closed_at__isnull=True)
        .using_db(conn)
        .select_for_update()
    )
    missing = sorted(set(wanted) - {row.id for row in rows})
    if missing:
        raise ValidationFailed(
            [
                Issue.of(
                    "closeActionItems",
                    "{ids} are not open action items of {employee}",
                    "NOT_OPEN",
                    ids=missing,
                    employee=employee.external_id,
                )
            ]
        )
    return list(rows)


@retry_when_busy
async def acknowledge_check_in(
    *, actor: Actor, check_in_id: int, comment: str | None = None, now: datetime | None = None
) -> CheckIn:
    """The person says they have read the check-in, with a comment if they like."""
    text = (comment or "").strip()
    issues = _text_issues("comment", text, MAX_ACKNOWLEDGEMENT, required=False)
    if issues:
        raise ValidationFailed(issues)
    async with in_transaction() as conn:
        check_in = await CheckIn.select_for_update().using_db(conn).get_or_none(id=check_in_id)
        if check_in is None:
            raise NotFound("No check-in has the id {id}.", id=check_in_id)
        if actor.employee_id is None or actor.employee_id != check_in.employee_id:
            raise PermissionDenied("Only the person the check-in was with acknowledges it.")
        if check_in.acknowledged_at is not None:
            raise InvalidTransition(
                "Check-in {id} was acknowledged on {day}.",
                id=check_in_id,
                day=check_in.acknowledged_at.date().isoformat(),
            )
        check_in.acknowledged_at = now or datetime.now(UTC)
        check_in.acknowledgement_comment = text
        await check_in.save(
            using_db=conn, update_fields=["acknowledged_at", "acknowledgement_comment"]
        )
        await write_audit(
            conn,
            actor=actor,
            action="acknowledge_check_in",
            entity="check_in",
            entity_key=str(check_in_id),
            after={"comment": text or None},
        )
        return check_in


# --- reading: who sees what of a check-in ------------------------------------------------


async def check_in_view_of(conn: BaseDBAsyncClient, actor: Actor, check_in: CheckIn) -> CheckInView:
    employee = await Employee.get(id=check_in.employee_id, using_db=conn)
    return check_in_view(
        actor,
        employee_id=employee.id,
        manager_ids=await manager_ids_of(conn, employee),
        recorded_by_employee_id=check_in.recorded_by_employee_id,
    )


def carried_action_items(check_in: CheckIn, items: Sequence[ActionItem]) -> list[ActionItem]:
    """The person's items raised before this check-in and still open when it was
    recorded (closed by it or later, or not yet): what it carried over. Items are
    closed only by a later check-in, so the order of check-in ids is the order of time."""
    return [
        item
        for item in items
        if item.raised_in_id < check_in.id
        and (item.closed_in_id is None or item.closed_in_id >= check_in.id)
    ]


# --- cadence -----------------------------------------------------------------------------


class CadenceStatus(StrEnum):
    NOT_DUE = "NOT_DUE"
    DUE = "DUE"
    OVERDUE = "OVERDUE"


@dataclass(frozen=True, slots=True)
class Cadence:
    last_held_on: date | None
    due_on: date
    status: CadenceStatus


def cadence_of(
    *, last_held_on: date | None, hired_on: date, interval_days: int, today: date
) -> Cadence:
    """The next check-in is due `interval_days` after the last (after the hire date for
    someone who never had one); it is DUE from DUE_SOON_DAYS before that day through
    the day itself, OVERDUE the day after."""
    due_on = (last_held_on or hired_on) + timedelta(days=interval_days)
    if today > due_on:
        status = CadenceStatus.OVERDUE
    elif today >= due_on - timedelta(days=DUE_SOON_DAYS):
        status = CadenceStatus.DUE
    else:
        status = CadenceStatus.NOT_DUE
    return Cadence(last_held_on, due_on, status)


async def last_held_on(conn: BaseDBAsyncClient, employee_ids: Sequence[int]) -> dict[int, date]:
    """Each person's latest check-in date, in one GROUP BY."""
    if not employee_ids:
        return {}
    ids = sorted(set(employee_ids))
    rows = await fetch_all(
        conn,
        "SELECT employee_id, MAX(held_on) AS held_on FROM check_in "
        f"WHERE employee_id IN ({placeholders(len(ids))}) GROUP BY employee_id",
        ids,
    )
    found: dict[int, date] = {}
    for row in rows:
        value = row["held_on"]
        found[int(row["employee_id"])] = (
            value if isinstance(value, date) else date.fromisoformat(str(value))
        )
    return found


@dataclass(frozen=True, slots=True)
class DueCheckIn:
    employee: Employee
    cadence: Cadence


async def due_check_ins(
    *, actor: Actor, now: datetime | None = None, include_not_due: bool = False
) -> list[DueCheckIn]:
    """The people the actor holds check-ins with (a manager: everyone in the teams they
    lead and below; an admin: everyone), still employed, who are DUE or OVERDUE (with
    `include_not_due`, everyone), the longest overdue first."""
    if not (actor.is_admin or actor.access is AccessLevel.MANAGER):
        raise PermissionDenied("The list of due check-ins is for managers and admins.")
    async with in_transaction() as conn:
        policy, _version = await load_policy(conn)
        today = local_today(policy, now)
        visible = await visible_employee_ids(conn, actor)
        query = Employee.all().using_db(conn)
        if visible is not None:
            query = query.filter(id__in=sorted(visible - {actor.employee_id}))
        people = [e for e in await query.order_by("id") if e.left_on is None or e.left_on >= today]
        last = await last_held_on(conn, [e.id for e in people])
    rows = [
        DueCheckIn(
            employee,
            cadence_of(
                last_held_on=last.get(employee.id),
                hired_on=employee.hired_on,
                interval_days=policy.check_in_interval_days,
                today=today,
            ),
        )
        for employee in people
    ]
    if not include_not_due:
        rows = [r for r in rows if r.cadence.status is not CadenceStatus.NOT_DUE]
    return sorted(rows, key=lambda r: (r.cadence.due_on, r.employee.id))


@dataclass(frozen=True, slots=True)
class NextCheckIn:
    cadence: Cadence
    open_action_items: list[ActionItem]


async def next_check_in(
    *, actor: Actor, employee_external_id: str, now: datetime | None = None
) -> NextCheckIn:
    """When the person's next check-in is due, and their open action items: for the
    person, their managers and admins."""
    async with in_transaction() as conn:
        employee = await _employee(conn, employee_external_id)
        await _require_sees_check_ins(conn, actor, employee)
        policy, _version = await load_policy(conn)
        last = await last_held_on(conn, [employee.id])
        items = await _open_items(conn, employee.id)
    cadence = cadence_of(
        last_held_on=last.get(employee.id),
        hired_on=employee.hired_on,
        interval_days=policy.check_in_interval_days,
        today=local_today(policy, now),
    )
    return NextCheckIn(cadence, items)


async def _open_items(conn: BaseDBAsyncClient, employee_id: int) -> list[ActionItem]:
    return list(
        await ActionItem.filter(employee_id=employee_id, closed_at__isnull=True)
        .using_db(conn)
        .order_by("due_on", "id")
    )


async def _require_sees_check_ins(
    conn: BaseDBAsyncClient, actor: Actor, employee: Employee
) -> None:
    view = check_in_view(
        actor,
        employee_id=employee.id,
        manager_ids=await manager_ids_of(conn, employee),
        recorded_by_employee_id=None,
    )
    if view is CheckInView.NONE:
        raise PermissionDenied(
            "An employee's check-ins are seen by the employee, their managers and admins."
        )


# --- the agenda: what changed since the last check-in ------------------------------------


@dataclass(frozen=True, slots=True)
class MovedLine:
    number: int
    kpi_code: str
    kpi_name: str
    kpi_name_zh: str
    scope: str
    then: str | None  # the line's points (contribution) at the last check-in
    now: str | None


@dataclass(frozen=True, slots=True)
class CheckInAgenda:
    employee: Employee
    last_check_in: CheckIn | None
    cycle_code: str | None
    total_then: str | None
    total_now: str | None
    moved_lines: list[MovedLine]
    new_comments: list[Observation]
    open_appeals: list[Appeal]
    open_action_items: list[ActionItem]
    # Goals AT_RISK now that were not at the last check-in (or not kept by it).
    goals_at_risk: list[SnapshotGoal] = field(default_factory=list)

    @property
    def total_moved(self) -> bool:
        return self.total_then != self.total_now


async def check_in_agenda(
    *, actor: Actor, employee_external_id: str, clock: GoalClock | None = None
) -> CheckInAgenda:
    """What to start the next check-in from: the total and the lines that moved since
    the last one (from the stored scores), customer comments recorded since, goals
    turning AT_RISK since (at `clock`, by default now, against the last check-in's
    snapshot), open appeals and open action items. Computed when asked, stored nowhere."""
    clock = clock or GoalClock(now=datetime.now(UTC))
    async with in_transaction() as conn:
        employee = await _employee(conn, employee_external_id)
        await _require_sees_check_ins(conn, actor, employee)
        policy, _version = await load_policy(conn)
        goals_now = await snapshot_goals(
            conn, employee, on=clock.today(policy.timezone), clock=clock
        )
        last = (
            await CheckIn.filter(employee_id=employee.id)
            .using_db(conn)
            .order_by("-held_on", "-id")
            .first()
        )
        current = await _current_score(conn, employee.id, None)
        then = None if last is None else CheckInSnapshot.from_row(last.snapshot).score
        comments = Observation.filter(
            employee_id=employee.id, comment__isnull=False, voided_at__isnull=True
        ).using_db(conn)
        if last is not None:
            comments = comments.filter(recorded_at__gt=last.created_at)
        new_comments = [
            row
            for row in await comments.order_by("-occurred_at_us", "-id").limit(AGENDA_COMMENTS)
            if row.comment and row.comment.strip()
        ]
        appeals = list(
            await Appeal.filter(employee_id=employee.id, state=AppealState.OPEN)
            .using_db(conn)
            .order_by("id")
        )
        items = await _open_items(conn, employee.id)
    goals_then = (
        {}
        if last is None
        else {g.goal_id: g for g in CheckInSnapshot.from_row(last.snapshot).goals}
    )
    at_risk = [
        goal
        for goal in goals_now
        if goal.status == GoalStatus.AT_RISK.value
        and (
            goal.goal_id not in goals_then
            or goals_then[goal.goal_id].status != GoalStatus.AT_RISK.value
        )
    ]
    cycle_code = None if current is None else current[0]
    now_score = None if current is None else snapshot_of_score(current[0], current[1])
    same_cycle = then is not None and now_score is not None and then.cycle_code == cycle_code
    before = {(line.number, line.kpi_code): line for line in then.lines} if then else {}
    moved: list[MovedLine] = []
    for line in now_score.lines if now_score else ():
        old = before.get((line.number, line.kpi_code)) if same_cycle else None
        old_points = None if old is None else old.contribution
        if old is None or old_points != line.contribution:
            moved.append(
                MovedLine(
                    line.number,
                    line.kpi_code,
                    line.kpi_name,
                    line.kpi_name_zh,
                    line.scope,
                    old_points,
                    line.contribution,
                )
            )
    return CheckInAgenda(
        employee=employee,
        last_check_in=last,
        cycle_code=cycle_code,
        total_then=then.total if same_cycle and then else None,
        total_now=None if now_score is None else now_score.total,
        moved_lines=moved,
        new_comments=new_comments,
        open_appeals=appeals,
        open_action_items=items,
        goals_at_risk=at_risk,
    )


async def managers_by_employee(
    conn: BaseDBAsyncClient, employees: Sequence[Employee]
) -> dict[int, set[int]]:
    """Each person's managers, from one read of the team tree."""
    parents = await team_parents(conn)
    leads = await team_leads(conn)
    return {e.id: manager_ids_in(e.id, e.team_id, parents, leads) for e in employees}
