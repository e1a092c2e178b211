"""Goals in GraphQL (SCORING.md §11): the Goal type, Employee.goals and Team.goals
(through `employee_goals_field` and `team_goals_field`), and the goal mutations.

Resolvers parse, call one use case (service/usecases/people/goals.py), render. Progress
and status come computed from the use case's view, at the request's one clock.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry
from tortoise.connection import get_connection

from service.api.context import Info, readers
from service.api.enums import describe_values
from service.api.errors import UNION_DESCRIPTION, CommonError, FieldError, errors_as_data
from service.api.ids import ClientError, Node, global_id, parse_global_id
from service.api.pagination import After, First, Keyset, PageInfo, asc, connection, page_size
from service.api.scalars import Decimal
from service.api.setup.cycles import Cycle
from service.api.setup.kpis import Kpi
from service.api.setup.people import Employee, Team, person_seen
from service.errors import GoalNotSmart, Issue
from service.models import Goal as GoalRow
from service.models import GoalUpdate as GoalUpdateRow
from service.scoring import format_compact, format_fixed
from service.scoring.goals import GoalState, GoalStatus, SmartFinding, SmartLetter, SmartResult
from service.scoring.goals import smart_message as smart_sentence
from service.scoring.types import Direction, Scope
from service.usecases.parsing import from_scaled
from service.usecases.people import goals as usecase
from service.usecases.people.goals import GoalView, MeasureInput

strawberry.enum(
    GoalState,
    name="GoalState",
    description="Where a goal stands: PROPOSED by its owner, RETURNED with a note, ACCEPTED.",
)
strawberry.enum(
    GoalStatus,
    name="GoalStatus",
    description="How an accepted goal is going, computed when read (SCORING §11).",
)
strawberry.enum(SmartLetter, name="SmartLetter", description="A letter of the SMART check.")
strawberry.enum(
    SmartResult,
    name="SmartResult",
    description="A letter's result: an ERROR refuses the save, a WARNING is kept and shown.",
)


@strawberry.enum(description="What a manager does with a proposed goal.")
class GoalDecision(Enum):
    ACCEPT = "ACCEPT"
    RETURN = "RETURN"


describe_values(
    GoalDecision,
    {
        "ACCEPT": "The goal is agreed: it becomes ACCEPTED and its progress is followed.",
        "RETURN": "The goal goes back to its owner with a note saying what to change.",
    },
)
describe_values(
    GoalState,
    {
        "PROPOSED": "Proposed by the employee, waiting for a manager's decision.",
        "RETURNED": "Sent back by a manager with a note; the owner may change it and try again.",
        "ACCEPTED": "Agreed: set by a manager, or proposed and accepted.",
    },
)
describe_values(
    GoalStatus,
    {
        "ON_TRACK": "Progress keeps pace with the time elapsed (SCORING §11).",
        "AT_RISK": "Elapsed time runs ahead of progress by more than the policy's margin.",
        "ACHIEVED": "The target is reached.",
        "MISSED": "The due date has passed and the target was not reached.",
    },
)
describe_values(
    SmartLetter,
    {
        "S": "Specific: a title of its own (8-200 characters, 4 with CJK), not the KPI's name.",
        "M": "Measurable: a measure and a target within the values the measure can take.",
        "A": "Achievable: a warning when the target beats the best previous value or lies on "
        "the wrong side of the baseline; never an error.",
        "R": "Relevant: the KPI is on the owner's scorecard, or a manual goal serves a team "
        "goal or names such a KPI.",
        "T": "Time-bound: a due date inside the cycle.",
    },
)
describe_values(
    SmartResult,
    {
        "OK": "The letter is met.",
        "WARNING": "Kept and shown; the goal may still be saved.",
        "ERROR": "Refuses the save; the field it names must change.",
    },
)


UPDATE_ORDER = Keyset(asc("id"))


@strawberry.type(description="One letter of a goal's SMART check, with its sentence.")
class SmartCheck:
    letter: SmartLetter = strawberry.field(description="S, M, A, R or T.")
    result: SmartResult = strawberry.field(description="OK, WARNING or ERROR.")
    message: str = strawberry.field(description="The sentence, in the request's language.")
    code: str = strawberry.field(description="For programs, e.g. TARGET_OUT_OF_RANGE; OK.")
    field: str = strawberry.field(description="The input field it marks, e.g. `target`.")

    @classmethod
    def of(cls, finding: SmartFinding, lang: str) -> SmartCheck:
        return cls(
            letter=finding.letter,
            result=finding.result,
            message=smart_sentence(finding, lang),
            code=finding.code,
            field=finding.field,
        )


@strawberry.type(
    description="How a goal is measured: a KPI at a scope, or a manual measure (unit, "
    "direction, optional range)."
)
class GoalMeasure:
    kpi: Kpi | None = strawberry.field(description="The KPI; null for a manual measure.")
    scope: Scope | None = strawberry.field(description="The KPI's scope; null when manual.")
    unit: str = strawberry.field(description="The unit: the KPI's, or the manual measure's.")
    direction: Direction = strawberry.field(description="Which way is better.")
    range_min: Decimal | None = strawberry.field(description="A manual measure's lowest value.")
    range_max: Decimal | None = strawberry.field(description="A manual measure's highest value.")
    related_kpi: Kpi | None = strawberry.field(description="The KPI a manual measure serves.")


@strawberry.type(description="A value reported for a manual goal, with its note.")
class GoalValueReport:
    value: Decimal = strawberry.field(description="The value reported.")
    note: str = strawberry.field(description="Where the value comes from.")
    reported_at: datetime = strawberry.field(description="When it was reported.")
    reported_by: str = strawberry.field(description="Who reported it.")


@strawberry.type(description="A reported value with its cursor.")
class GoalValueReportEdge:
    node: GoalValueReport = strawberry.field(description="The reported value.")
    cursor: str = strawberry.field(description="Pass it as `after` to read on from here.")


@strawberry.type(description="A page of a manual goal's reported values, oldest first (Relay).")
class GoalValueReportConnection:
    edges: list[GoalValueReportEdge] = strawberry.field(description="The values and cursors.")
    page_info: PageInfo = strawberry.field(description="Whether more follow, and from where.")

    @strawberry.field(description="The values of the page, without cursors.")
    def nodes(self) -> list[GoalValueReport]:
        return [edge.node for edge in self.edges]


def _text(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(format_compact(from_scaled(value)))


OwnerType = Annotated[
    Employee | Team,
    strawberry.union("GoalOwner", description="An employee (individual goal) or a team."),
]


@strawberry.type(
    description="A goal of one cycle (SCORING §11): its measure, target, baseline, due date, "
    "SMART check, and for an accepted goal its progress and status at the request's clock. "
    "Goals never change a score."
)
class Goal(Node):
    id: strawberry.ID = strawberry.field(description="The goal's global id.")
    title: str = strawberry.field(description="What will be done.")
    description: str = strawberry.field(description="More about it.")
    state: GoalState = strawberry.field(description="PROPOSED, RETURNED or ACCEPTED.")
    measure: GoalMeasure = strawberry.field(description="How the goal is measured.")
    target: Decimal = strawberry.field(description="The value to reach.")
    baseline: Decimal | None = strawberry.field(
        description="Where it starts: given, or the owner's value in the comparable previous "
        "cycle (computed when saved); null if none."
    )
    baseline_computed: bool = strawberry.field(description="Whether the baseline was computed.")
    weight: Decimal = strawberry.field(description="Its weight among the owner's goals.")
    due_on: date = strawberry.field(description="The due day (organisation's time zone).")
    accepted_on: date | None = strawberry.field(description="The day it was accepted.")
    return_note: str = strawberry.field(description="The manager's note of the last decision.")
    version: int = strawberry.field(description="Send it back as `expectedVersion`.")
    smart: list[SmartCheck] = strawberry.field(
        description="The SMART check of the last save, letter by letter (warnings kept)."
    )
    progress: Decimal | None = strawberry.field(
        description="0-100, 2 places, computed when read; null unless ACCEPTED."
    )
    status: GoalStatus | None = strawberry.field(
        description="ON_TRACK, AT_RISK, ACHIEVED or MISSED, computed when read; null "
        "unless ACCEPTED."
    )
    current_value: Decimal | None = strawberry.field(
        description="The KPI's raw value from the cycle's start (or the latest reported "
        "value), up to the end of the due day; null while there is none."
    )
    pk: strawberry.Private[int]
    cycle_pk: strawberry.Private[int]
    employee_pk: strawberry.Private[int | None]
    team_pk: strawberry.Private[int | None]
    parent_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, view: GoalView, lang: str) -> Goal:
        row = view.goal
        progress = view.progress
        return cls(
            id=strawberry.ID(global_id("Goal", row.id)),
            title=row.title,
            description=row.description,
            state=row.state,
            measure=GoalMeasure(
                kpi=None if view.kpi is None else Kpi.from_row(view.kpi),
                scope=None if view.kpi is None else (row.scope or Scope.INDIVIDUAL),
                unit=view.kpi.unit if view.kpi is not None else row.unit,
                direction=view.direction,
                range_min=_text(row.range_min),
                range_max=_text(row.range_max),
                related_kpi=None if view.related_kpi is None else Kpi.from_row(view.related_kpi),
            ),
            target=Decimal(format_compact(from_scaled(row.target))),
            baseline=_text(row.baseline),
            baseline_computed=row.baseline_computed,
            weight=Decimal(format_compact(from_scaled(row.weight))),
            due_on=row.due_on,
            accepted_on=row.accepted_on,
            return_note=row.return_note,
            version=row.version,
            smart=[SmartCheck.of(f, lang) for f in view.findings],
            progress=None if progress is None else Decimal(progress.reported),
            status=None if progress is None else progress.status,
            current_value=None
            if view.current_value is None
            else Decimal(format_fixed(view.current_value, 4)),
            pk=row.id,
            cycle_pk=row.cycle_id,
            employee_pk=row.employee_id,
            team_pk=row.team_id,
            parent_pk=row.parent_id,
        )

    @strawberry.field(description="The cycle the goal belongs to.")
    async def cycle(self, info: Info) -> Cycle:
        row = await info.context.loaders.cycle.load(self.cycle_pk)
        assert row is not None
        return Cycle.from_row(row)

    @strawberry.field(description="Whose goal it is: an employee, or a team.")
    async def owner(self, info: Info) -> OwnerType | None:
        if self.employee_pk is not None:
            return await person_seen(
                info, await info.context.loaders.employee.load(self.employee_pk)
            )
        assert self.team_pk is not None
        team = await info.context.loaders.team.load(self.team_pk)
        return None if team is None else Team.from_row(team)

    @strawberry.field(
        description="The team goal this goal serves; null when none or you may not see it.",
        extensions=[readers()],
    )
    async def parent_goal(self, info: Info) -> Goal | None:
        if self.parent_pk is None:
            return None
        return await goal_seen(info, self.parent_pk)

    @strawberry.field(
        description="For a team goal: the individual goals serving it that you may see.",
        extensions=[readers()],
    )
    async def serving_goals(self, info: Info) -> list[Goal]:
        if self.team_pk is None:
            return []
        views = await usecase.serving_goals(
            get_connection("default"),
            actor=info.context.actor_checked,
            team_goal_ids=[self.pk],
            clock=info.context.goal_clock,
        )
        return [Goal.of(v, info.context.lang) for v in views[self.pk]]

    @strawberry.field(description="The values reported for a manual goal, oldest first.")
    async def updates(
        self,
        info: Info,
        first: First = None,
        after: After = None,
    ) -> GoalValueReportConnection:
        size = page_size(first, info.context.settings.max_page_size)
        query = GoalUpdateRow.filter(goal_id=self.pk)
        if after is not None:
            query = query.filter(UPDATE_ORDER.after(after))
        rows = await query.order_by(*UPDATE_ORDER.order_by()).limit(size + 1)
        page = connection(
            rows,
            size,
            UPDATE_ORDER.key,
            lambda r: GoalValueReport(
                value=Decimal(format_compact(from_scaled(r.value))),
                note=r.note,
                reported_at=r.reported_at,
                reported_by=r.reported_by_label,
            ),
        )
        return GoalValueReportConnection(
            edges=[GoalValueReportEdge(node=e.node, cursor=e.cursor) for e in page.edges],
            page_info=page.page_info,
        )


async def goal_seen(info: Info, goal_pk: int) -> Goal | None:
    """A goal if the viewer may see it, else None: the rule of `visible_goal`
    (service/usecases/people/goals.py) through the request's loaders, so that the goals
    linked from a page of items or notes cost the same queries as one."""
    context = info.context
    row = await context.loaders.people.goal.load(goal_pk)
    if row is None:
        return None
    if row.employee_id is not None:
        if not await context.may_see(row.employee_id):
            return None
    else:
        assert row.team_id is not None
        key = (context.actor_checked, row.team_id, row.cycle_id)
        if not await context.loaders.people.team_goals_seen.load(key):
            return None
    cycle = await context.loaders.cycle.load(row.cycle_id)
    assert cycle is not None
    policy = await context.loaders.policy.load(0)
    kpi_ids = [i for i in (row.kpi_id, row.related_kpi_id) if i is not None]
    kpis = {k.id: k for k in await context.loaders.kpi.load_many(kpi_ids) if k is not None}
    view = usecase.view_of(row, cycle=cycle, kpis=kpis, policy=policy, clock=context.goal_clock)
    return Goal.of(view, context.lang)


async def employee_goals_field(info: Info, employee_pk: int, cycle_code: str) -> list[Goal]:
    """Batched across a page of people: one query for the goals, one per relation. The
    caller has checked the person is visible (service/usecases/accounts/access.py)."""
    context = info.context
    rows = await context.loaders.goals_by_employee_cycle.load((employee_pk, cycle_code))
    if not rows:
        return []  # as `score(cycleCode)`: an unknown cycle has nothing either
    policy = await context.loaders.policy.load(0)
    kpi_ids = sorted({i for r in rows for i in (r.kpi_id, r.related_kpi_id) if i is not None})
    kpis = {k.id: k for k in await context.loaders.kpi.load_many(kpi_ids) if k is not None}
    return [
        Goal.of(
            usecase.view_of(
                row, cycle=row.cycle, kpis=kpis, policy=policy, clock=context.goal_clock
            ),
            context.lang,
        )
        for row in rows
    ]


async def team_goals_field(info: Info, team_pk: int, cycle_code: str) -> list[Goal]:
    views = await usecase.team_goals(
        get_connection("default"),
        actor=info.context.actor_checked,
        team_id=team_pk,
        cycle_code=cycle_code,
        clock=info.context.goal_clock,
    )
    return [Goal.of(v, info.context.lang) for v in views]


# --- inputs and mutations -----------------------------------------------------------


@strawberry.input(description="A KPI (its code and scope) or a manual measure.")
class GoalMeasureInput:
    kpi_code: str | None = strawberry.field(default=None, description="A KPI measures the goal.")
    scope: Scope | None = strawberry.field(
        default=None, description="The KPI's scope; INDIVIDUAL by default, TEAM for a team goal."
    )
    unit: str = strawberry.field(default="", description="A manual measure's unit.")
    direction: Direction | None = strawberry.field(
        default=None, description="A manual measure's direction."
    )
    range_min: Decimal | None = strawberry.field(
        default=None, description="A manual measure's lowest possible value."
    )
    range_max: Decimal | None = strawberry.field(
        default=None, description="A manual measure's highest possible value."
    )
    related_kpi_code: str | None = strawberry.field(
        default=None, description="The scorecard KPI a manual goal serves (or name a team goal)."
    )

    def to_usecase(self) -> MeasureInput:
        return MeasureInput(
            kpi_code=self.kpi_code,
            scope=None if self.scope is None else self.scope.value,
            unit=self.unit,
            direction=None if self.direction is None else self.direction.value,
            range_min=self.range_min,
            range_max=self.range_max,
            related_kpi_code=self.related_kpi_code,
        )


@strawberry.input(
    description="A goal to set: a new one (name the owner: an employee or a team) or "
    "changes to `goalId`. Every save runs the SMART check."
)
class GoalInput:
    cycle_code: str = strawberry.field(description="The cycle the goal belongs to.")
    title: str = strawberry.field(description="8-200 characters (4 with Chinese characters).")
    measure: GoalMeasureInput = strawberry.field(description="How the goal is measured.")
    target: Decimal = strawberry.field(description="The value to reach.")
    due_on: date = strawberry.field(description="Inside the cycle, not before today.")
    goal_id: strawberry.ID | None = strawberry.field(
        default=None, description="The goal to change; omit to create one."
    )
    employee_external_id: str | None = strawberry.field(
        default=None, description="The owner of a new individual goal."
    )
    team_code: str | None = strawberry.field(
        default=None, description="The owner of a new team goal."
    )
    description: str = strawberry.field(default="", description="More about the goal.")
    baseline: Decimal | None = strawberry.field(
        default=None,
        description="Where it starts; omit for a KPI goal to compute it from the comparable "
        "previous cycle.",
    )
    weight: Decimal | None = strawberry.field(default=None, description="Default 1.")
    parent_goal_id: strawberry.ID | None = strawberry.field(
        default=None, description="The team goal it serves."
    )
    reason: str | None = strawberry.field(
        default=None,
        description="An admin changing a locked target, baseline or weight says why.",
    )

    def to_usecase(self, expected_version: int | None) -> usecase.GoalInput:
        return usecase.GoalInput(
            cycle_code=self.cycle_code,
            title=self.title,
            measure=self.measure.to_usecase(),
            target=self.target,
            due_on=self.due_on,
            employee_external_id=self.employee_external_id,
            team_code=self.team_code,
            goal_id=None if self.goal_id is None else parse_global_id(self.goal_id, "Goal")[1],
            description=self.description,
            baseline=self.baseline,
            weight=self.weight,
            parent_goal_id=None
            if self.parent_goal_id is None
            else parse_global_id(self.parent_goal_id, "Goal")[1],
            expected_version=expected_version,
            reason=self.reason,
        )


@strawberry.type(description="The goal as saved, with its SMART check (warnings kept).")
class GoalSaved:
    goal: Goal = strawberry.field(description="The goal.")


@strawberry.type(
    description="The goal failed a letter of the SMART check and was not saved: every "
    "letter, and the fields at fault."
)
class GoalNotSmartError:
    message: str = strawberry.field(description="What is wrong, in English.")
    smart: list[SmartCheck] = strawberry.field(description="All five letters.")
    issues: list[FieldError] = strawberry.field(description="The fields at fault.")


@strawberry.type(description="One person a template could not give a goal to, and why.")
class TemplateFailure:
    employee_external_id: str = strawberry.field(description="The person.")
    issues: list[FieldError] = strawberry.field(description="Why (SMART errors included).")


@strawberry.type(description="What applying a goal template did, person by person.")
class TemplateApplied:
    created: list[Goal] = strawberry.field(description="The goals created, one per person.")
    failed: list[TemplateFailure] = strawberry.field(description="The people left without one.")


@strawberry.type(description="The goal was deleted.")
class GoalDeleted:
    goal_id: strawberry.ID = strawberry.field(description="The id it had.")


GoalSaveResult = Annotated[
    GoalSaved | GoalNotSmartError | CommonError,
    strawberry.union("GoalSaveResult", description=UNION_DESCRIPTION),
]
GoalResult = Annotated[
    Goal | CommonError, strawberry.union("GoalResult", description=UNION_DESCRIPTION)
]
TemplateResult = Annotated[
    TemplateApplied | CommonError,
    strawberry.union("TemplateResult", description=UNION_DESCRIPTION),
]
GoalDeleteResult = Annotated[
    GoalDeleted | CommonError, strawberry.union("GoalDeleteResult", description=UNION_DESCRIPTION)
]


def _issues(issues: list[Issue]) -> list[FieldError]:
    return [FieldError(field=i.field, message=i.message, code=i.code, row=i.row) for i in issues]


async def _view(info: Info, row: GoalRow) -> Goal:
    [view] = await usecase.goal_views(
        get_connection("default"), [row], clock=info.context.goal_clock
    )
    return Goal.of(view, info.context.lang)


def _goal_pk(id: strawberry.ID) -> int:
    return parse_global_id(id, "Goal")[1]


@strawberry.type
class GoalMutations:
    @strawberry.mutation(
        description="Create or change a goal: a manager of the owner (or an admin) sets it, "
        "accepted at once; the owner proposes their own (PROPOSED). Refused with every "
        "SMART letter when one is an ERROR.",
        extensions=[readers()],
    )
    @errors_as_data
    async def set_goal(
        self,
        info: Info,
        goal: Annotated[GoalInput, strawberry.argument(description="The goal to save.")],
        expected_version: Annotated[
            int | None,
            strawberry.argument(description="The version you edited; omit to create."),
        ] = None,
    ) -> GoalSaveResult:
        try:
            saved = await usecase.set_goal(
                actor=info.context.actor_checked,
                goal=goal.to_usecase(expected_version),
                clock=info.context.goal_clock,
            )
        except GoalNotSmart as error:
            lang = info.context.lang
            return GoalNotSmartError(
                message=error.message,
                smart=[SmartCheck.of(SmartFinding.from_data(f), lang) for f in error.findings],
                issues=_issues(error.issues),
            )
        return GoalSaved(goal=await _view(info, saved.goal))

    @strawberry.mutation(
        description="Accept a proposed goal, or return it with a note (a manager of the owner).",
        extensions=[readers()],
    )
    @errors_as_data
    async def decide_goal(
        self,
        info: Info,
        goal_id: Annotated[strawberry.ID, strawberry.argument(description="A PROPOSED goal.")],
        decision: Annotated[GoalDecision, strawberry.argument(description="ACCEPT or RETURN.")],
        note: Annotated[
            str, strawberry.argument(description="Required to RETURN: what to change.")
        ] = "",
    ) -> GoalResult:
        row = await usecase.decide_goal(
            actor=info.context.actor_checked,
            goal_id=_goal_pk(goal_id),
            decision=decision.value,
            note=note,
            clock=info.context.goal_clock,
        )
        return await _view(info, row)

    @strawberry.mutation(
        description="Report a manual goal's value with a note (the owner or a manager).",
        extensions=[readers()],
    )
    @errors_as_data
    async def report_goal_value(
        self,
        info: Info,
        goal_id: Annotated[
            strawberry.ID, strawberry.argument(description="An accepted manual goal.")
        ],
        value: Annotated[Decimal, strawberry.argument(description="The value now.")],
        note: Annotated[str, strawberry.argument(description="Where the value comes from.")],
    ) -> GoalResult:
        await usecase.report_goal_value(
            actor=info.context.actor_checked,
            goal_id=_goal_pk(goal_id),
            value=value,
            note=note,
            clock=info.context.goal_clock,
        )
        found = await GoalRow.get(id=_goal_pk(goal_id))
        return await _view(info, found)

    @strawberry.mutation(
        description="Give every member of a team, or every holder of a position you manage, "
        "their own goal from one template; each is checked, failures listed per person.",
        extensions=[readers()],
    )
    @errors_as_data
    async def apply_goal_template(
        self,
        info: Info,
        template: Annotated[
            GoalInput,
            strawberry.argument(description="The goal to copy; its owner fields are ignored."),
        ],
        team_code: Annotated[
            str | None, strawberry.argument(description="Every member of this team.")
        ] = None,
        position_code: Annotated[
            str | None, strawberry.argument(description="Every holder of this position.")
        ] = None,
    ) -> TemplateResult:
        report = await usecase.apply_goal_template(
            actor=info.context.actor_checked,
            template=template.to_usecase(None),
            team_code=team_code,
            position_code=position_code,
            clock=info.context.goal_clock,
        )
        views = await usecase.goal_views(
            get_connection("default"), report.created, clock=info.context.goal_clock
        )
        return TemplateApplied(
            created=[Goal.of(v, info.context.lang) for v in views],
            failed=[
                TemplateFailure(
                    employee_external_id=f.employee_external_id, issues=_issues(f.issues)
                )
                for f in report.failed
            ],
        )

    @strawberry.mutation(
        description="Delete a goal: the owner a proposed or returned one; a manager one they "
        "set; an accepted goal of a started cycle only an admin, with a reason.",
        extensions=[readers()],
    )
    @errors_as_data
    async def delete_goal(
        self,
        info: Info,
        goal_id: Annotated[strawberry.ID, strawberry.argument(description="The goal to delete.")],
        reason: Annotated[
            str | None, strawberry.argument(description="Why (required of an admin).")
        ] = None,
    ) -> GoalDeleteResult:
        await usecase.delete_goal(
            actor=info.context.actor_checked, goal_id=_goal_pk(goal_id), reason=reason
        )
        return GoalDeleted(goal_id=goal_id)


async def fetch_goal_node(info: Info, pk: int) -> Node | None:
    """`node(id:)` for a Goal: null when unknown, FORBIDDEN when hidden."""
    if not await GoalRow.exists(id=pk):
        return None
    found = await goal_seen(info, pk)
    if found is None:
        raise ClientError("You may not see this goal.", "FORBIDDEN")
    return found
