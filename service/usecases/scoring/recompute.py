"""Stored scores follow their inputs (DESIGN.md rules 5 and 6).

Every write that changes a score's inputs calls in here inside its own transaction.
Raw values are aggregated in SQL, set-based: a fixed handful of GROUP BY queries
per cycle whatever the number of employees; the pure engine then scores each
employee from those aggregates, and the results are written back in bulk.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import gc
import hashlib
import operator
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

from tortoise.backends.base.client import BaseDBAsyncClient

from service.errors import Issue, ValidationFailed
from service.models import (
    OPEN_CYCLE_STATES,
    Cycle,
    CyclePilotTeam,
    Kpi,
    Scorecard,
    ScorecardLine,
)
from service.scoring import (
    employment_eligibility,
    format_fixed,
)
from service.scoring.engine import ScorecardPlan, score_with
from service.scoring.stored import (
    StoredAdjustment,
    StoredScore,
    StoredScorecard,
    StoredSource,
    content_hash,
    not_eligible_score,
)
from service.scoring.types import (
    Aggregate,
    Aggregation,
    EmploymentPeriod,
    IncentiveBand,
    Policy,
    Scope,
    ScoreResult,
    ScoreStatus,
)
from service.scoring.types import ScorecardLine as EngineLine
from service.sql import (
    StagedUpdates,
    execute,
    fetch_all,
    fetch_rows,
    insert_many,
    int_values,
    is_postgres,
    placeholders,
    replace_children,
    update_many,
)
from service.usecases.accounts.access import (
    leads_own_team,
    team_and_descendants,
    team_leads,
    team_parents,
)
from service.usecases.parsing import from_scaled
from service.usecases.people.goal_values import refresh_goal_values
from service.usecases.scoring import scoring_pool
from service.usecases.scoring.aggregates import Aggregates as _Aggregates
from service.usecases.scoring.aggregates import (
    SourceCounts,
    observation_aggregates_by_source,
)
from service.usecases.scoring.aggregates import (
    cycle_window_us as cycle_window_us,
)
from service.usecases.scoring.aggregates import (
    observation_aggregates as observation_aggregates,
)
from service.usecases.scoring.changes import ScoreChange, announce
from service.usecases.scoring.engine_inputs import kpi_to_engine, line_to_engine
from service.usecases.setup.policy import load_policy

# The policy and its version, as load_policy gives them: loaded once per write.
LoadedPolicy = tuple[Policy, int]
# Past this many ids an IN list costs more than aggregating the whole cycle.
_MAX_IN_LIST = 500


@dataclass(frozen=True, slots=True)
class _Card:
    lines: list[EngineLine]
    kpi_ids: list[int]


# Where a line's aggregate and counts by source are read (`_LoadedCycle.inputs_of`): the
# person's own, their team's, or (REVIEW_MEAN, no sources) the person's manager reviews.
_OWN, _TEAM, _REVIEWS = 0, 1, 2


def _read_from(line: EngineLine) -> int:
    if line.kpi.aggregation is Aggregation.REVIEW_MEAN:
        return _REVIEWS
    return _TEAM if line.scope is Scope.TEAM else _OWN


@dataclass(frozen=True, slots=True)
class _PlannedCard:
    """A scorecard read once for a recompute: the engine's plan and the stored side of
    its lines, shared by every employee of the position."""

    plan: ScorecardPlan
    stored: StoredScorecard
    kpi_ids: list[int]
    # Per line, where its inputs are read (`_read_from`) and its KPI id: decided once
    # per scorecard rather than per person and line (`_inputs_key`, `_score_parts`).
    reads: tuple[tuple[int, int], ...]
    # Per line, its score line row's first values: ordinal, KPI id, scope.
    line_keys: tuple[tuple[int, int, str], ...]

    @staticmethod
    def of(card: _Card, policy: Policy) -> _PlannedCard:
        plan = ScorecardPlan(card.lines, policy)
        return _PlannedCard(
            plan,
            StoredScorecard(plan.lines, policy),
            card.kpi_ids,
            tuple(
                (_read_from(line), kpi_id)
                for kpi_id, line in zip(card.kpi_ids, plan.lines, strict=True)
            ),
            tuple(
                (ordinal, kpi_id, line.scope.value)
                for ordinal, (kpi_id, line) in enumerate(zip(card.kpi_ids, plan.lines, strict=True))
            ),
        )


@dataclass(frozen=True, slots=True)
class _Person:
    id: int
    team_id: int | None
    position_id: int | None
    hired_on: date
    left_on: date | None


async def recompute_open_cycles(
    conn: BaseDBAsyncClient,
    *,
    employee_ids: set[int] | None = None,
    team_ids: set[int] | None = None,
    kpi_ids: set[int] | None = None,
    moments_us: Iterable[int] | None = None,
    policy: LoadedPolicy | None = None,
    observed_only: bool = False,
) -> None:
    """Recompute the open cycles a change touches; None everywhere means everything.

    ``policy`` is the one the calling use case loaded already (it is read once per write).
    ``observed_only``: the change is new observations of ``kpi_ids`` only (an ingest), so
    a team's members are recomputed only if one of those KPIs is on a TEAM line.
    """
    cycles = await Cycle.filter(state__in=list(OPEN_CYCLE_STATES)).using_db(conn).order_by("id")
    if kpi_ids is not None:
        using = set(
            await int_values(
                ScorecardLine.filter(kpi_id__in=list(kpi_ids))
                .using_db(conn)
                .values_list("scorecard__cycle_id", flat=True)
            )
        )
        cycles = [c for c in cycles if c.id in using]
    loaded = policy if policy is not None else await load_policy(conn)
    moments = sorted(set(moments_us)) if moments_us is not None else None
    for cycle in cycles:
        if moments is not None:
            start, end = cycle_window_us(cycle, loaded[0])
            if not any(start <= m < end for m in moments):
                continue
        await recompute_cycle(
            conn,
            cycle,
            employee_ids=employee_ids,
            team_ids=team_ids,
            policy=loaded,
            kpi_ids=kpi_ids if observed_only else None,
        )


async def recompute_cycle(
    conn: BaseDBAsyncClient,
    cycle: Cycle,
    *,
    employee_ids: set[int] | None = None,
    team_ids: set[int] | None = None,
    policy: LoadedPolicy | None = None,
    kpi_ids: set[int] | None = None,
) -> int:
    """Recompute the scores of one open cycle and store those that moved; returns how
    many score rows were written (inserted, updated or deleted).

    With no ids, the whole cycle. With ids, those employees and every current member
    of those teams (their team lines moved). ``policy``: as loaded by the caller.
    ``kpi_ids``: when the change is only new observations of these KPIs, a team's
    members are recomputed only if one of them is on a TEAM line of the cycle (no other
    line of a colleague reads a team's observations; the team's goals still follow).
    """
    if cycle.state not in OPEN_CYCLE_STATES:
        return 0
    # Entered and left outside the work, so the collector resumes only once everything
    # the recompute loaded is freed (none of it is walked, see _no_cyclic_collection).
    with _no_cyclic_collection():
        return await _recompute_cycle(
            conn,
            cycle,
            employee_ids=employee_ids,
            team_ids=team_ids,
            policy=policy,
            kpi_ids=kpi_ids,
        )


async def _recompute_cycle(
    conn: BaseDBAsyncClient,
    cycle: Cycle,
    *,
    employee_ids: set[int] | None,
    team_ids: set[int] | None,
    policy: LoadedPolicy | None,
    kpi_ids: set[int] | None,
) -> int:
    full = employee_ids is None and team_ids is None
    rules, policy_version = policy if policy is not None else await load_policy(conn)
    cards = await scorecards_for_cycle(conn, cycle)
    goal_teams = team_ids
    if team_ids and kpi_ids is not None and not kpi_ids & set(_kpis_by_scope(cards)[Scope.TEAM]):
        team_ids = set()
    people = await _people(conn, cycle, employee_ids, team_ids)
    await _lock_teams(conn, cycle, people, goal_teams)
    parents = await team_parents(conn)
    leads = await team_leads(conn)
    scope = await _scope(conn, cycle, parents)
    start_us, end_us = cycle_window_us(cycle, rules)

    ids = [p.id for p in people]
    teams = sorted({p.team_id for p in people if p.team_id is not None})
    kpis = _kpis_by_scope(cards)
    filter_people = None if full or len(ids) > _MAX_IN_LIST else ids
    filter_teams = None if full or len(teams) > _MAX_IN_LIST else teams
    # Aggregates and the counts by source in one scan per scope.
    own, own_counts = await observation_aggregates_by_source(
        conn, "employee_id", kpis[Scope.INDIVIDUAL], filter_people, start_us, end_us
    )
    team, team_counts = await observation_aggregates_by_source(
        conn, "team_id", kpis[Scope.TEAM], filter_teams, start_us, end_us
    )
    reviews = await _review_aggregates(conn, cycle.id, filter_people)
    adjustments = await _adjustments(conn, cycle.id, filter_people)
    own_sources = _stored_sources(own_counts)
    team_sources = _stored_sources(team_counts)
    # What is stored for these people: whose inputs did not change since, need no engine.
    existing = await _stored_hashes(
        conn, cycle.id, None if full else sorted(set(ids) | (employee_ids or set()))
    )

    now = datetime.now(UTC)
    loaded = _LoadedCycle(
        starts_on=cycle.starts_on,
        ends_on=cycle.ends_on,
        policy=rules,
        cards={position: _PlannedCard.of(card, rules) for position, card in cards.items()},
        scope=scope,
        leads=leads,
        own=own,
        team=team,
        reviews=reviews,
        adjustments=adjustments,
        own_sources=own_sources,
        team_sources=team_sources,
    )
    basis = _inputs_basis(loaded)
    rows: list[dict[str, Any]] = []
    kept: list[int] = []
    early = (
        _EarlyUpdates(conn, cycle.id, existing, policy_version, now) if is_postgres(conn) else None
    )
    scored = await _scored(
        people, loaded, basis, existing, own_counts, None if early is None else early.arrived
    )
    for person, row in zip(people, scored, strict=True):
        if row is None:
            kept.append(person.id)
        else:
            rows.append(row)
    written = await _store(
        conn,
        cycle,
        rows,
        kept,
        existing,
        policy_version,
        now,
        employee_ids if not full else None,
        full,
        early,
    )
    # Goals measured by a KPI follow the same data, in the same transaction (§11).
    await refresh_goal_values(
        conn,
        cycle,
        employee_ids=None if full else set(ids),
        team_ids=None if full else set(teams) | (goal_teams or set()),
        policy=rules,
        now=now,
    )
    return written


@dataclass(frozen=True, slots=True)
class ComputedScore:
    """A score computed on other rules and stored nowhere (SCORING.md §13)."""

    employee_id: int
    team_id: int | None
    status: ScoreStatus
    reason: str | None  # NO_DATA's or NOT_ELIGIBLE's reason
    result: ScoreResult | None  # None when not eligible


async def compute_scores(
    conn: BaseDBAsyncClient,
    cycle: Cycle,
    *,
    position_id: int,
    lines: list[EngineLine],
    kpi_ids: list[int],
    policy: Policy,
    team_ids: set[int] | None = None,
) -> list[ComputedScore]:
    """Score the holders of one position on the given lines, on the cycle's data, with
    the live adjustments as made, and store nothing: the shadow report (SCORING.md §13).

    Who is eligible is decided as a recompute decides it (scope, employment); only the
    scorecard differs. ``team_ids``: only the people whose team is one of them. The same
    fixed handful of set-based queries as a recompute, whatever the number of people.
    """
    people = await _people(conn, cycle, None, None, position_id=position_id)
    if team_ids is not None:
        people = [p for p in people if p.team_id is not None and p.team_id in team_ids]
    if not people:
        return []
    card = _Card(lines, kpi_ids)
    parents = await team_parents(conn)
    leads = await team_leads(conn)
    scope = await _scope(conn, cycle, parents)
    start_us, end_us = cycle_window_us(cycle, policy)
    ids = [p.id for p in people]
    teams = sorted({p.team_id for p in people if p.team_id is not None})
    kpis = _kpis_by_scope({position_id: card})
    filter_people = None if len(ids) > _MAX_IN_LIST else ids
    filter_teams = None if len(teams) > _MAX_IN_LIST else teams
    loaded = _LoadedCycle(
        starts_on=cycle.starts_on,
        ends_on=cycle.ends_on,
        policy=policy,
        cards={position_id: _PlannedCard.of(card, policy)},
        scope=scope,
        leads=leads,
        own=await observation_aggregates(
            conn, "employee_id", kpis[Scope.INDIVIDUAL], filter_people, start_us, end_us
        ),
        team=await observation_aggregates(
            conn, "team_id", kpis[Scope.TEAM], filter_teams, start_us, end_us
        ),
        reviews=await _review_aggregates(conn, cycle.id, filter_people),
        adjustments=await _adjustments(conn, cycle.id, filter_people),
        # No explanation is kept, so the counts by source are not read.
        own_sources={},
        team_sources={},
    )
    with _no_cyclic_collection():
        return [_computed(person, loaded) for person in people]


def _computed(person: _Person, loaded: _LoadedCycle) -> ComputedScore:
    """A person's score on the loaded (shadow) scorecard, or why they are not scored."""
    refused = _not_eligible(person, loaded)
    if refused is not None:
        return ComputedScore(
            person.id, person.team_id, ScoreStatus.NOT_ELIGIBLE, refused.status_reason, None
        )
    result = _result_for(person, loaded)
    reason = None if result.status_reason is None else result.status_reason.value
    return ComputedScore(person.id, person.team_id, result.status, reason, result)


async def _people(
    conn: BaseDBAsyncClient,
    cycle: Cycle,
    employee_ids: set[int] | None,
    team_ids: set[int] | None,
    *,
    position_id: int | None = None,
) -> list[_Person]:
    """Everyone employed at some point of the cycle (the rest never appear in it); with
    a position, only its holders."""
    sql = (
        "SELECT id, team_id, position_id, hired_on, left_on FROM employee "
        "WHERE hired_on <= ? AND (left_on IS NULL OR left_on >= ?)"
    )
    params: list[Any] = [cycle.ends_on, cycle.starts_on]
    if position_id is not None:
        sql += " AND position_id = ?"
        params.append(position_id)
    if employee_ids is not None or team_ids is not None:
        e_ids = sorted(employee_ids or ())
        t_ids = sorted(team_ids or ())
        clauses = []
        if e_ids:
            clauses.append(f"id IN ({placeholders(len(e_ids))})")
            params.extend(e_ids)
        if t_ids:
            clauses.append(f"team_id IN ({placeholders(len(t_ids))})")
            params.extend(t_ids)
        if not clauses:
            return []
        sql += " AND (" + " OR ".join(clauses) + ")"
    # The driver's rows as they are (`fetch_rows`): a whole cycle reads one per person.
    rows = await fetch_rows(conn, sql + " ORDER BY id", params)
    return [
        _Person(
            int(id_),
            team_id,
            position_id,
            _as_date(hired_on),
            _as_date(left_on) if left_on is not None else None,
        )
        for id_, team_id, position_id, hired_on, left_on in rows
    ]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def _lock_teams(
    conn: BaseDBAsyncClient, cycle: Cycle, people: list[_Person], team_ids: set[int] | None
) -> None:
    """Serialise writers per (cycle, team) so no two of them each miss the other's rows.

    Taken in sorted order (no deadlocks) and held to the end of the transaction; only
    PostgreSQL needs it: SQLite allows a single writer at a time anyway.
    """
    if not is_postgres(conn):
        return
    keys = sorted({p.team_id or 0 for p in people} | set(team_ids or ()))
    for team_id in keys:
        await execute(conn, "SELECT pg_advisory_xact_lock(?, ?)", [cycle.id, team_id])


async def scorecards_for_cycle(conn: BaseDBAsyncClient, cycle: Cycle) -> dict[int, _Card]:
    cards = await Scorecard.filter(cycle_id=cycle.id).using_db(conn)
    rows = (
        await ScorecardLine.filter(scorecard__cycle_id=cycle.id)
        .using_db(conn)
        .order_by("scorecard_id", "ordinal")
    )
    kpi_rows = {k.id: k for k in await Kpi.filter(id__in={r.kpi_id for r in rows}).using_db(conn)}
    engine_kpis = {kpi_id: kpi_to_engine(k) for kpi_id, k in kpi_rows.items()}
    by_card: dict[int, _Card] = {c.id: _Card([], []) for c in cards}
    for row in rows:
        card = by_card[row.scorecard_id]
        card.lines.append(line_to_engine(row, engine_kpis[row.kpi_id]))
        card.kpi_ids.append(row.kpi_id)
    return {c.position_id: by_card[c.id] for c in cards}


async def _scope(
    conn: BaseDBAsyncClient, cycle: Cycle, parents: dict[int, int | None]
) -> set[int] | None:
    pilots = await int_values(
        CyclePilotTeam.filter(cycle_id=cycle.id).using_db(conn).values_list("team_id", flat=True)
    )
    if not pilots:
        return None
    return team_and_descendants(set(pilots), parents)


def _kpis_by_scope(cards: dict[int, _Card]) -> dict[Scope, dict[int, EngineLine]]:
    """The observation-based KPIs each scope needs, with a line to read their settings."""
    found: dict[Scope, dict[int, EngineLine]] = {Scope.INDIVIDUAL: {}, Scope.TEAM: {}}
    for card in cards.values():
        for kpi_id, line in zip(card.kpi_ids, card.lines, strict=True):
            if line.kpi.aggregation is not Aggregation.REVIEW_MEAN:
                found[line.scope][kpi_id] = line
    return found


async def _review_aggregates(
    conn: BaseDBAsyncClient, cycle_id: int, employee_ids: list[int] | None
) -> _Aggregates:
    """REVIEW_MEAN: the current MANAGER ratings, one row per reviewer (a unique key)."""
    sql = (
        "SELECT employee_id AS grp, kpi_id, COUNT(*) AS n, SUM(rating) AS total "
        "FROM review WHERE cycle_id = ? AND kind = 'MANAGER'"
    )
    params: list[Any] = [cycle_id]
    if employee_ids is not None:
        if not employee_ids:
            return {}
        sql += f" AND employee_id IN ({placeholders(len(employee_ids))})"
        params.extend(employee_ids)
    rows = await fetch_rows(conn, sql + " GROUP BY employee_id, kpi_id", params)
    return {
        (int(grp), int(kpi_id)): Aggregate(n=int(n), value_sum=from_scaled(int(total)))
        for grp, kpi_id, n, total in rows
    }


@dataclass(frozen=True, slots=True)
class _Adjustment:
    points: Fraction
    stored: StoredAdjustment


async def _adjustments(
    conn: BaseDBAsyncClient, cycle_id: int, employee_ids: list[int] | None
) -> dict[int, list[_Adjustment]]:
    """Each score's adjustments, oldest first, with their reasons for the explanation."""
    sql = "SELECT id, employee_id, points, reason FROM adjustment WHERE cycle_id = ?"
    params: list[Any] = [cycle_id]
    if employee_ids is not None:
        if not employee_ids:
            return {}
        sql += f" AND employee_id IN ({placeholders(len(employee_ids))})"
        params.extend(employee_ids)
    found: dict[int, list[_Adjustment]] = defaultdict(list)
    for row in await fetch_all(conn, sql + " ORDER BY id", params):
        points = from_scaled(int(row["points"]))
        found[int(row["employee_id"])].append(
            _Adjustment(
                points, StoredAdjustment(int(row["id"]), format_fixed(points, 2), row["reason"])
            )
        )
    return found


_Sources = dict[tuple[int, int], list[StoredSource]]
# A line with no observations (frozen: one is shared).
_NO_AGGREGATE = Aggregate(0)


def _stored_sources(counts: SourceCounts) -> _Sources:
    """The counts by source as the stored score takes them. One `StoredSource` per
    distinct (source, channel, count), shared by every line that has it (it is frozen):
    a whole cycle's ≈ 60,000 counts are a few hundred distinct ones, and making each
    (a frozen dataclass) cost ≈ 1 µs, ≈ 25 ms per 10,000 people more than the lookup."""
    made: dict[tuple[str, str | None, int], StoredSource] = {}

    def stored(count: tuple[str, str | None, int]) -> StoredSource:
        found = made.get(count)
        if found is None:
            found = made[count] = StoredSource(*count)
        return found

    return {key: [stored(count) for count in found] for key, found in counts.items()}


@dataclass(frozen=True, slots=True)
class _LoadedCycle:
    """Everything one recompute read for a cycle, set-based, before scoring anyone."""

    starts_on: date  # the cycle's dates
    ends_on: date
    policy: Policy
    cards: dict[int, _PlannedCard]  # by position id
    scope: set[int] | None  # the pilot teams and their sub-teams; None: everyone
    leads: dict[int, int]  # team id -> its lead's employee id
    own: _Aggregates  # (employee, KPI)
    team: _Aggregates  # (team, KPI)
    reviews: _Aggregates  # (employee, KPI): the current MANAGER ratings
    adjustments: dict[int, list[_Adjustment]]  # by employee id
    own_sources: _Sources
    team_sources: _Sources

    def inputs_of(
        self, person: _Person, card: _PlannedCard
    ) -> tuple[list[Aggregate], list[Sequence[StoredSource]]]:
        """The aggregate and the counts by source of each line of the person's
        scorecard, in order: read where ``card.reads`` says (decided once per card). A
        line with nothing read has no observations and no sources; a TEAM line of a
        person without a team neither."""
        aggregates: list[Aggregate] = []
        sources: list[Sequence[StoredSource]] = []
        person_id, team_id = person.id, person.team_id
        for read, kpi_id in card.reads:
            if read == _OWN:
                key = (person_id, kpi_id)
                aggregates.append(self.own.get(key, _NO_AGGREGATE))
                sources.append(self.own_sources.get(key, ()))
            elif read == _TEAM:
                if team_id is None:
                    aggregates.append(_NO_AGGREGATE)
                    sources.append(())
                else:
                    key = (team_id, kpi_id)
                    aggregates.append(self.team.get(key, _NO_AGGREGATE))
                    sources.append(self.team_sources.get(key, ()))
            else:
                aggregates.append(self.reviews.get((person_id, kpi_id), _NO_AGGREGATE))
                sources.append(())
        return aggregates, sources


# --- what a score is computed from --------------------------------------------------------
#
# A stored score is a pure function of what the recompute read for its person (their
# team, position, dates, whether they are in scope and lead their team, each line's
# aggregate and counts by source, their adjustments), of what it read for everyone (the
# cycle's dates, the policy, the scorecards) and of the code that scores. The hash of
# all of it is kept with the score (``score.engine_inputs_hash``): a person whose hash is
# unchanged is not scored again (no engine, no stored score built, nothing written).
# The code is part of it (the source of the modules that compute the stored score), so a
# release that changes how scores are computed rescores everyone once.

# The modules whose code computes a stored score from its inputs.
_SCORING_CODE = (
    "service/scoring",
    "service/usecases/scoring/recompute.py",
    "service/usecases/scoring/aggregates.py",
    "service/usecases/scoring/engine_inputs.py",
    "service/usecases/parsing.py",
)
# Left out: the sentences, rendered from the stored score when read (no sentence is
# stored, and nothing the recompute stores is computed there), so rewording one does not
# rescore everyone. tests/unit/test_scoring_code.py holds the list to what is imported.
_READ_ONLY_CODE = frozenset({"service/scoring/explain.py"})


def scoring_code_files() -> list[Path]:
    """The source files of `_SCORING_CODE`, without `_READ_ONLY_CODE`, in a fixed order."""
    root = Path(__file__).resolve().parents[3]
    files = []
    for name in _SCORING_CODE:
        path = root / name
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            if file.relative_to(root).as_posix() not in _READ_ONLY_CODE:
                files.append(file)
    return files


@functools.cache
def scoring_code_fingerprint() -> str:
    """SHA-256 of the source of the modules that compute a stored score (read once per
    process). A module that cannot be read makes it unique to this process, so nothing
    is skipped across processes rather than something skipped wrongly."""
    root = Path(__file__).resolve().parents[3]
    digest = hashlib.sha256()
    for file in scoring_code_files():
        digest.update(file.relative_to(root).as_posix().encode())
        try:
            digest.update(file.read_bytes())
        except OSError:
            digest.update(repr(datetime.now(UTC)).encode())
    return digest.hexdigest()


def _canonical(value: Any) -> str:
    """A value the recompute read as text that is the same in every process (no
    ``repr`` of sets, whose order follows the string hash seed)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__
            + "("
            + ",".join(
                f"{f.name}={_canonical(getattr(value, f.name))}" for f in dataclasses.fields(value)
            )
            + ")"
        )
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(sorted(f"{_canonical(k)}:{_canonical(v)}" for k, v in value.items()))
            + "}"
        )
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return repr(value)


def _inputs_basis(loaded: _LoadedCycle) -> str:
    """What every score of the cycle is computed from: the code, the cycle's dates, the
    policy and the scorecards (each line as the engine reads it, and its KPI id)."""
    cards = sorted(
        (position, _canonical(card.plan.lines), card.kpi_ids)
        for position, card in loaded.cards.items()
    )
    return hashlib.sha256(
        "\x1f".join(
            [
                scoring_code_fingerprint(),
                loaded.starts_on.isoformat(),
                loaded.ends_on.isoformat(),
                _canonical(loaded.policy),
                repr(cards),
            ]
        ).encode()
    ).hexdigest()


def _aggregate_text(agg: Aggregate) -> str:
    s, r = agg.value_sum, agg.value_at_rank
    rank = "-" if r is None else f"{r.numerator}/{r.denominator}"
    return f"{agg.n},{s.numerator}/{s.denominator},{agg.meeting},{rank}"


def _inputs_key(person: _Person, loaded: _LoadedCycle, basis: str) -> str:
    """SHA-256 of everything the person's stored score is computed from."""
    team_id = person.team_id
    in_scope = loaded.scope is None or (team_id is not None and team_id in loaded.scope)
    parts = [
        basis,
        str(team_id),
        str(person.position_id),
        person.hired_on.isoformat(),
        str(person.left_on),
        "S" if in_scope else "-",
        "L" if leads_own_team(person.id, team_id, loaded.leads) else "-",
    ]
    card = loaded.cards.get(person.position_id) if person.position_id is not None else None
    if card is not None:
        aggregates, sources = loaded.inputs_of(person, card)
        for agg, line_sources in zip(aggregates, sources, strict=True):
            parts.append(_aggregate_text(agg))
            parts.extend([f"{s.source}\x1e{s.channel}\x1e{s.count}" for s in line_sources])
            parts.append("|")
    for adjustment in loaded.adjustments.get(person.id, ()):
        points = adjustment.points
        parts.append(
            f"{adjustment.stored.id}\x1e{points.numerator}/{points.denominator}"
            f"\x1e{adjustment.stored.reason}"
        )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _inputs_hash(key: str, content: str) -> str:
    """What ``score.engine_inputs_hash`` holds: the inputs' key bound to the content hash
    it produced, so it vouches for that stored content only (a score whose content hash
    was changed or cleared since is computed again)."""
    return hashlib.sha256(f"{key}\x00{content}".encode()).hexdigest()


@contextmanager
def _no_cyclic_collection() -> Iterator[None]:
    """Run without the cyclic garbage collector: a recompute makes ~100 short-lived
    objects per employee and no reference cycles (reference counting frees them all), yet
    each collection would walk everything the recompute loaded (the cycle's aggregates,
    every score computed), again and again: ≈ 25% of the scoring time, and seconds more
    while the rows are decoded and written. A whole recompute runs without it, awaits
    included: a task running meanwhile frees its objects as ever, only its reference
    cycles wait for the collector to resume (at most one recompute later)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _not_eligible(person: _Person, loaded: _LoadedCycle) -> StoredScore | None:
    """Why the person is not scored (scope, scorecard, days employed); None if they are."""
    policy, cards, scope = loaded.policy, loaded.cards, loaded.scope
    stored: StoredScore | None = None
    if scope is not None and (person.team_id is None or person.team_id not in scope):
        stored = not_eligible_score("NOT_IN_SCOPE")
    elif person.position_id is None or person.position_id not in cards:
        stored = not_eligible_score("NO_SCORECARD")
    else:
        eligibility = employment_eligibility(
            period=EmploymentPeriod(person.hired_on, person.left_on),
            starts_on=loaded.starts_on,
            ends_on=loaded.ends_on,
            min_employed_share=policy.min_employed_share,
        )
        if not eligibility.eligible:
            stored = not_eligible_score(
                eligibility.reason or "EMPLOYED_TOO_FEW_DAYS",
                employed_days=eligibility.employed_days,
                cycle_days=eligibility.cycle_days,
                needed_share=policy.min_employed_share,
            )
    return stored


def _result_for(
    person: _Person, loaded: _LoadedCycle, aggregates: list[Aggregate] | None = None
) -> ScoreResult:
    """The engine's score of an eligible person on their position's scorecard;
    ``aggregates``: its lines' (`_LoadedCycle.inputs_of`), when read already."""
    card = loaded.cards[person.position_id]  # type: ignore[index]
    if aggregates is None:
        aggregates = loaded.inputs_of(person, card)[0]
    return score_with(
        plan=card.plan,
        aggregates=aggregates,
        adjustments=[a.points for a in loaded.adjustments.get(person.id, ())],
        leads_team=leads_own_team(person.id, person.team_id, loaded.leads),
    )


# --- scoring everyone -----------------------------------------------------------------------


def _unchanged(key: str, found: _StoredHashes | None) -> bool:
    """Whether the stored score was computed from these very inputs, by this very code
    (the same score: kept as is, no engine)."""
    return (
        found is not None
        and found.content_hash is not None
        and found.inputs == _inputs_hash(key, found.content_hash)
    )


# Rows scored, in order, handed on as they come back from the pool (`_EarlyUpdates`).
_Arrived = Callable[[list[dict[str, Any]]], Awaitable[None]]


async def _scored(
    people: list[_Person],
    loaded: _LoadedCycle,
    basis: str,
    existing: dict[int, _StoredHashes],
    own_counts: SourceCounts,
    arrived: _Arrived | None = None,
) -> list[dict[str, Any] | None]:
    """Each person's score row as `_store` writes it, in order, or None for a score kept
    as stored. The inputs' keys are hashed here; the people whose score is computed
    again are scored here too, or when there are many, in the scoring pool
    (scoring_pool.py says when and how), with the same rows.

    Pooled, the work is a pipeline, so that this process and the database use the time
    the workers leave them: a chunk is sent as soon as its people's keys are hashed
    (from the moment enough people need scoring for the pool to pay: the same test as
    before any was sent), and each chunk's rows, taken back in order, are handed to
    ``arrived`` (the recompute writes them) while the pool scores the next ones.
    ``own_counts``: the counts by source that ``loaded.own_sources`` was made of, sent
    to the workers as they are (`_chunk_of`)."""
    rows: list[dict[str, Any] | None] = [None] * len(people)
    keys: list[str] = []
    todo: list[int] = []
    pooled = scoring_pool.processes_for(len(people)) > 1
    async with contextlib.AsyncExitStack() as stack:
        run: scoring_pool.ChunkRun[_LoadedCycle, _Chunk, _PackedRow] | None = None
        size = scoring_pool.chunk_size(len(people), scoring_pool.processes_for(len(people)))
        runs: list[list[int]] = []  # the indices each chunk sent scores, in order
        sent = 0  # todo[:sent] are sent
        for i, person in enumerate(people):
            key = _inputs_key(person, loaded, basis)
            keys.append(key)
            if _unchanged(key, existing.get(person.id)):
                continue
            todo.append(i)
            if not pooled:
                continue
            if run is None:
                processes = scoring_pool.processes_for(len(todo))
                if processes == 1:
                    continue
                run = await stack.enter_async_context(
                    scoring_pool.ChunkRun(_score_chunk, _shared_of(loaded), processes)
                )
            while len(todo) - sent >= size:
                runs.append(todo[sent : sent + size])
                run.send(_chunk_of([people[j] for j in runs[-1]], loaded, own_counts))
                sent += size
        if run is None:
            for i in todo:
                row = _score_person(people[i], loaded)
                row["inputs"] = keys[i]
                # As a worker's rows come back (`_unpacked`), so `_store` reads one shape.
                row["lines"] = [_line_values(line) for line in row["lines"]]
                rows[i] = row
            return rows
        if sent < len(todo):
            runs.append(todo[sent:])
            run.send(_chunk_of([people[j] for j in runs[-1]], loaded, own_counts))
        bands = {band.code: band for band in loaded.policy.bands}
        for indices in runs:
            part = []
            for i, packed in zip(indices, await run.next(), strict=True):
                row = _unpacked(people[i], packed, bands)
                row["inputs"] = keys[i]
                rows[i] = row
                part.append(row)
            if arrived is not None:
                await arrived(part)
    return rows


def _shared_of(loaded: _LoadedCycle) -> _LoadedCycle:
    """What every chunk shares: the loaded cycle without the per-person parts (each
    chunk carries its own people's, `_chunk_of`)."""
    return dataclasses.replace(loaded, own={}, reviews={}, adjustments={}, own_sources={})


def _chunk_of(people: list[_Person], loaded: _LoadedCycle, own_counts: SourceCounts) -> _Chunk:
    """Some people to score in a worker, with their part of what was read for everyone:
    the aggregates and counts by source of their own lines (all a score reads of them:
    `_LoadedCycle.inputs_of`), and their adjustments, as plain tuples: pickling a
    dataclass or a Fraction runs Python code per object, in this process, which would
    cost about as much as the scoring it hands out. Where each line is read comes from
    its card (`_PlannedCard.reads`, decided once per scorecard). The counts by source go
    as read (``own_counts``, whose `_stored_sources` is ``loaded.own_sources``: the
    tuples a worker takes), not taken back out of their `StoredSource`s (≈ 30 ms per
    10,000 people)."""
    own, reviews = loaded.own, loaded.reviews
    chunk_own: dict[tuple[int, int], _AggregateData] = {}
    chunk_reviews: dict[tuple[int, int], _AggregateData] = {}
    chunk_sources: dict[tuple[int, int], list[_SourceData]] = {}
    chunk_adjustments: dict[int, list[_AdjustmentData]] = {}
    for person in people:
        card = loaded.cards.get(person.position_id) if person.position_id is not None else None
        if card is not None:
            # Where `inputs_of` looks (a team line's are shared by the team: they travel
            # once per recompute, with what every chunk shares).
            for read, kpi_id in card.reads:
                if read == _TEAM:
                    continue
                key = (person.id, kpi_id)
                if read == _REVIEWS:
                    if (agg := reviews.get(key)) is not None:
                        chunk_reviews[key] = _aggregate_data(agg)
                    continue
                if (agg := own.get(key)) is not None:
                    chunk_own[key] = _aggregate_data(agg)
                if (sources := own_counts.get(key)) is not None:
                    chunk_sources[key] = sources
        if (adjustments := loaded.adjustments.get(person.id)) is not None:
            chunk_adjustments[person.id] = [
                (
                    a.points.numerator,
                    a.points.denominator,
                    a.stored.id,
                    a.stored.points,
                    a.stored.reason,
                )
                for a in adjustments
            ]
    return _Chunk(
        [_person_data(p) for p in people],
        chunk_own,
        chunk_reviews,
        chunk_adjustments,
        chunk_sources,
    )


# What travels to a scoring worker: plain tuples, rebuilt into the recompute's values there.
_PersonData = tuple[int, int | None, int | None, date, date | None]
_AggregateData = tuple[int, int, int, int, int | None, int | None]
_SourceData = tuple[str, str | None, int]
_AdjustmentData = tuple[int, int, int, str, str]


@dataclass(frozen=True, slots=True)
class _Chunk:
    """Some people to score in a worker, with what was read for them only."""

    people: list[_PersonData]
    own: dict[tuple[int, int], _AggregateData]
    reviews: dict[tuple[int, int], _AggregateData]
    adjustments: dict[int, list[_AdjustmentData]]
    own_sources: dict[tuple[int, int], list[_SourceData]]


def _person_data(p: _Person) -> _PersonData:
    return (p.id, p.team_id, p.position_id, p.hired_on, p.left_on)


def _aggregate_data(agg: Aggregate) -> _AggregateData:
    rank = agg.value_at_rank
    return (
        agg.n,
        agg.value_sum.numerator,
        agg.value_sum.denominator,
        agg.meeting,
        None if rank is None else rank.numerator,
        None if rank is None else rank.denominator,
    )


def _aggregate_of(data: _AggregateData) -> Aggregate:
    n, sum_num, sum_den, meeting, rank_num, rank_den = data
    rank = None if rank_num is None or rank_den is None else _fraction(rank_num, rank_den)
    return Aggregate(n, _fraction(sum_num, sum_den), meeting, rank)


def _fraction(numerator: int, denominator: int) -> Fraction:
    """Fraction(numerator, denominator) of a value that was one: a whole number (most
    sums) skips the gcd that normalising two terms takes (≈ 0.6 against 1 µs)."""
    return Fraction(numerator) if denominator == 1 else Fraction(numerator, denominator)


# The keys of a score line row, in `_score_person`'s order.
_LINE_KEYS = ("ordinal", "kpi_id", "scope", "status", "n", "raw_value")
# What comes back from a worker for one score row: status, reason, the totals `_store`
# reads of the result (total, reported total, band code) or None, the JSON and the line
# rows' values.
_PackedRow = tuple[
    str,
    str | None,
    tuple[Fraction | None, Decimal | None, str | None] | None,
    str,
    list[tuple[Any, ...]],
]


@dataclass(frozen=True, slots=True)
class _Totals:
    """What `_store` reads of a score's `ScoreResult` (total, reported total, band): all
    of it that comes back from a scoring worker (a whole result is ≈ 100 objects to
    pickle and rebuild in this process, about what scoring it costs)."""

    total: Fraction | None
    reported_total: Decimal | None
    band: IncentiveBand | None


def _score_chunk(everyone: _LoadedCycle, chunk: _Chunk) -> list[_PackedRow]:
    """In a worker: `_score_person` of the chunk's people, in order, packed."""
    loaded = dataclasses.replace(
        everyone,
        own={key: _aggregate_of(data) for key, data in chunk.own.items()},
        reviews={key: _aggregate_of(data) for key, data in chunk.reviews.items()},
        adjustments={
            employee_id: [
                _Adjustment(Fraction(num, den), StoredAdjustment(id_, points, reason))
                for num, den, id_, points, reason in found
            ]
            for employee_id, found in chunk.adjustments.items()
        },
        own_sources={
            key: [StoredSource(*source) for source in found]
            for key, found in chunk.own_sources.items()
        },
    )
    return [_packed(_score_parts(_Person(*data), loaded)) for data in chunk.people]


# A score line row's values, in `_LINE_KEYS`' order.
_LineValues = tuple[int, int, str, str, int, int | None]
# What `_score_parts` gives of a person: status, reason, the engine's result (None when
# not eligible), the JSON and the line rows' values.
_Parts = tuple[ScoreStatus, str | None, ScoreResult | None, str, list[_LineValues]]


def _packed(parts: _Parts) -> _PackedRow:
    status, reason, result, json_text, lines = parts
    return (
        status.value,
        reason,
        None
        if result is None
        else (
            result.total,
            result.reported_total,
            None if result.band is None else result.band.code,
        ),
        json_text,
        lines,
    )


def _unpacked(
    person: _Person, packed: _PackedRow, bands: dict[str, IncentiveBand]
) -> dict[str, Any]:
    """The row `_score_person` made in a worker, as `_store` reads it: its lines as the
    worker sent them, each line's values in `_LINE_KEYS` order (`_line_rows` reads them
    so; a dict per line, ≈ 8 per person, cost ≈ 40 ms per 10,000 people to build and
    read back, docs/performance.md, branch `mainside`)."""
    status, reason, totals, json_text, lines = packed
    return {
        "employee_id": person.id,
        "team_id": person.team_id,
        "position_id": person.position_id,
        "status": ScoreStatus(status),
        "reason": reason,
        "result": None
        if totals is None
        else _Totals(totals[0], totals[1], None if totals[2] is None else bands[totals[2]]),
        "json": json_text,
        "lines": lines,
    }


# A line row of `_score_person` (a dict by `_LINE_KEYS`) as its values in that order.
_line_values = operator.itemgetter(*_LINE_KEYS)


def _score_person(person: _Person, loaded: _LoadedCycle) -> dict[str, Any]:
    """A person's score row, as `_store` writes it (in a worker: `_score_chunk`, the
    same `_score_parts`, packed)."""
    status, reason, result, json_text, lines = _score_parts(person, loaded)
    return {
        "employee_id": person.id,
        "team_id": person.team_id,
        "position_id": person.position_id,
        "status": status,
        "reason": reason,
        "result": result,
        "json": json_text,
        "lines": [dict(zip(_LINE_KEYS, line, strict=True)) for line in lines],
    }


def _score_parts(person: _Person, loaded: _LoadedCycle) -> _Parts:
    """What a person's score row holds: status, reason, result, JSON and line rows.

    The JSON is written straight from the engine's result (`StoredScorecard.json_of`:
    the same text as the stored score's `to_json`, without building the stored score),
    and each line's inputs are read once, for the engine and the JSON alike."""
    stored = _not_eligible(person, loaded)
    if stored is not None:
        return ScoreStatus.NOT_ELIGIBLE, stored.status_reason, None, stored.to_json(), []
    card = loaded.cards[person.position_id]  # type: ignore[index]
    aggregates, sources = loaded.inputs_of(person, card)
    result = _result_for(person, loaded, aggregates)
    lines = [
        (
            ordinal,
            kpi_id,
            scope,
            str(line.status),  # a StrEnum's str() is its value
            line.n,
            _scaled(line.raw_value, line.line, person),
        )
        for (ordinal, kpi_id, scope), line in zip(card.line_keys, result.lines, strict=True)
    ]
    reason = result.status_reason
    return (
        result.status,
        None if reason is None else reason.value,
        result,
        card.stored.json_of(
            result,
            sources=sources,
            adjustments=[a.stored for a in loaded.adjustments.get(person.id, ())],
        ),
        lines,
    )


# The largest raw value ``score_line.raw_value`` (a 64-bit integer, × 10,000) holds.
_LARGEST_SCALED = 2**63 - 1
_LARGEST_RAW = format_fixed(Fraction(_LARGEST_SCALED, 10_000), 4)


def _scaled(raw: Fraction | None, line: EngineLine, person: _Person) -> int | None:
    """A raw value (4 places, exact) as stored in ``score_line``: × 10,000.

    Only a SUM of very large values gets past 64 bits (≈ 9.2 × 10^14); the write that
    would take a score there is refused with the KPI and the person named, rather than
    failing somewhere in the database driver.
    """
    if raw is None:
        return None
    scaled = raw.numerator * 10_000 // raw.denominator
    if abs(scaled) > _LARGEST_SCALED:
        raise ValidationFailed(
            [
                Issue(
                    field="value",
                    code="TOO_LARGE",
                    message=(
                        f"the {line.kpi.code} {line.kpi.aggregation.value.lower()} of employee "
                        f"#{person.id} would be {format_fixed(raw, 4)}, past the largest raw "
                        f"value a score stores ({_LARGEST_RAW}); nothing was recorded: check "
                        "the values' unit"
                    ),
                )
            ]
        )
    return scaled


# What a recompute writes of a score (the values hashed, then the hash, policy version
# and time), and of each of its lines.
_WRITTEN_COLUMNS = (
    "team_id",
    "position_id",
    "status",
    "status_reason",
    "total_exact",
    "total_cents",
    "band_code",
    "explanation",
    "content_hash",
    "engine_inputs_hash",
    "policy_version",
    "computed_at",
)
_LINE_COLUMNS = ("score_id", "ordinal", "kpi_id", "scope", "status", "sample_size", "raw_value")


class _Write(enum.Enum):
    """What `_store` writes of a scored row."""

    NOTHING = "nothing"  # the same content and inputs' hash
    INPUTS_ONLY = "inputs only"  # the same content: only the inputs' hash
    UPDATE = "update"  # its stored score, rewritten in place
    INSERT = "insert"  # a new score


def _sorted_row(
    row: dict[str, Any],
    existing: dict[int, _StoredHashes],
    cycle_id: int,
    policy_version: int,
    now: datetime,
) -> tuple[_Write, list[Any]]:
    """What `_store` writes of one scored row, and the values of that write."""
    result: ScoreResult | None = row["result"]
    total = result.total if result is not None else None
    reported = result.reported_total if result is not None else None
    values = [
        row["team_id"],
        row["position_id"],
        row["status"].value,
        row["reason"],
        None if total is None else f"{total.numerator}/{total.denominator}",
        None if reported is None else int(reported * 100),
        None if result is None or result.band is None else result.band.code,
        row["json"],
    ]
    digest = content_hash(*("" if v is None else f"{type(v).__name__}:{v}" for v in values))
    found = existing.get(row["employee_id"])
    inputs = _inputs_hash(row["inputs"], digest)
    if found is not None and found.content_hash == digest:
        if found.inputs == inputs:
            return _Write.NOTHING, []
        return _Write.INPUTS_ONLY, [inputs, found.id]
    if found is not None:
        return _Write.UPDATE, [*values, digest, inputs, policy_version, now, found.id]
    return _Write.INSERT, [
        cycle_id,
        row["employee_id"],
        "PROVISIONAL",
        *values,
        digest,
        inputs,
        policy_version,
        now,
    ]


def _line_rows(row: dict[str, Any], score_id: int) -> list[tuple[Any, ...]]:
    """A scored row's lines as written (`_LINE_COLUMNS`: the score's id, then each
    line's values, already in `_LINE_KEYS` order)."""
    return [(score_id, *line) for line in row["lines"]]


class _EarlyUpdates:
    """PostgreSQL: the scores that moved and have a stored row, updated chunk by chunk as
    the scoring pool hands the rows back (`_scored`'s ``arrived``), while it scores the
    next chunks. On 2 cores the workers leave this process and the database idle most
    of the time they score; writing meanwhile takes most of the scores' write (≈ 0.6 s
    for 10,000 at 1,000,000 observations, docs/performance.md) out of the wall time.
    Per chunk: its updates copied into a temporary table and written by one `UPDATE …
    FROM` (`StagedUpdates`: by the primary key, ≈ 15 ms for 625 scores). `_store`
    writes the rest in its usual order and skips what was written here: the inputs-only
    updates, new scores, and the lines (all in one batch: per chunk, each statement on
    the lines hashed the whole table, ≈ 80 ms a chunk against ≈ 0.15 s for all).
    The values are `_store`'s own (`_sorted_row`), the rows go in the same order, and a
    later failure (a worker's error) aborts the transaction, so nothing written here
    stays."""

    def __init__(
        self,
        conn: BaseDBAsyncClient,
        cycle_id: int,
        existing: dict[int, _StoredHashes],
        policy_version: int,
        now: datetime,
    ) -> None:
        self._existing = existing
        self._cycle_id = cycle_id
        self._policy_version = policy_version
        self._now = now
        # Its own staging table: `_store` may still stage the inputs-only updates.
        self._staged = StagedUpdates(
            conn, "score", "id", _WRITTEN_COLUMNS, "score_early_staging", batches=True
        )
        # Each arrived row's write by employee id, as `_sorted_row` made it (computed
        # once: `_store` takes it from here); those that are updates are written.
        self.sorted: dict[int, tuple[_Write, list[Any]]] = {}

    async def arrived(self, rows: list[dict[str, Any]]) -> None:
        updates: list[list[Any]] = []
        for row in rows:
            kind, values = self.sorted[row["employee_id"]] = _sorted_row(
                row, self._existing, self._cycle_id, self._policy_version, self._now
            )
            if kind is _Write.UPDATE:
                updates.append(values)
        await self._staged.write(updates)

    async def close(self) -> None:
        await self._staged.close()


async def _store(
    conn: BaseDBAsyncClient,
    cycle: Cycle,
    rows: list[dict[str, Any]],
    kept: list[int],
    existing: dict[int, _StoredHashes],
    policy_version: int,
    now: datetime,
    requested_ids: set[int] | None,
    full: bool,
    early: _EarlyUpdates | None = None,
) -> int:
    """Write the scores that moved and only those: update them in place (ids stay stable
    for adjustments and appeals), insert new ones, replace their lines, and drop scores
    of people no longer in the cycle. Returns how many score rows were written.

    ``rows``: the people scored; ``kept``: those not scored again (same inputs);
    ``existing``: what is stored for them (and for the requested ids). A score moved
    when the hash of what would be written (every column but the inputs' hash, the time
    and the policy version) differs from the stored one; a row without a hash (written
    before the hash existed) is written once. A score that did not move but was computed
    from other inputs (e.g. a new observation that moves no score) keeps its row and
    gets only its inputs' hash (no score row is written; nothing is announced).
    ``early``: the rows it sorted and whose updates it wrote already, while the pool
    scored the rest.
    """
    updates, inserts, moved, inputs_only = [], [], [], []
    sorted_early = {} if early is None else early.sorted
    for row in rows:
        found = sorted_early.get(row["employee_id"])
        if found is None:
            kind, values = _sorted_row(row, existing, cycle.id, policy_version, now)
        else:
            kind, values = found
        if kind is _Write.NOTHING:
            continue
        if kind is _Write.INPUTS_ONLY:
            inputs_only.append(values)
            continue
        moved.append(row)
        if kind is _Write.INSERT:
            inserts.append(values)
        elif found is None:
            updates.append(values)
        # else: written already, by `early`
    if early is not None:
        await early.close()
    await update_many(conn, "score", "id", ("engine_inputs_hash",), inputs_only)
    await update_many(conn, "score", "id", _WRITTEN_COLUMNS, updates)
    await insert_many(
        conn, "score", ("cycle_id", "employee_id", "state", *_WRITTEN_COLUMNS), inserts
    )
    present = {row["employee_id"] for row in rows} | set(kept)
    stale = [
        existing[e].id
        for e in existing
        if e not in present and (full or (requested_ids is not None and e in requested_ids))
    ]
    ids = {e: found.id for e, found in existing.items()}
    if inserts:
        ids.update(await _score_ids(conn, cycle.id, [row["employee_id"] for row in moved]))
    # The lines of the moved scores become theirs as computed now (a stale score's none).
    line_rows = [line for row in moved for line in _line_rows(row, ids[row["employee_id"]])]
    await replace_children(
        conn,
        "score_line",
        "score_id",
        "ordinal",
        _LINE_COLUMNS,
        line_rows,
        [ids[row["employee_id"]] for row in moved if row["employee_id"] in existing] + stale,
    )
    for chunk in _chunks(stale, _MAX_IN_LIST):
        await execute(conn, f"DELETE FROM score WHERE id IN ({placeholders(len(chunk))})", chunk)
    if moved or stale:
        stale_ids = set(stale)
        touched = {row["employee_id"] for row in moved} | {
            e for e, found in existing.items() if found.id in stale_ids
        }
        await announce(
            conn,
            ScoreChange(cycle.id)
            if full
            else ScoreChange(
                cycle.id,
                frozenset(touched),
                # The teams a summary counted them in before, and counts them in now.
                frozenset(
                    team
                    for team in [row["team_id"] for row in moved]
                    + [existing[e].team_id for e in touched if e in existing]
                    if team is not None
                ),
            ),
        )
    return len(moved) + len(stale)


class _StoredHashes(NamedTuple):
    id: int
    content_hash: str | None
    team_id: int | None
    inputs: str | None  # engine_inputs_hash


async def _stored_hashes(
    conn: BaseDBAsyncClient, cycle_id: int, employee_ids: list[int] | None
) -> dict[int, _StoredHashes]:
    """Score id, content hash, team and inputs' hash per employee: the whole cycle's, or
    only the given employees' (a small recompute must not read every score of the
    cycle). The columns read are all in the index ``score_hashes`` (SQLite reads them
    from it without walking each row's explanation)."""
    sql = (
        "SELECT id, employee_id, content_hash, team_id, engine_inputs_hash FROM score "
        "WHERE cycle_id = ?"
    )
    # The driver's rows as they are (`fetch_rows`): a whole cycle reads one per score.
    if employee_ids is None:
        rows = list(await fetch_rows(conn, sql, [cycle_id]))
    else:
        rows = []
        for chunk in _chunks(employee_ids, _MAX_IN_LIST):
            rows += await fetch_rows(
                conn, f"{sql} AND employee_id IN ({placeholders(len(chunk))})", [cycle_id, *chunk]
            )
    return {
        int(employee_id): _StoredHashes(
            int(id_), content, None if team_id is None else int(team_id), inputs
        )
        for id_, employee_id, content, team_id, inputs in rows
    }


async def _score_ids(
    conn: BaseDBAsyncClient, cycle_id: int, employee_ids: list[int]
) -> dict[int, int]:
    return {
        e: found.id for e, found in (await _stored_hashes(conn, cycle_id, employee_ids)).items()
    }


def _chunks(values: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
