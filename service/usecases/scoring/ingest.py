"""Bulk ingest of observations, customer feedback and reviews (SCORING.md "Words", §9).

Every row is checked and every problem reported with its row, field and what to do.
In ALL_OR_NOTHING mode one bad row means nothing is written; KEEP_VALID writes the
good rows. Re-sending an observation changes nothing; the same (source, KPI,
external id) with a different field is a conflict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.models import (
    OPEN_CYCLE_STATES,
    AccessLevel,
    Cycle,
    CyclePilotTeam,
    CycleState,
    Employee,
    Kpi,
    Review,
    ReviewKind,
    Team,
    User,
)
from service.models.scaled import DEFAULT_RATING_SCALE
from service.scoring.types import Aggregation, Channel, KpiKind, Policy
from service.settings import DEFAULT_MAX_CLOCK_SKEW
from service.sql import fetch_all, int_values, placeholders
from service.usecases.accounts.access import manager_ids_of, team_and_descendants, team_parents
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.inputs import (
    FeedbackInput,
    IngestMode,
    IngestReport,
    ObservationInput,
    ReviewInput,
    RowError,
)
from service.usecases.parsing import (
    ParseError,
    epoch_microseconds,
    offset_minutes,
    parse_decimal,
    parse_moment,
    to_scaled,
)
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.recompute import recompute_cycle, recompute_open_cycles
from service.usecases.setup.policy import load_policy


@dataclass(slots=True)
class _Row:
    index: int
    kpi_id: int
    employee_id: int | None
    team_id: int | None
    value: int
    occurred_at_us: int
    offset: int
    local_day: date | None
    source: str
    external_id: str | None
    channel: str | None
    comment: str | None


def _require_ingest(actor: Actor) -> None:
    from service.errors import PermissionDenied

    if actor.access not in (AccessLevel.ADMIN, AccessLevel.INTEGRATION):
        raise PermissionDenied(
            "Only an admin or an integration token may record observations and feedback."
        )


@retry_when_busy
async def record_observations(
    *,
    actor: Actor,
    observations: Sequence[ObservationInput],
    mode: IngestMode = IngestMode.ALL_OR_NOTHING,
    max_clock_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW,
) -> IngestReport:
    """`max_clock_skew`: how far past now an occurredAt may be (Settings.max_clock_skew)."""
    _require_ingest(actor)
    return await _ingest(
        actor=actor,
        items=list(observations),
        mode=mode,
        feedback=False,
        max_clock_skew=max_clock_skew,
    )


@retry_when_busy
async def record_feedback(
    *,
    actor: Actor,
    feedback: Sequence[FeedbackInput],
    mode: IngestMode = IngestMode.ALL_OR_NOTHING,
    max_clock_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW,
) -> IngestReport:
    """`max_clock_skew`: how far past now an occurredAt may be (Settings.max_clock_skew)."""
    _require_ingest(actor)
    return await _ingest(
        actor=actor,
        items=list(feedback),
        mode=mode,
        feedback=True,
        max_clock_skew=max_clock_skew,
    )


async def _ingest(
    *,
    actor: Actor,
    items: list[Any],
    mode: IngestMode,
    feedback: bool,
    max_clock_skew: timedelta,
) -> IngestReport:
    report = IngestReport()
    # Anything dated after this has not happened yet, beyond a sender's clock error.
    latest = datetime.now(UTC) + max_clock_skew
    async with in_transaction() as conn:
        # Read once for the whole write: validation and the recompute use the same policy.
        policy = await load_policy(conn)
        rows = await _validate(conn, items, feedback, report, latest, policy[0])
        rows = _only_bound_source(actor, items, rows, report)
        if report.rejected and mode is IngestMode.ALL_OR_NOTHING:
            report.accepted = 0
            return report
        fresh = await _drop_duplicates(conn, rows, report)
        if report.rejected and mode is IngestMode.ALL_OR_NOTHING:
            report.accepted = report.duplicates = 0
            return report
        # One moment for the whole call: the rows are recorded by one transaction.
        recorded_at = datetime.now().astimezone()
        inserted = await _insert_fresh(conn, fresh, recorded_at, report, mode)
        if inserted is None:
            report.accepted = report.duplicates = 0
            return report
        fresh = inserted
        report.accepted = len(fresh)
        report.late = await _count_late(conn, fresh)
        report.rejected.sort(key=lambda e: (e.index, e.field))
        await write_audit(
            conn,
            actor=actor,
            action="record_feedback" if feedback else "record_observations",
            entity="observation",
            entity_key=f"{len(items)} rows",
            after={
                "accepted": report.accepted,
                "duplicates": report.duplicates,
                "late": report.late,
                "rejected": len(report.rejected),
                "mode": mode.value,
            },
        )
        if fresh:
            await recompute_open_cycles(
                conn,
                employee_ids={r.employee_id for r in fresh if r.employee_id is not None},
                team_ids={r.team_id for r in fresh if r.team_id is not None},
                kpi_ids={r.kpi_id for r in fresh},
                moments_us=[r.occurred_at_us for r in fresh],
                policy=policy,
                # Only observations changed: a team is recomputed for its TEAM lines only.
                observed_only=True,
            )
    return report


def _only_bound_source(
    actor: Actor, items: list[Any], rows: list[_Row], report: IngestReport
) -> list[_Row]:
    """A token bound to one source records that source's rows; any other is a row error."""
    if actor.source is None:
        return rows
    refused = set()
    for index, item in enumerate(items):
        claimed = (item.source or "").strip()
        if claimed and claimed != actor.source:
            refused.add(index)
            report.rejected.append(
                RowError.of(
                    index,
                    "source",
                    "SOURCE_NOT_ALLOWED",
                    "this token records rows of source {allowed} only, not {claimed}; "
                    "use a token issued for {claimed}",
                    allowed=repr(actor.source),
                    claimed=repr(claimed),
                )
            )
    if refused:
        report.rejected.sort(key=lambda e: (e.index, e.field))
    return [row for row in rows if row.index not in refused]


async def _validate(
    conn: BaseDBAsyncClient,
    items: list[Any],
    feedback: bool,
    report: IngestReport,
    latest: datetime,
    policy: Policy,
) -> list[_Row]:
    zone = ZoneInfo(policy.timezone)
    kpi_codes = {i.kpi_code for i in items if i.kpi_code} | (
        {policy.csat_kpi_code} if feedback and policy.csat_kpi_code else set()
    )
    kpis = {k.code: k for k in await Kpi.filter(code__in=list(kpi_codes)).using_db(conn)}
    people: dict[str, Employee] = {}
    for chunk in _chunks(sorted({i.employee_external_id for i in items if i.employee_external_id})):
        for e in await Employee.filter(external_id__in=chunk).using_db(conn):
            people[e.external_id] = e
    teams: dict[str, int] = {}
    for chunk in _chunks(sorted({i.team_code for i in items if i.team_code})):
        for t in await Team.filter(code__in=chunk).using_db(conn):
            teams[t.code] = t.id
    rows: list[_Row] = []
    for index, item in enumerate(items):
        errors: list[RowError] = []

        def fail(
            field: str,
            code: str,
            template: str,
            /,
            index: int = index,
            errors: list[RowError] = errors,
            **values: Any,
        ) -> None:
            errors.append(RowError.of(index, field, code, template, **values))

        kpi_code = item.kpi_code or (policy.csat_kpi_code if feedback else None)
        kpi = kpis.get(kpi_code) if kpi_code else None
        if kpi_code is None:
            fail(
                "kpiCode",
                "REQUIRED",
                "name the KPI (the policy has no customer-satisfaction KPI to fall back on)"
                if feedback
                else "is required",
            )
        elif kpi is None:
            fail(
                "kpiCode",
                "UNKNOWN_KPI",
                "no KPI has the code {code}; check the code or create the KPI first",
                code=repr(kpi_code),
            )
        elif kpi.kind is KpiKind.QUALITATIVE or kpi.aggregation is Aggregation.REVIEW_MEAN:
            fail(
                "kpiCode",
                "QUALITATIVE_KPI",
                "{code} is rated by reviews, not observations; send reviews instead",
                code=repr(kpi_code),
            )
        employee_id = team_id = None
        if bool(item.employee_external_id) == bool(item.team_code):
            fail(
                "employeeExternalId",
                "SUBJECT",
                "give exactly one of {employee} (an employee's observation) or {team} "
                "(a team-level measure)",
                employee="employeeExternalId",
                team="teamCode",
            )
        elif item.employee_external_id:
            employee = people.get(item.employee_external_id)
            if employee is None:
                fail(
                    "employeeExternalId",
                    "UNKNOWN_EMPLOYEE",
                    "no employee has the external id {id}",
                    id=repr(item.employee_external_id),
                )
            else:
                employee_id, team_id = employee.id, employee.team_id
        else:
            team_id = teams.get(item.team_code)
            if team_id is None:
                fail(
                    "teamCode",
                    "UNKNOWN_TEAM",
                    "no team has the code {code}",
                    code=repr(item.team_code),
                )
        raw_value = item.rating if feedback else item.value
        value_field = "rating" if feedback else "value"
        value: int | None = None
        try:
            value = to_scaled(parse_decimal(raw_value))
        except ParseError as error:
            errors.append(error.row_error(index, value_field))
        if value is not None and kpi is not None:
            low, high = kpi.range_min, kpi.range_max
            if feedback and low is None and high is None:
                low, high = DEFAULT_RATING_SCALE
            if (low is not None and value < low) or (high is not None and value > high):
                fail(
                    value_field,
                    "OUT_OF_RANGE",
                    "{value} is outside {kpi}'s valid range {low} to {high}",
                    value=str(raw_value),
                    kpi=kpi.code,
                    low=_bound_text(low),
                    high=_bound_text(high),
                )
        moment = None
        try:
            moment = parse_moment(item.occurred_at)
        except ParseError as error:
            errors.append(error.row_error(index, "occurredAt", code="INVALID_TIME"))
        if moment is not None and moment > latest:
            fail(
                "occurredAt",
                "IN_THE_FUTURE",
                "{moment} has not happened yet (it is later than {latest}, now plus the "
                "allowed clock difference); send data once it has happened, and check the "
                "sender's clock and UTC offset",
                moment=str(item.occurred_at).strip(),
                latest=latest.isoformat(timespec="seconds"),
            )
            moment = None
        if not (item.source or "").strip():
            fail("source", "REQUIRED", "name the system the data came from, e.g. survey-tool")
        channel = None
        if feedback:
            try:
                channel = Channel(item.channel).value
            except ValueError:
                fail(
                    "channel",
                    "INVALID_CHOICE",
                    "must be {survey}, {callback} or {face_to_face}",
                    survey=Channel.ONLINE_SURVEY.value,
                    callback=Channel.PHONE_CALLBACK.value,
                    face_to_face=Channel.FACE_TO_FACE.value,
                )
        if errors or kpi is None or value is None or moment is None:
            report.rejected.extend(errors)
            continue
        rows.append(
            _Row(
                index=index,
                kpi_id=kpi.id,
                employee_id=employee_id,
                team_id=team_id,
                value=value,
                occurred_at_us=epoch_microseconds(moment),
                offset=offset_minutes(moment),
                local_day=moment.astimezone(zone).date(),
                source=item.source.strip(),
                external_id=(item.external_id or None),
                channel=channel,
                comment=item.comment if feedback else None,
            )
        )
    return rows


def _bound_text(bound: int | None) -> str:
    """A stored (scaled) bound of a KPI's range as a reader writes it; "…" if open."""
    return "…" if bound is None else format(bound / 10_000, "g")


_COMPARED = ("employee_id", "team_id", "value", "occurred_at_us", "channel", "comment")


async def _drop_duplicates(
    conn: BaseDBAsyncClient, rows: list[_Row], report: IngestReport
) -> list[_Row]:
    """Identical re-sends are duplicates; a changed re-send is a conflict on that row."""
    by_key: dict[tuple[str, int], set[str]] = defaultdict(set)
    for r in rows:
        if r.external_id is not None:
            by_key[(r.source, r.kpi_id)].add(r.external_id)
    stored: dict[tuple[str, int, str], dict[str, Any]] = {}
    # Looked up by the unique (source, kpi, external id) key, so its index serves.
    for (source, kpi_id), external_ids in sorted(by_key.items()):
        for chunk in _chunks(sorted(external_ids)):
            found = await fetch_all(
                conn,
                "SELECT source, kpi_id, external_id, employee_id, team_id, value, "
                "occurred_at_us, channel, comment FROM observation WHERE source = ? "
                f"AND kpi_id = ? AND external_id IN ({placeholders(len(chunk))})",
                [source, kpi_id, *chunk],
            )
            for f in found:
                stored[(f["source"], int(f["kpi_id"]), f["external_id"])] = f
    fresh: list[_Row] = []
    seen: dict[tuple[str, int, str], _Row] = {}
    for row in rows:
        if row.external_id is None:
            fresh.append(row)
            continue
        key = (row.source, row.kpi_id, row.external_id)
        previous = stored.get(key)
        mine = {
            "employee_id": row.employee_id,
            "team_id": row.team_id,
            "value": row.value,
            "occurred_at_us": row.occurred_at_us,
            "channel": row.channel,
            "comment": row.comment,
        }
        if previous is None and key in seen:
            earlier = seen[key]
            previous = {
                "employee_id": earlier.employee_id,
                "team_id": earlier.team_id,
                "value": earlier.value,
                "occurred_at_us": earlier.occurred_at_us,
                "channel": earlier.channel,
                "comment": earlier.comment,
            }
        if previous is None:
            seen[key] = row
            fresh.append(row)
            continue
        changed = [name for name in _COMPARED if _norm(previous[name]) != _norm(mine[name])]
        if name_team_only(changed):
            changed = []  # the team stamp reflects transfers since, not a different fact
        if changed:
            report.rejected.append(
                RowError.of(
                    row.index,
                    "externalId",
                    "CONFLICT",
                    "({source}, external id {id}) was already recorded with a different "
                    "{changed}; void the old observation and send it under a new external id",
                    source=row.source,
                    id=row.external_id,
                    changed=", ".join(changed),
                )
            )
        else:
            report.duplicates += 1
    return fresh


_INSERTED_COLUMNS = (
    "kpi_id, employee_id, team_id, value, occurred_at_us, utc_offset_minutes, source, "
    "external_id, channel, comment, recorded_at"
)
_INSERT_CHUNK = 1000  # rows per statement: 11,000 parameters, under both databases' limits


class _WriteNothing(Exception):
    """ALL_OR_NOTHING met a conflict only at the insert: roll the inserted rows back."""


def _key(row: _Row) -> tuple[str, int, str | None]:
    return (row.source, row.kpi_id, row.external_id)


async def _insert_fresh(
    conn: BaseDBAsyncClient,
    rows: list[_Row],
    recorded_at: datetime,
    report: IngestReport,
    mode: IngestMode,
) -> list[_Row] | None:
    """Insert the rows no stored observation had; the rows actually written, or None
    when ALL_OR_NOTHING must write nothing.

    Between our look-up and this insert another writer (another idempotency key,
    another process) may record the same (source, KPI, external id). The insert skips
    such rows instead of failing, and they are classified like any re-send: a
    duplicate, or a conflict when a field differs. On PostgreSQL the insert waits for
    that writer's commit, so its row is visible by then; in key order, so that two
    batches sharing rows wait for each other in one direction only.
    """
    try:
        async with in_transaction() as savepoint:
            taken: set[tuple[str, int, str | None]] = set()
            ordered = sorted(rows, key=lambda r: (r.source, r.kpi_id, r.external_id or ""))
            for start in range(0, len(ordered), _INSERT_CHUNK):
                chunk = ordered[start : start + _INSERT_CHUNK]
                written = await fetch_all(
                    savepoint,
                    f"INSERT INTO observation ({_INSERTED_COLUMNS}) VALUES "
                    + ", ".join(f"({placeholders(11)})" for _ in chunk)
                    + " ON CONFLICT (source, kpi_id, external_id) DO NOTHING "
                    "RETURNING source, kpi_id, external_id",
                    [
                        value
                        for r in chunk
                        for value in (
                            r.kpi_id,
                            r.employee_id,
                            r.team_id,
                            r.value,
                            r.occurred_at_us,
                            r.offset,
                            r.source,
                            r.external_id,
                            r.channel,
                            r.comment,
                            recorded_at,
                        )
                    ],
                )
                if len(written) < len(chunk):
                    kept = {(w["source"], int(w["kpi_id"]), w["external_id"]) for w in written}
                    taken |= {_key(r) for r in chunk if _key(r) not in kept}
            if not taken:
                return rows
            unseen = await _drop_duplicates(
                savepoint, [r for r in rows if _key(r) in taken], report
            )
            if unseen:
                # Not inserted, yet not visible: no committed writer explains it.
                raise RuntimeError(f"observations neither inserted nor stored: {unseen!r}")
            if report.rejected and mode is IngestMode.ALL_OR_NOTHING:
                raise _WriteNothing
            return [r for r in rows if _key(r) not in taken]
    except _WriteNothing:
        return None


def _chunks(values: list[str], size: int = 2000) -> list[list[str]]:
    """IN lists stay under both databases' limits on bound parameters."""
    return [values[start : start + size] for start in range(0, len(values), size)]


def name_team_only(changed: list[str]) -> bool:
    return changed == ["team_id"]


def _norm(value: Any) -> Any:
    return int(value) if isinstance(value, (int, float)) or hasattr(value, "as_tuple") else value


async def _count_late(conn: BaseDBAsyncClient, rows: list[_Row]) -> int:
    """Accepted rows that fall on a day of a finalised cycle whose scope included them."""
    finalized = await Cycle.filter(state=CycleState.FINALIZED).using_db(conn)
    if not finalized or not rows:
        return 0
    parents = await team_parents(conn)
    scopes: dict[int, set[int] | None] = {}
    for cycle in finalized:
        pilots = await int_values(
            CyclePilotTeam.filter(cycle_id=cycle.id)
            .using_db(conn)
            .values_list("team_id", flat=True)
        )
        scopes[cycle.id] = team_and_descendants(set(pilots), parents) if pilots else None
    late = 0
    for row in rows:
        for cycle in finalized:
            if row.local_day is None or not cycle.starts_on <= row.local_day <= cycle.ends_on:
                continue
            scope = scopes[cycle.id]
            if scope is None or (row.team_id is not None and row.team_id in scope):
                late += 1
                break
    return late


@retry_when_busy
async def submit_reviews(
    *,
    actor: Actor,
    reviews: Sequence[ReviewInput],
    mode: IngestMode = IngestMode.ALL_OR_NOTHING,
) -> IngestReport:
    """MANAGER ratings by a manager of the employee (or an admin); SELF ratings by the
    employee. A reviewer's newer rating replaces their older one."""
    report = IngestReport()
    async with in_transaction() as conn:
        cycles = {
            c.code: c
            for c in await Cycle.filter(code__in=[r.cycle_code for r in reviews]).using_db(conn)
        }
        people = {
            e.external_id: e
            for e in await Employee.filter(
                external_id__in=[r.employee_external_id for r in reviews]
            ).using_db(conn)
        }
        kpis = {
            k.code: k
            for k in await Kpi.filter(code__in=[r.kpi_code for r in reviews]).using_db(conn)
        }
        users = {
            u.email: u
            for u in await User.filter(email__in=[r.reviewer_email for r in reviews]).using_db(conn)
        }
        valid: list[tuple[ReviewInput, int]] = []
        for index, item in enumerate(reviews):
            errors, parsed = await _review_errors(
                conn, actor, index, item, cycles, people, kpis, users
            )
            if errors or parsed is None:
                report.rejected.extend(errors)
                continue
            valid.append((item, parsed))
        if report.rejected and mode is IngestMode.ALL_OR_NOTHING:
            return report
        touched: dict[int, set[int]] = {}
        for item, rating in valid:
            cycle = cycles[item.cycle_code]
            employee = people[item.employee_external_id]
            kpi = kpis[item.kpi_code]
            reviewer = users[item.reviewer_email]
            current = await Review.get_or_none(
                using_db=conn,
                cycle_id=cycle.id,
                employee_id=employee.id,
                kpi_id=kpi.id,
                reviewer_id=reviewer.id,
                kind=ReviewKind(item.kind),
            )
            if current is not None and current.rating == rating and current.comment == item.comment:
                report.duplicates += 1
                continue
            before = None
            if current is None:
                await Review.create(
                    using_db=conn,
                    cycle_id=cycle.id,
                    employee_id=employee.id,
                    kpi_id=kpi.id,
                    reviewer_id=reviewer.id,
                    kind=ReviewKind(item.kind),
                    rating=rating,
                    comment=item.comment,
                )
            else:
                before = {"rating": str(current.rating / 10_000), "comment": current.comment}
                current.rating = rating
                current.comment = item.comment
                await current.save(using_db=conn)
            report.accepted += 1
            await write_audit(
                conn,
                actor=actor,
                action="submit_review",
                entity="review",
                entity_key=f"{item.cycle_code}/{item.employee_external_id}/{item.kpi_code}/"
                f"{item.kind}/{item.reviewer_email}",
                before=before,
                after={"rating": str(item.rating), "comment": item.comment},
            )
            if item.kind == ReviewKind.MANAGER.value:
                touched.setdefault(cycle.id, set()).add(employee.id)
        # Read once for this write, however many cycles the ratings touch.
        loaded = await load_policy(conn) if touched else None
        for cycle_id, employee_ids in touched.items():
            await recompute_cycle(
                conn, cycles_by_id(cycles)[cycle_id], employee_ids=employee_ids, policy=loaded
            )
    return report


def cycles_by_id(cycles: dict[str, Cycle]) -> dict[int, Cycle]:
    return {c.id: c for c in cycles.values()}


async def _review_errors(
    conn: BaseDBAsyncClient,
    actor: Actor,
    index: int,
    item: ReviewInput,
    cycles: dict[str, Cycle],
    people: dict[str, Employee],
    kpis: dict[str, Kpi],
    users: dict[str, User],
) -> tuple[list[RowError], int | None]:
    """The row's problems, and its rating scaled when it has none.

    Who may rate is decided before the rating is read: a caller who may not write the
    review learns nothing from, and spends nothing on, the number they sent.
    """
    errors: list[RowError] = []

    def fail(field: str, code: str, template: str, /, **values: Any) -> None:
        errors.append(RowError.of(index, field, code, template, **values))

    cycle = cycles.get(item.cycle_code)
    if cycle is None:
        fail(
            "cycleCode", "UNKNOWN_CYCLE", "no cycle has the code {code}", code=repr(item.cycle_code)
        )
    elif cycle.state not in OPEN_CYCLE_STATES:
        fail(
            "cycleCode",
            "CYCLE_CLOSED",
            "cycle {code} is {state}; reviews are taken while it is {active} or {review}",
            code=repr(item.cycle_code),
            state=cycle.state.value,
            active=CycleState.ACTIVE.value,
            review=CycleState.REVIEW.value,
        )
    employee = people.get(item.employee_external_id)
    if employee is None:
        fail(
            "employeeExternalId",
            "UNKNOWN_EMPLOYEE",
            "no employee has the external id {id}",
            id=repr(item.employee_external_id),
        )
    kpi = kpis.get(item.kpi_code)
    if kpi is None:
        fail("kpiCode", "UNKNOWN_KPI", "no KPI has the code {code}", code=repr(item.kpi_code))
    elif kpi.kind is not KpiKind.QUALITATIVE:
        fail(
            "kpiCode",
            "NOT_QUALITATIVE",
            "{code} is measured by observations; only qualitative KPIs are reviewed",
            code=repr(item.kpi_code),
        )
    reviewer = users.get(item.reviewer_email)
    if reviewer is None:
        fail(
            "reviewerEmail",
            "UNKNOWN_USER",
            "no user has the email {email}; create the user first",
            email=repr(item.reviewer_email),
        )
    try:
        kind = ReviewKind(item.kind)
    except ValueError:
        fail(
            "kind",
            "INVALID_CHOICE",
            "must be {manager} or {self}",
            manager=ReviewKind.MANAGER.value,
            self=ReviewKind.SELF.value,
        )
        kind = None
    if employee is None or reviewer is None or kind is None:
        return errors, None
    if not await _may_review(conn, actor, item, employee, reviewer, kind, fail):
        return errors, None
    try:
        rating = to_scaled(parse_decimal(item.rating))
    except ParseError as error:
        errors.append(error.row_error(index, "rating"))
        return errors, None
    if (
        kpi is not None
        and kpi.range_min is not None
        and kpi.range_max is not None
        and not kpi.range_min <= rating <= kpi.range_max
    ):
        fail(
            "rating",
            "OUT_OF_RANGE",
            "{rating} is outside {kpi}'s scale {low} to {high}",
            rating=str(item.rating),
            kpi=kpi.code,
            low=_bound_text(kpi.range_min),
            high=_bound_text(kpi.range_max),
        )
    return errors, None if errors else rating


class _Fail(Protocol):
    def __call__(self, field: str, code: str, template: str, /, **values: Any) -> None: ...


async def _may_review(
    conn: BaseDBAsyncClient,
    actor: Actor,
    item: ReviewInput,
    employee: Employee,
    reviewer: User,
    kind: ReviewKind,
    fail: _Fail,
) -> bool:
    """MANAGER ratings by a manager of the employee or an admin; SELF by the employee."""
    if not actor.is_admin and actor.user_id != reviewer.id:
        fail("reviewerEmail", "NOT_YOU", "you may only submit your own reviews")
        return False
    if kind is ReviewKind.SELF:
        if reviewer.employee_id != employee.id:
            fail("kind", "NOT_SELF", "a SELF review is written by the employee themselves")
            return False
        return True
    if reviewer.employee_id == employee.id:
        fail("reviewerEmail", "OWN_SCORE", "nobody rates their own score; ask your manager")
        return False
    if reviewer.access is not AccessLevel.ADMIN and (
        reviewer.employee_id is None
        or reviewer.employee_id not in await manager_ids_of(conn, employee)
    ):
        fail(
            "reviewerEmail",
            "NOT_A_MANAGER",
            "{email} is not a manager of {id} (the lead of their team or a team above) nor an "
            "admin",
            email=item.reviewer_email,
            id=item.employee_external_id,
        )
        return False
    return True
