"""Development plans and the training catalogue in GraphQL (docs/development.md).

`Employee.developmentPlan`, `Employee.developmentSuggestions` and
`Employee.coursesAttended` are seen by the employee, their managers and admins (the
request's visible set, service/usecases/accounts/access.py); `courses` by everyone
signed in. The mutations call one use case each, which decides access and audits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from tortoise.connection import get_connection

from service.api.context import Info, admins, readers
from service.api.enums import describe_values
from service.api.errors import UNION_DESCRIPTION, CommonError, errors_as_data
from service.api.ids import ClientError, Node, global_id, parse_global_id
from service.api.people.goals import Goal, goal_seen
from service.api.scalars import Decimal
from service.api.setup.kpis import Kpi
from service.models import Course as CourseRow
from service.models import CourseAttendance as CourseAttendanceRow
from service.models import CourseFormat, DevelopmentAction, DevelopmentStatus, FocusKind
from service.models import DevelopmentItem as DevelopmentItemRow
from service.models import DevelopmentPlan as DevelopmentPlanRow
from service.models import Employee as EmployeeRow
from service.scoring import format_fixed, what_it_would_take_text
from service.usecases.people import development, training
from service.usecases.people.development import CycleValue, ItemChanges, ItemInput

if TYPE_CHECKING:
    from service.api.people.role_models import KnowledgeSession

strawberry.enum(
    DevelopmentStatus,
    name="DevelopmentStatus",
    description="Where a development item stands: PLANNED, IN_PROGRESS, DONE or DROPPED.",
)
strawberry.enum(FocusKind, name="FocusKind", description="What an item works on: a KPI or a skill.")
strawberry.enum(
    DevelopmentAction,
    name="DevelopmentAction",
    description="How: a COURSE of the catalogue, COACHING, SHADOWING a colleague, a "
    "knowledge-sharing SESSION (named in the detail) or a CUSTOM action.",
)
strawberry.enum(CourseFormat, name="CourseFormat", description="How a course is given.")
describe_values(
    DevelopmentStatus,
    {
        "PLANNED": "Agreed, not started.",
        "IN_PROGRESS": "Started.",
        "DONE": "Finished; its effect is shown once a finalised cycle follows.",
        "DROPPED": "Given up; kept for the record.",
    },
)
describe_values(
    FocusKind,
    {"KPI": "A KPI of the person's scorecard.", "SKILL": "A named skill, in words."},
)
describe_values(
    DevelopmentAction,
    {
        "COURSE": "A course of the training catalogue.",
        "COACHING": "Coaching by a manager or a colleague.",
        "SHADOWING": "Shadowing a colleague at work.",
        "SESSION": "A knowledge-sharing session, named in the detail.",
        "CUSTOM": "Any other action, described in the detail.",
    },
)
describe_values(
    CourseFormat,
    {
        "CLASSROOM": "Taught in a room with a trainer.",
        "ONLINE": "Taught live online.",
        "WORKSHOP": "A hands-on workshop.",
        "SELF_PACED": "Learnt alone, at one's own pace.",
    },
)


def _forbidden() -> ClientError:
    return ClientError(
        "Only the employee, their managers and admins may see their development plan.",
        "FORBIDDEN",
    )


async def _require_plan_reader(info: Info, employee_pk: int) -> None:
    if not await info.context.may_see(employee_pk):
        raise _forbidden()


@strawberry.type(description="A course of the training catalogue.")
class Course(Node):
    id: strawberry.ID = strawberry.field(description="The course's global id.")
    code: str = strawberry.field(description="The course's natural key.")
    title: str = strawberry.field(description="The title in English.")
    title_zh: str = strawberry.field(description="The title in Simplified Chinese.")
    kpi_codes: list[str] = strawberry.field(description="The KPIs the course is tagged with.")
    length_minutes: int = strawberry.field(description="How long it takes, in minutes.")
    format: CourseFormat = strawberry.field(description="How it is given.")
    version: int = strawberry.field(description="Send it back as expectedVersion to save.")

    @classmethod
    def from_row(cls, row: CourseRow) -> Course:
        return cls(
            id=strawberry.ID(global_id("Course", row.id)),
            code=row.code,
            title=row.title,
            title_zh=row.title_zh,
            kpi_codes=list(row.kpi_codes),
            length_minutes=row.length_minutes,
            format=row.format,
            version=row.version,
        )

    @strawberry.field(description="The title in the request's language.")
    def localized_title(self, info: Info) -> str:
        return self.title_zh if info.context.lang.startswith("zh") else self.title

    @strawberry.field(description="The KPIs the course is tagged with.")
    async def kpis(self, info: Info) -> list[Kpi]:
        rows = await info.context.loaders.kpi_by_code.load_many(self.kpi_codes)
        return [Kpi.from_row(r) for r in rows if r is not None]


@strawberry.type(description="A KPI's raw value on the employee's final score in one cycle.")
class CycleKpiValue:
    cycle_code: str = strawberry.field(description="The finalised cycle.")
    raw_value: Decimal | None = strawberry.field(
        description="The INDIVIDUAL line's raw value (4 places); null without a value."
    )
    sample_size: int | None = strawberry.field(
        description="Its n; null when the KPI was not on their final score in that cycle."
    )

    @classmethod
    def of(cls, value: CycleValue | None) -> CycleKpiValue | None:
        if value is None:
            return None
        raw = value.raw_value
        return cls(
            cycle_code=value.cycle_code,
            raw_value=None if raw is None else Decimal(format_fixed(raw, 4)),
            sample_size=value.sample_size,
        )


@strawberry.type(
    description="Effect shown, not claimed: the focus KPI before the item started (the "
    "comparable previous cycle) and after it was done (the first finalised cycle after)."
)
class DevelopmentEffect:
    before: CycleKpiValue | None = strawberry.field(
        description="In the comparable previous cycle of the item's start; null when none."
    )
    after: CycleKpiValue = strawberry.field(
        description="In the first finalised cycle after the item was done."
    )


@strawberry.type(description="One step of a development plan.")
class DevelopmentItem(Node):
    id: strawberry.ID = strawberry.field(description="The id updateDevelopmentItem takes.")
    focus_kind: FocusKind = strawberry.field(description="KPI or SKILL.")
    focus_skill: str = strawberry.field(description="The skill, for a SKILL focus; else empty.")
    action: DevelopmentAction = strawberry.field(description="How the employee works on it.")
    action_detail: str = strawberry.field(
        description="The session or custom action, or more about the action."
    )
    due_on: date = strawberry.field(description="When it should be done.")
    status: DevelopmentStatus = strawberry.field(description="Where it stands.")
    notes: str = strawberry.field(description="Notes by the employee or their managers.")
    started_on: date | None = strawberry.field(
        description="The first day it was IN_PROGRESS (or DONE); null before."
    )
    done_on: date | None = strawberry.field(description="The day it became DONE; null otherwise.")
    version: int = strawberry.field(description="Send it back as expectedVersion to change it.")
    created_at: datetime = strawberry.field(description="When it was added.")
    pk: strawberry.Private[int]
    kpi_pk: strawberry.Private[int | None]
    course_pk: strawberry.Private[int | None]
    owner_pk: strawberry.Private[int]
    shadowing_pk: strawberry.Private[int | None]
    goal_pk: strawberry.Private[int | None]
    session_pk: strawberry.Private[int | None] = None

    @classmethod
    def from_row(cls, row: DevelopmentItemRow) -> DevelopmentItem:
        return cls(
            id=strawberry.ID(global_id("DevelopmentItem", row.id)),
            focus_kind=row.focus_kind,
            focus_skill=row.focus_skill,
            action=row.action,
            action_detail=row.action_detail,
            due_on=row.due_on,
            status=row.status,
            notes=row.notes,
            started_on=row.started_on,
            done_on=row.done_on,
            version=row.version,
            created_at=row.created_at,
            pk=row.id,
            kpi_pk=row.focus_kpi_id,
            course_pk=row.course_id,
            owner_pk=row.owner_id,
            shadowing_pk=row.shadowing_id,
            goal_pk=row.goal_id,
            session_pk=row.session_id,
        )

    @strawberry.field(
        description="The goal the item serves (the employee's or their team's, any cycle); "
        "null when none or when you may not see that goal.",
        extensions=[readers()],
    )
    async def goal(self, info: Info) -> Goal | None:
        return None if self.goal_pk is None else await goal_seen(info, self.goal_pk)

    @strawberry.field(description="The KPI, for a KPI focus.")
    async def focus_kpi(self, info: Info) -> Kpi | None:
        if self.kpi_pk is None:
            return None
        row = await info.context.loaders.kpi.load(self.kpi_pk)
        return None if row is None else Kpi.from_row(row)

    @strawberry.field(description="The course, for a COURSE.")
    async def course(self, info: Info) -> Course | None:
        if self.course_pk is None:
            return None
        row = await info.context.loaders.course.load(self.course_pk)
        return None if row is None else Course.from_row(row)

    @strawberry.field(description="The owner's external id: the employee or one of their managers.")
    async def owner_external_id(self, info: Info) -> str:
        row = await info.context.loaders.employee.load(self.owner_pk)
        return "" if row is None else row.external_id

    @strawberry.field(description="The owner's name.")
    async def owner_name(self, info: Info) -> str:
        row = await info.context.loaders.employee.load(self.owner_pk)
        return "" if row is None else row.name

    @strawberry.field(description="The colleague to shadow's name, for SHADOWING; else null.")
    async def shadowing_name(self, info: Info) -> str | None:
        if self.shadowing_pk is None:
            return None
        row = await info.context.loaders.employee.load(self.shadowing_pk)
        return None if row is None else row.name

    @strawberry.field(description="The knowledge-sharing session, for a SESSION that names one.")
    async def session(
        self, info: Info
    ) -> Annotated[KnowledgeSession, strawberry.lazy("service.api.people.role_models")] | None:
        from service.api.people.role_models import knowledge_session_node

        if self.session_pk is None:
            return None
        return await knowledge_session_node(info, self.session_pk)

    @strawberry.field(
        description="For a DONE item with a KPI focus once a cycle after it is finalised: the "
        "KPI before and after, side by side; null otherwise."
    )
    async def effect(self, info: Info) -> DevelopmentEffect | None:
        found = await info.context.loaders.item_effect.load(self.pk)
        if found is None or found.after is None:
            return None
        after = CycleKpiValue.of(found.after)
        assert after is not None
        return DevelopmentEffect(before=CycleKpiValue.of(found.before), after=after)


@strawberry.type(description="An employee's development plan: an aim and its items.")
class DevelopmentPlan(Node):
    id: strawberry.ID = strawberry.field(description="The plan's global id.")
    aim: str = strawberry.field(description="What the plan is for, in the employee's words.")
    version: int = strawberry.field(description="Send it back as expectedVersion to save.")
    updated_at: datetime = strawberry.field(description="When the aim was saved last.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: DevelopmentPlanRow) -> DevelopmentPlan:
        return cls(
            id=strawberry.ID(global_id("DevelopmentPlan", row.id)),
            aim=row.aim,
            version=row.version,
            updated_at=row.updated_at,
            pk=row.id,
        )

    @strawberry.field(description="The items, oldest first.")
    async def items(self, info: Info) -> list[DevelopmentItem]:
        rows = await info.context.loaders.items_by_plan.load(self.pk)
        return [DevelopmentItem.from_row(r) for r in rows]


@strawberry.type(description="A course the employee attended.")
class CourseAttendance:
    course: Course = strawberry.field(description="The course.")
    attended_on: date = strawberry.field(description="The day.")
    note: str = strawberry.field(description="A note by whoever recorded it.")


@strawberry.type(description="A suggested focus KPI and the courses tagged with it.")
class DevelopmentSuggestion:
    kpi: Kpi = strawberry.field(description="The KPI to focus on.")
    line: int = strawberry.field(description="Its line on the scorecard (1-based).")
    points_left: Decimal | None = strawberry.field(
        description="Effective weight − contribution (2 places); null for a NO_DATA score."
    )
    weight: Decimal = strawberry.field(description="The line's scorecard weight.")
    what_it_would_take: str | None = strawberry.field(
        description="The line's 'what it would take', in the request's language."
    )
    courses: list[Course] = strawberry.field(description="Catalogue courses tagged with the KPI.")


@strawberry.type(
    description="Focus KPIs suggested from one score (docs/development.md): up to three."
)
class DevelopmentSuggestions:
    cycle_code: str | None = strawberry.field(
        description="The cycle of the score used; null when the employee has none."
    )
    status: str | None = strawberry.field(
        description="That score's status (SCORED or NO_DATA give suggestions)."
    )
    suggestions: list[DevelopmentSuggestion] = strawberry.field(description="Best first.")


async def development_plan_of(info: Info, employee_pk: int) -> DevelopmentPlan | None:
    await _require_plan_reader(info, employee_pk)
    row = await info.context.loaders.plan_by_employee.load(employee_pk)
    return None if row is None else DevelopmentPlan.from_row(row)


async def courses_attended_of(info: Info, employee_pk: int) -> list[CourseAttendance]:
    """Read through a loader (one query for a whole team), under the plan's rule."""
    await _require_plan_reader(info, employee_pk)
    rows = await info.context.loaders.attendance_by_employee.load(employee_pk)
    return [
        CourseAttendance(course=Course.from_row(r.course), attended_on=r.attended_on, note=r.note)
        for r in rows
    ]


async def suggestions_of(
    info: Info, employee: EmployeeRow, cycle_code: str | None
) -> DevelopmentSuggestions:
    view = await development.suggestions_for(
        get_connection("default"),
        actor=info.context.actor_checked,
        employee_external_id=employee.external_id,
        cycle_code=cycle_code,
    )
    lang = info.context.lang
    return DevelopmentSuggestions(
        cycle_code=None if view.cycle is None else view.cycle.code,
        status=view.status,
        suggestions=[
            DevelopmentSuggestion(
                kpi=Kpi.from_row(s.kpi),
                line=s.focus.line_index + 1,
                points_left=None
                if s.focus.points_left is None
                else Decimal(format_fixed(s.focus.points_left, 2)),
                weight=Decimal(s.focus.line.weight),
                what_it_would_take=what_it_would_take_text(s.focus.line, lang=lang),
                courses=[Course.from_row(c) for c in s.courses],
            )
            for s in view.suggestions
        ],
    )


# --- node fetchers -------------------------------------------------------------------


async def plan_node(info: Info, pk: int) -> Node | None:
    row = await DevelopmentPlanRow.get_or_none(id=pk)
    if row is None:
        return None
    await _require_plan_reader(info, row.employee_id)
    return DevelopmentPlan.from_row(row)


async def item_node(info: Info, pk: int) -> Node | None:
    row = await DevelopmentItemRow.get_or_none(id=pk).select_related("plan")
    if row is None:
        return None
    await _require_plan_reader(info, row.plan.employee_id)
    return DevelopmentItem.from_row(row)


async def course_node(info: Info, pk: int) -> Node | None:
    row = await CourseRow.get_or_none(id=pk)
    return None if row is None else Course.from_row(row)


# --- inputs, queries and mutations ---------------------------------------------------


def _goal_pk(value: strawberry.ID | None) -> int | None:
    return None if value is None else parse_global_id(value, "Goal")[1]


@strawberry.input(description="A new development item.")
class DevelopmentItemInput:
    action: DevelopmentAction = strawberry.field(description="How the employee works on it.")
    due_on: date = strawberry.field(description="When it should be done (not before today).")
    focus_kpi_code: str | None = strawberry.field(
        default=None, description="The KPI to move (or give focusSkill)."
    )
    focus_skill: str | None = strawberry.field(
        default=None, description="The skill to build (or give focusKpiCode)."
    )
    course_code: str | None = strawberry.field(
        default=None, description="For a COURSE: the catalogue course."
    )
    shadowing_external_id: str | None = strawberry.field(
        default=None, description="For SHADOWING: the colleague to shadow."
    )
    action_detail: str = strawberry.field(
        default="", description="Required for SESSION and CUSTOM: what it is."
    )
    owner_external_id: str | None = strawberry.field(
        default=None, description="The employee (default) or one of their managers."
    )
    status: DevelopmentStatus = strawberry.field(
        default=DevelopmentStatus.PLANNED, description="Where it starts."
    )
    notes: str = strawberry.field(default="", description="Notes.")
    goal_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The goal it serves: one of the employee's goals or their team's, in any "
        "cycle, that you may see.",
    )
    session_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="For a SESSION: the knowledge-sharing session, one the employee attended "
        "or one still to come (then actionDetail may be empty).",
    )

    def to_usecase(self) -> ItemInput:
        return ItemInput(
            action=self.action.value,
            due_on=self.due_on,
            focus_kpi_code=self.focus_kpi_code,
            focus_skill=self.focus_skill,
            course_code=self.course_code,
            shadowing_external_id=self.shadowing_external_id,
            action_detail=self.action_detail,
            owner_external_id=self.owner_external_id,
            status=self.status.value,
            notes=self.notes,
            goal_id=_goal_pk(self.goal_id),
            session_id=None
            if self.session_id is None
            else parse_global_id(self.session_id, "KnowledgeSession")[1],
        )


@strawberry.input(description="What to change on a development item; absent fields stay.")
class DevelopmentItemChanges:
    status: DevelopmentStatus | None = strawberry.field(default=None, description="New status.")
    due_on: date | None = strawberry.field(default=None, description="New due date.")
    notes: str | None = strawberry.field(default=None, description="New notes.")
    owner_external_id: str | None = strawberry.field(default=None, description="New owner.")
    action_detail: str | None = strawberry.field(default=None, description="New detail.")
    goal_id: strawberry.ID | None = strawberry.field(
        default=None, description="The goal it now serves (the employee's or their team's)."
    )
    clear_goal: bool = strawberry.field(
        default=False, description="True: the item no longer names a goal."
    )

    def to_usecase(self) -> ItemChanges:
        return ItemChanges(
            status=None if self.status is None else self.status.value,
            due_on=self.due_on,
            notes=self.notes,
            owner_external_id=self.owner_external_id,
            action_detail=self.action_detail,
            goal_id=_goal_pk(self.goal_id),
            clear_goal=self.clear_goal,
        )


@strawberry.input(description="A course of the catalogue, by its code.")
class CourseInput:
    code: str = strawberry.field(description="The natural key.")
    title: str = strawberry.field(description="The title in English.")
    title_zh: str = strawberry.field(description="The title in Simplified Chinese.")
    kpi_codes: list[str] = strawberry.field(description="The KPIs it is tagged with.")
    length_minutes: int = strawberry.field(description="How long, in minutes.")
    format: CourseFormat = strawberry.field(description="How it is given.")


DevelopmentPlanResult = Annotated[
    DevelopmentPlan | CommonError,
    strawberry.union("DevelopmentPlanResult", description=UNION_DESCRIPTION),
]
DevelopmentItemResult = Annotated[
    DevelopmentItem | CommonError,
    strawberry.union("DevelopmentItemResult", description=UNION_DESCRIPTION),
]
CourseResult = Annotated[
    Course | CommonError, strawberry.union("CourseResult", description=UNION_DESCRIPTION)
]
CourseAttendanceResult = Annotated[
    CourseAttendance | CommonError,
    strawberry.union("CourseAttendanceResult", description=UNION_DESCRIPTION),
]


async def _external_id(info: Info, given: str | None) -> str:
    if given is not None:
        return given
    actor = info.context.actor_checked
    if actor.employee_id is None:
        raise ClientError("Name the employee: you are not one yourself.")
    return (await EmployeeRow.get(id=actor.employee_id)).external_id


@strawberry.type(description="The training catalogue.")
class DevelopmentQuery:
    @strawberry.field(
        extensions=[readers()], description="The training catalogue, by code (everyone)."
    )
    async def courses(self, info: Info) -> list[Course]:
        return [Course.from_row(c) for c in await CourseRow.all().order_by("code")]


@strawberry.type(description="Development plans (the employee, their managers, admins).")
class DevelopmentMutation:
    @strawberry.mutation(
        extensions=[readers()],
        description="Set the plan's aim (the plan is made when there is none: "
        "expectedVersion 0). Default employee: you.",
    )
    @errors_as_data
    async def set_development_plan(
        self,
        info: Info,
        aim: Annotated[str, strawberry.argument(description="What the plan is for.")],
        expected_version: Annotated[
            int, strawberry.argument(description="The version read; 0 when there is no plan.")
        ],
        employee_external_id: Annotated[
            str | None, strawberry.argument(description="Whose plan; default yours.")
        ] = None,
    ) -> DevelopmentPlanResult:
        saved = await development.set_development_plan(
            actor=info.context.actor_checked,
            employee_external_id=await _external_id(info, employee_external_id),
            aim=aim,
            expected_version=expected_version,
        )
        return DevelopmentPlan.from_row(saved.plan)

    @strawberry.mutation(
        extensions=[readers()],
        description="Add an item to a plan (taking a suggestion: its KPI as focusKpiCode). "
        "Default employee: you.",
    )
    @errors_as_data
    async def add_development_item(
        self,
        info: Info,
        item: Annotated[DevelopmentItemInput, strawberry.argument(description="The item.")],
        employee_external_id: Annotated[
            str | None, strawberry.argument(description="Whose plan; default yours.")
        ] = None,
    ) -> DevelopmentItemResult:
        row = await development.add_development_item(
            actor=info.context.actor_checked,
            employee_external_id=await _external_id(info, employee_external_id),
            item=item.to_usecase(),
        )
        return DevelopmentItem.from_row(row)

    @strawberry.mutation(
        extensions=[readers()],
        description="Change an item's status, due date, notes, owner or detail.",
    )
    @errors_as_data
    async def update_development_item(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The item's id.")],
        expected_version: Annotated[int, strawberry.argument(description="The version read.")],
        changes: Annotated[DevelopmentItemChanges, strawberry.argument(description="Changes.")],
    ) -> DevelopmentItemResult:
        _type, pk = parse_global_id(id, "DevelopmentItem")
        row = await development.update_development_item(
            actor=info.context.actor_checked,
            item_id=pk,
            changes=changes.to_usecase(),
            expected_version=expected_version,
        )
        return DevelopmentItem.from_row(row)

    @strawberry.mutation(
        extensions=[admins()], description="Create or change a catalogue course (admins)."
    )
    @errors_as_data
    async def save_course(
        self,
        info: Info,
        course: Annotated[CourseInput, strawberry.argument(description="The course.")],
        expected_version: Annotated[
            int | None, strawberry.argument(description="The version read, to edit safely.")
        ] = None,
    ) -> CourseResult:
        saved = await training.save_course(
            actor=info.context.actor_checked,
            course=training.CourseInput(
                code=course.code,
                title=course.title,
                title_zh=course.title_zh,
                kpi_codes=tuple(course.kpi_codes),
                length_minutes=course.length_minutes,
                format=course.format.value,
            ),
            expected_version=expected_version,
        )
        return Course.from_row(saved.course)

    @strawberry.mutation(
        extensions=[readers()],
        description="Record that an employee attended a course (admins and their managers).",
    )
    @errors_as_data
    async def record_course_attendance(
        self,
        info: Info,
        course_code: Annotated[str, strawberry.argument(description="The course.")],
        employee_external_id: Annotated[str, strawberry.argument(description="Who attended.")],
        attended_on: Annotated[date, strawberry.argument(description="The day.")],
        note: Annotated[str, strawberry.argument(description="A note.")] = "",
    ) -> CourseAttendanceResult:
        row = await training.record_attendance(
            actor=info.context.actor_checked,
            course_code=course_code,
            employee_external_id=employee_external_id,
            attended_on=attended_on,
            note=note,
        )
        course = await CourseRow.get(id=row.course_id)
        return CourseAttendance(
            course=Course.from_row(course), attended_on=row.attended_on, note=row.note
        )


__all__ = [
    "CourseAttendanceRow",
    "DevelopmentMutation",
    "DevelopmentQuery",
    "courses_attended_of",
    "development_plan_of",
    "suggestions_of",
]
