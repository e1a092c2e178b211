"""The team heatmap: a team's members × their scorecard lines, each cell a line's
normalised points (SCORING.md §3) and the band its points reach.

One computation, read from stored scores (nothing is recomputed): `Team.heatmap` in
the API and the admin's heatmap page both show this. Who may see it is decided in
access.py (admins, and managers of the team or of a team above it).

The shape:
- one block per position the members held when scored (their scorecard), in position
  code order, the people without a position (not eligible) last;
- a block's columns are its lines, (KPI, scope) in scorecard order;
- a row per member, their score's status, total and band, and one cell per column;
- a cell holds the line's n, raw value, normalised points p and status, and the band
  whose floor p meets (the policy's bands, checked from the top: the same thresholds as
  a total's band, so a cell reads like the total it feeds). A line without p
  (INSUFFICIENT_DATA) has no band. A NOT_ELIGIBLE member has no lines at all.

Sorting is by the member's total (the default, best first, as rankings order),
their name, or one column's points; people without the value sort last whichever
way the order runs, then by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from tortoise.backends.base.client import BaseDBAsyncClient

from service.errors import NotFound
from service.models import Cycle, Employee, Position, Score, Team
from service.scoring.engine import band_for
from service.scoring.stored import StoredKpi, StoredScore
from service.scoring.types import IncentiveBand, Policy
from service.usecases.accounts.access import require_may_see_team_heatmap, visible_employee_ids
from service.usecases.actor import Actor
from service.usecases.setup.policy import load_policy

SORT_TOTAL = "total"
SORT_NAME = "name"


@dataclass(frozen=True, slots=True)
class HeatmapColumn:
    """One scorecard line of a block: its KPI at a scope."""

    kpi: StoredKpi
    scope: str
    weight: str

    @property
    def key(self) -> str:
        """How the sort parameter names this column: `SCOPE:kpi_code`."""
        return column_key(self.kpi.code, self.scope)


@dataclass(frozen=True, slots=True)
class HeatmapCell:
    kpi: str
    scope: str
    n: int
    raw_value: str | None  # 4 places
    normalized: str | None  # p, 2 places; None when the line has insufficient data
    status: str  # the line's: SCORED or INSUFFICIENT_DATA
    band: str | None  # the band whose floor p meets; None without p

    @property
    def key(self) -> str:
        return column_key(self.kpi, self.scope)


@dataclass(frozen=True, slots=True)
class HeatmapRow:
    employee: Employee
    position_id: int | None
    status: str  # the score's: SCORED, NO_DATA or NOT_ELIGIBLE
    status_reason: str | None
    total: str | None
    band: str | None
    lines: tuple[HeatmapCell, ...]  # the person's own lines, in scorecard order

    def cell(self, key: str) -> HeatmapCell | None:
        return next((c for c in self.lines if c.key == key), None)


@dataclass(frozen=True, slots=True)
class HeatmapBlock:
    position: Position | None
    columns: tuple[HeatmapColumn, ...]
    rows: tuple[HeatmapRow, ...]

    def cells(self, row: HeatmapRow) -> list[HeatmapCell | None]:
        """The row's cells in this block's column order (None where it has no such line)."""
        return [row.cell(column.key) for column in self.columns]


@dataclass(frozen=True, slots=True)
class TeamHeatmap:
    team: Team
    cycle: Cycle
    blocks: tuple[HeatmapBlock, ...]
    bands: tuple[IncentiveBand, ...]  # the legend, from the top
    sort: str
    descending: bool

    @property
    def rows(self) -> list[HeatmapRow]:
        """Every row, block by block, each block in the chosen order."""
        return [row for block in self.blocks for row in block.rows]


def column_key(kpi_code: str, scope: str) -> str:
    return f"{scope}:{kpi_code}"


def _band_of_points(normalized: str | None, policy: Policy) -> str | None:
    if normalized is None:
        return None
    return band_for(Decimal(normalized), policy).code


def _row(score: Score, employee: Employee, policy: Policy) -> HeatmapRow:
    stored = StoredScore.from_row(score.explanation)
    return HeatmapRow(
        employee=employee,
        position_id=score.position_id,
        status=score.status.value,
        status_reason=score.status_reason,
        total=stored.total,
        band=score.band_code,
        lines=tuple(
            HeatmapCell(
                kpi=line.kpi.code,
                scope=line.scope,
                n=line.n,
                raw_value=line.raw_value,
                normalized=line.normalized,
                status=line.status,
                band=_band_of_points(line.normalized, policy),
            )
            for line in stored.lines
        ),
    )


def _columns(scores: list[Score]) -> tuple[HeatmapColumn, ...]:
    """The block's lines in scorecard order, as the members' stored scores hold them."""
    found: dict[str, HeatmapColumn] = {}
    for score in scores:
        for line in StoredScore.from_row(score.explanation).lines:
            key = column_key(line.kpi.code, line.scope)
            if key not in found:
                found[key] = HeatmapColumn(kpi=line.kpi, scope=line.scope, weight=line.weight)
    return tuple(found.values())


def _sorted(rows: list[HeatmapRow], sort: str, descending: bool) -> list[HeatmapRow]:
    def by_name(row: HeatmapRow) -> tuple[str, str]:
        return (row.employee.name.casefold(), row.employee.external_id)

    if sort == SORT_NAME:
        return sorted(rows, key=by_name, reverse=descending)

    def value(row: HeatmapRow) -> Fraction | None:
        if sort == SORT_TOTAL:
            text = row.total if row.status == "SCORED" else None
        else:
            cell = row.cell(sort)
            text = None if cell is None else cell.normalized
        return None if text is None else Fraction(text)

    having = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    # By name first, then (stable) by value: ties keep the name order either way.
    having = sorted(having, key=by_name)
    having.sort(key=lambda r: value(r) or Fraction(0), reverse=descending)
    return having + sorted(missing, key=by_name)


async def team_heatmap(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    team_code: str,
    cycle_code: str,
    sort: str = SORT_TOTAL,
    descending: bool = True,
) -> TeamHeatmap:
    """The heatmap of a team's members in a cycle (who the team's scores were stamped
    with). A fixed number of queries, however many members and lines (one read of the
    scores, one of the people, one of the positions). ``sort`` is `total`, `name` or a
    column's key (`INDIVIDUAL:csat`); an unknown key sorts by total."""
    team = await Team.get_or_none(code=team_code, using_db=conn)
    cycle = await Cycle.get_or_none(code=cycle_code, using_db=conn)
    if team is None:
        raise NotFound("There is no team {code}.", code=team_code)
    await require_may_see_team_heatmap(conn, actor, team.id)
    if cycle is None:
        raise NotFound("There is no cycle {code}.", code=cycle_code)
    policy, _version = await load_policy(conn)
    visible = await visible_employee_ids(conn, actor)
    scores = [
        s
        for s in await Score.filter(cycle_id=cycle.id, team_id=team.id)
        .using_db(conn)
        .order_by("employee_id")
        if visible is None or s.employee_id in visible
    ]
    people = {
        e.id: e
        for e in await Employee.filter(id__in=[s.employee_id for s in scores]).using_db(conn)
    }
    position_ids = {s.position_id for s in scores if s.position_id is not None}
    positions = {p.id: p for p in await Position.filter(id__in=sorted(position_ids)).using_db(conn)}
    rows_of = {s.employee_id: _row(s, people[s.employee_id], policy) for s in scores}
    known = {cell.key for row in rows_of.values() for cell in row.lines}
    if sort not in (SORT_TOTAL, SORT_NAME) and sort not in known:
        sort = SORT_TOTAL
    by_position: dict[int | None, list[Score]] = {}
    for score in scores:
        by_position.setdefault(score.position_id, []).append(score)
    order = sorted(
        by_position,
        key=lambda pk: (pk is None, "" if pk is None else positions[pk].code),
    )
    blocks = []
    for pk in order:
        members = by_position[pk]
        rows = [rows_of[s.employee_id] for s in members]
        blocks.append(
            HeatmapBlock(
                position=None if pk is None else positions[pk],
                columns=_columns(members),
                rows=tuple(_sorted(rows, sort, descending)),
            )
        )
    return TeamHeatmap(
        team=team,
        cycle=cycle,
        blocks=tuple(blocks),
        bands=tuple(sorted(policy.bands, key=lambda b: b.floor, reverse=True)),
        sort=sort,
        descending=descending,
    )
