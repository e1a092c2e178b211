"""Calibration figures of a cycle in REVIEW (SCORING.md §12), and its record.

The figures are computed when asked, from the cycle's stored scores and current
MANAGER reviews, read set-based (a fixed handful of queries whatever the number of
people), and stored nowhere; the arithmetic is service.scoring.calibration. Only the
calibration record (who met, notes, decisions) is stored.

Who sees what (DESIGN.md Access): admins everything; a manager the reviewers who
rated someone in the teams they lead (or below), with those reviewers'
organisation-wide figures, and only those people listed; employees nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, overload

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import Issue, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from service.models import (
    CalibrationRecord,
    Cycle,
    CycleState,
    Employee,
    Team,
    User,
)
from service.scoring.calibration import (
    BandRow,
    CalibrationFlag,
    PairFigures,
    PairInput,
    WeightedPoints,
    band_distribution,
    calibrate,
    capped_p,
    qualitative_points,
    reported_standard_error,
    weighted_mean,
)
from service.scoring.rounding import format_fixed
from service.scoring.types import KpiKind, LineStatus, Policy, Scope, ScoreStatus
from service.sql import fetch_all
from service.usecases.accounts.access import review_report_teams
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.parsing import from_scaled
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.recompute import scorecards_for_cycle
from service.usecases.setup.policy import load_policy

# Long enough for a meeting's minutes, short enough to keep a page readable.
MAX_RECORD_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class ReviewerView:
    reviewer_id: int
    label: str  # the reviewer's email
    employee_id: int | None  # the reviewer's own employee record, if any
    n: int
    gap: Fraction | None
    standard_error_squared: Fraction | None  # s²/n; its root is reported
    organisation_gap: Fraction | None
    flag: CalibrationFlag
    employees: tuple[PairFigures, ...]  # only those the viewer may see


@dataclass(frozen=True, slots=True)
class BandGuideView:
    team_id: int | None
    team_code: str | None
    reviewer_id: int | None
    reviewer_label: str | None
    row: BandRow
    group_size: int


@dataclass(frozen=True, slots=True)
class PersonLabel:
    external_id: str
    name: str


@dataclass(frozen=True, slots=True)
class CalibrationView:
    cycle_code: str
    organisation_gap: Fraction | None
    leniency_threshold: Fraction
    band_guide_tolerance: Fraction
    reviewers: tuple[ReviewerView, ...]
    band_guide: tuple[BandGuideView, ...]
    people: dict[int, PersonLabel]  # the listed employees, for labels


async def calibration_for_cycle(
    conn: BaseDBAsyncClient, *, actor: Actor, cycle_code: str, team_code: str | None = None
) -> CalibrationView:
    """The §12 figures of a cycle in REVIEW, as the actor may see them; with a team, a
    manager's view of that team and the teams under it."""
    cycle = await Cycle.get_or_none(code=cycle_code, using_db=conn)
    if cycle is None:
        raise NotFound("There is no cycle {cycle}.", cycle=repr(cycle_code))
    teams_in_view = await review_report_teams(conn, actor, team_code)
    if cycle.state is not CycleState.REVIEW:
        raise ValidationFailed(
            [
                Issue.of(
                    "cycleCode",
                    "Cycle {cycle} is {state}: calibration figures are computed for a cycle "
                    "in {review}.",
                    "WRONG_STATE",
                    cycle=cycle.code,
                    state=cycle.state,
                    review=CycleState.REVIEW,
                )
            ]
        )
    policy, _version = await load_policy(conn)
    return await _compute(conn, cycle, policy, actor, teams_in_view)


async def _compute(
    conn: BaseDBAsyncClient,
    cycle: Cycle,
    policy: Policy,
    actor: Actor,
    teams_in_view: set[int] | None,
) -> CalibrationView:
    cards = await scorecards_for_cycle(conn, cycle)
    scores = await fetch_all(
        conn,
        "SELECT id, employee_id, team_id, position_id, band_code FROM score "
        "WHERE cycle_id = ? AND status = ?",
        [cycle.id, ScoreStatus.SCORED.value],
    )
    lines = await fetch_all(
        conn,
        "SELECT l.score_id, l.ordinal, l.kpi_id, l.raw_value FROM score_line l "
        "JOIN score s ON s.id = l.score_id "
        "WHERE s.cycle_id = ? AND s.status = ? AND l.status = ? AND l.scope = ? "
        "AND l.raw_value IS NOT NULL",
        [cycle.id, ScoreStatus.SCORED.value, LineStatus.SCORED.value, Scope.INDIVIDUAL.value],
    )
    reviews = await fetch_all(
        conn,
        "SELECT reviewer_id, employee_id, kpi_id, rating FROM review "
        "WHERE cycle_id = ? AND kind = 'MANAGER'",
        [cycle.id],
    )
    bonus = policy.stretch_bonus
    # Scored employees: their position's scorecard and their stored line values.
    position_of: dict[int, int] = {}
    team_of: dict[int, int | None] = {}
    band_of: dict[int, str | None] = {}
    employee_of_score: dict[int, int] = {}
    for row in scores:
        employee = int(row["employee_id"])
        if row["position_id"] is None or int(row["position_id"]) not in cards:
            continue
        position_of[employee] = int(row["position_id"])
        team_of[employee] = None if row["team_id"] is None else int(row["team_id"])
        band_of[employee] = row["band_code"]
        employee_of_score[int(row["id"])] = employee
    quantitative_parts: dict[int, list[WeightedPoints]] = defaultdict(list)
    for row in lines:
        employee_id = employee_of_score.get(int(row["score_id"]))
        if employee_id is None:
            continue
        card = cards[position_of[employee_id]]
        ordinal = int(row["ordinal"])
        # A stored line is read against the scorecard line it was computed from.
        if ordinal >= len(card.lines) or card.kpi_ids[ordinal] != int(row["kpi_id"]):
            continue
        line = card.lines[ordinal]
        if line.kpi.kind is KpiKind.QUANTITATIVE:
            raw = from_scaled(int(row["raw_value"]))
            quantitative_parts[employee_id].append(
                WeightedPoints(line.weight, capped_p(line, raw, stretch_bonus=bonus))
            )
    quantitative = {e: weighted_mean(parts) for e, parts in quantitative_parts.items()}
    # Each reviewer's counted ratings per scored employee, by line index.
    ratings: dict[tuple[int, int], dict[int, Fraction]] = defaultdict(dict)
    for row in reviews:
        employee_id = int(row["employee_id"])
        if employee_id not in position_of:
            continue
        card = cards[position_of[employee_id]]
        for index, kpi_id in enumerate(card.kpi_ids):
            if kpi_id == int(row["kpi_id"]) and card.lines[index].kpi.kind is KpiKind.QUALITATIVE:
                ratings[(int(row["reviewer_id"]), employee_id)][index] = from_scaled(
                    int(row["rating"])
                )
    pairs = [
        PairInput(
            reviewer,
            employee_id,
            qualitative_points(cards[position_of[employee_id]].lines, by_line, stretch_bonus=bonus),
            quantitative.get(employee_id),
        )
        for (reviewer, employee_id), by_line in sorted(ratings.items())
    ]
    figures = calibrate(pairs, leniency_threshold=policy.leniency_threshold)
    in_view = _people_in_view(actor, team_of, teams_in_view)
    rated_in_view: dict[int, set[int]] = defaultdict(set)
    for reviewer, employee_id in ratings:
        if in_view is None or employee_id in in_view:
            rated_in_view[reviewer].add(employee_id)
    users = {u.id: u for u in await User.filter(id__in=sorted(rated_in_view)).using_db(conn)}
    reviewers = tuple(
        ReviewerView(
            reviewer_id=f.reviewer,
            label=users[f.reviewer].email,
            employee_id=users[f.reviewer].employee_id,
            n=f.n,
            gap=f.gap,
            standard_error_squared=f.standard_error,
            organisation_gap=f.organisation_gap,
            flag=f.flag,
            employees=tuple(p for p in f.employees if in_view is None or p.employee in in_view),
        )
        for f in figures.reviewers
        if f.reviewer in rated_in_view
    )
    team_rows = await Team.filter(
        id__in=sorted({t for t in team_of.values() if t is not None})
    ).using_db(conn)
    band_rows: list[BandGuideView] = []
    for team in sorted(team_rows, key=lambda t: t.code):
        if teams_in_view is not None and team.id not in teams_in_view:
            continue
        group = [band_of[e] for e, t in sorted(team_of.items()) if t == team.id]
        band_rows += [
            BandGuideView(team.id, team.code, None, None, row, len(group))
            for row in band_distribution(group, policy)
        ]
    for reviewer_view in reviewers:
        group = [band_of[e] for e in sorted(rated_in_view[reviewer_view.reviewer_id])]
        band_rows += [
            BandGuideView(
                None, None, reviewer_view.reviewer_id, reviewer_view.label, row, len(group)
            )
            for row in band_distribution(group, policy)
        ]
    listed = sorted({p.employee for r in reviewers for p in r.employees})
    people = {
        e.id: PersonLabel(e.external_id, e.name)
        for e in await Employee.filter(id__in=listed).using_db(conn)
    }
    return CalibrationView(
        cycle_code=cycle.code,
        organisation_gap=figures.organisation_gap,
        leniency_threshold=policy.leniency_threshold,
        band_guide_tolerance=policy.band_guide_tolerance,
        reviewers=reviewers,
        band_guide=tuple(band_rows),
        people=people,
    )


def _people_in_view(
    actor: Actor, team_of: dict[int, int | None], teams_in_view: set[int] | None
) -> set[int] | None:
    """The scored employees the view lists: None for everyone. Nobody's own figures
    reach them through their manager's calibration view."""
    if teams_in_view is None:
        return None
    return {
        e
        for e, t in team_of.items()
        if t is not None and t in teams_in_view and e != actor.employee_id
    }


@dataclass(frozen=True, slots=True)
class RecordSaved:
    version: int
    changed: bool


def _checked_text(name: str, value: str, issues: list[Issue]) -> str:
    text = value.strip()
    if len(text) > MAX_RECORD_TEXT:
        issues.append(
            Issue.of(
                name, "is {size} characters; at most {most}", size=len(text), most=MAX_RECORD_TEXT
            )
        )
    return text


async def calibration_record(conn: BaseDBAsyncClient, cycle_id: int) -> CalibrationRecord | None:
    return await CalibrationRecord.get_or_none(cycle_id=cycle_id, using_db=conn)


@retry_when_busy
async def save_calibration_record(
    *,
    actor: Actor,
    cycle_code: str,
    attendees: str,
    notes: str,
    decisions: str,
    expected_version: int | None,
) -> RecordSaved:
    """Create or update the cycle's calibration record (who met, notes, decisions),
    audited. Admins only, while the cycle is in REVIEW: a finalised cycle's record
    stands as it was when the cycle was finalised. ``expected_version`` 0 means "there
    is none yet"; None skips the check (the CLI's last-writer-wins)."""
    if not actor.is_admin:
        raise PermissionDenied("Only an admin keeps the calibration record.")
    issues: list[Issue] = []
    data = {
        "attendees": _checked_text("attendees", attendees, issues),
        "notes": _checked_text("notes", notes, issues),
        "decisions": _checked_text("decisions", decisions, issues),
    }
    if not any(data.values()):
        issues.append(Issue("notes", "write who met, notes or decisions; the record is empty"))
    if issues:
        raise ValidationFailed(issues)
    async with in_transaction() as conn:
        cycle = await Cycle.select_for_update().using_db(conn).get_or_none(code=cycle_code)
        if cycle is None:
            raise NotFound("There is no cycle {cycle}.", cycle=repr(cycle_code))
        if cycle.state is not CycleState.REVIEW:
            raise ValidationFailed(
                [
                    Issue.of(
                        "cycleCode",
                        "Cycle {cycle} is {state}: the calibration record is kept while the "
                        "cycle is in {review}.",
                        "WRONG_STATE",
                        cycle=cycle.code,
                        state=cycle.state,
                        review=CycleState.REVIEW,
                    )
                ]
            )
        row = (
            await CalibrationRecord.select_for_update()
            .using_db(conn)
            .get_or_none(cycle_id=cycle.id)
        )
        current = 0 if row is None else row.version
        if expected_version is not None and expected_version != current:
            raise StaleVersion(
                "The calibration record of {cycle} is at version {version}, not {expected}: "
                "someone saved first. Reload it and apply your change again.",
                cycle=cycle.code,
                version=current,
                expected=expected_version,
            )
        before = None if row is None else {k: getattr(row, k) for k in data}
        if before == data:
            assert row is not None
            return RecordSaved(row.version, False)
        if row is None:
            row = await CalibrationRecord.create(
                using_db=conn, cycle_id=cycle.id, updated_by_label=actor.label, **data
            )
        else:
            for key, value in data.items():
                setattr(row, key, value)
            row.version += 1
            row.updated_by_label = actor.label
            await row.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="save_calibration_record",
            entity="cycle",
            entity_key=cycle.code,
            before=before,
            after=data,
        )
        return RecordSaved(row.version, True)


@overload
def reported_points(value: Fraction) -> str: ...
@overload
def reported_points(value: Fraction | None) -> str | None: ...
def reported_points(value: Fraction | None) -> str | None:
    """A calibration figure (points, gaps, shares) as reported: 2 places, half away from
    zero. The one formatting of the figures, for the CLI, the admin and the API."""
    return None if value is None else format_fixed(value, 2)


def reported_error(square: Fraction | None) -> str | None:
    """A reviewer's standard error as reported, from the exact root of s²/n."""
    return None if square is None else format(reported_standard_error(square), "f")


def calibration_document(view: CalibrationView) -> dict[str, Any]:
    """The figures as reported (2 places, half away from zero; the standard error from
    the exact root): one shape for the CLI's JSON and CSV and the admin page."""
    return {
        "cycle": view.cycle_code,
        "organisation_gap": reported_points(view.organisation_gap),
        "leniency_threshold": reported_points(view.leniency_threshold),
        "band_guide_tolerance": reported_points(view.band_guide_tolerance),
        "reviewers": [
            {
                "reviewer": r.label,
                "n": r.n,
                "gap": reported_points(r.gap),
                "standard_error": reported_error(r.standard_error_squared),
                "organisation_gap": reported_points(r.organisation_gap),
                "flag": r.flag.value,
                "employees": [
                    {
                        "employee": view.people[p.employee].external_id,
                        "name": view.people[p.employee].name,
                        "qualitative": reported_points(p.qualitative),
                        "quantitative": reported_points(p.quantitative),
                        "gap": reported_points(p.gap),
                    }
                    for p in r.employees
                ],
            }
            for r in view.reviewers
        ],
        "band_guide": [
            {
                "team": row.team_code,
                "reviewer": row.reviewer_label,
                "group_size": row.group_size,
                "band": row.row.band,
                "count": row.row.count,
                "share": reported_points(row.row.share),
                "guide_share": reported_points(row.row.guide_share),
                "warning": row.row.warning,
            }
            for row in view.band_guide
        ],
    }


CSV_COLUMNS = (
    "reviewer",
    "n",
    "reviewer_gap",
    "standard_error",
    "organisation_gap",
    "flag",
    "employee_external_id",
    "employee_name",
    "qualitative",
    "quantitative",
    "gap",
)
CSV_NUMERIC = (
    "n",
    "reviewer_gap",
    "standard_error",
    "organisation_gap",
    "qualitative",
    "quantitative",
    "gap",
)


def calibration_csv_rows(document: dict[str, Any]) -> list[list[Any]]:
    """One row per reviewer and employee (a reviewer without one: a row of their own)."""
    rows = []
    for r in document["reviewers"]:
        head = [r["reviewer"], r["n"], r["gap"], r["standard_error"], r["organisation_gap"]]
        head.append(r["flag"])
        people = r["employees"] or [None]
        for p in people:
            tail = (
                [None] * 5
                if p is None
                else [p["employee"], p["name"], p["qualitative"], p["quantitative"], p["gap"]]
            )
            rows.append([*head, *tail])
    return rows
