"""Shadow scorecards (SCORING.md §13): set one, see what it would do, promote it.

A shadow scorecard is a draft of a position's next rules, kept beside the live one
on a cycle in ACTIVE or REVIEW and checked like it (§8); a KPI it uses is frozen as a
live line's is (service.usecases.setup.kpis). The shadow report runs the same engine
on the same aggregates, policy and live adjustments with the shadow lines
(service.usecases.scoring.recompute.compute_scores), reads the live side from the
stored scores, and is stored nowhere: never final, never paid, never shown to
employees (admins, and managers for their teams). Promote copies the shadow
scorecards, and the live ones where a position has none, into a new DRAFT cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import Issue, NotFound, StaleVersion, ValidationFailed
from service.models import (
    OPEN_CYCLE_STATES,
    Cycle,
    CyclePilotTeam,
    CycleState,
    Employee,
    Position,
    Scorecard,
    ShadowScorecard,
    ShadowScorecardLine,
    Team,
)
from service.models import ScorecardLine as LineRow
from service.scoring import check_scorecard
from service.scoring.rounding import format_fixed
from service.scoring.shadow import (
    ShadowRow,
    ShadowSummary,
    Side,
    not_eligible,
    side_of_result,
    summarise_shadow,
)
from service.scoring.types import Policy, ScoreStatus
from service.sql import fetch_all, int_values
from service.usecases.accounts.access import (
    positions_led_by_a_holder,
    require_review_reader,
    review_report_teams,
)
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.inputs import ScorecardLineInput
from service.usecases.parsing import too_long
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.engine_inputs import kpi_to_engine, line_to_engine
from service.usecases.scoring.recompute import compute_scores
from service.usecases.setup.cycles import (
    ScorecardSaved,
    check_scorecard_input,
    get_cycle,
    get_position,
    line_columns,
    stored_line_state,
    warning_data,
)
from service.usecases.setup.policy import load_policy


def _require_open(cycle: Cycle) -> None:
    if cycle.state not in OPEN_CYCLE_STATES:
        raise ValidationFailed(
            [
                Issue.of(
                    "cycleCode",
                    "Cycle {cycle} is {state}: shadow scorecards and their reports belong to "
                    "a cycle in {active} or {review}.",
                    "WRONG_STATE",
                    cycle=cycle.code,
                    state=cycle.state,
                    active=CycleState.ACTIVE,
                    review=CycleState.REVIEW,
                )
            ]
        )


def _no_shadow(cycle: Cycle, position: Position) -> NotFound:
    return NotFound(
        "Cycle {cycle} has no shadow scorecard for {position}; set one first.",
        cycle=cycle.code,
        position=position.code,
    )


def _stale(cycle: Cycle, position: Position, version: int, expected: int) -> StaleVersion:
    return StaleVersion(
        "The shadow scorecard of {position} in {cycle} is at version {version}, not "
        "{expected}: someone saved first. Reload it, re-apply your change and save again.",
        position=position.code,
        cycle=cycle.code,
        version=version,
        expected=expected,
    )


@retry_when_busy
async def save_shadow_scorecard(
    *,
    actor: Actor,
    cycle_code: str,
    position_code: str,
    lines: Sequence[ScorecardLineInput],
    expected_version: int | None = None,
) -> ScorecardSaved:
    """Check (SCORING.md §8) and save a position's shadow scorecard on a cycle in ACTIVE
    or REVIEW, audited. No score moves: the shadow report computes what it would give."""
    require_admin(actor)
    async with in_transaction() as conn:
        cycle = await get_cycle(conn, cycle_code)
        _require_open(cycle)
        position = await get_position(conn, position_code)
        checked = await check_scorecard_input(conn, position=position, lines=lines)
        existing = (
            await ShadowScorecard.select_for_update()
            .using_db(conn)
            .get_or_none(cycle_id=cycle.id, position_id=position.id)
        )
        if (
            existing is not None
            and expected_version is not None
            and expected_version != existing.version
        ):
            raise _stale(cycle, position, existing.version, expected_version)
        before: list[dict[str, Any]] | None = None
        if existing is not None:
            stored = (
                await ShadowScorecardLine.filter(scorecard_id=existing.id)
                .using_db(conn)
                .order_by("ordinal")
                .prefetch_related("kpi")
            )
            before = [stored_line_state(r) for r in stored]
            if before == checked.state:
                return ScorecardSaved(existing.version, False, checked.warnings)
        warnings = warning_data(checked.warnings)
        if existing is None:
            existing = await ShadowScorecard.create(
                using_db=conn, cycle_id=cycle.id, position_id=position.id, warnings=warnings
            )
        else:
            existing.version += 1
            existing.warnings = warnings
            await existing.save(using_db=conn)
            await ShadowScorecardLine.filter(scorecard_id=existing.id).using_db(conn).delete()
        for ordinal, (line, kpi_id) in enumerate(zip(checked.lines, checked.kpi_ids, strict=True)):
            await ShadowScorecardLine.create(
                using_db=conn,
                scorecard_id=existing.id,
                **line_columns(line, ordinal=ordinal, kpi_id=kpi_id),
            )
        await write_audit(
            conn,
            actor=actor,
            action="save_shadow_scorecard",
            entity="shadow_scorecard",
            entity_key=f"{cycle_code}/{position_code}",
            before=before,
            after={"version": existing.version, "lines": checked.state},
        )
        return ScorecardSaved(existing.version, True, checked.warnings)


@retry_when_busy
async def delete_shadow_scorecard(
    *,
    actor: Actor,
    cycle_code: str,
    position_code: str,
    expected_version: int | None = None,
) -> None:
    """Drop a position's shadow scorecard (an admin, while the cycle is ACTIVE or REVIEW,
    as it is edited), audited with its lines. No score moves; a KPI it alone used is no
    longer frozen."""
    require_admin(actor)
    async with in_transaction() as conn:
        cycle = await get_cycle(conn, cycle_code)
        _require_open(cycle)
        position = await get_position(conn, position_code)
        card = (
            await ShadowScorecard.select_for_update()
            .using_db(conn)
            .get_or_none(cycle_id=cycle.id, position_id=position.id)
        )
        if card is None:
            raise _no_shadow(cycle, position)
        if expected_version is not None and expected_version != card.version:
            raise _stale(cycle, position, card.version, expected_version)
        stored = (
            await ShadowScorecardLine.filter(scorecard_id=card.id)
            .using_db(conn)
            .order_by("ordinal")
            .prefetch_related("kpi")
        )
        before = {"version": card.version, "lines": [stored_line_state(r) for r in stored]}
        await ShadowScorecardLine.filter(scorecard_id=card.id).using_db(conn).delete()
        await card.delete(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="delete_shadow_scorecard",
            entity="shadow_scorecard",
            entity_key=f"{cycle.code}/{position.code}",
            before=before,
        )


@dataclass(frozen=True, slots=True)
class PersonLabel:
    external_id: str
    name: str
    team_code: str | None


@dataclass(frozen=True, slots=True)
class ShadowReport:
    cycle_code: str
    position_code: str
    team_code: str | None
    summary: ShadowSummary
    people: dict[int, PersonLabel]  # the listed employees, for labels
    version: int  # the shadow scorecard's

    @property
    def rows(self) -> list[ShadowRow]:
        """Those whose band or status would move first, then by employee."""
        return sorted(
            self.summary.rows,
            key=lambda r: (not r.moves, self.people[r.employee_id].external_id),
        )


async def shadow_report(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    cycle_code: str,
    position_code: str,
    team_code: str | None = None,
) -> ShadowReport:
    """Live and shadow side by side for the holders of a position (SCORING.md §13), as
    the actor may see them: admins everyone (or a team and those under it), a manager
    the teams they lead and those under them, never their own row."""
    teams = await review_report_teams(conn, actor, team_code)
    cycle = await get_cycle(conn, cycle_code)
    position = await get_position(conn, position_code)
    _require_open(cycle)
    card = await ShadowScorecard.get_or_none(
        cycle_id=cycle.id, position_id=position.id, using_db=conn
    )
    if card is None:
        raise _no_shadow(cycle, position)
    rows = (
        await ShadowScorecardLine.filter(scorecard_id=card.id)
        .using_db(conn)
        .order_by("ordinal")
        .prefetch_related("kpi")
    )
    engine_kpis = {r.kpi_id: kpi_to_engine(r.kpi) for r in rows}
    policy, _version = await load_policy(conn)
    computed = await compute_scores(
        conn,
        cycle,
        position_id=position.id,
        lines=[line_to_engine(r, engine_kpis[r.kpi_id]) for r in rows],
        kpi_ids=[r.kpi_id for r in rows],
        policy=policy,
        team_ids=teams,
    )
    if not actor.is_admin:
        computed = [c for c in computed if c.employee_id != actor.employee_id]
    live = await _live_sides(conn, cycle, position, [c.employee_id for c in computed], policy)
    pairs = [
        ShadowRow(
            c.employee_id,
            live.get(c.employee_id, not_eligible("NO_SCORECARD")),
            side_of_result(c.result) if c.result is not None else not_eligible(c.reason or ""),
        )
        for c in computed
    ]
    return ShadowReport(
        cycle_code=cycle.code,
        position_code=position.code,
        team_code=team_code,
        summary=summarise_shadow(pairs, policy),
        people=await _labels(conn, [c.employee_id for c in computed]),
        version=card.version,
    )


async def _live_sides(
    conn: BaseDBAsyncClient,
    cycle: Cycle,
    position: Position,
    employee_ids: list[int],
    policy: Policy,
) -> dict[int, Side]:
    """The stored scores as they stand (reads never recompute). A stored score keeps the
    position it was computed with, which every change of position recomputes; the
    multiplier is the policy's for the band, as the stored score's own is (provisional
    scores follow the policy)."""
    if not employee_ids:
        return {}
    wanted = set(employee_ids)
    multipliers = {band.code: band.multiplier for band in policy.bands}
    found: dict[int, Side] = {}
    for r in await fetch_all(
        conn,
        "SELECT employee_id, status, status_reason, total_exact, band_code FROM score "
        "WHERE cycle_id = ? AND position_id = ?",
        [cycle.id, position.id],
    ):
        employee_id = int(r["employee_id"])
        if employee_id not in wanted:
            continue
        status = ScoreStatus(r["status"])
        if status is ScoreStatus.SCORED and r["total_exact"] is not None:
            found[employee_id] = Side(
                status,
                None,
                Fraction(str(r["total_exact"])),
                r["band_code"],
                multipliers.get(r["band_code"]),
            )
        else:
            found[employee_id] = Side(status, r["status_reason"])
    return found


async def _labels(conn: BaseDBAsyncClient, employee_ids: list[int]) -> dict[int, PersonLabel]:
    if not employee_ids:
        return {}
    people = await Employee.filter(id__in=sorted(employee_ids)).using_db(conn)
    codes = {
        t.id: t.code
        for t in await Team.filter(
            id__in=sorted({e.team_id for e in people if e.team_id})
        ).using_db(conn)
    }
    return {
        e.id: PersonLabel(e.external_id, e.name, None if e.team_id is None else codes[e.team_id])
        for e in people
    }


def _points(value: Fraction | None) -> str | None:
    return None if value is None else format_fixed(value, 2)


def _side_document(side: Side) -> dict[str, Any]:
    return {
        "status": side.status.value,
        "reason": side.reason,
        "total": _points(side.total),
        "band": side.band if side.scored else None,
        "multiplier": _points(side.multiplier) if side.scored else None,
    }


def shadow_document(report: ShadowReport) -> dict[str, Any]:
    """The report as reported (2 places, half away from zero): one shape for the CLI's
    JSON and CSV and the admin page."""
    summary = report.summary
    return {
        "cycle": report.cycle_code,
        "position": report.position_code,
        "team": report.team_code,
        "shadow_version": report.version,
        "rows": [
            {
                "employee": report.people[row.employee_id].external_id,
                "name": report.people[row.employee_id].name,
                "team": report.people[row.employee_id].team_code,
                "live": _side_document(row.live),
                "shadow": _side_document(row.shadow),
                "change": _points(row.change),
                "moves": row.moves,
                "from": row.live.bucket,
                "to": row.shadow.bucket,
            }
            for row in report.rows
        ],
        "categories": list(summary.categories),
        "shift_matrix": [
            {"from": cell.live, "to": cell.shadow, "count": cell.count}
            for cell in summary.shift_matrix
        ],
        "moving": sum(1 for row in summary.rows if row.moves),
        "mean_change": _points(summary.mean_change),
        "live_multiplier_sum": _points(summary.live_multiplier_sum),
        "shadow_multiplier_sum": _points(summary.shadow_multiplier_sum),
    }


CSV_COLUMNS = (
    "employee_external_id",
    "employee_name",
    "team",
    "live_status",
    "live_reason",
    "live_total",
    "live_band",
    "shadow_status",
    "shadow_reason",
    "shadow_total",
    "shadow_band",
    "change",
    "moves",
)
CSV_NUMERIC = ("live_total", "shadow_total", "change")


def shadow_csv_rows(document: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            row["employee"],
            row["name"],
            row["team"],
            row["live"]["status"],
            row["live"]["reason"],
            row["live"]["total"],
            row["live"]["band"],
            row["shadow"]["status"],
            row["shadow"]["reason"],
            row["shadow"]["total"],
            row["shadow"]["band"],
            row["change"],
            "yes" if row["moves"] else "no",
        ]
        for row in document["rows"]
    ]


@dataclass(frozen=True, slots=True)
class NewCycle:
    """The new DRAFT cycle a promote or a roll-out creates."""

    code: str
    name: str
    starts_on: date
    ends_on: date


def check_new_cycle(new: NewCycle) -> None:
    issues: list[Issue] = []
    issues += [
        Issue("newCycleCode" if i.field == "code" else i.field, i.message, i.code)
        for i in too_long(Cycle, {"code": new.code, "name": new.name})
    ]
    if not new.code.strip():
        issues.append(Issue("newCycleCode", "is required", "REQUIRED"))
    if not new.name.strip():
        issues.append(Issue("name", "is required", "REQUIRED"))
    if new.ends_on < new.starts_on:
        issues.append(Issue("endsOn", "is before startsOn; check both dates", "DATE_ORDER"))
    if issues:
        raise ValidationFailed(issues)


@dataclass(frozen=True, slots=True)
class _CardToCopy:
    position_id: int
    position_code: str
    origin: str  # "shadow" or "live"
    lines: list[Any]  # live or shadow line rows, KPI prefetched, in order


async def live_cards_of(conn: BaseDBAsyncClient, cycle: Cycle) -> dict[int, _CardToCopy]:
    cards = (
        await Scorecard.filter(cycle_id=cycle.id)
        .using_db(conn)
        .prefetch_related("position", "lines", "lines__kpi")
    )
    return {
        c.position_id: _CardToCopy(
            c.position_id, c.position.code, "live", sorted(c.lines, key=lambda r: r.ordinal)
        )
        for c in cards
    }


async def copy_into_new_cycle(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    source: Cycle,
    new: NewCycle,
    cards: dict[int, _CardToCopy],
    pilot_team_ids: list[int],
    action: str,
) -> Cycle:
    """Create the DRAFT cycle with these scorecards (their warnings checked again against
    today's policy) and pilot teams, audited as ``action``; inside the caller's
    transaction."""
    if await Cycle.filter(code=new.code).using_db(conn).exists():
        raise ValidationFailed(
            [
                Issue.of(
                    "newCycleCode", "a cycle {cycle} exists already", "DUPLICATE", cycle=new.code
                )
            ]
        )
    created = await Cycle.create(
        using_db=conn,
        code=new.code,
        name=new.name,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
    )
    for team_id in sorted(pilot_team_ids):
        await CyclePilotTeam.create(using_db=conn, cycle_id=created.id, team_id=team_id)
    policy, _version = await load_policy(conn)
    led = await positions_led_by_a_holder(conn)
    for card in sorted(cards.values(), key=lambda c: c.position_code):
        lines = [line_to_engine(r, kpi_to_engine(r.kpi)) for r in card.lines]
        _errors, warnings = check_scorecard(
            lines, policy, holder_leads_team=card.position_id in led
        )
        saved = await Scorecard.create(
            using_db=conn,
            cycle_id=created.id,
            position_id=card.position_id,
            warnings=warning_data(warnings),
        )
        for ordinal, (row, line) in enumerate(zip(card.lines, lines, strict=True)):
            await LineRow.create(
                using_db=conn,
                scorecard_id=saved.id,
                **line_columns(line, ordinal=ordinal, kpi_id=row.kpi_id),
            )
    pilot_codes = (
        await Team.filter(id__in=sorted(pilot_team_ids))
        .using_db(conn)
        .values_list("code", flat=True)
    )
    await write_audit(
        conn,
        actor=actor,
        action=action,
        entity="cycle",
        entity_key=new.code,
        after={
            "from_cycle": source.code,
            "name": new.name,
            "starts_on": new.starts_on.isoformat(),
            "ends_on": new.ends_on.isoformat(),
            "pilot_teams": sorted(str(c) for c in pilot_codes),
            "scorecards": {c.position_code: c.origin for c in cards.values()},
        },
    )
    return created


@retry_when_busy
async def promote_shadow_scorecards(
    *,
    actor: Actor,
    cycle_code: str,
    new_cycle_code: str,
    name: str,
    starts_on: date,
    ends_on: date,
) -> Cycle:
    """A new DRAFT cycle whose scorecards are the cycle's shadow ones where a position
    has one and the live ones elsewhere (SCORING.md §13), with the same pilot scope."""
    require_admin(actor)
    new = NewCycle(new_cycle_code, name, starts_on, ends_on)
    check_new_cycle(new)
    async with in_transaction() as conn:
        source = await get_cycle(conn, cycle_code)
        if source.state is CycleState.DRAFT:
            raise ValidationFailed(
                [
                    Issue.of(
                        "cycleCode",
                        "Cycle {cycle} is {state}: it has no shadow scorecards; edit its "
                        "scorecards instead.",
                        "WRONG_STATE",
                        cycle=source.code,
                        state=source.state,
                    )
                ]
            )
        shadows = (
            await ShadowScorecard.filter(cycle_id=source.id)
            .using_db(conn)
            .prefetch_related("position", "lines", "lines__kpi")
        )
        if not shadows:
            raise ValidationFailed(
                [
                    Issue.of(
                        "cycleCode",
                        "Cycle {cycle} has no shadow scorecard to promote.",
                        "NO_SHADOW",
                        cycle=source.code,
                    )
                ]
            )
        cards = await live_cards_of(conn, source)
        for shadow in shadows:
            cards[shadow.position_id] = _CardToCopy(
                shadow.position_id,
                shadow.position.code,
                "shadow",
                sorted(shadow.lines, key=lambda r: r.ordinal),
            )
        pilots = await int_values(
            CyclePilotTeam.filter(cycle_id=source.id)
            .using_db(conn)
            .values_list("team_id", flat=True)
        )
        return await copy_into_new_cycle(
            conn,
            actor=actor,
            source=source,
            new=new,
            cards=cards,
            pilot_team_ids=pilots,
            action="promote_shadow_scorecards",
        )


async def shadow_scorecards_of(
    conn: BaseDBAsyncClient, *, actor: Actor, cycle_id: int
) -> list[ShadowScorecard]:
    """A cycle's shadow scorecards with their lines (KPIs prefetched): the rules being
    tried, for admins and managers."""
    require_review_reader(actor)
    return list(
        await ShadowScorecard.filter(cycle_id=cycle_id)
        .using_db(conn)
        .prefetch_related("lines", "lines__kpi")
        .order_by("position_id")
    )
