"""The home pages by role (docs/day-with-fairscore.md): what a manager, an employee and
an admin see first. Reads only: stored scores are read, never recomputed.

Every list is read for a whole team (or the organisation) at once: a fixed number of
queries whatever the team's size, aggregated in SQL where a count is all that is shown
(tests/admin/test_home_pages.py counts them).

- The cycle shown is the running cycle (ACTIVE or REVIEW) in which most of the people
  the page is about have a score; ties go to the one that ends last (the quarter over a
  pilot month inside it), then to the one that started last. The others are linked.
- "Needs attention" lists the people in the policy's two lowest bands, lowest total
  first, each with the line that leaves most points on the table and what it would take
  (service/scoring/development.py `suggest_focus`, on the stored score).
- A low customer rating is one in the bottom quarter of its KPI's range (1 or 2 of 5).
- Data freshness is by when observations happened (`occurred_at`), not when they were
  recorded: per source and KPI, the last observation, the rows of the last 24 hours and
  the usual daily rate, the mean of the 14 days before those 24 hours. A source is quiet
  when its last 24 hours hold fewer than half its usual daily rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import Issue, PermissionDenied
from service.models import (
    OPEN_CYCLE_STATES,
    VALUE_SCALE,
    AccessLevel,
    Aggregation,
    Appeal,
    AppealState,
    Cycle,
    CycleState,
    DevelopmentItem,
    DevelopmentPlan,
    DevelopmentStatus,
    Employee,
    Kpi,
    Position,
    Score,
    ScoreStatus,
    Team,
)
from service.scoring.development import FocusSuggestion, suggest_focus
from service.scoring.goals import GoalClock
from service.scoring.stored import StoredScore
from service.scoring.types import Policy, ScorecardIssue
from service.sql import fetch_all, placeholders
from service.usecases.accounts.access import led_team_ids
from service.usecases.actor import Actor
from service.usecases.people.checkins import CadenceStatus, cadence_of, last_held_on, local_today
from service.usecases.people.goals import GoalView, at_risk_goals, employee_goals
from service.usecases.periods import comparable_previous
from service.usecases.scoring.finalize import finalisation_problems
from service.usecases.scoring.import_failures import FailedImport, recent_import_failures
from service.usecases.setup.cycles import activation_blockers
from service.usecases.setup.policy import load_policy

# "The lowest bands": this many bands from the bottom of the policy's list.
ATTENTION_BANDS = 2
# Recent lists stop here.
RECENT = 8
# Data freshness: the usual daily rate is the mean over this many days before the last 24 h.
USUAL_DAYS = 14


@dataclass(frozen=True, slots=True)
class BandCount:
    band: str
    count: int


@dataclass(frozen=True, slots=True)
class CycleChoice:
    """The cycle a home page shows, the other running cycles and the comparable
    previous cycle (SCORING §11) of the one shown."""

    cycle: Cycle | None
    running: list[Cycle]
    previous: Cycle | None


@dataclass(frozen=True, slots=True)
class AttentionPerson:
    employee: Employee
    band: str | None
    total: str | None
    stored: StoredScore
    # The line that pulls the total down most, with its stored what-it-would-take.
    focus: FocusSuggestion | None


@dataclass(frozen=True, slots=True)
class MissingRating:
    employee: Employee
    kpi_code: str
    # The KPI's names (`name`, `name_zh`: the admin's `named` reads them).
    name: str
    name_zh: str


@dataclass(frozen=True, slots=True)
class OpenAppeal:
    appeal: Appeal
    employee: Employee
    cycle_code: str


@dataclass(frozen=True, slots=True)
class OverdueCheckIn:
    employee: Employee
    last_held_on: date | None
    due_on: date


@dataclass(frozen=True, slots=True)
class CustomerComment:
    employee: Employee
    kpi: Kpi
    rating: Decimal
    comment: str
    channel: str | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class ManagerHome:
    choice: CycleChoice
    teams: list[Team]
    # The people the lists are about: the members of those teams, the lead excepted.
    people: dict[int, Employee]
    attention: list[AttentionPerson]
    missing_ratings: list[MissingRating]
    open_appeals: list[OpenAppeal]
    overdue_check_ins: list[OverdueCheckIn]
    at_risk_goals: list[GoalView]
    low_ratings: list[CustomerComment]
    bands_now: list[BandCount]
    bands_before: list[BandCount]


@dataclass(frozen=True, slots=True)
class ScoreChange:
    previous_cycle: Cycle
    previous_total: str | None
    previous_band: str | None
    # Difference of the reported totals (2 places each: exact), None unless both SCORED.
    points: Decimal | None


@dataclass(frozen=True, slots=True)
class EmployeeHome:
    employee: Employee
    choice: CycleChoice
    score: Score | None
    stored: StoredScore | None
    focus: FocusSuggestion | None
    change: ScoreChange | None
    goals: list[GoalView]
    plan: DevelopmentPlan | None
    open_plan_items: int
    comments: list[CustomerComment]
    open_appeals: list[OpenAppeal]


@dataclass(frozen=True, slots=True)
class Blocker:
    """One thing in a cycle's way, with the position whose scorecard it is about (None:
    about the cycle as a whole, or a finalisation problem)."""

    issue: Issue | ScorecardIssue
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class CycleBlockers:
    cycle: Cycle
    # The state it would move to next, and what stands in the way (empty: nothing).
    next_state: CycleState | None
    blockers: list[Blocker]


@dataclass(frozen=True, slots=True)
class SourceFreshness:
    source: str
    kpi: Kpi
    last_at: datetime | None
    last_day: int
    usual_per_day: Fraction

    @property
    def quiet(self) -> bool:
        return self.usual_per_day > 0 and self.last_day * 2 < self.usual_per_day


@dataclass(frozen=True, slots=True)
class AdminHome:
    cycles: list[CycleBlockers]
    freshness: list[SourceFreshness]
    freshness_as_of: datetime
    failures: list[FailedImport]
    choice: CycleChoice
    bands_now: list[BandCount]
    bands_before: list[BandCount]
    # The admin's own teams, when the admin also leads one: their manager home is linked.
    leads_teams: bool


# --- shared reads --------------------------------------------------------------------


async def _members(conn: BaseDBAsyncClient, team_ids: set[int], me: int | None) -> list[Employee]:
    if not team_ids:
        return []
    people = await Employee.filter(team_id__in=sorted(team_ids)).using_db(conn).order_by("id")
    return [e for e in people if e.id != me]


async def choose_cycle(
    conn: BaseDBAsyncClient, *, employee_ids: Sequence[int] | None, code: str | None = None
) -> CycleChoice:
    """The running cycle a home page shows (the module's rule), or the one asked for by
    `code` when it is running; and its comparable previous cycle."""
    running = list(
        await Cycle.filter(state__in=OPEN_CYCLE_STATES).using_db(conn).order_by("-starts_on", "id")
    )
    if not running:
        return CycleChoice(None, [], None)
    ids = [c.id for c in running]
    sql = f"SELECT cycle_id, COUNT(*) AS n FROM score WHERE cycle_id IN ({placeholders(len(ids))})"
    params: list[Any] = list(ids)
    if employee_ids is not None:
        people = sorted(set(employee_ids))
        if people:
            sql += f" AND employee_id IN ({placeholders(len(people))})"
            params += people
        else:
            sql += " AND 1 = 0"
    counts = {
        int(r["cycle_id"]): int(r["n"])
        for r in await fetch_all(conn, sql + " GROUP BY cycle_id", params)
    }
    asked = next((c for c in running if c.code == code), None)
    chosen = asked or max(
        running, key=lambda c: (counts.get(c.id, 0), c.ends_on, c.starts_on, c.code)
    )
    return CycleChoice(chosen, running, await comparable_previous(conn, chosen))


async def band_counts(
    conn: BaseDBAsyncClient, cycle: Cycle | None, team_ids: set[int] | None
) -> list[BandCount]:
    """Scored people per band of the policy, best band first (one GROUP BY); the teams
    as the scores counted them (frozen in a finalised cycle), or everyone."""
    policy, _version = await load_policy(conn)
    found: dict[str, int] = {}
    if cycle is not None and (team_ids is None or team_ids):
        sql = "SELECT band_code, COUNT(*) AS n FROM score WHERE cycle_id = ? AND status = ?"
        params: list[Any] = [cycle.id, ScoreStatus.SCORED.value]
        if team_ids is not None:
            sql += f" AND team_id IN ({placeholders(len(team_ids))})"
            params += sorted(team_ids)
        rows = await fetch_all(conn, sql + " GROUP BY band_code", params)
        found = {str(r["band_code"]): int(r["n"]) for r in rows if r["band_code"] is not None}
    return [BandCount(band.code, found.get(band.code, 0)) for band in policy.bands]


def _moment(micros: int, timezone: str) -> datetime:
    """An observation's moment in the organisation's time zone (as people read it)."""
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC).astimezone(ZoneInfo(timezone))


async def customer_comments(
    conn: BaseDBAsyncClient, people: dict[int, Employee], *, low_only: bool, limit: int = RECENT
) -> list[CustomerComment]:
    """The latest customer ratings with a comment about these people, not voided; with
    `low_only`, those in the bottom quarter of the KPI's range."""
    if not people:
        return []
    ids = sorted(people)
    sql = (
        "SELECT o.employee_id, o.kpi_id, o.value, o.comment, o.channel, o.occurred_at_us "
        "FROM observation o JOIN kpi k ON k.id = o.kpi_id "
        f"WHERE o.employee_id IN ({placeholders(len(ids))}) AND o.channel IS NOT NULL "
        "AND o.comment IS NOT NULL AND o.comment <> '' AND o.voided_at IS NULL"
    )
    params: list[Any] = list(ids)
    if low_only:
        # value <= min + (max - min) / 4, in integers: 4 x value <= 3 x min + max.
        sql += " AND 4 * o.value <= 3 * COALESCE(k.range_min, ?) + COALESCE(k.range_max, ?)"
        params += [1 * VALUE_SCALE, 5 * VALUE_SCALE]
    sql += " ORDER BY o.occurred_at_us DESC, o.id DESC LIMIT ?"
    rows = await fetch_all(conn, sql, [*params, limit])
    policy, _version = await load_policy(conn)
    kpis = {
        k.id: k for k in await Kpi.filter(id__in={int(r["kpi_id"]) for r in rows}).using_db(conn)
    }
    return [
        CustomerComment(
            employee=people[int(r["employee_id"])],
            kpi=kpis[int(r["kpi_id"])],
            rating=Decimal(int(r["value"])) / VALUE_SCALE,
            comment=str(r["comment"]),
            channel=None if r["channel"] is None else str(r["channel"]),
            occurred_at=_moment(int(r["occurred_at_us"]), policy.timezone),
        )
        for r in rows
    ]


async def _open_appeals(conn: BaseDBAsyncClient, people: dict[int, Employee]) -> list[OpenAppeal]:
    if not people:
        return []
    appeals = (
        await Appeal.filter(state=AppealState.OPEN, employee_id__in=sorted(people))
        .using_db(conn)
        .order_by("created_at", "id")
    )
    codes = dict(
        await Cycle.filter(id__in={a.cycle_id for a in appeals})
        .using_db(conn)
        .values_list("id", "code")
    )
    return [OpenAppeal(a, people[a.employee_id], str(codes[a.cycle_id])) for a in appeals]


# --- the manager's home --------------------------------------------------------------


def as_team_lead(actor: Actor) -> Actor:
    """An admin who also leads teams, seen as the lead of those teams only: the same
    lists a manager gets (the admin's own home stays organisation-wide)."""
    return replace(actor, access=AccessLevel.MANAGER) if actor.is_admin else actor


async def manager_home(
    *, actor: Actor, clock: GoalClock, cycle_code: str | None = None
) -> ManagerHome:
    """A manager's morning: who needs attention in the teams they lead and below."""
    if actor.access is not AccessLevel.MANAGER:
        raise PermissionDenied("The team home is for the leads of a team.")
    async with in_transaction() as conn:
        policy, _version = await load_policy(conn)
        team_ids = await led_team_ids(conn, actor.employee_id)
        teams = list(await Team.filter(id__in=sorted(team_ids)).using_db(conn).order_by("code"))
        people = {e.id: e for e in await _members(conn, team_ids, actor.employee_id)}
        choice = await choose_cycle(conn, employee_ids=list(people), code=cycle_code)
        cycle = choice.cycle
        lowest = [band.code for band in policy.bands[-ATTENTION_BANDS:]]
        attention: list[AttentionPerson] = []
        missing: list[MissingRating] = []
        goals: list[GoalView] = []
        if cycle is not None and people:
            rows = (
                await Score.filter(
                    cycle_id=cycle.id,
                    employee_id__in=sorted(people),
                    status=ScoreStatus.SCORED,
                    band_code__in=lowest,
                )
                .using_db(conn)
                .order_by("total_cents", "employee_id")
            )
            for row in rows:
                stored = StoredScore.from_row(row.explanation)
                focus = suggest_focus(stored, limit=1)
                attention.append(
                    AttentionPerson(
                        people[row.employee_id],
                        row.band_code,
                        stored.total,
                        stored,
                        focus[0] if focus else None,
                    )
                )
            missing = await _missing_ratings(conn, cycle, people)
            goals = await at_risk_goals(conn, actor=actor, cycle_code=cycle.code, clock=clock)
        appeals = await _open_appeals(conn, people)
        today = clock.pinned_today or local_today(policy, clock.now)
        overdue = await _overdue(
            conn, people, interval_days=policy.check_in_interval_days, today=today
        )
        low = await customer_comments(conn, people, low_only=True)
        bands_now = await band_counts(conn, cycle, team_ids)
        bands_before = await band_counts(conn, choice.previous, team_ids)
    return ManagerHome(
        choice=choice,
        teams=teams,
        people=people,
        attention=attention,
        missing_ratings=missing,
        open_appeals=appeals,
        overdue_check_ins=overdue,
        at_risk_goals=goals,
        low_ratings=low,
        bands_now=bands_now,
        bands_before=bands_before,
    )


async def _missing_ratings(
    conn: BaseDBAsyncClient, cycle: Cycle, people: dict[int, Employee]
) -> list[MissingRating]:
    """Rated lines without a manager's rating (SCORING §9's finalisation check), from
    the stored lines in one join."""
    ids = sorted(people)
    rows = await fetch_all(
        conn,
        "SELECT s.employee_id, k.code, k.name, k.name_zh FROM score s "
        "JOIN score_line sl ON sl.score_id = s.id JOIN kpi k ON k.id = sl.kpi_id "
        f"WHERE s.cycle_id = ? AND s.employee_id IN ({placeholders(len(ids))}) "
        "AND s.status IN (?, ?) AND k.aggregation = ? AND sl.sample_size = 0 "
        "ORDER BY s.employee_id, sl.ordinal",
        [
            cycle.id,
            *ids,
            ScoreStatus.SCORED.value,
            ScoreStatus.NO_DATA.value,
            Aggregation.REVIEW_MEAN.value,
        ],
    )
    return [
        MissingRating(
            people[int(r["employee_id"])], str(r["code"]), str(r["name"]), str(r["name_zh"] or "")
        )
        for r in rows
    ]


async def _overdue(
    conn: BaseDBAsyncClient, people: dict[int, Employee], *, interval_days: int, today: date
) -> list[OverdueCheckIn]:
    """Overdue check-ins by the check-in cadence (service/usecases/people/checkins.py)."""
    employed = [e for e in people.values() if e.left_on is None or e.left_on >= today]
    last = await last_held_on(conn, [e.id for e in employed])
    found = []
    for employee in employed:
        cadence = cadence_of(
            last_held_on=last.get(employee.id),
            hired_on=employee.hired_on,
            interval_days=interval_days,
            today=today,
        )
        if cadence.status is CadenceStatus.OVERDUE:
            found.append(OverdueCheckIn(employee, cadence.last_held_on, cadence.due_on))
    return sorted(found, key=lambda o: (o.due_on, o.employee.id))


# --- the employee's home -------------------------------------------------------------


async def employee_home(
    *, actor: Actor, clock: GoalClock, cycle_code: str | None = None
) -> EmployeeHome:
    """My score now, how it moved, my goals and plan, what customers said, my appeals."""
    if actor.employee_id is None:
        raise PermissionDenied("The personal home is for people with an employee record.")
    async with in_transaction() as conn:
        me = await Employee.get(id=actor.employee_id, using_db=conn)
        choice = await choose_cycle(conn, employee_ids=[me.id], code=cycle_code)
        cycle = choice.cycle
        score = stored = focus = change = None
        goals: list[GoalView] = []
        if cycle is not None:
            score = await Score.get_or_none(cycle_id=cycle.id, employee_id=me.id, using_db=conn)
            if score is not None:
                stored = StoredScore.from_row(score.explanation)
                found = suggest_focus(stored, limit=1)
                focus = found[0] if found else None
            if choice.previous is not None:
                change = await _change(conn, choice.previous, me.id, stored)
            goals = await employee_goals(
                conn, actor=actor, employee_id=me.id, cycle_code=cycle.code, clock=clock
            )
        plan = await DevelopmentPlan.get_or_none(employee_id=me.id, using_db=conn)
        open_items = 0
        if plan is not None:
            open_items = (
                await DevelopmentItem.filter(
                    plan_id=plan.id,
                    status__in=[DevelopmentStatus.PLANNED, DevelopmentStatus.IN_PROGRESS],
                )
                .using_db(conn)
                .count()
            )
        comments = await customer_comments(conn, {me.id: me}, low_only=False, limit=5)
        appeals = await _open_appeals(conn, {me.id: me})
    return EmployeeHome(
        employee=me,
        choice=choice,
        score=score,
        stored=stored,
        focus=focus,
        change=change,
        goals=goals,
        plan=plan,
        open_plan_items=open_items,
        comments=comments,
        open_appeals=appeals,
    )


async def _change(
    conn: BaseDBAsyncClient, previous: Cycle, employee_id: int, now: StoredScore | None
) -> ScoreChange:
    before = await Score.get_or_none(cycle_id=previous.id, employee_id=employee_id, using_db=conn)
    then = None if before is None else StoredScore.from_row(before.explanation)
    points = None
    if then is not None and now is not None and then.scored and now.scored:
        assert then.total is not None
        assert now.total is not None
        points = Decimal(now.total) - Decimal(then.total)
    return ScoreChange(
        previous_cycle=previous,
        previous_total=None if then is None or not then.scored else then.total,
        previous_band=None if then is None else then.band,
        points=points,
    )


# --- the admin's home ----------------------------------------------------------------


async def admin_home(
    *, actor: Actor, today: date | None = None, cycle_code: str | None = None
) -> AdminHome:
    """Cycles and what blocks each, data freshness (measured now, or at the start of a
    pinned `today`), failed imports, the organisation's bands."""
    if not actor.is_admin:
        raise PermissionDenied("The organisation's home is for admins.")
    async with in_transaction() as conn:
        policy, _version = await load_policy(conn)
        now = freshness_now(today, policy.timezone)
        cycles = list(
            await Cycle.filter(state__not=CycleState.FINALIZED)
            .using_db(conn)
            .order_by("-starts_on", "code")
        )
        blockers = [await _blockers(conn, cycle, policy) for cycle in cycles]
        freshness = await data_freshness(conn, now=now)
        choice = await choose_cycle(conn, employee_ids=None, code=cycle_code)
        bands_now = await band_counts(conn, choice.cycle, None)
        bands_before = await band_counts(conn, choice.previous, None)
        leads = bool(await led_team_ids(conn, actor.employee_id))
    failures = await recent_import_failures(limit=RECENT)
    return AdminHome(
        cycles=blockers,
        freshness=freshness,
        freshness_as_of=now.astimezone(ZoneInfo(policy.timezone)),
        failures=failures,
        choice=choice,
        bands_now=bands_now,
        bands_before=bands_before,
        leads_teams=leads,
    )


async def _blockers(conn: BaseDBAsyncClient, cycle: Cycle, policy: Policy) -> CycleBlockers:
    """What stands in the way of the cycle's next state: to ACTIVE, what
    `transition_cycle` refuses on (`activation_blockers`); from ACTIVE or REVIEW, what
    keeps it from being finalised (`finalisation_problems`)."""
    if cycle.state is CycleState.DRAFT:
        found = [Blocker(b.issue, b.named) for b in await activation_blockers(conn, cycle, policy)]
    else:
        found = [Blocker(problem) for problem in await finalisation_problems(conn, cycle)]
    nxt = cycle.state.next
    if cycle.state is CycleState.ACTIVE:
        nxt = CycleState.FINALIZED  # REVIEW needs nothing: the blockers are finalising's
    return CycleBlockers(cycle, nxt, found)


def freshness_now(today: date | None, timezone: str) -> datetime:
    """The instant freshness is measured at: now, or with "today" pinned (demos and
    tests), the start of that day in the organisation's time zone."""
    if today is None:
        return datetime.now(UTC)
    return datetime.combine(today, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


# Data freshness reads the index on (source, kpi_id, occurred_at_us, voided_at) (migration
# 0025), never the whole table, so that the home page does not slow down as observations
# pile up. Neither database skips through an index on its own, so a recursive CTE does:
# the sources, each one seek past the last, then each source's KPIs the same way (a seek
# per pair; SQLite would scan for a row-value comparison). A second statement then reads,
# per pair, the last observation (one step back from `now`) and the counts of the last 15
# days (index ranges). Two statements, not one: PostgreSQL cannot size a recursive CTE and
# guesses thousands of pairs, and that guess alone costs the joined statement a JIT
# compilation (≈ 0.5 s) that the work itself (well under a millisecond) does not need.
FRESHNESS_PAIRS_SQL = (
    "WITH RECURSIVE src(source) AS ("
    "SELECT (SELECT source FROM observation ORDER BY source LIMIT 1) "
    "UNION ALL SELECT (SELECT o.source FROM observation o WHERE o.source > s.source "
    "ORDER BY o.source LIMIT 1) FROM src s WHERE s.source IS NOT NULL), "
    "pair(source, kpi_id) AS ("
    "SELECT s.source, (SELECT o.kpi_id FROM observation o WHERE o.source = s.source "
    "ORDER BY o.kpi_id LIMIT 1) FROM src s WHERE s.source IS NOT NULL "
    "UNION ALL SELECT p.source, (SELECT o.kpi_id FROM observation o "
    "WHERE o.source = p.source AND o.kpi_id > p.kpi_id ORDER BY o.kpi_id LIMIT 1) "
    "FROM pair p WHERE p.kpi_id IS NOT NULL) "
    "SELECT source, kpi_id FROM pair WHERE kpi_id IS NOT NULL"
)
_OF_PAIR = "FROM observation o WHERE o.source = p.source AND o.kpi_id = p.kpi_id "
_COUNT = (
    "(SELECT COUNT(*) " + _OF_PAIR + "AND o.occurred_at_us >= ? AND o.occurred_at_us < ? "
    "AND o.voided_at IS NULL)"
)
_PAIR = "SELECT CAST(? AS VARCHAR(64)) AS source, CAST(? AS INTEGER) AS kpi_id"


def freshness_of_pairs_sql(pairs: int) -> str:
    """Per (source, KPI) pair given as values: the last observation and the two counts."""
    return (
        "SELECT p.source, p.kpi_id, (SELECT o.occurred_at_us "
        + _OF_PAIR
        + "AND o.occurred_at_us < ? AND o.voided_at IS NULL "
        "ORDER BY o.occurred_at_us DESC LIMIT 1) AS last_us, "
        + _COUNT
        + " AS last_day, "
        + _COUNT
        + " AS prev_days FROM ("
        + " UNION ALL ".join([_PAIR] * pairs)
        + ") AS p"
    )


async def freshness_rows(conn: BaseDBAsyncClient, *, now: datetime) -> list[dict[str, Any]]:
    """Per (source, KPI) pair with an observation not voided before `now`: the last one
    (`last_us`), the rows of the last 24 hours (`last_day`) and of the USUAL_DAYS before
    them (`prev_days`). Two statements, whatever the number of rows."""
    pairs = await fetch_all(conn, FRESHNESS_PAIRS_SQL)
    if not pairs:
        return []
    end = int(now.timestamp() * 1_000_000)
    day_ago = end - 86_400_000_000
    window = day_ago - USUAL_DAYS * 86_400_000_000
    found = await fetch_all(
        conn,
        freshness_of_pairs_sql(len(pairs)),
        [end, day_ago, end, window, day_ago]
        + [value for pair in pairs for value in (pair["source"], int(pair["kpi_id"]))],
    )
    return [row for row in found if row["last_us"] is not None]


async def data_freshness(conn: BaseDBAsyncClient, *, now: datetime) -> list[SourceFreshness]:
    """Per source and KPI, over the observations not voided that happened before `now`:
    the last one, the rows of the last 24 hours and the usual daily rate (the module's
    rule). Quiet sources first, then by source and KPI."""
    rows = await freshness_rows(conn, now=now)
    policy, _version = await load_policy(conn)
    kpis = {
        k.id: k for k in await Kpi.filter(id__in={int(r["kpi_id"]) for r in rows}).using_db(conn)
    }
    found = [
        SourceFreshness(
            source=str(r["source"]),
            kpi=kpis[int(r["kpi_id"])],
            last_at=None if r["last_us"] is None else _moment(int(r["last_us"]), policy.timezone),
            last_day=int(r["last_day"] or 0),
            usual_per_day=Fraction(int(r["prev_days"] or 0), USUAL_DAYS),
        )
        for r in rows
    ]
    return sorted(found, key=lambda f: (not f.quiet, f.source, f.kpi.code))
