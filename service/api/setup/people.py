"""Employees, teams and positions, and the team summary (SCORING.md §10)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from service.api.context import Info, readers
from service.api.ids import ClientError, Node, global_id
from service.api.pagination import Connection, Keyset, asc, connection, desc, page_size
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
    from service.api.review.calibration import Calibration
    from service.api.scoring.scores import Score


EMPLOYEE_ORDER = Keyset(asc("id"))
# One score per employee and cycle: the cycle alone is unique among an employee's scores.
EMPLOYEE_SCORE_ORDER = Keyset(desc("cycle_id"))


@strawberry.type(description="A job position; scorecards are set per position and cycle.")
class Position(Node):
    code: str
    name: str

    @classmethod
    def from_row(cls, row: PositionRow) -> Position:
        return cls(id=strawberry.ID(global_id("Position", row.id)), code=row.code, name=row.name)


@strawberry.type(description="How many scored members of a team are in one band.")
class BandCount:
    band: str
    count: int


@strawberry.type(description="A team's raw value for one KPI.")
class TeamLineValue:
    kpi: str
    raw_value: Decimal | None
    sample_size: int


@strawberry.type(
    description="A team's figures for a cycle (SCORING §10). A value of its team: no id."
)
class TeamSummary:
    in_scope: int
    scored: int
    no_data: int
    not_eligible: int
    average: Decimal | None
    band_counts: list[BandCount]
    lines: list[TeamLineValue]


@strawberry.type(description="A team of employees, in a tree of teams, with its lead and summary.")
class Team(Node):
    code: str
    name: str
    pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]
    lead_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: TeamRow) -> Team:
        return cls(
            id=strawberry.ID(global_id("Team", row.id)),
            code=row.code,
            name=row.name,
            pk=row.id,
            parent_pk=row.parent_id,
            lead_pk=row.lead_id,
        )

    @strawberry.field
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
        self, info: Info, first: int | None = None, after: str | None = None
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
    async def summary(self, info: Info, cycle_code: str) -> TeamSummary | None:
        return await team_summary(info, self.pk, cycle_code)

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


@strawberry.type(
    description="A person who is scored: identity, team and position, and their scores."
)
class Employee(Node):
    external_id: str
    name: str
    email: str | None
    hired_on: date
    left_on: date | None
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

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        if self.team_pk is None:
            return None
        row = await info.context.loaders.team.load(self.team_pk)
        return None if row is None else Team.from_row(row)

    @strawberry.field
    async def position(self, info: Info) -> Position | None:
        if self.position_pk is None:
            return None
        row = await info.context.loaders.position.load(self.position_pk)
        return None if row is None else Position.from_row(row)

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

    @strawberry.field
    async def score(
        self, info: Info, cycle_code: str
    ) -> Annotated[Score, strawberry.lazy("service.api.scoring.scores")] | None:
        from service.api.scoring.scores import Score

        await _require_visible(info, self.pk)
        row = await info.context.loaders.score_by_employee_cycle.load((self.pk, cycle_code))
        return None if row is None else Score.from_row(row, info.context.lang)

    @strawberry.field(description="This employee's scores, newest cycle first.")
    async def scores(
        self, info: Info, first: int | None = None, after: str | None = None
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
