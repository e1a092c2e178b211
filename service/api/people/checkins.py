"""Check-ins in GraphQL: `Employee.checkIns`, `nextCheckIn`, `checkInAgenda`, and the
`recordCheckIn` / `acknowledgeCheckIn` mutations. Who sees what of a check-in is
service/usecases/accounts/access.py `check_in_view`; the private manager notes and the
snapshot are left out field by field for those who may not see them."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated

import strawberry

from service.api.context import Info, readers
from service.api.enums import describe_values
from service.api.errors import UNION_DESCRIPTION, CommonError, errors_as_data
from service.api.ids import ClientError, Node, global_id, parse_global_id
from service.api.pagination import Keyset, PageInfo, connection, desc, page_size
from service.api.people.goals import Goal, goal_seen
from service.api.scalars import Decimal, fixed
from service.api.scoring.scores import Appeal, ObservationNode, observation_node
from service.api.setup.people import Employee, person_seen
from service.models import ActionItem as ActionItemRow
from service.models import CheckIn as CheckInRow
from service.scoring.goals import GoalStatus
from service.scoring.types import LineStatus, Scope, ScoreStatus
from service.usecases.accounts.access import CheckInView, check_in_view, manager_ids_in
from service.usecases.people import checkins
from service.usecases.people.checkins import (
    ActionItemInput as ActionItemUseCaseInput,
)
from service.usecases.people.checkins import (
    CadenceStatus,
    CheckInSnapshot,
    SnapshotGoal,
    SnapshotLine,
    cadence_of,
    carried_action_items,
    local_today,
)

CHECK_IN_ORDER = Keyset(desc("id"))  # recorded in the order held: newest first
ID_DESCRIPTION = "The global id: give it to `node(id)`."

strawberry.enum(
    CadenceStatus,
    name="CheckInCadenceStatus",
    description="Where the next check-in stands against the policy's interval: NOT_DUE, DUE "
    "(from three days before the due date through that day), OVERDUE (after it).",
)
describe_values(
    CadenceStatus,
    {
        "NOT_DUE": "More than three days before the next check-in is due.",
        "DUE": "From three days before the due date through that day.",
        "OVERDUE": "After the due date, with no check-in recorded since.",
    },
)


async def manager_ids(info: Info, employee_pk: int, team_pk: int | None) -> set[int]:
    """The person's managers now, from the team tree loaded once per request."""
    teams = await info.context.loaders.all_teams.load(0)
    parents = {t.id: t.parent_id for t in teams}
    leads = {t.id: t.lead_id for t in teams if t.lead_id is not None}
    return manager_ids_in(employee_pk, team_pk, parents, leads)


@strawberry.type(
    description="Something to do agreed in a check-in, with an owner and a due date; carried "
    "into every later check-in until one closes it."
)
class ActionItem(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    text: str = strawberry.field(description="What is to be done.")
    due_on: date = strawberry.field(description="By when.")
    closed_at: datetime | None = strawberry.field(
        description="When a check-in closed it; null while open."
    )
    owner_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: ActionItemRow) -> ActionItem:
        return cls(
            id=strawberry.ID(global_id("ActionItem", row.id)),
            text=row.text,
            due_on=row.due_on,
            closed_at=row.closed_at,
            owner_pk=row.owner_id,
        )

    @strawberry.field(
        description="Who does it: the person or one of their managers; null if you may not "
        "see them."
    )
    async def owner(self, info: Info) -> Employee | None:
        return await person_seen(info, await info.context.loaders.employee.load(self.owner_pk))


@strawberry.type(description="A score line as it stood when the check-in was recorded.")
class CheckInLine:
    number: int = strawberry.field(description="The line's 1-based number on the score.")
    kpi_code: str = strawberry.field(description="The KPI's code.")
    kpi_name: str = strawberry.field(description="The KPI's name in the request's language.")
    scope: Scope = strawberry.field(description="The person's own data or their team's.")
    status: LineStatus = strawberry.field(description="Whether the line was scored.")
    raw_value: Decimal | None = strawberry.field(description="The raw value then, 4 places.")
    normalized: Decimal | None = strawberry.field(description="The line's points (0-100+).")
    points: Decimal | None = strawberry.field(
        description="What the line added to the total then (its contribution)."
    )
    discussed: bool = strawberry.field(description="Whether the check-in discussed this line.")

    @classmethod
    def of(cls, line: SnapshotLine, lang: str) -> CheckInLine:
        return cls(
            number=line.number,
            kpi_code=line.kpi_code,
            kpi_name=(line.kpi_name_zh or line.kpi_name)
            if lang.startswith("zh")
            else line.kpi_name,
            scope=Scope(line.scope),
            status=LineStatus(line.status),
            raw_value=fixed(line.raw_value, 4, scaled=False),
            normalized=fixed(line.normalized, 2, scaled=False),
            points=fixed(line.contribution, 2, scaled=False),
            discussed=line.discussed,
        )


@strawberry.type(
    description="One of the person's goals (or their team's) as it stood when the check-in "
    "was recorded: its value, progress and status then, kept as they were."
)
class CheckInGoal:
    goal_id: strawberry.ID = strawberry.field(description="The goal's global id.")
    title: str = strawberry.field(description="The goal's title then.")
    cycle_code: str = strawberry.field(description="The goal's cycle.")
    team_goal: bool = strawberry.field(
        description="True for the person's team's goal, false for their own."
    )
    value: Decimal | None = strawberry.field(
        description="Its current value then (4 places); null while there was none."
    )
    target: Decimal | None = strawberry.field(description="Its target then.")
    unit: str = strawberry.field(description="The unit of value and target.")
    progress: Decimal | None = strawberry.field(description="Its progress then, 0-100.")
    status: GoalStatus | None = strawberry.field(
        description="ON_TRACK, AT_RISK, ACHIEVED or MISSED then."
    )
    discussed: bool = strawberry.field(description="Whether the check-in discussed this goal.")
    pk: strawberry.Private[int]

    @classmethod
    def of(cls, goal: SnapshotGoal) -> CheckInGoal:
        return cls(
            goal_id=strawberry.ID(global_id("Goal", goal.goal_id)),
            title=goal.title,
            cycle_code=goal.cycle_code,
            team_goal=goal.team_goal,
            value=fixed(goal.value, 4, scaled=False),
            target=None if goal.target is None else Decimal(goal.target),
            unit=goal.unit,
            progress=fixed(goal.progress, 2, scaled=False),
            status=GoalStatus(goal.status) if goal.status else None,
            discussed=goal.discussed,
            pk=goal.goal_id,
        )

    @strawberry.field(
        description="The goal as it is now; null if it was deleted or you may not see it.",
        extensions=[readers()],
    )
    async def goal(self, info: Info) -> Goal | None:
        return await goal_seen(info, self.pk)


@strawberry.type(
    description="The person's stored score when the check-in was recorded: total and every "
    "line's points, kept as they were."
)
class CheckInScore:
    cycle_code: str = strawberry.field(description="The cycle of the score.")
    status: ScoreStatus = strawberry.field(description="SCORED, NO_DATA or NOT_ELIGIBLE then.")
    total: Decimal | None = strawberry.field(description="The total then; null without one.")
    band: str | None = strawberry.field(description="The band then.")
    lines: list[CheckInLine] = strawberry.field(description="Every line, in score order.")


@strawberry.type(
    description="A one-to-one a manager held with someone they manage. Seen by the person, "
    "their managers and admins; the private notes by managers and admins only."
)
class CheckIn(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    held_on: date = strawberry.field(description="The day it was held.")
    shared_notes: str = strawberry.field(description="Notes both sides see.")
    acknowledged_at: datetime | None = strawberry.field(
        description="When the person acknowledged it; null until then."
    )
    acknowledgement_comment: str | None = strawberry.field(
        description="The person's comment on acknowledging, if any."
    )
    created_at: datetime = strawberry.field(description="When it was recorded.")
    row: strawberry.Private[CheckInRow]
    view: strawberry.Private[CheckInView]

    @classmethod
    def from_row(cls, row: CheckInRow, view: CheckInView) -> CheckIn:
        return cls(
            id=strawberry.ID(global_id("CheckIn", row.id)),
            held_on=row.held_on,
            shared_notes=row.shared_notes,
            acknowledged_at=row.acknowledged_at,
            acknowledgement_comment=row.acknowledgement_comment or None,
            created_at=row.created_at,
            row=row,
            view=view,
        )

    @strawberry.field(
        description="The manager's private notes: for the person's managers (after a transfer, "
        "the new ones; the one who wrote them keeps them) and admins; null for anyone else."
    )
    def private_notes(self) -> str | None:
        if self.view in (CheckInView.MANAGER, CheckInView.FORMER_AUTHOR):
            return self.row.private_notes
        return None

    @strawberry.field(
        description="The person's score as it stood; null when they had none, or for a former "
        "manager, who keeps what they wrote but no longer the person's numbers."
    )
    def score(self, info: Info) -> CheckInScore | None:
        if self.view is CheckInView.FORMER_AUTHOR:
            return None
        snapshot = CheckInSnapshot.from_row(self.row.snapshot).score
        if snapshot is None:
            return None
        return CheckInScore(
            cycle_code=snapshot.cycle_code,
            status=ScoreStatus(snapshot.status),
            total=fixed(snapshot.total, 2, scaled=False),
            band=snapshot.band,
            lines=[CheckInLine.of(line, info.context.lang) for line in snapshot.lines],
        )

    @strawberry.field(
        description="Every goal the check-in kept, as it stood then (docs/checkins.md: the "
        "person's accepted goals, and their team's they may see, of the cycles that include "
        "the day); empty for a former manager, who no longer sees the person's numbers."
    )
    def goals(self) -> list[CheckInGoal]:
        if self.view is CheckInView.FORMER_AUTHOR:
            return []
        return [CheckInGoal.of(g) for g in CheckInSnapshot.from_row(self.row.snapshot).goals]

    @strawberry.field(description="Who recorded it; null if you may not see them.")
    async def recorded_by(self, info: Info) -> Employee | None:
        if self.row.recorded_by_employee_id is None:
            return None
        row = await info.context.loaders.employee.load(self.row.recorded_by_employee_id)
        return await person_seen(info, row)

    @strawberry.field(description="The action items raised in this check-in.")
    async def action_items(self, info: Info) -> list[ActionItem]:
        items = await info.context.loaders.people.action_items.load(self.row.employee_id)
        return [ActionItem.from_row(i) for i in items if i.raised_in_id == self.row.id]

    @strawberry.field(
        description="The items of earlier check-ins still open when this one was recorded: "
        "what it carried over (closed by it, later, or not yet)."
    )
    async def carried_action_items(self, info: Info) -> list[ActionItem]:
        items = await info.context.loaders.people.action_items.load(self.row.employee_id)
        return [ActionItem.from_row(i) for i in carried_action_items(self.row, items)]


@strawberry.type(description="When the person's next check-in is due, and what is still open.")
class NextCheckIn:
    last_held_on: date | None = strawberry.field(
        description="The last check-in's day; null if they never had one."
    )
    due_on: date = strawberry.field(
        description="The last check-in (or the hire date) plus the policy's interval."
    )
    status: CadenceStatus = strawberry.field(description="NOT_DUE, DUE or OVERDUE today.")
    open_action_items: list[ActionItem] = strawberry.field(
        description="Action items not closed yet, soonest due first."
    )


@strawberry.type(description="A line that moved since the last check-in.")
class AgendaLine:
    number: int = strawberry.field(description="The line's 1-based number on the score.")
    kpi_code: str = strawberry.field(description="The KPI's code.")
    kpi_name: str = strawberry.field(description="The KPI's name in the request's language.")
    scope: Scope = strawberry.field(description="The person's own data or their team's.")
    then: Decimal | None = strawberry.field(
        description="Its points at the last check-in; null if it was not on that score."
    )
    now: Decimal | None = strawberry.field(description="Its points now.")


@strawberry.type(
    description="What to start the next check-in from: what changed since the last one. "
    "Computed when asked from the stored scores, stored nowhere."
)
class CheckInAgenda:
    since: date | None = strawberry.field(
        description="The last check-in's day; null before the first."
    )
    cycle_code: str | None = strawberry.field(
        description="The open cycle whose score is compared; null without one."
    )
    total_then: Decimal | None = strawberry.field(
        description="The total at the last check-in (same cycle only)."
    )
    total_now: Decimal | None = strawberry.field(description="The stored total now.")
    moved_lines: list[AgendaLine] = strawberry.field(description="Lines whose points moved.")
    new_comments: list[ObservationNode] = strawberry.field(
        description="Customer comments recorded since the last check-in, newest first."
    )
    open_appeals: list[Appeal] = strawberry.field(description="Appeals not answered yet.")
    open_action_items: list[ActionItem] = strawberry.field(
        description="Action items not closed yet."
    )
    goals_at_risk: list[CheckInGoal] = strawberry.field(
        description="Goals AT_RISK now that were not at the last check-in (or were not kept "
        "by it), as they stand now."
    )


@strawberry.type(description="A check-in and its cursor.")
class CheckInEdge:
    node: CheckIn = strawberry.field(description="The check-in.")
    cursor: str = strawberry.field(description="Pass it as `after` for the rows that follow.")


@strawberry.type(description="A page of check-ins, newest first.")
class CheckInConnection:
    edges: list[CheckInEdge] = strawberry.field(description="The check-ins with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where the page sits in the list.")

    @strawberry.field(description="The check-ins alone.")
    def nodes(self) -> list[CheckIn]:
        return [edge.node for edge in self.edges]


def _view_of(info: Info, employee_pk: int, managers: set[int], row: CheckInRow) -> CheckInView:
    return check_in_view(
        info.context.actor_checked,
        employee_id=employee_pk,
        manager_ids=managers,
        recorded_by_employee_id=row.recorded_by_employee_id,
    )


def _refused() -> ClientError:
    return ClientError(
        "An employee's check-ins are seen by the employee, their managers and admins.",
        "FORBIDDEN",
    )


async def check_ins_of(
    info: Info, employee: Employee, first: int | None, after: str | None
) -> CheckInConnection:
    size = page_size(first, info.context.settings.max_page_size)
    managers = await manager_ids(info, employee.pk, employee.team_pk)
    actor = info.context.actor_checked
    if (
        check_in_view(
            actor, employee_id=employee.pk, manager_ids=managers, recorded_by_employee_id=None
        )
        is CheckInView.NONE
    ):
        raise _refused()
    after_id = None if after is None else int(CHECK_IN_ORDER.decode(after)[0])
    rows = await info.context.loaders.people.check_in_pages.load(
        (employee.pk, size + 1, after_id, False)
    )
    page = connection(
        rows,
        size,
        CHECK_IN_ORDER.key,
        lambda row: CheckIn.from_row(row, _view_of(info, employee.pk, managers, row)),
    )
    return CheckInConnection(
        edges=[CheckInEdge(node=e.node, cursor=e.cursor) for e in page.edges],
        page_info=page.page_info,
    )


async def next_check_in_of(info: Info, employee: Employee) -> NextCheckIn:
    actor = info.context.actor_checked
    managers = await manager_ids(info, employee.pk, employee.team_pk)
    if (
        check_in_view(
            actor, employee_id=employee.pk, manager_ids=managers, recorded_by_employee_id=None
        )
        is CheckInView.NONE
    ):
        raise _refused()
    # Asked for together, so that the loaders batch them across the people of a list.
    last, items, policy = await asyncio.gather(
        info.context.loaders.people.last_held_on.load(employee.pk),
        info.context.loaders.people.action_items.load(employee.pk),
        info.context.policy(),
    )
    cadence = cadence_of(
        last_held_on=last,
        hired_on=employee.hired_on,
        interval_days=policy.check_in_interval_days,
        today=local_today(policy, None),
    )
    return NextCheckIn(
        last_held_on=cadence.last_held_on,
        due_on=cadence.due_on,
        status=cadence.status,
        open_action_items=[ActionItem.from_row(i) for i in items if i.closed_at is None],
    )


async def agenda_of(info: Info, employee: Employee) -> CheckInAgenda:
    agenda = await checkins.check_in_agenda(
        actor=info.context.actor_checked,
        employee_external_id=employee.external_id,
        clock=info.context.goal_clock,
    )
    zh = info.context.lang.startswith("zh")
    return CheckInAgenda(
        since=None if agenda.last_check_in is None else agenda.last_check_in.held_on,
        cycle_code=agenda.cycle_code,
        total_then=fixed(agenda.total_then, 2, scaled=False),
        total_now=fixed(agenda.total_now, 2, scaled=False),
        moved_lines=[
            AgendaLine(
                number=line.number,
                kpi_code=line.kpi_code,
                kpi_name=(line.kpi_name_zh or line.kpi_name) if zh else line.kpi_name,
                scope=Scope(line.scope),
                then=fixed(line.then, 2, scaled=False),
                now=fixed(line.now, 2, scaled=False),
            )
            for line in agenda.moved_lines
        ],
        new_comments=[observation_node(row) for row in agenda.new_comments],
        open_appeals=[Appeal.from_row(row) for row in agenda.open_appeals],
        open_action_items=[ActionItem.from_row(row) for row in agenda.open_action_items],
        goals_at_risk=[CheckInGoal.of(goal) for goal in agenda.goals_at_risk],
    )


# --- mutations ---------------------------------------------------------------------------


@strawberry.input(description="An action item to raise in a check-in.")
class ActionItemInput:
    text: str = strawberry.field(description="What is to be done.")
    owner_external_id: str = strawberry.field(
        description="Who does it: the person or one of their managers."
    )
    due_on: date = strawberry.field(description="By when; not before the check-in.")


RecordCheckInResult = Annotated[
    CheckIn | CommonError, strawberry.union("RecordCheckInResult", description=UNION_DESCRIPTION)
]
AcknowledgeCheckInResult = Annotated[
    CheckIn | CommonError,
    strawberry.union("AcknowledgeCheckInResult", description=UNION_DESCRIPTION),
]


def _action_item_pk(value: strawberry.ID) -> int:
    return parse_global_id(value, "ActionItem")[1]


@strawberry.type
class CheckInMutations:
    @strawberry.mutation(
        description="A manager (or an admin) records a check-in held with someone they manage. "
        "It keeps the person's stored score and goals as they stand (the lines and goals "
        "discussed marked), raises "
        "new action items and closes open ones; the others carry into the next check-in.",
        extensions=[readers()],
    )
    @errors_as_data
    async def record_check_in(
        self,
        info: Info,
        employee_external_id: Annotated[
            str, strawberry.argument(description="The person the check-in was with.")
        ],
        held_on: Annotated[
            date, strawberry.argument(description="The day; not after today nor the last one.")
        ],
        shared_notes: Annotated[str, strawberry.argument(description="Notes both sides see.")] = "",
        private_notes: Annotated[
            str, strawberry.argument(description="Notes for managers and admins only.")
        ] = "",
        cycle_code: Annotated[
            str | None,
            strawberry.argument(
                description="The cycle whose score to keep; by default the latest open cycle "
                "the person has a score in."
            ),
        ] = None,
        discussed_lines: Annotated[
            list[int] | None,
            strawberry.argument(description="The 1-based numbers of the lines discussed."),
        ] = None,
        discussed_goals: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(
                description="The goals discussed: the person's accepted goals (or their "
                "team's) of a cycle that includes the day."
            ),
        ] = None,
        action_items: Annotated[
            list[ActionItemInput] | None,
            strawberry.argument(description="New action items."),
        ] = None,
        close_action_items: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Open action items this check-in closes."),
        ] = None,
    ) -> RecordCheckInResult:
        actor = info.context.actor_checked
        row = await checkins.record_check_in(
            actor=actor,
            employee_external_id=employee_external_id,
            held_on=held_on,
            shared_notes=shared_notes,
            private_notes=private_notes,
            cycle_code=cycle_code,
            discussed_lines=discussed_lines or [],
            discussed_goals=[parse_global_id(g, "Goal")[1] for g in discussed_goals or []],
            action_items=[
                ActionItemUseCaseInput(item.text, item.owner_external_id, item.due_on)
                for item in action_items or []
            ],
            close_action_item_ids=[_action_item_pk(i) for i in close_action_items or []],
            clock=info.context.goal_clock,
        )
        return CheckIn.from_row(row, CheckInView.MANAGER)

    @strawberry.mutation(
        description="The person acknowledges a check-in, once, with a comment if they like.",
        extensions=[readers()],
    )
    @errors_as_data
    async def acknowledge_check_in(
        self,
        info: Info,
        check_in_id: Annotated[strawberry.ID, strawberry.argument(description="The check-in.")],
        comment: Annotated[
            str | None, strawberry.argument(description="What the person adds, if anything.")
        ] = None,
    ) -> AcknowledgeCheckInResult:
        _type, pk = parse_global_id(check_in_id, "CheckIn")
        row = await checkins.acknowledge_check_in(
            actor=info.context.actor_checked, check_in_id=pk, comment=comment
        )
        return CheckIn.from_row(row, CheckInView.EMPLOYEE)


async def check_in_node(info: Info, pk: int) -> CheckIn | None:
    row = await CheckInRow.get_or_none(id=pk)
    if row is None:
        return None
    employee = await info.context.loaders.employee.load(row.employee_id)
    assert employee is not None
    view = _view_of(
        info, row.employee_id, await manager_ids(info, employee.id, employee.team_id), row
    )
    if view is CheckInView.NONE:
        raise ClientError("You may not see this check-in.", "FORBIDDEN")
    return CheckIn.from_row(row, view)


async def action_item_node(info: Info, pk: int) -> ActionItem | None:
    row = await ActionItemRow.get_or_none(id=pk)
    if row is None:
        return None
    await check_in_node(info, row.raised_in_id)  # the same rule as its check-in
    return ActionItem.from_row(row)
