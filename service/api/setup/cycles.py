"""Cycles, their scorecards and warnings, leaderboards and payroll results; KPIs."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from tortoise.connection import get_connection

from service.api.context import Info, readers
from service.api.enums import (
    Method,
    Scope,
    ScoreStatus,
    StatusReason,
    describe_values,
)
from service.api.ids import Node, global_id
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
from service.api.scalars import Decimal, fixed
from service.api.scoring.scores import (
    DEPRECATED_NOT_ELIGIBLE,
    ScoreState,
    not_eligible_reason_of,
    status_reason_of,
)
from service.models import Cycle as CycleRow
from service.models import CycleState as CycleStateEnum
from service.models import Employee as EmployeeRow
from service.models import Score as ScoreRow
from service.models import Scorecard as ScorecardRow
from service.models import ScorecardLine as ScorecardLineRow
from service.models import ShadowScorecard as ShadowScorecardRow
from service.models import ShadowScorecardLine as ShadowScorecardLineRow
from service.sql import fetch_all, placeholders
from service.usecases.scoring.ranking import rank_sql, rank_value
from service.usecases.scoring.results import payroll_results
from service.usecases.setup.cycles import cycle_warnings

if TYPE_CHECKING:
    from service.api.review.calibration import Calibration, CalibrationRecord
    from service.api.review.shadow import PilotReport, ShadowReport
    from service.api.scoring.scores import Score
    from service.api.setup.people import Position, Team

strawberry.enum(
    CycleStateEnum,
    name="CycleState",
    description="Where a cycle is in its lifecycle: DRAFT, ACTIVE, REVIEW, FINALIZED (SCORING §9).",
)
describe_values(
    CycleStateEnum,
    {
        "DRAFT": "Scorecards are being set up; no scores yet.",
        "ACTIVE": "Provisional scores follow the data as it arrives; appeals may be filed; a "
        "scorecard changes only with a reason.",
        "REVIEW": "Still provisional and following the data; appeals may still be filed "
        "and are answered, managers finish their reviews, calibration (SCORING §12) is looked at",
        "FINALIZED": "Every score is final and frozen with its snapshot; nothing of the "
        "cycle changes any more.",
    },
)


@strawberry.type(description="One line of a scorecard as saved.")
class ScorecardLineSetting:
    kpi: str = strawberry.field(description="The KPI's code.")
    scope: Scope = strawberry.field(
        description="INDIVIDUAL (the person's own data) or TEAM (their team's)."
    )
    weight: Decimal = strawberry.field(
        description="The line's weight, %, 2 places; the lines of a scorecard add up to 100."
    )
    method: Method = strawberry.field(description="How the raw value becomes points.")
    threshold: Decimal | None = strawberry.field(
        description="The value worth 0 points, 4 places; null when the method does not use it."
    )
    target: Decimal | None = strawberry.field(
        description="The value worth 100 points, 4 places; null when the method does not use it."
    )
    stretch: Decimal | None = strawberry.field(
        description="The value worth 100 + the policy's stretch bonus, 4 places; null when none."
    )
    bands: list[list[Decimal]] = strawberry.field(
        description="A BANDS line's steps, best bound first, each `[bound, points]` (4 and "
        "2 places); empty for other methods."
    )
    min_samples: int = strawberry.field(
        description="The observations a line needs to be scored (SUM and COUNT lines are "
        "scored whatever n)."
    )


@strawberry.type(
    description="A position's scorecard in a cycle: the KPIs, their weights and methods."
)
class Scorecard:
    version: int = strawberry.field(
        description="Raised on every saved change; send it back as `expectedVersion` to "
        "`setScorecard`."
    )
    warnings: list[str] = strawberry.field(
        description="The SCORING §8 warnings it was saved with (shares off the policy's "
        "guidance, a line over the maximum share, no qualitative line, evidence"
        " out of reach), as sentences."
    )
    lines: list[ScorecardLineSetting] = strawberry.field(
        description="Its lines, in scorecard order."
    )
    position_pk: strawberry.Private[int]

    @strawberry.field(description="The position it scores.")
    async def position(
        self, info: Info
    ) -> Annotated[Position, strawberry.lazy("service.api.setup.people")]:
        from service.api.setup.people import Position

        row = await info.context.loaders.position.load(self.position_pk)
        assert row is not None
        return Position.from_row(row)


def scorecard_of(card: ScorecardRow | ShadowScorecardRow) -> Scorecard:
    """A live or shadow scorecard as saved (lines and their KPIs prefetched)."""
    rows = cast(list[ScorecardLineRow | ShadowScorecardLineRow], list(card.lines))
    lines = [
        ScorecardLineSetting(
            kpi=line.kpi.code,
            scope=Scope(line.scope.value),
            weight=fixed(line.weight, 2) or Decimal("0.00"),
            method=Method(line.method.value),
            threshold=fixed(line.threshold, 4),
            target=fixed(line.target, 4),
            stretch=fixed(line.stretch, 4),
            bands=[
                [
                    fixed(b, 4, scaled=False) or Decimal("0"),
                    fixed(p, 2, scaled=False) or Decimal("0"),
                ]
                for b, p in line.bands
            ],
            min_samples=line.min_samples,
        )
        for line in sorted(rows, key=lambda line: line.ordinal)
    ]
    return Scorecard(
        version=card.version,
        warnings=[w["message"] for w in card.warnings],
        lines=lines,
        position_pk=card.position_id,
    )


@strawberry.type(description="One employee's row of a cycle's payroll results.")
class PayrollResult:
    status: ScoreStatus = strawberry.field(description="SCORED, NO_DATA or NOT_ELIGIBLE.")
    state: ScoreState = strawberry.field(
        description="PROVISIONAL until the cycle is FINALIZED, then FINAL."
    )
    total: Decimal | None = strawberry.field(description="The total, 2 places; null unless SCORED.")
    band: str | None = strawberry.field(description="The band's code; null unless SCORED.")
    multiplier: Decimal | None = strawberry.field(
        description="The band's bonus multiplier, 2 places; null unless SCORED (what the "
        "others are paid is decided outside fairscore)."
    )
    status_reason: StatusReason | None = strawberry.field(
        description="Why there is no total, band or multiplier; null when SCORED."
    )
    not_eligible_reason: str | None = strawberry.field(
        description="The reason for a NOT_ELIGIBLE row only; null otherwise.",
        deprecation_reason=DEPRECATED_NOT_ELIGIBLE,
    )
    employee_external_id: str = strawberry.field(
        description="The employee's external id (HR system); the rows are ordered by it."
    )
    employee_name: str = strawberry.field(description="The employee's name.")


@strawberry.type(
    description="A scoring period: its dates, state, scorecards, scores and payroll results."
)
class Cycle(Node):
    code: str = strawberry.field(
        description="The cycle's natural key, e.g. `2026-Q4`; unique. `cycle(code:)` finds it."
    )
    name: str = strawberry.field(description="The cycle's name.")
    starts_on: date = strawberry.field(
        description="Its first day, in the organisation's timezone (included)."
    )
    ends_on: date = strawberry.field(
        description="Its last day, in the organisation's timezone (included)."
    )
    state: CycleStateEnum = strawberry.field(
        description="DRAFT, ACTIVE, REVIEW or FINALIZED; it only moves forward."
    )
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: CycleRow) -> Cycle:
        return cls(
            id=strawberry.ID(global_id("Cycle", row.id)),
            code=row.code,
            name=row.name,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            state=row.state,
            pk=row.id,
        )

    @strawberry.field(
        description="The pilot scope: only these teams and the teams under them are scored."
        " Empty: every team is."
    )
    async def pilot_teams(
        self, info: Info
    ) -> list[Annotated[Team, strawberry.lazy("service.api.setup.people")]]:
        from service.api.setup.people import Team
        from service.models import CyclePilotTeam

        ids = [p.team_id for p in await CyclePilotTeam.filter(cycle_id=self.pk)]
        rows = await info.context.loaders.team.load_many(ids)
        return [Team.from_row(r) for r in rows if r is not None]

    @strawberry.field(description="One scorecard per position set up for the cycle.")
    async def scorecards(self, info: Info) -> list[Scorecard]:
        cards = await ScorecardRow.filter(cycle_id=self.pk).prefetch_related("lines", "lines__kpi")
        return [scorecard_of(card) for card in sorted(cards, key=lambda c: c.position_id)]

    @strawberry.field(
        description="The shadow scorecards being tried on this cycle (SCORING §13), one per "
        "position at most; admins and managers.",
        extensions=[readers()],
    )
    async def shadow_scorecards(self, info: Info) -> list[Scorecard]:
        from service.usecases.review.shadow import shadow_scorecards_of

        cards = await shadow_scorecards_of(
            get_connection("default"), actor=info.context.actor_checked, cycle_id=self.pk
        )
        return [scorecard_of(card) for card in cards]

    @strawberry.field(
        description="What a position's shadow scorecard would do (SCORING §13): admins see "
        "everyone (or a team and those under it), a manager the teams they lead; never "
        "employees.",
        extensions=[readers()],
    )
    async def shadow_report(
        self,
        info: Info,
        position_code: Annotated[
            str, strawberry.argument(description="The position whose shadow scorecard to try.")
        ],
        team_code: Annotated[
            str | None,
            strawberry.argument(description="Only this team and the teams under it."),
        ] = None,
    ) -> Annotated[ShadowReport, strawberry.lazy("service.api.review.shadow")]:
        from service.api.review.shadow import shadow_report_of

        return await shadow_report_of(info, self.code, position_code, team_code)

    @strawberry.field(
        description="The pilot teams against all other teams, now and in the comparable "
        "previous cycle (SCORING §13); group figures only, for admins and managers.",
        extensions=[readers()],
    )
    async def pilot_report(
        self, info: Info
    ) -> Annotated[PilotReport, strawberry.lazy("service.api.review.shadow")]:
        from service.api.review.shadow import pilot_report_of

        return await pilot_report_of(info, self.code)

    @strawberry.field(
        description="What the cycle page lists: scorecard warnings, positions without a "
        "scorecard and, for admins, how many employees have no score and why.",
        extensions=[readers()],
    )
    async def warnings(self, info: Info) -> list[str]:
        actor = info.context.actor_checked
        row = await info.context.loaders.cycle.load(self.pk)
        assert row is not None
        found = await cycle_warnings(get_connection("default"), row, actor=actor)
        return [warning.message for warning in found]

    @strawberry.field(
        description="Scores best first (total descending, then employee); only those you may see."
    )
    async def scores(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        team_code: Annotated[
            str | None,
            strawberry.argument(
                description="Only the scores of this team's members (not the teams under it)."
            ),
        ] = None,
    ) -> Connection[Annotated[Score, strawberry.lazy("service.api.scoring.scores")]]:
        from service.api.scoring.scores import Score

        size = page_size(first, info.context.settings.max_page_size)
        sql = "SELECT s.id FROM score s LEFT JOIN team t ON t.id = s.team_id WHERE s.cycle_id = ?"
        params: list[object] = [self.pk]
        visible = await info.context.visible_employees()
        if visible is not None:
            if not visible:
                return connection([], size, lambda r: [], lambda r: r)
            sql += f" AND s.employee_id IN ({placeholders(len(visible))})"
            params.extend(sorted(visible))
        if team_code is not None:
            sql += " AND t.code = ?"
            params.append(team_code)
        if after is not None:
            condition, values = LEADERBOARD_ORDER.after_sql(after)
            sql += f" AND {condition}"
            params.extend(values)
        sql += f" ORDER BY {LEADERBOARD_ORDER.order_sql()} LIMIT ?"
        params.append(size + 1)
        ids = [int(r["id"]) for r in await fetch_all(get_connection("default"), sql, params)]
        by_id = {r.id: r for r in await ScoreRow.filter(id__in=ids)}
        rows = [_Ranked(by_id[i]) for i in ids]
        lang = info.context.lang
        return connection(
            rows, size, LEADERBOARD_ORDER.key, lambda r: Score.from_row(r.score, lang)
        )

    @strawberry.field(
        description="Payroll rows: every employee of the cycle you may see; "
        "total, band and multiplier only for scored ones.",
        extensions=[readers()],
    )
    async def results(
        self,
        info: Info,
        first: First = None,
        after: After = None,
    ) -> Connection[PayrollResult]:
        size = page_size(first, info.context.settings.max_page_size)
        rows = await payroll_results(get_connection("default"), cycle_code=self.code)
        visible = await info.context.visible_employees()
        if visible is not None:
            ids = {e.external_id: e.id for e in await _employees(visible)}
            rows = [r for r in rows if r.employee_external_id in ids]
        # Sorted here, not by the database's collation, so that the cursor comparison
        # below agrees with the order on every database and locale.
        rows = RESULTS_ORDER.page_of(rows, after)
        return connection(
            rows[: size + 1],
            size,
            RESULTS_ORDER.key,
            lambda r: PayrollResult(
                status=ScoreStatus(r.status),
                state=ScoreState(r.state),
                total=_dec(r.total),
                band=r.band,
                multiplier=_dec(r.multiplier),
                status_reason=status_reason_of(r.status, r.status_reason),
                not_eligible_reason=not_eligible_reason_of(r.status, r.status_reason),
                employee_external_id=r.employee_external_id,
                employee_name=r.employee_name,
            ),
        )

    @strawberry.field(
        description="Calibration figures (SCORING §12) of a cycle in REVIEW: admins see all; "
        "a manager the reviewers who rated someone in their teams, with only those people.",
        extensions=[readers()],
    )
    async def calibration(
        self, info: Info
    ) -> Annotated[Calibration, strawberry.lazy("service.api.review.calibration")]:
        from service.api.review.calibration import calibration_of

        return await calibration_of(info, self.code, None)

    @strawberry.field(
        description="Who met, notes and decisions of the calibration meeting; admins and managers.",
        extensions=[readers()],
    )
    async def calibration_record(
        self, info: Info
    ) -> Annotated[CalibrationRecord, strawberry.lazy("service.api.review.calibration")] | None:
        from service.api.review.calibration import CalibrationRecord, calibration_record_of

        row = await calibration_record_of(info, self.pk)
        return None if row is None else CalibrationRecord.from_row(row)


# The ranking order of service/usecases/scoring/ranking.py, paged in SQL: best first, no total last.
LEADERBOARD_ORDER = Keyset(desc("rank", sql=rank_sql("s")), asc("employee_id", sql="s.employee_id"))
RESULTS_ORDER = Keyset(asc("employee_external_id", str))


class _Ranked:
    """A leaderboard row with the rank it is paged by."""

    def __init__(self, score: ScoreRow) -> None:
        self.score = score
        self.rank = rank_value(score.total_cents)
        self.employee_id = score.employee_id


async def _employees(ids: set[int]) -> list[EmployeeRow]:
    rows: list[EmployeeRow] = await EmployeeRow.filter(id__in=list(ids))
    return rows


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
