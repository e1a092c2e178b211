"""Goals for every employee and team (SCORING.md §11): set, decide, report a value,
delete, apply a template; and the goals a viewer may read, with progress and status
computed on read from one clock per request.

Managers set goals for the people and teams they manage (accepted at once); an
employee proposes their own (PROPOSED) and a manager accepts or returns them with a
note (RETURNED). Every save runs the SMART check: an ERROR refuses it, warnings are
kept with the goal. Goals never change a score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import (
    GoalNotSmart,
    InvalidTransition,
    Issue,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from service.models import (
    OPEN_CYCLE_STATES,
    AccessLevel,
    Cycle,
    CycleState,
    Employee,
    Goal,
    GoalUpdate,
    Kpi,
    Scorecard,
    ScorecardLine,
    Team,
)
from service.scoring.goals import (
    GoalClock,
    GoalMeasure,
    GoalProgress,
    GoalState,
    SmartFinding,
    SmartResult,
    check_achievable,
    check_measurable,
    check_relevant,
    check_specific,
    check_time_bound,
    goal_progress,
    has_error,
    smart_message,
)
from service.scoring.types import Direction, Policy, Scope
from service.sql import int_values
from service.usecases.accounts.access import (
    led_team_ids,
    may_see_team_goals,
    require_may_act_on,
    require_may_act_on_team,
    visible_employee_ids,
)
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.inputs import Number
from service.usecases.parsing import (
    ParseError,
    from_scaled,
    parse_date,
    parse_decimal,
    scaled_to_text,
    to_scaled,
)
from service.usecases.people.goal_values import (
    best_previous_value,
    computed_baseline,
    current_value_of,
    goal_scope,
    measured_group,
)
from service.usecases.periods import comparable_previous
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.engine_inputs import kpi_to_engine
from service.usecases.setup.policy import load_policy

# Target, baseline and weight of an accepted goal lock once its cycle has started.
LOCKED_FIELDS = ("target", "baseline", "weight")
_MAX_DESCRIPTION = 4_000


@dataclass(frozen=True, slots=True)
class MeasureInput:
    """A KPI (its code and a scope) or a manual measure (unit, direction, optional
    range, and the KPI it relates to)."""

    kpi_code: str | None = None
    scope: str | None = None
    unit: str = ""
    direction: str | None = None
    range_min: Number | None = None
    range_max: Number | None = None
    related_kpi_code: str | None = None


@dataclass(frozen=True, slots=True)
class GoalInput:
    """A new goal (no ``goal_id``: name the owner, an employee or a team) or changes to
    one. Numbers arrive as text so the field that is wrong can be named."""

    cycle_code: str
    title: str
    measure: MeasureInput | None
    target: Number | None
    due_on: date | str | None
    employee_external_id: str | None = None
    team_code: str | None = None
    goal_id: int | None = None
    description: str = ""
    baseline: Number | None = None
    weight: Number | None = None
    parent_goal_id: int | None = None
    expected_version: int | None = None
    # An admin changing a locked target, baseline or weight says why.
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SavedGoal:
    goal: Goal
    findings: tuple[SmartFinding, ...]


@dataclass(frozen=True, slots=True)
class TemplateFailure:
    employee_external_id: str
    issues: list[Issue]
    findings: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TemplateReport:
    created: list[Goal]
    failed: list[TemplateFailure]


# --- reading ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoalView:
    """A goal as a reader sees it: the row, its measure and, for an accepted goal,
    progress and status at the request's one instant."""

    goal: Goal
    cycle: Cycle
    kpi: Kpi | None
    related_kpi: Kpi | None
    findings: tuple[SmartFinding, ...]
    progress: GoalProgress | None

    @property
    def current_value(self) -> Fraction | None:
        value = self.goal.current_value
        return None if value is None else from_scaled(value)

    @property
    def direction(self) -> Direction:
        if self.kpi is not None:
            return self.kpi.direction
        return self.goal.direction or Direction.HIGHER_IS_BETTER

    def messages(self, lang: str) -> list[tuple[SmartFinding, str]]:
        return [(f, smart_message(f, lang)) for f in self.findings]


def measure_of(goal: Goal, kpi: Kpi | None) -> GoalMeasure:
    if kpi is not None:
        return GoalMeasure(kpi=kpi_to_engine(kpi), scope=goal_scope(goal))
    return GoalMeasure(
        unit=goal.unit,
        direction=goal.direction or Direction.HIGHER_IS_BETTER,
        range_min=None if goal.range_min is None else from_scaled(goal.range_min),
        range_max=None if goal.range_max is None else from_scaled(goal.range_max),
    )


def findings_of(goal: Goal) -> tuple[SmartFinding, ...]:
    return tuple(SmartFinding.from_data(item) for item in goal.smart or [])


def view_of(
    goal: Goal,
    *,
    cycle: Cycle,
    kpis: dict[int, Kpi],
    policy: Policy,
    clock: GoalClock,
) -> GoalView:
    """One goal as a reader sees it; progress and status at the clock's instant (§11)."""
    kpi = kpis.get(goal.kpi_id) if goal.kpi_id is not None else None
    progress = None
    if goal.state is GoalState.ACCEPTED:
        progress = goal_progress(
            measure=measure_of(goal, kpi),
            target=from_scaled(goal.target),
            baseline=None if goal.baseline is None else from_scaled(goal.baseline),
            current=None if goal.current_value is None else from_scaled(goal.current_value),
            due_on=goal.due_on,
            accepted_on=goal.accepted_on or cycle.starts_on,
            cycle_starts_on=cycle.starts_on,
            at=clock.instant(policy.timezone),
            timezone=policy.timezone,
            risk_margin=policy.goal_risk_margin,
        )
    return GoalView(
        goal=goal,
        cycle=cycle,
        kpi=kpi,
        related_kpi=kpis.get(goal.related_kpi_id) if goal.related_kpi_id else None,
        findings=findings_of(goal),
        progress=progress,
    )


async def goal_views(
    conn: BaseDBAsyncClient, goals: Sequence[Goal], *, clock: GoalClock
) -> list[GoalView]:
    """Views of goals already filtered for the reader: a fixed number of queries."""
    if not goals:
        return []
    policy, _version = await load_policy(conn)
    cycles = {
        c.id: c for c in await Cycle.filter(id__in={g.cycle_id for g in goals}).using_db(conn)
    }
    kpi_ids = {g.kpi_id for g in goals} | {g.related_kpi_id for g in goals}
    kpis = {k.id: k for k in await Kpi.filter(id__in=kpi_ids - {None}).using_db(conn)}
    return [
        view_of(goal, cycle=cycles[goal.cycle_id], kpis=kpis, policy=policy, clock=clock)
        for goal in goals
    ]


async def _cycle(conn: BaseDBAsyncClient, code: str) -> Cycle:
    cycle = await Cycle.get_or_none(code=code, using_db=conn)
    if cycle is None:
        raise NotFound("No cycle has the code {code}.", code=repr(code))
    return cycle


async def employee_goals(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    employee_id: int,
    cycle_code: str,
    clock: GoalClock,
) -> list[GoalView]:
    """An employee's goals in a cycle: seen by the employee, their managers and admins."""
    visible = await visible_employee_ids(conn, actor)
    if visible is not None and employee_id not in visible:
        raise PermissionDenied("You may see only your own goals and those of people you manage.")
    cycle = await _cycle(conn, cycle_code)
    goals = (
        await Goal.filter(cycle_id=cycle.id, employee_id=employee_id).using_db(conn).order_by("id")
    )
    return await goal_views(conn, goals, clock=clock)


async def team_goals(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    team_id: int,
    cycle_code: str,
    clock: GoalClock,
) -> list[GoalView]:
    """A team's goals: managers and admins always, members under the rule of 5 (§11)."""
    cycle = await _cycle(conn, cycle_code)
    if not await may_see_team_goals(conn, actor, team_id=team_id, cycle_id=cycle.id):
        raise PermissionDenied(
            "You may see this team's goals as its manager, or as a member once at least "
            "5 members of the team are scored in the cycle."
        )
    goals = await Goal.filter(cycle_id=cycle.id, team_id=team_id).using_db(conn).order_by("id")
    return await goal_views(conn, goals, clock=clock)


async def serving_goals(
    conn: BaseDBAsyncClient, *, actor: Actor, team_goal_ids: Sequence[int], clock: GoalClock
) -> dict[int, list[GoalView]]:
    """The individual goals serving each team goal, those the actor may see."""
    if not team_goal_ids:
        return {}
    visible = await visible_employee_ids(conn, actor)
    query = Goal.filter(parent_id__in=list(team_goal_ids)).using_db(conn)
    if visible is not None:
        query = query.filter(employee_id__in=sorted(visible))
    views = await goal_views(conn, await query.order_by("id"), clock=clock)
    found: dict[int, list[GoalView]] = {goal_id: [] for goal_id in team_goal_ids}
    for view in views:
        assert view.goal.parent_id is not None
        found[view.goal.parent_id].append(view)
    return found


async def visible_goal(conn: BaseDBAsyncClient, *, actor: Actor, goal_id: int) -> Goal | None:
    """A goal if the actor may see it (None otherwise: unknown and hidden look alike)."""
    goal = await Goal.get_or_none(id=goal_id, using_db=conn)
    if goal is None:
        return None
    if goal.employee_id is not None:
        visible = await visible_employee_ids(conn, actor)
        return goal if visible is None or goal.employee_id in visible else None
    assert goal.team_id is not None
    if await may_see_team_goals(conn, actor, team_id=goal.team_id, cycle_id=goal.cycle_id):
        return goal
    return None


async def at_risk_goals(
    conn: BaseDBAsyncClient, *, actor: Actor, cycle_code: str, clock: GoalClock
) -> list[GoalView]:
    """The accepted goals that are AT_RISK now among those the actor manages (or all,
    for an admin): the manager's list."""
    cycle = await _cycle(conn, cycle_code)
    query = Goal.filter(cycle_id=cycle.id, state=GoalState.ACCEPTED).using_db(conn)
    if not actor.is_admin:
        if actor.access is not AccessLevel.MANAGER:
            raise PermissionDenied("The goals at risk are listed for managers and admins.")
        teams = await led_team_ids(conn, actor.employee_id)
        members = [
            e
            for e in await int_values(
                Employee.filter(team_id__in=sorted(teams))
                .using_db(conn)
                .values_list("id", flat=True)
            )
            if e != actor.employee_id
        ]
        goals = await query.filter(employee_id__in=members) if members else []
        goals += await query.filter(team_id__in=sorted(teams)) if teams else []
    else:
        goals = await query
    views = await goal_views(conn, sorted(goals, key=lambda g: g.id), clock=clock)
    return [v for v in views if v.progress is not None and v.progress.status.value == "AT_RISK"]


# --- saving -----------------------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    title: str
    description: str
    kpi: Kpi | None
    scope: Scope
    unit: str
    direction: Direction | None
    range_min: int | None
    range_max: int | None
    related_kpi: Kpi | None
    target: int | None
    baseline: int | None
    weight: int
    due_on: date | None
    parent: Goal | None


def _number(raw: Number | None, name: str, issues: list[Issue]) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return to_scaled(parse_decimal(raw))
    except ParseError as error:
        issues.append(error.issue(name))
        return None


async def _kpi(
    conn: BaseDBAsyncClient, code: str | None, name: str, issues: list[Issue]
) -> Kpi | None:
    if code is None or not code.strip():
        return None
    kpi = await Kpi.get_or_none(code=code.strip(), using_db=conn)
    if kpi is None:
        issues.append(
            Issue.of(name, "no KPI has the code {kpi}", "NOT_FOUND", kpi=repr(code.strip()))
        )
    return kpi


async def _parse(
    conn: BaseDBAsyncClient, data: GoalInput, cycle: Cycle, team_goal: bool
) -> _Parsed:
    """Shapes and references; the SMART letters judge the values afterwards."""
    issues: list[Issue] = []
    title = data.title or ""
    if len(data.description or "") > _MAX_DESCRIPTION:
        issues.append(
            Issue.of("description", "write at most {most} characters", most=_MAX_DESCRIPTION)
        )
    measure = data.measure
    kpi = related = None
    scope = Scope.TEAM if team_goal else Scope.INDIVIDUAL
    direction: Direction | None = None
    range_min = range_max = None
    unit = ""
    if measure is not None:
        kpi = await _kpi(conn, measure.kpi_code, "measure.kpiCode", issues)
        related = await _kpi(conn, measure.related_kpi_code, "measure.relatedKpiCode", issues)
        if measure.scope:
            try:
                scope = Scope(measure.scope)
            except ValueError:
                issues.append(Issue("measure.scope", "give INDIVIDUAL or TEAM"))
        if team_goal and scope is not Scope.TEAM:
            issues.append(Issue("measure.scope", "a team goal is measured at TEAM scope"))
        if measure.kpi_code is None or not measure.kpi_code.strip():
            unit = (measure.unit or "").strip()
            if len(unit) > 32:
                issues.append(Issue("measure.unit", "write at most 32 characters"))
            try:
                direction = Direction(measure.direction or "")
            except ValueError:
                issues.append(
                    Issue("measure.direction", "give HIGHER_IS_BETTER or LOWER_IS_BETTER")
                )
            range_min = _number(measure.range_min, "measure.rangeMin", issues)
            range_max = _number(measure.range_max, "measure.rangeMax", issues)
            if range_min is not None and range_max is not None and range_min > range_max:
                issues.append(Issue("measure.rangeMax", "must not be below the range's minimum"))
    target = _number(data.target, "target", issues)
    baseline = _number(data.baseline, "baseline", issues)
    weight = _number(data.weight, "weight", issues) if data.weight is not None else 10_000
    if weight is not None and weight <= 0:
        issues.append(Issue("weight", "must be more than 0 (the default is 1)"))
    due_on = None
    if data.due_on is not None and data.due_on != "":
        try:
            due_on = parse_date(data.due_on)
        except (ParseError, ValueError) as error:
            issues.append(Issue("dueOn", str(error)))
    parent = None
    if data.parent_goal_id is not None:
        parent = await Goal.get_or_none(id=data.parent_goal_id, using_db=conn)
        if parent is None or parent.team_id is None or parent.cycle_id != cycle.id:
            issues.append(
                Issue("parentGoalId", "name a team goal of the same cycle", "NOT_A_TEAM_GOAL")
            )
            parent = None
        elif team_goal:
            issues.append(Issue("parentGoalId", "a team goal serves no other goal"))
    if issues:
        raise ValidationFailed(issues)
    return _Parsed(
        title=title,
        description=data.description or "",
        kpi=kpi,
        scope=scope,
        unit=unit,
        direction=direction,
        range_min=range_min,
        range_max=range_max,
        related_kpi=related,
        target=target,
        baseline=baseline,
        weight=weight if weight is not None else 10_000,
        due_on=due_on,
        parent=parent,
    )


async def _scorecard_kpi_codes(
    conn: BaseDBAsyncClient, cycle: Cycle, position_ids: set[int]
) -> frozenset[str]:
    if not position_ids:
        return frozenset()
    cards = (
        await Scorecard.filter(cycle_id=cycle.id, position_id__in=sorted(position_ids))
        .using_db(conn)
        .values_list("id", flat=True)
    )
    if not cards:
        return frozenset()
    codes = (
        await ScorecardLine.filter(scorecard_id__in=list(cards))
        .using_db(conn)
        .values_list("kpi__code", flat=True)
    )
    return frozenset(str(c) for c in codes)


@dataclass(frozen=True, slots=True)
class _Owner:
    employee: Employee | None
    team: Team | None

    @property
    def label(self) -> str:
        if self.employee is not None:
            return self.employee.external_id
        assert self.team is not None
        return f"team {self.team.code}"


async def _check(
    conn: BaseDBAsyncClient,
    *,
    parsed: _Parsed,
    owner: _Owner,
    cycle: Cycle,
    policy: Policy,
    today: date,
    due_changed: bool,
    goal_for_group: Goal,
) -> tuple[tuple[SmartFinding, ...], int | None, bool]:
    """The five letters, and the baseline to store (given, or computed for a KPI goal)."""
    team_goal = owner.team is not None
    measure: GoalMeasure | None = None
    if parsed.kpi is not None:
        measure = GoalMeasure(kpi=kpi_to_engine(parsed.kpi), scope=parsed.scope)
    elif parsed.direction is not None:
        measure = GoalMeasure(
            unit=parsed.unit,
            direction=parsed.direction,
            range_min=None if parsed.range_min is None else from_scaled(parsed.range_min),
            range_max=None if parsed.range_max is None else from_scaled(parsed.range_max),
        )
    baseline = parsed.baseline
    computed = False
    previous = None
    best = None
    if parsed.kpi is not None:
        previous = await comparable_previous(conn, cycle)
        if baseline is None:
            group = await measured_group(conn, goal_for_group)
            found = await computed_baseline(
                conn,
                previous=previous,
                kpi=parsed.kpi,
                scope=parsed.scope,
                group=group,
                policy=policy,
            )
            if found is not None:
                baseline, computed = int(found * 10_000), True
        best = await best_previous_value(
            conn,
            previous=previous,
            kpi=parsed.kpi,
            scope=parsed.scope,
            team_id=owner.employee.team_id if owner.employee is not None else None,
            team_goal=team_goal,
        )
    names = tuple(
        name
        for kpi in (parsed.kpi, parsed.related_kpi)
        if kpi is not None
        for name in (kpi.name, kpi.name_zh)
        if name
    )
    if team_goal:
        assert owner.team is not None
        positions = set(
            await int_values(
                Employee.filter(team_id=owner.team.id, position_id__isnull=False)
                .using_db(conn)
                .values_list("position_id", flat=True)
            )
        )
    else:
        assert owner.employee is not None
        positions = (
            {owner.employee.position_id} if owner.employee.position_id is not None else set()
        )
    codes = await _scorecard_kpi_codes(conn, cycle, positions)
    target = None if parsed.target is None else from_scaled(parsed.target)
    findings = (
        check_specific(parsed.title, names),
        check_measurable(measure, target),
        check_achievable(
            measure, target, None if baseline is None else from_scaled(baseline), best
        ),
        check_relevant(
            measure,
            scorecard_kpi_codes=codes,
            related_kpi_code=None if parsed.related_kpi is None else parsed.related_kpi.code,
            serves_team_goal=parsed.parent is not None,
            team_goal=team_goal,
        ),
        check_time_bound(
            parsed.due_on,
            cycle_starts_on=cycle.starts_on,
            cycle_ends_on=cycle.ends_on,
            today=today,
            due_changed=due_changed,
        ),
    )
    return findings, baseline, computed


def _refuse(findings: tuple[SmartFinding, ...]) -> GoalNotSmart:
    issues = [
        Issue(f.field, smart_message(f, "en"), f"SMART_{f.letter.value}_{f.code}")
        for f in findings
        if f.result is SmartResult.ERROR
    ]
    return GoalNotSmart(issues, [f.to_data() for f in findings])


def _snapshot(goal: Goal) -> dict[str, Any]:
    return {
        "state": goal.state.value,
        "title": goal.title,
        "kpi_id": goal.kpi_id,
        "scope": None if goal.scope is None else goal.scope.value,
        "unit": goal.unit,
        "direction": None if goal.direction is None else goal.direction.value,
        "target": scaled_to_text(goal.target),
        "baseline": scaled_to_text(goal.baseline),
        "weight": scaled_to_text(goal.weight),
        "due_on": goal.due_on.isoformat(),
        "parent_id": goal.parent_id,
    }


def _require_open(cycle: Cycle) -> None:
    if cycle.state is CycleState.FINALIZED:
        raise InvalidTransition(
            "Cycle {cycle} is FINALIZED: its goals are locked.", cycle=repr(cycle.code)
        )


async def _owner_of(conn: BaseDBAsyncClient, data: GoalInput, existing: Goal | None) -> _Owner:
    if existing is not None:
        if existing.employee_id is not None:
            return _Owner(await Employee.get(id=existing.employee_id, using_db=conn), None)
        return _Owner(None, await Team.get(id=existing.team_id, using_db=conn))
    if (data.employee_external_id is None) == (data.team_code is None):
        raise ValidationFailed(
            [Issue("owner", "name exactly one owner: an employee or a team", "REQUIRED")]
        )
    if data.employee_external_id is not None:
        employee = await Employee.get_or_none(external_id=data.employee_external_id, using_db=conn)
        if employee is None:
            raise NotFound(
                "No employee has the external id {id}.", id=repr(data.employee_external_id)
            )
        return _Owner(employee, None)
    team = await Team.get_or_none(code=data.team_code, using_db=conn)
    if team is None:
        raise NotFound("No team has the code {code}.", code=repr(data.team_code))
    return _Owner(None, team)


async def _may_set(conn: BaseDBAsyncClient, actor: Actor, owner: _Owner) -> bool:
    """True: the actor sets (accepted at once); False: the owner proposes their own."""
    if owner.team is not None:
        await require_may_act_on_team(conn, actor, owner.team.id)
        return True
    assert owner.employee is not None
    if actor.employee_id is not None and actor.employee_id == owner.employee.id:
        return False
    await require_may_act_on(conn, actor, owner.employee)
    return True


async def _save(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    data: GoalInput,
    cycle: Cycle,
    owner: _Owner,
    existing: Goal | None,
    sets: bool,
    policy: Policy,
    clock: GoalClock,
) -> SavedGoal:
    _require_open(cycle)
    today = clock.today(policy.timezone)
    parsed = await _parse(conn, data, cycle, owner.team is not None)
    if existing is not None:
        if data.expected_version is not None and data.expected_version != existing.version:
            raise StaleVersion(
                "Goal {id} is at version {version}, not "
                "{expected}: someone changed it first; reload and try again.",
                id=existing.id,
                version=existing.version,
                expected=data.expected_version,
            )
        if not sets and existing.state is GoalState.ACCEPTED:
            raise PermissionDenied("This goal is accepted: ask your manager to change it.")
    goal = existing or Goal(
        cycle_id=cycle.id,
        employee_id=owner.employee.id if owner.employee is not None else None,
        team_id=owner.team.id if owner.team is not None else None,
        created_by_label=actor.label,
    )
    due_changed = existing is None or existing.due_on != parsed.due_on
    # The measured group of a new goal is its owner's (or their team's).
    goal.scope = parsed.scope
    findings, baseline, computed = await _check(
        conn,
        parsed=parsed,
        owner=owner,
        cycle=cycle,
        policy=policy,
        today=today,
        due_changed=due_changed,
        goal_for_group=goal,
    )
    if has_error(findings):
        raise _refuse(findings)
    assert parsed.target is not None
    assert parsed.due_on is not None
    if existing is not None and existing.baseline_computed and parsed.baseline is None:
        # A computed baseline stays as it was stored when the goal was first saved.
        baseline, computed = existing.baseline, True
    before = _snapshot(existing) if existing is not None else None
    locked_change = (
        existing is not None
        and existing.state is GoalState.ACCEPTED
        and cycle.state in OPEN_CYCLE_STATES
        and (existing.target, existing.baseline, existing.weight)
        != (parsed.target, baseline, parsed.weight)
    )
    if locked_change:
        if not actor.is_admin:
            raise ValidationFailed(
                [
                    Issue.of(
                        name,
                        "locked: the goal is accepted and cycle {cycle} is "
                        "{state}; an admin may change it, with a reason",
                        "LOCKED",
                        cycle=repr(cycle.code),
                        state=cycle.state,
                    )
                    for name, old, new in zip(
                        LOCKED_FIELDS,
                        (existing.target, existing.baseline, existing.weight),  # type: ignore[union-attr]
                        (parsed.target, baseline, parsed.weight),
                        strict=True,
                    )
                    if old != new
                ]
            )
        if not (data.reason or "").strip():
            raise ValidationFailed(
                [Issue("reason", "say why an accepted goal's numbers change", "REQUIRED")]
            )
    goal.title = parsed.title.strip()
    goal.description = parsed.description
    goal.kpi_id = parsed.kpi.id if parsed.kpi is not None else None
    goal.unit = parsed.unit
    goal.direction = parsed.direction  # type: ignore[assignment]  # null for a KPI goal
    goal.range_min, goal.range_max = parsed.range_min, parsed.range_max
    goal.related_kpi_id = parsed.related_kpi.id if parsed.related_kpi is not None else None
    goal.target = parsed.target
    goal.baseline = baseline
    goal.baseline_computed = computed
    goal.weight = parsed.weight
    goal.due_on = parsed.due_on
    goal.parent_id = parsed.parent.id if parsed.parent is not None else None
    goal.smart = [f.to_data() for f in findings]
    if sets:
        if goal.state is not GoalState.ACCEPTED:
            goal.state = GoalState.ACCEPTED
            goal.accepted_on = today
    else:
        goal.state = GoalState.PROPOSED
    if existing is not None:
        goal.version = existing.version + 1
    await goal.save(using_db=conn)
    goal.current_value = await current_value_of(conn, goal, cycle, policy, clock.now)
    await goal.save(using_db=conn, update_fields=["current_value"])
    await write_audit(
        conn,
        actor=actor,
        action="goal.set" if sets else "goal.propose",
        entity="goal",
        entity_key=str(goal.id),
        before=before,
        after=_snapshot(goal),
        reason=data.reason if locked_change else None,
    )
    return SavedGoal(goal, findings)


@retry_when_busy
async def set_goal(*, actor: Actor, goal: GoalInput, clock: GoalClock) -> SavedGoal:
    """Create or change a goal. A manager (of the owner) or an admin sets it, accepted
    at once; the owner proposes it (PROPOSED). Refused with every letter when the SMART
    check finds an ERROR."""
    async with in_transaction() as conn:
        policy, _version = await load_policy(conn)
        existing = None
        if goal.goal_id is not None:
            existing = await Goal.get_or_none(id=goal.goal_id, using_db=conn)
            if (
                existing is None
                or await visible_goal(conn, actor=actor, goal_id=existing.id) is None
            ):
                raise NotFound("No goal {id} that you may see.", id=goal.goal_id)
            cycle = await Cycle.get(id=existing.cycle_id, using_db=conn)
            if goal.cycle_code and goal.cycle_code != cycle.code:
                raise ValidationFailed(
                    [
                        Issue.of(
                            "cycleCode", "the goal belongs to cycle {cycle}", cycle=repr(cycle.code)
                        )
                    ]
                )
        else:
            cycle = await _cycle(conn, goal.cycle_code)
        owner = await _owner_of(conn, goal, existing)
        sets = await _may_set(conn, actor, owner)
        return await _save(
            conn,
            actor=actor,
            data=goal,
            cycle=cycle,
            owner=owner,
            existing=existing,
            sets=sets,
            policy=policy,
            clock=clock,
        )


async def _managed_goal(conn: BaseDBAsyncClient, actor: Actor, goal_id: int) -> tuple[Goal, Cycle]:
    goal = await visible_goal(conn, actor=actor, goal_id=goal_id)
    if goal is None:
        raise NotFound("No goal {id} that you may see.", id=goal_id)
    cycle = await Cycle.get(id=goal.cycle_id, using_db=conn)
    return goal, cycle


@retry_when_busy
async def decide_goal(
    *, actor: Actor, goal_id: int, decision: str, note: str = "", clock: GoalClock
) -> Goal:
    """Accept a proposed goal, or return it with a note saying what to change."""
    if decision not in ("ACCEPT", "RETURN"):
        raise ValidationFailed([Issue("decision", "give ACCEPT or RETURN")])
    if decision == "RETURN" and not note.strip():
        raise ValidationFailed([Issue("note", "say what the employee should change", "REQUIRED")])
    async with in_transaction() as conn:
        policy, _version = await load_policy(conn)
        goal, cycle = await _managed_goal(conn, actor, goal_id)
        _require_open(cycle)
        if goal.employee_id is None:
            raise InvalidTransition("Team goals are set, not proposed: nothing to decide.")
        await require_may_act_on(
            conn, actor, await Employee.get(id=goal.employee_id, using_db=conn)
        )
        if goal.state is not GoalState.PROPOSED:
            raise InvalidTransition(
                "Goal {id} is {state}: only a {proposed} goal is accepted or returned.",
                id=goal.id,
                state=goal.state,
                proposed=GoalState.PROPOSED,
            )
        before = _snapshot(goal)
        if decision == "ACCEPT":
            goal.state = GoalState.ACCEPTED
            goal.accepted_on = clock.today(policy.timezone)
            goal.return_note = note.strip()
            goal.current_value = await current_value_of(conn, goal, cycle, policy, clock.now)
        else:
            goal.state = GoalState.RETURNED
            goal.return_note = note.strip()
        goal.version += 1
        await goal.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="goal.accept" if decision == "ACCEPT" else "goal.return",
            entity="goal",
            entity_key=str(goal.id),
            before=before,
            after=_snapshot(goal),
            reason=note.strip() or None,
        )
        return goal


@retry_when_busy
async def report_goal_value(
    *, actor: Actor, goal_id: int, value: Number, note: str, clock: GoalClock
) -> GoalUpdate:
    """A manual goal's value, reported by the employee or a manager, with a note."""
    async with in_transaction() as conn:
        policy, _version = await load_policy(conn)
        goal, cycle = await _managed_goal(conn, actor, goal_id)
        _require_open(cycle)
        if goal.kpi_id is not None:
            raise InvalidTransition("This goal is measured by a KPI: its value follows the data.")
        if goal.state is not GoalState.ACCEPTED:
            raise InvalidTransition(
                "Goal {id} is {state}: values are reported on accepted goals.",
                id=goal.id,
                state=goal.state,
            )
        if goal.team_id is not None:
            await require_may_act_on_team(conn, actor, goal.team_id)
        elif actor.employee_id is None or actor.employee_id != goal.employee_id:
            await require_may_act_on(
                conn, actor, await Employee.get(id=goal.employee_id, using_db=conn)
            )
        issues: list[Issue] = []
        scaled = _number(value, "value", issues)
        if scaled is None and not issues:
            issues.append(Issue("value", "give the value", "REQUIRED"))
        if scaled is not None and (
            (goal.range_min is not None and scaled < goal.range_min)
            or (goal.range_max is not None and scaled > goal.range_max)
        ):
            issues.append(
                Issue.of(
                    "value",
                    "must lie from {least} to {most}",
                    "OUT_OF_RANGE",
                    least=scaled_to_text(goal.range_min) or "no limit",
                    most=scaled_to_text(goal.range_max) or "no limit",
                )
            )
        if not note.strip():
            issues.append(Issue("note", "say where the value comes from", "REQUIRED"))
        if issues:
            raise ValidationFailed(issues)
        assert scaled is not None
        at = clock.instant(policy.timezone)
        update = await GoalUpdate.create(
            using_db=conn,
            goal_id=goal.id,
            value=scaled,
            note=note.strip(),
            reported_at=at,
            reported_by_id=actor.user_id,
            reported_by_label=actor.label,
        )
        # Stored as of now; a pinned "today" (demos, tests) dates the report itself.
        goal.current_value = await current_value_of(conn, goal, cycle, policy, max(at, clock.now))
        await goal.save(using_db=conn, update_fields=["current_value", "updated_at"])
        await write_audit(
            conn,
            actor=actor,
            action="goal.report",
            entity="goal",
            entity_key=str(goal.id),
            after={"value": scaled_to_text(scaled), "note": note.strip()},
        )
        return update


@retry_when_busy
async def delete_goal(*, actor: Actor, goal_id: int, reason: str | None = None) -> None:
    """The owner deletes their own proposed or returned goal; a manager or admin any goal
    they may set, but an accepted goal of a started cycle only an admin, with a reason."""
    async with in_transaction() as conn:
        goal, cycle = await _managed_goal(conn, actor, goal_id)
        _require_open(cycle)
        owner = await _owner_of(conn, GoalInput(cycle.code, "", None, None, None), goal)
        sets = await _may_set(conn, actor, owner)
        if not sets and goal.state is GoalState.ACCEPTED:
            raise PermissionDenied("This goal is accepted: ask your manager to delete it.")
        if goal.state is GoalState.ACCEPTED and cycle.state in OPEN_CYCLE_STATES:
            if not actor.is_admin:
                raise PermissionDenied(
                    "Cycle {cycle} is {state}: an accepted goal is "
                    "deleted by an admin, with a reason.",
                    cycle=repr(cycle.code),
                    state=cycle.state,
                )
            if not (reason or "").strip():
                raise ValidationFailed([Issue("reason", "say why the goal goes", "REQUIRED")])
        serving = await Goal.filter(parent_id=goal.id).using_db(conn).count()
        if serving:
            raise InvalidTransition(
                "{count} goal(s) serve this team goal: delete them or point them elsewhere first.",
                count=serving,
            )
        before = _snapshot(goal)
        await GoalUpdate.filter(goal_id=goal.id).using_db(conn).delete()
        await goal.delete(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="goal.delete",
            entity="goal",
            entity_key=str(goal_id),
            before=before,
            reason=(reason or "").strip() or None,
        )


@retry_when_busy
async def apply_goal_template(
    *,
    actor: Actor,
    template: GoalInput,
    team_code: str | None = None,
    position_code: str | None = None,
    clock: GoalClock,
) -> TemplateReport:
    """Give every member of a team, or every holder of a position the actor manages,
    their own goal from one template; each is checked, failures listed per person."""
    if (team_code is None) == (position_code is None):
        raise ValidationFailed([Issue("target", "name a team or a position", "REQUIRED")])
    async with in_transaction() as conn:
        policy, _version = await load_policy(conn)
        cycle = await _cycle(conn, template.cycle_code)
        _require_open(cycle)
        if not actor.is_admin and actor.access is not AccessLevel.MANAGER:
            raise PermissionDenied("Goal templates are applied by managers and admins.")
        query = Employee.filter(hired_on__lte=cycle.ends_on).using_db(conn)
        if team_code is not None:
            team = await Team.get_or_none(code=team_code, using_db=conn)
            if team is None:
                raise NotFound("No team has the code {code}.", code=repr(team_code))
            await require_may_act_on_team(conn, actor, team.id)
            query = query.filter(team_id=team.id)
        else:
            found = await Employee.filter(position__code=position_code).using_db(conn).exists()
            if not found:
                raise NotFound(
                    "Nobody holds a position with the code {code}.", code=repr(position_code)
                )
            query = query.filter(position__code=position_code)
            if not actor.is_admin:
                teams = await led_team_ids(conn, actor.employee_id)
                query = query.filter(team_id__in=sorted(teams))
        people = [
            p
            for p in await query.order_by("external_id")
            if (p.left_on is None or p.left_on >= cycle.starts_on) and p.id != actor.employee_id
        ]
        if not people:
            raise ValidationFailed(
                [Issue("target", "nobody you manage is in it during the cycle", "EMPTY")]
            )
        created: list[Goal] = []
        failed: list[TemplateFailure] = []
        for person in people:
            data = GoalInput(
                **{
                    **{k: getattr(template, k) for k in GoalInput.__dataclass_fields__},
                    "employee_external_id": person.external_id,
                    "team_code": None,
                    "goal_id": None,
                }
            )
            try:
                saved = await _save(
                    conn,
                    actor=actor,
                    data=data,
                    cycle=cycle,
                    owner=_Owner(person, None),
                    existing=None,
                    sets=True,
                    policy=policy,
                    clock=clock,
                )
            except GoalNotSmart as error:
                failed.append(TemplateFailure(person.external_id, error.issues, error.findings))
            except ValidationFailed as error:
                failed.append(TemplateFailure(person.external_id, error.issues))
            else:
                created.append(saved.goal)
        return TemplateReport(created, failed)
