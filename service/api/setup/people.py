"""Employees, teams and positions, and the team summary (SCORING.md §10)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types.nodes import SelectedField

from service.api.arguments import CycleCodeArg
from service.api.context import Info, readers
from service.api.ids import ClientError, Node, global_id
from service.api.loaders import NOT_LOADED
from service.api.pagination import (
    After,
    Connection,
    First,
    Keyset,
    asc,
    connection,
    desc,
    page_size,
)
from service.api.scalars import Decimal
from service.models import Employee as EmployeeRow
from service.models import Position as PositionRow
from service.models import Score as ScoreRow
from service.models import Team as TeamRow
from service.usecases.accounts.access import (
    MIN_SCORED_FOR_EMPLOYEES,
    may_see_team_summary,
    team_and_ancestors,
    team_and_descendants,
)
from service.usecases.scoring.team_summary import summarise_team

if TYPE_CHECKING:
    from service.api.people.checkins import CheckInAgenda, NextCheckIn
    from service.api.people.development import (
        CourseAttendance,
        DevelopmentPlan,
        DevelopmentSuggestions,
    )
    from service.api.people.goals import Goal
    from service.api.people.role_models import RoleModelBoard
    from service.api.review.calibration import Calibration
    from service.api.scoring.heatmap import HeatmapRow
    from service.api.scoring.scores import Score
    from service.api.scoring.trends import EmployeeTrend, TeamTrend


EMPLOYEE_ORDER = Keyset(asc("id"))
# One score per employee and cycle: the cycle alone is unique among an employee's scores.
EMPLOYEE_SCORE_ORDER = Keyset(desc("cycle_id"))


def people_side_page(description: str, module: str, *, connection: str, resolver: str) -> Any:
    """A paged people-side field of an employee or a team (`first`/`after`, for readers):
    `module.resolver(info, owner, first, after)` answers it. The module is imported
    when the field is resolved, as its types are (`strawberry.lazy`): people-side
    modules import this one."""

    async def resolve(self: Any, info: Info, first: First = None, after: After = None) -> Any:
        answer = getattr(importlib.import_module(module), resolver)
        return await answer(info, self, first, after)

    resolve.__annotations__["return"] = Annotated[connection, strawberry.lazy(module)]
    return strawberry.field(resolver=resolve, description=description, extensions=[readers()])


@strawberry.type(description="A job position; scorecards are set per position and cycle.")
class Position(Node):
    code: str = strawberry.field(description="The position's natural key, e.g. `agent`; unique.")
    name: str = strawberry.field(description="The position's name.")
    name_zh: str = strawberry.field(
        description="The Chinese name; empty when none is given (Chinese pages then use `name`)."
    )

    @classmethod
    def from_row(cls, row: PositionRow) -> Position:
        return cls(
            id=strawberry.ID(global_id("Position", row.id)),
            code=row.code,
            name=row.name,
            name_zh=row.name_zh,
        )


@strawberry.type(description="How many scored members of a team are in one band.")
class BandCount:
    band: str = strawberry.field(description="The band's code.")
    count: int = strawberry.field(
        description="Scored members of the team in it (never 0: bands nobody reached are left out)."
    )


@strawberry.type(description="A team's raw value for one KPI.")
class TeamLineValue:
    kpi: str = strawberry.field(
        description="The code of a KPI that a member's scorecard uses at TEAM scope."
    )
    raw_value: Decimal | None = strawberry.field(
        description="The team's raw value, as a TEAM line computes it, 4 places; null with no data."
    )
    sample_size: int = strawberry.field(description="n: the team's observations behind it.")


@strawberry.type(
    description="A team's figures for a cycle (SCORING §10). A value of its team: no id."
)
class TeamSummary:
    in_scope: int = strawberry.field(
        description="Members with a score in the cycle that are not NOT_ELIGIBLE (scored "
        "plus NO_DATA)."
    )
    scored: int = strawberry.field(description="Members with a total (SCORED).")
    no_data: int = strawberry.field(description="Members in scope without a total (NO_DATA).")
    not_eligible: int = strawberry.field(
        description="Members listed in the cycle but not scored (NOT_ELIGIBLE)."
    )
    average: Decimal | None = strawberry.field(
        description="The mean of the scored members' exact totals, 2 places; null when none"
        " is scored."
    )
    band_counts: list[BandCount] = strawberry.field(
        description="How many scored members are in each band, by band code; only bands "
        "someone reached."
    )
    lines: list[TeamLineValue] = strawberry.field(
        description="The team's raw value for each KPI used at TEAM scope, by KPI code. "
        "Never an individual's figures."
    )


@strawberry.type(description="A team of employees, in a tree of teams, with its lead and summary.")
class Team(Node):
    code: str = strawberry.field(
        description="The team's natural key, e.g. `hotline`; unique. `team(code:)` finds it."
    )
    name: str = strawberry.field(description="The team's name.")
    name_zh: str = strawberry.field(
        description="The Chinese name; empty when none is given (Chinese pages then use `name`)."
    )
    pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]
    lead_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: TeamRow) -> Team:
        return cls(
            id=strawberry.ID(global_id("Team", row.id)),
            code=row.code,
            name=row.name,
            name_zh=row.name_zh,
            pk=row.id,
            parent_pk=row.parent_id,
            lead_pk=row.lead_id,
        )

    @strawberry.field(description="The team it belongs to; null at the top of the tree.")
    async def parent(self, info: Info) -> Team | None:
        if self.parent_pk is None:
            return None
        row = await info.context.loaders.team.load(self.parent_pk)
        return None if row is None else Team.from_row(row)

    @strawberry.field(description="The team's lead; null when it has none or you may not see them.")
    async def lead(self, info: Info) -> Employee | None:
        if self.lead_pk is None:
            return None
        return await person_seen(info, await info.context.loaders.employee.load(self.lead_pk))

    @strawberry.field(
        description="Members you may see: everyone for an admin or a manager "
        "of the team, only yourself otherwise."
    )
    async def members(
        self,
        info: Info,
        first: First = None,
        after: After = None,
    ) -> Connection[Employee]:
        size = page_size(first, info.context.settings.max_page_size)
        query = EmployeeRow.filter(team_id=self.pk)
        visible = await info.context.visible_employees()
        if visible is not None:
            query = query.filter(id__in=list(visible))
        if after is not None:
            query = query.filter(EMPLOYEE_ORDER.after(after))
        rows = await query.order_by(*EMPLOYEE_ORDER.order_by()).limit(size + 1)
        return connection(rows, size, EMPLOYEE_ORDER.key, Employee.from_row)

    @strawberry.field(
        description="Members in scope, how many are scored, their mean total, "
        "bands and the team's raw values. Employees see it only for their own "
        "team with at least 5 scored members; anyone else gets null and a FORBIDDEN "
        "error (nullable, so the rest of the answer stays).",
        extensions=[readers()],
    )
    async def summary(
        self,
        info: Info,
        cycle_code: CycleCodeArg,
    ) -> TeamSummary | None:
        return await team_summary(info, self.pk, cycle_code)

    @strawberry.field(
        description="The team's goals in a cycle (SCORING §11), each with the goals serving "
        "it: for its managers and admins; for its members once at least 5 are scored.",
        extensions=[readers()],
    )
    async def goals(
        self,
        info: Info,
        cycle_code: CycleCodeArg,
    ) -> list[Annotated[Goal, strawberry.lazy("service.api.people.goals")]]:
        from service.api.people.goals import team_goals_field

        return await team_goals_field(info, self.pk, cycle_code)

    @strawberry.field(
        description="The team heatmap of a cycle: each member's scorecard lines with their "
        "normalised points and the band those points reach, one block per position "
        "(rows grouped by `position`, position codes in order), each block sorted. For "
        "admins and managers of the team (or of a team above it); FORBIDDEN for anyone "
        "else. The admin's heatmap page shows the same rows.",
        extensions=[readers()],
    )
    async def heatmap(
        self,
        info: Info,
        cycle_code: Annotated[str, strawberry.argument(description="The cycle's code.")],
        sort: Annotated[
            str | None,
            strawberry.argument(
                description="`total` (the default), `name`, or a line as `SCOPE:kpiCode`, "
                "e.g. `INDIVIDUAL:csat`; people without the value come last. An unknown "
                "line sorts by total."
            ),
        ] = None,
        descending: Annotated[
            bool | None,
            strawberry.argument(description="Largest first (the default); false: smallest first."),
        ] = None,
    ) -> list[Annotated[HeatmapRow, strawberry.lazy("service.api.scoring.heatmap")]]:
        from service.api.scoring.heatmap import heatmap_of

        return await heatmap_of(info, self.code, cycle_code, sort, descending)

    @strawberry.field(
        description="The team's mean total and band counts over a cycle and its chain of "
        "comparable previous cycles (SCORING §11), and its TEAM-scope KPIs across them. "
        "For admins and managers of the team; FORBIDDEN for anyone else.",
        extensions=[readers()],
    )
    async def trend(
        self,
        info: Info,
        cycle_code: Annotated[
            str, strawberry.argument(description="The newest cycle of the trend.")
        ],
        last: Annotated[
            int | None,
            strawberry.argument(
                description="How many comparable previous cycles to reach back (default 6, "
                "at most 24)."
            ),
        ] = None,
    ) -> Annotated[TeamTrend, strawberry.lazy("service.api.scoring.trends")]:
        from service.api.scoring.trends import team_trend_of

        return await team_trend_of(info, self.code, cycle_code, last)

    @strawberry.field(
        description="The team's role models for a cycle (usually the open one), from its "
        "comparable previous cycle (SCORING §11): ranked with points for admins and the "
        "team's managers; for its members only those who opted in, by name, with no number. "
        "Anyone else gets null and a FORBIDDEN error.",
        extensions=[readers()],
    )
    async def role_models(
        self,
        info: Info,
        cycle_code: Annotated[str, strawberry.argument(description="The cycle's code.")],
    ) -> Annotated[RoleModelBoard, strawberry.lazy("service.api.people.role_models")] | None:
        from service.api.people.role_models import role_models_of

        return await role_models_of(info, self.pk, cycle_code)

    @strawberry.field(
        description="A manager's view of calibration (SCORING §12): the organisation-wide "
        "figures of each reviewer who rated someone in this team or below; the employees "
        "listed are only those.",
        extensions=[readers()],
    )
    async def calibration(
        self,
        info: Info,
        cycle_code: Annotated[str, strawberry.argument(description="A cycle in REVIEW.")],
    ) -> Annotated[Calibration, strawberry.lazy("service.api.review.calibration")]:
        from service.api.review.calibration import calibration_of

        return await calibration_of(info, cycle_code, self.code)

    recognitions = people_side_page(
        "The team's recognition wall, newest first: its members' recognitions "
        "you may see (PUBLIC ones for its members; every one for its managers and admins; "
        "hidden ones for admins). FORBIDDEN to anyone else.",
        "service.api.people.recognition",
        connection="RecognitionConnection",
        resolver="team_recognitions",
    )


@strawberry.type(
    description="A person who is scored: identity, team and position, and their scores."
)
class Employee(Node):
    external_id: str = strawberry.field(
        description="The id of the organisation's HR system: the employee's natural key, "
        "unique. `employee(externalId:)` finds them."
    )
    name: str = strawberry.field(description="The person's name, as entered (any script).")
    email: str | None = strawberry.field(
        description="Their work email; null when none is on record."
    )
    hired_on: date = strawberry.field(description="Their first day of employment.")
    left_on: date | None = strawberry.field(
        description="Their last day of employment; null while employed."
    )
    pk: strawberry.Private[int]
    team_pk: strawberry.Private[int | None]
    position_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: EmployeeRow) -> Employee:
        """Only for a row the viewer may see: a query filtered by the viewer's visible
        set, or `person_seen` / `people_seen`, which check it."""
        return cls(
            id=strawberry.ID(global_id("Employee", row.id)),
            external_id=row.external_id,
            name=row.name,
            email=row.email,
            hired_on=row.hired_on,
            left_on=row.left_on,
            pk=row.id,
            team_pk=row.team_id,
            position_pk=row.position_id,
        )

    # Team and position are synchronous when the request has the row already (Score.
    # employee loads them with the person on a page of scores, `preload_team_and_position`):
    # an async resolver costs graphql-core a coroutine and, beside a second one, a task
    # per person (≈ 90 ms of the team overview's 500 people). Otherwise they return the
    # load to await, which graphql-core awaits as it did the async resolver.
    @strawberry.field(description="Their current team; null when they have none.")
    def team(self, info: Info) -> Team | None:
        if self.team_pk is None:
            return None
        row = info.context.loaders.team.loaded(self.team_pk)
        if row is NOT_LOADED:
            return self._team_later(info)  # type: ignore[return-value]
        return None if row is None else Team.from_row(row)

    async def _team_later(self, info: Info) -> Team | None:
        assert self.team_pk is not None
        row = await info.context.loaders.team.load(self.team_pk)
        return None if row is None else Team.from_row(row)

    @strawberry.field(description="Their current position; null when they have none.")
    def position(self, info: Info) -> Position | None:
        if self.position_pk is None:
            return None
        row = info.context.loaders.position.loaded(self.position_pk)
        if row is NOT_LOADED:
            return self._position_later(info)  # type: ignore[return-value]
        return None if row is None else Position.from_row(row)

    async def _position_later(self, info: Info) -> Position | None:
        assert self.position_pk is not None
        row = await info.context.loaders.position.load(self.position_pk)
        return None if row is None else Position.from_row(row)

    async def preload_team_and_position(self, info: Info) -> None:
        """Loads the team and position rows when the field that returns this person
        (`info`) selects them plainly (no fragment, no directive), so that `team` and
        `position` answer at once. The same loads those fields would make, in the same
        batches (every person of the page asks in the same turn of the loop), so the
        same statements. A load that fails is left for the field, which awaits it and
        reports it where it always did."""
        wanted: set[str] = set()
        for selected in info.selected_fields:
            for selection in selected.selections:
                if not isinstance(selection, SelectedField) or selection.directives:
                    return
                wanted.add(selection.name)
        loaders = info.context.loaders
        try:
            if "team" in wanted and self.team_pk is not None:
                await loaders.team.load(self.team_pk)
            if "position" in wanted and self.position_pk is not None:
                await loaders.position.load(self.position_pk)
        except Exception:  # the field awaits the same load and reports it
            pass

    @strawberry.field(
        description="The leads of the employee's team and of every team above, those you may see."
    )
    async def managers(self, info: Info) -> list[Employee]:
        if self.team_pk is None:
            return []
        teams = await info.context.loaders.all_teams.load(0)
        parents = {t.id: t.parent_id for t in teams}
        leads = {t.id: t.lead_id for t in teams}
        ids = [
            lead
            for t in team_and_ancestors(self.team_pk, parents)
            if (lead := leads.get(t)) is not None and lead != self.pk
        ]
        rows = await info.context.loaders.employee.load_many(list(dict.fromkeys(ids)))
        return await people_seen(info, rows)

    @strawberry.field(
        description="Their score in one cycle; null when there is none (a DRAFT cycle, not "
        "employed during it, or no such cycle). FORBIDDEN for someone you may "
        "not see."
    )
    async def score(
        self,
        info: Info,
        cycle_code: CycleCodeArg,
    ) -> Annotated[Score, strawberry.lazy("service.api.scoring.scores")] | None:
        from service.api.scoring.scores import Score

        await _require_visible(info, self.pk)
        row = await info.context.loaders.score_by_employee_cycle.load((self.pk, cycle_code))
        return None if row is None else Score.from_row(row, info.context.lang)

    @strawberry.field(
        description="Their totals and bands over a cycle and its chain of comparable "
        "previous cycles (SCORING §11), each KPI's raw value across them, and the change "
        "since the comparable previous cycle. Seen as their scores are; FORBIDDEN otherwise.",
        extensions=[readers()],
    )
    async def trend(
        self,
        info: Info,
        cycle_code: Annotated[
            str, strawberry.argument(description="The newest cycle of the trend.")
        ],
        last: Annotated[
            int | None,
            strawberry.argument(
                description="How many comparable previous cycles to reach back (default 6, "
                "at most 24)."
            ),
        ] = None,
    ) -> Annotated[EmployeeTrend, strawberry.lazy("service.api.scoring.trends")]:
        from service.api.scoring.trends import employee_trend_of

        await _require_visible(info, self.pk)
        return await employee_trend_of(info, self.pk, cycle_code, last)

    @strawberry.field(
        description="The employee's goals in a cycle (SCORING §11), with progress and status "
        "for the accepted ones: seen by the employee, their managers and admins.",
        extensions=[readers()],
    )
    async def goals(
        self,
        info: Info,
        cycle_code: CycleCodeArg,
    ) -> list[Annotated[Goal, strawberry.lazy("service.api.people.goals")]]:
        from service.api.people.goals import employee_goals_field

        await _require_visible(info, self.pk)
        return await employee_goals_field(info, self.pk, cycle_code)

    @strawberry.field(description="This employee's scores, newest cycle first.")
    async def scores(
        self,
        info: Info,
        first: First = None,
        after: After = None,
    ) -> Connection[Annotated[Score, strawberry.lazy("service.api.scoring.scores")]]:
        from service.api.scoring.scores import Score

        await _require_visible(info, self.pk)
        size = page_size(first, info.context.settings.max_page_size)
        query = ScoreRow.filter(employee_id=self.pk)
        if after is not None:
            query = query.filter(EMPLOYEE_SCORE_ORDER.after(after))
        rows = await query.order_by(*EMPLOYEE_SCORE_ORDER.order_by()).limit(size + 1)
        lang = info.context.lang
        return connection(rows, size, EMPLOYEE_SCORE_ORDER.key, lambda r: Score.from_row(r, lang))

    # --- people side: check-ins and feedback notes (service/api/people/) ----------------

    check_ins = people_side_page(
        "This employee's check-ins, newest first: for the employee, their managers and admins.",
        "service.api.people.checkins",
        connection="CheckInConnection",
        resolver="check_ins_of",
    )

    @strawberry.field(
        description="When the next check-in is due (the policy's interval) and the open action "
        "items: for the employee, their managers and admins.",
        extensions=[readers()],
    )
    async def next_check_in(
        self, info: Info
    ) -> Annotated[NextCheckIn, strawberry.lazy("service.api.people.checkins")]:
        from service.api.people.checkins import next_check_in_of

        return await next_check_in_of(info, self)

    @strawberry.field(
        description="What changed since the last check-in, to open the next one with.",
        extensions=[readers()],
    )
    async def check_in_agenda(
        self, info: Info
    ) -> Annotated[CheckInAgenda, strawberry.lazy("service.api.people.checkins")]:
        from service.api.people.checkins import agenda_of

        return await agenda_of(info, self)

    feedback_notes = people_side_page(
        "Feedback notes on this employee, newest first (not customer feedback): "
        "for the employee, their managers and admins (hidden ones for admins only).",
        "service.api.people.feedback_notes",
        connection="FeedbackNoteConnection",
        resolver="feedback_notes_of",
    )

    @strawberry.field(
        description="The employee's development plan; null when they have none. Seen by "
        "the employee, their managers and admins.",
        extensions=[readers()],
    )
    async def development_plan(
        self, info: Info
    ) -> Annotated[DevelopmentPlan, strawberry.lazy("service.api.people.development")] | None:
        from service.api.people.development import development_plan_of

        return await development_plan_of(info, self.pk)

    @strawberry.field(
        description="Up to three focus KPIs from the employee's score in the cycle (default: "
        "their latest cycle with a score), with tagged courses (docs/development.md).",
        extensions=[readers()],
    )
    async def development_suggestions(
        self,
        info: Info,
        cycle_code: Annotated[
            str | None, strawberry.argument(description="The cycle; default the latest.")
        ] = None,
    ) -> Annotated[DevelopmentSuggestions, strawberry.lazy("service.api.people.development")]:
        from service.api.people.development import suggestions_of

        row = await info.context.loaders.employee.load(self.pk)
        assert row is not None
        return await suggestions_of(info, row, cycle_code)

    @strawberry.field(
        description="The catalogue courses the employee attended, latest first.",
        extensions=[readers()],
    )
    async def courses_attended(
        self, info: Info
    ) -> list[Annotated[CourseAttendance, strawberry.lazy("service.api.people.development")]]:
        from service.api.people.development import courses_attended_of

        return await courses_attended_of(info, self.pk)

    recognitions = people_side_page(
        "Recognitions this employee received, newest first: for the employee, "
        "their managers and admins (hidden ones for admins only). Never a score.",
        "service.api.people.recognition",
        connection="RecognitionConnection",
        resolver="employee_recognitions",
    )

    recognitions_given = people_side_page(
        "Recognitions this employee gave, newest first: for the employee, their "
        "managers and admins, each shown only if you may see it (a receiver's PRIVATE one "
        "only to its readers; hidden ones to admins), so a page may be shorter than `first`. "
        "Never a score.",
        "service.api.people.recognition",
        connection="RecognitionConnection",
        resolver="employee_recognitions_given",
    )


async def team_summary(info: Info, team_pk: int, cycle_code: str) -> TeamSummary:
    """A team's summary for a cycle, refused (FORBIDDEN) to whoever may not see it: the
    field `Team.summary` and the subscription `teamChanged` alike."""
    actor = info.context.actor_checked
    rows = await ScoreRow.filter(cycle__code=cycle_code, team_id=team_pk)
    summary = summarise_team(rows)
    if not actor.is_admin:
        teams = await info.context.loaders.all_teams.load(0)
        parents = {t.id: t.parent_id for t in teams}
        led = {t.id for t in teams if t.lead_id is not None and t.lead_id == actor.employee_id}
        manages = actor.access.value == "MANAGER" and team_pk in team_and_descendants(led, parents)
        me = None
        if actor.employee_id is not None:
            me = await info.context.loaders.employee.load(actor.employee_id)
        if not may_see_team_summary(
            actor,
            manages_team=manages,
            team_id=team_pk,
            own_team_id=None if me is None else me.team_id,
            scored=summary.scored,
        ):
            raise ClientError(
                "You may see this team's summary only as its manager, or as a member "
                f"once at least {MIN_SCORED_FOR_EMPLOYEES} members are scored.",
                "FORBIDDEN",
            )
    return TeamSummary(
        in_scope=summary.in_scope,
        scored=summary.scored,
        no_data=summary.no_data,
        not_eligible=summary.not_eligible,
        average=None if summary.average is None else Decimal(summary.average),
        band_counts=[BandCount(band=b, count=c) for b, c in sorted(summary.band_counts)],
        lines=[
            TeamLineValue(
                kpi=line["code"],
                raw_value=None if line["raw_value"] is None else Decimal(line["raw_value"]),
                sample_size=line["n"],
            )
            for line in summary.lines
        ],
    )


async def people_seen(info: Info, rows: Iterable[EmployeeRow | None]) -> list[Employee]:
    """The people among `rows` the viewer may see, whichever field reached them.

    One rule for every field that returns a person (Team.lead, Employee.managers,
    Score.employee, Viewer.employee...): the visible set of service/usecases/accounts/access.py,
    the same that `employee(externalId:)` and the lists of people filter by. Anyone else
    is left out, name, email and hire date alike.
    """
    visible = await info.context.visible_employees()
    return [
        Employee.from_row(row)
        for row in rows
        if row is not None and (visible is None or row.id in visible)
    ]


async def person_seen(info: Info, row: EmployeeRow | None) -> Employee | None:
    seen = await people_seen(info, [row])
    return seen[0] if seen else None


async def visible_person(info: Info, row: EmployeeRow | None) -> Employee | None:
    """A person asked for by id or external id: null when there is none, FORBIDDEN
    when the viewer may not see them."""
    if row is None:
        return None
    person = await person_seen(info, row)
    if person is None:
        raise ClientError(
            "You may not see this person: employees see themselves, managers their teams.",
            "FORBIDDEN",
        )
    return person


async def _require_visible(info: Info, employee_pk: int) -> None:
    if not await info.context.may_see(employee_pk):
        raise ClientError(
            "You may not see this person's scores: employees see their own, managers their teams'.",
            "FORBIDDEN",
        )
