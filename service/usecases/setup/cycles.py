"""Cycles, their scorecards and their states (SCORING.md §§8-9)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import InvalidTransition, Issue, NotFound, StaleVersion, ValidationFailed
from service.models import (
    OPEN_CYCLE_STATES,
    Cycle,
    CyclePilotTeam,
    CycleState,
    Employee,
    Kpi,
    Position,
    Scorecard,
    Team,
)
from service.models import ScorecardLine as LineRow
from service.models import ShadowScorecardLine as ShadowLineRow
from service.scoring import check_scorecard
from service.scoring.types import (
    BandStep,
    Method,
    Policy,
    Scope,
    ScorecardIssue,
    ScorecardLine,
    ScoreStatus,
    StatusReason,
)
from service.sql import fetch_all
from service.usecases.accounts.access import may_see_cycle_head_counts, positions_led_by_a_holder
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.inputs import CycleInput, ScorecardLineInput
from service.usecases.parsing import ParseError, parse_decimal, to_scaled, too_long
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.engine_inputs import kpi_to_engine, line_to_engine
from service.usecases.scoring.finalize import finalize_cycle
from service.usecases.scoring.recompute import recompute_cycle
from service.usecases.setup.policy import load_policy


@dataclass(frozen=True, slots=True)
class ScorecardSaved:
    version: int
    changed: bool
    warnings: list[ScorecardIssue]


async def get_cycle(conn: BaseDBAsyncClient, code: str) -> Cycle:
    cycle = await Cycle.get_or_none(code=code, using_db=conn)
    if cycle is None:
        raise NotFound(
            "No cycle has the code {code}; `fairscore cycles` lists them.", code=repr(code)
        )
    return cycle


@retry_when_busy
async def create_cycle(*, actor: Actor, cycle: CycleInput) -> tuple[Cycle, bool]:
    """Create a DRAFT cycle; an identical existing one is left as it is (returns created?)."""
    require_admin(actor)
    issues: list[Issue] = []
    issues += too_long(Cycle, {"code": cycle.code, "name": cycle.name})
    if not cycle.code.strip():
        issues.append(Issue("code", "is required", "REQUIRED"))
    if not cycle.name.strip():
        issues.append(Issue("name", "is required", "REQUIRED"))
    if cycle.ends_on < cycle.starts_on:
        issues.append(Issue("endsOn", "is before startsOn; check both dates", "DATE_ORDER"))
    if issues:
        raise ValidationFailed(issues)
    async with in_transaction() as conn:
        teams = {
            t.code: t.id
            for t in await Team.filter(code__in=list(cycle.pilot_team_codes)).using_db(conn)
        }
        for index, code in enumerate(cycle.pilot_team_codes):
            if code not in teams:
                issues.append(
                    Issue.of(
                        f"pilotTeams[{index}]",
                        "no team has the code {team}",
                        "UNKNOWN_TEAM",
                        team=repr(code),
                    )
                )
        if issues:
            raise ValidationFailed(issues)
        existing = await Cycle.get_or_none(code=cycle.code, using_db=conn)
        wanted = {
            "name": cycle.name,
            "starts_on": cycle.starts_on.isoformat(),
            "ends_on": cycle.ends_on.isoformat(),
            "pilot_teams": sorted(cycle.pilot_team_codes),
        }
        if existing is not None:
            current = await _cycle_state(conn, existing)
            if current == wanted:
                return existing, False
            if existing.state is not CycleState.DRAFT:
                raise InvalidTransition(
                    "Cycle {cycle} is {state}: its dates and scope can only change while it "
                    "is a draft.",
                    cycle=repr(cycle.code),
                    state=existing.state,
                )
            existing.name = cycle.name
            existing.starts_on = cycle.starts_on
            existing.ends_on = cycle.ends_on
            await existing.save(using_db=conn)
            await CyclePilotTeam.filter(cycle_id=existing.id).using_db(conn).delete()
            for team_id in sorted(teams.values()):
                await CyclePilotTeam.create(using_db=conn, cycle_id=existing.id, team_id=team_id)
            await write_audit(
                conn,
                actor=actor,
                action="update_cycle",
                entity="cycle",
                entity_key=cycle.code,
                before=current,
                after=wanted,
            )
            return existing, True
        created = await Cycle.create(
            using_db=conn,
            code=cycle.code,
            name=cycle.name,
            starts_on=cycle.starts_on,
            ends_on=cycle.ends_on,
        )
        for team_id in sorted(teams.values()):
            await CyclePilotTeam.create(using_db=conn, cycle_id=created.id, team_id=team_id)
        await write_audit(
            conn,
            actor=actor,
            action="create_cycle",
            entity="cycle",
            entity_key=cycle.code,
            after=wanted,
        )
        return created, True


async def _cycle_state(conn: BaseDBAsyncClient, cycle: Cycle) -> dict[str, Any]:
    pilots = (
        await CyclePilotTeam.filter(cycle_id=cycle.id)
        .using_db(conn)
        .values_list("team__code", flat=True)
    )
    return {
        "name": cycle.name,
        "starts_on": cycle.starts_on.isoformat(),
        "ends_on": cycle.ends_on.isoformat(),
        "pilot_teams": sorted(pilots),
    }


# A sample count is a 32-bit column; nobody waits for a million ratings of one person.
MAX_MIN_SAMPLES = 1_000_000


def _number(issues: list[Issue], field: str, raw: Any, places: int = 4) -> Fraction | None:
    if raw is None or raw == "":
        return None
    try:
        return Fraction(parse_decimal(raw, places=places))
    except ParseError as error:
        issues.append(error.issue(field))
        return None


def _engine_lines(
    lines: Sequence[ScorecardLineInput], kpis: dict[str, Kpi], issues: list[Issue]
) -> list[ScorecardLine]:
    parsed: list[ScorecardLine] = []
    for index, item in enumerate(lines):
        where = f"lines[{index}]"
        kpi = kpis.get(item.kpi_code)
        if kpi is None:
            issues.append(
                Issue.of(
                    f"{where}.kpiCode",
                    "no KPI has the code {kpi}; create it first",
                    "UNKNOWN_KPI",
                    kpi=repr(item.kpi_code),
                )
            )
            continue
        try:
            scope = Scope(item.scope)
        except ValueError:
            issues.append(Issue(f"{where}.scope", "must be INDIVIDUAL or TEAM", "INVALID_CHOICE"))
            continue
        try:
            method = Method(item.method)
        except ValueError:
            issues.append(
                Issue(f"{where}.method", "must be LINEAR, BANDS or BINARY", "INVALID_CHOICE")
            )
            continue
        # Weights and band points are reported with 2 places: keep them exact there.
        weight = _number(issues, f"{where}.weight", item.weight, places=2)
        bands: list[BandStep] = []
        for band_index, (bound, points) in enumerate(item.bands):
            b = _number(issues, f"{where}.bands[{band_index}].bound", bound)
            p = _number(issues, f"{where}.bands[{band_index}].points", points, places=2)
            if b is not None and p is not None:
                bands.append(BandStep(b, p))
        if weight is None:
            if item.weight in (None, ""):
                issues.append(Issue(f"{where}.weight", "is required", "REQUIRED"))
            continue
        if not isinstance(item.min_samples, int) or isinstance(item.min_samples, bool):
            issues.append(Issue(f"{where}.minSamples", "must be a whole number", "INVALID"))
            continue
        if item.min_samples > MAX_MIN_SAMPLES:
            issues.append(
                Issue.of(
                    f"{where}.minSamples",
                    "is {given}; at most {most} samples may be required",
                    "TOO_LARGE",
                    given=f"{item.min_samples:,}",
                    most=f"{MAX_MIN_SAMPLES:,}",
                )
            )
            continue
        parsed.append(
            ScorecardLine(
                kpi=kpi_to_engine(kpi),
                scope=scope,
                weight=weight,
                method=method,
                threshold=_number(issues, f"{where}.threshold", item.threshold),
                target=_number(issues, f"{where}.target", item.target),
                stretch=_number(issues, f"{where}.stretch", item.stretch),
                bands=tuple(bands),
                min_samples=item.min_samples,
            )
        )
    return parsed


def _line_state(line: ScorecardLine) -> dict[str, Any]:
    def text(value: Fraction | None) -> str | None:
        if value is None:
            return None
        return format(Decimal(value.numerator) / Decimal(value.denominator), "f")

    return {
        "kpi": line.kpi.code,
        "scope": line.scope.value,
        "weight": text(line.weight),
        "method": line.method.value,
        "threshold": text(line.threshold),
        "target": text(line.target),
        "stretch": text(line.stretch),
        "bands": [[text(b.bound), text(b.points)] for b in line.bands],
        "min_samples": line.min_samples,
    }


async def get_position(conn: BaseDBAsyncClient, code: str) -> Position:
    position = await Position.get_or_none(code=code, using_db=conn)
    if position is None:
        raise NotFound("No position has the code {code}; add it first.", code=repr(code))
    return position


@dataclass(frozen=True, slots=True)
class CheckedScorecard:
    """Scorecard lines as typed, parsed and checked (SCORING.md §8): what a live or a
    shadow scorecard saves."""

    lines: list[ScorecardLine]
    kpi_ids: list[int]
    state: list[dict[str, Any]]  # as the audit log and the "nothing changed" test read it
    warnings: list[ScorecardIssue]


async def check_scorecard_input(
    conn: BaseDBAsyncClient,
    *,
    position: Position,
    lines: Sequence[ScorecardLineInput],
    policy: Policy | None = None,
) -> CheckedScorecard:
    """Parse and check typed lines; errors raise ValidationFailed naming the field.
    ``policy``: the one the calling write loaded, if it did."""
    kpis = {
        k.code: k for k in await Kpi.filter(code__in=[li.kpi_code for li in lines]).using_db(conn)
    }
    issues: list[Issue] = []
    parsed = _engine_lines(lines, kpis, issues)
    if issues:
        raise ValidationFailed(issues)
    if policy is None:
        policy, _version = await load_policy(conn)
    errors, warnings = check_scorecard(
        parsed,
        policy,
        holder_leads_team=position.id in await positions_led_by_a_holder(conn),
    )
    if errors:
        raise ValidationFailed(
            [Issue.of(e.field, e.template, e.code, row=None, **dict(e.values)) for e in errors]
        )
    return CheckedScorecard(
        lines=parsed,
        kpi_ids=[kpis[item.kpi_code].id for item in lines],
        state=[_line_state(line) for line in parsed],
        warnings=warnings,
    )


def stored_line_state(row: LineRow | ShadowLineRow) -> dict[str, Any]:
    """A saved line (its KPI prefetched) as :class:`CheckedScorecard` states it."""
    return _line_state(line_to_engine(row, kpi_to_engine(row.kpi)))


def line_columns(line: ScorecardLine, *, ordinal: int, kpi_id: int) -> dict[str, Any]:
    """The stored columns of a live or shadow scorecard line."""
    return {
        "ordinal": ordinal,
        "kpi_id": kpi_id,
        "scope": line.scope,
        "weight": _scaled(line.weight),
        "method": line.method,
        "threshold": _scaled(line.threshold),
        "target": _scaled(line.target),
        "stretch": _scaled(line.stretch),
        "bands": [[_text(b.bound), _text(b.points)] for b in line.bands],
        "min_samples": line.min_samples,
    }


@retry_when_busy
async def save_scorecard(
    *,
    actor: Actor,
    cycle_code: str,
    position_code: str,
    lines: Sequence[ScorecardLineInput],
    expected_version: int | None = None,
    reason: str | None = None,
) -> ScorecardSaved:
    """Check (SCORING.md §8) and save; in ACTIVE only with a reason, and the scores follow."""
    require_admin(actor)
    async with in_transaction() as conn:
        cycle = await get_cycle(conn, cycle_code)
        position = await get_position(conn, position_code)
        # Read once for this write: the §8 checks and the recompute share it.
        loaded = await load_policy(conn)
        checked = await check_scorecard_input(
            conn, position=position, lines=lines, policy=loaded[0]
        )
        warnings = checked.warnings
        existing = await Scorecard.get_or_none(
            cycle_id=cycle.id, position_id=position.id, using_db=conn
        )
        if (
            existing is not None
            and expected_version is not None
            and expected_version != existing.version
        ):
            raise StaleVersion(
                "The scorecard of {position} in {cycle} is at version {version}, not "
                "{expected}: someone saved first. Reload it, re-apply your change and save "
                "again.",
                position=repr(position_code),
                cycle=repr(cycle_code),
                version=existing.version,
                expected=expected_version,
            )
        wanted = checked.state
        before: list[dict[str, Any]] | None = None
        if existing is not None:
            stored = (
                await LineRow.filter(scorecard_id=existing.id)
                .using_db(conn)
                .order_by("ordinal")
                .prefetch_related("kpi")
            )
            before = [stored_line_state(r) for r in stored]
            if before == wanted:
                return ScorecardSaved(existing.version, False, warnings)
        if cycle.state in (CycleState.REVIEW, CycleState.FINALIZED):
            raise InvalidTransition(
                "Cycle {cycle} is {state}: its scorecards can no longer change.",
                cycle=repr(cycle_code),
                state=cycle.state,
            )
        if cycle.state is CycleState.ACTIVE and not (reason and reason.strip()):
            raise ValidationFailed(
                [
                    Issue.of(
                        "reason",
                        "the cycle is {state}: say why the scorecard changes; the reason goes "
                        "to the audit log",
                        "REASON_REQUIRED",
                        state=CycleState.ACTIVE,
                    )
                ]
            )
        stored_warnings = warning_data(warnings)
        if existing is None:
            existing = await Scorecard.create(
                using_db=conn, cycle_id=cycle.id, position_id=position.id, warnings=stored_warnings
            )
        else:
            existing.version += 1
            existing.warnings = stored_warnings
            await existing.save(using_db=conn)
            await LineRow.filter(scorecard_id=existing.id).using_db(conn).delete()
        for ordinal, (line, kpi_id) in enumerate(zip(checked.lines, checked.kpi_ids, strict=True)):
            await LineRow.create(
                using_db=conn,
                scorecard_id=existing.id,
                **line_columns(line, ordinal=ordinal, kpi_id=kpi_id),
            )
        await write_audit(
            conn,
            actor=actor,
            action="save_scorecard",
            entity="scorecard",
            entity_key=f"{cycle_code}/{position_code}",
            before=before,
            after={"version": existing.version, "lines": wanted},
            reason=reason,
        )
        if cycle.state is CycleState.ACTIVE:
            await recompute_cycle(conn, cycle, policy=loaded)
        return ScorecardSaved(existing.version, True, warnings)


def _scaled(value: Fraction | None) -> int | None:
    if value is None:
        return None
    return to_scaled(Decimal(value.numerator) / Decimal(value.denominator))


def _text(value: Fraction) -> str:
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")


def warning_data(warnings: Sequence[ScorecardIssue]) -> list[dict[str, Any]]:
    """Stored with the template and values, so the admin can show them in Chinese too."""
    return [
        {"code": w.code, "field": w.field, "message": w.message}
        | ({"template": w.template, "values": dict(w.values)} if w.template else {})
        for w in warnings
    ]


async def refresh_scorecard_warnings(
    conn: BaseDBAsyncClient, *, policy: Policy | None = None
) -> None:
    """The stored warnings of every scorecard not yet final, checked again: they depend
    on the policy and on who leads a team (SCORING §8), inside the caller's transaction
    (update_policy, upsert_teams), with the policy the caller loaded when it has one."""
    if policy is None:
        policy, _version = await load_policy(conn)
    cards = (
        await Scorecard.filter(cycle__state__in=[CycleState.DRAFT, *OPEN_CYCLE_STATES])
        .using_db(conn)
        .prefetch_related("lines", "lines__kpi")
    )
    led = await positions_led_by_a_holder(conn)
    for card in cards:
        lines = [
            line_to_engine(r, kpi_to_engine(r.kpi))
            for r in sorted(card.lines, key=lambda r: r.ordinal)
        ]
        _errors, warnings = check_scorecard(
            lines, policy, holder_leads_team=card.position_id in led
        )
        data = warning_data(warnings)
        if data != card.warnings:
            card.warnings = data
            await card.save(using_db=conn, update_fields=["warnings"])


async def cycle_warnings(conn: BaseDBAsyncClient, cycle: Cycle, *, actor: Actor) -> list[Issue]:
    """What the cycle page lists: scorecard warnings, positions without a scorecard and,
    for those who may see head counts, how many employees have no score and why. Each a
    message with its values (a scorecard's own warning is a value of its line here)."""
    messages: list[Issue] = []
    cards = await Scorecard.filter(cycle_id=cycle.id).using_db(conn).prefetch_related("position")
    for card in sorted(cards, key=lambda c: c.position.code):
        for warning in card.warnings:
            messages.append(
                Issue.of(
                    "scorecard",
                    "{position}: {warning}",
                    position=card.position.code,
                    warning=MappingProxyType(warning),
                )
            )
    covered = {card.position_id for card in cards}
    missing = (
        await Employee.filter(position_id__isnull=False)
        .exclude(position_id__in=list(covered))
        .using_db(conn)
        .values_list("position__code", flat=True)
    )
    for code in sorted(set(missing)):
        messages.append(
            Issue.of(
                "scorecard",
                "{position}: no scorecard; employees in this position are listed as not eligible.",
                position=code,
            )
        )
    if may_see_cycle_head_counts(actor):
        messages += await _no_data_warnings(conn, cycle)
    return messages


_NO_DATA_WORDS = {
    StatusReason.NOT_ENOUGH_EVIDENCE.value: (
        "Employees without a total for want of evidence of their own: {count}."
    ),
    StatusReason.NO_SCORED_LINE.value: "Employees without a total, no line scored: {count}.",
}


async def _no_data_warnings(conn: BaseDBAsyncClient, cycle: Cycle) -> list[Issue]:
    """How many employees have no total, by reason (SCORING §2, §5)."""
    rows = await fetch_all(
        conn,
        "SELECT status_reason, COUNT(*) AS n FROM score WHERE cycle_id = ? AND status = ? "
        "GROUP BY status_reason ORDER BY status_reason",
        [cycle.id, ScoreStatus.NO_DATA.value],
    )
    counts = {str(r["status_reason"]): int(r["n"]) for r in rows}
    return [
        Issue.of("scores", template, reason, count=counts[reason])
        for reason, template in _NO_DATA_WORDS.items()
        if counts.get(reason)
    ]


@retry_when_busy
async def transition_cycle(
    *,
    actor: Actor,
    cycle_code: str,
    to: str,
    reason: str | None = None,
    override_reason: str | None = None,
) -> Cycle:
    """Move a cycle one state forward with the checks of SCORING.md §9.

    To FINALIZED, open appeals and missing manager reviews block it unless an admin
    gives `override_reason`; the scores are then frozen with their snapshot.
    """
    require_admin(actor)
    try:
        target = CycleState(to)
    except ValueError:
        raise ValidationFailed([Issue("to", "must be ACTIVE, REVIEW or FINALIZED")]) from None
    async with in_transaction() as conn:
        cycle = await Cycle.select_for_update().using_db(conn).get_or_none(code=cycle_code)
        if cycle is None:
            raise NotFound("No cycle has the code {code}.", code=repr(cycle_code))
        nxt = cycle.state.next
        if nxt is not target:
            if nxt is None:
                raise InvalidTransition(
                    "Cycle {cycle} is {state} and cannot go to {target}: states only move "
                    "forward one step; it is final.",
                    cycle=repr(cycle_code),
                    state=cycle.state,
                    target=target,
                )
            raise InvalidTransition(
                "Cycle {cycle} is {state} and cannot go to {target}: states only move "
                "forward one step; the next state is {next}.",
                cycle=repr(cycle_code),
                state=cycle.state,
                target=target,
                next=nxt,
            )
        # Read once for this write: the activation check and the recompute share it.
        loaded = await load_policy(conn) if target is not CycleState.FINALIZED else None
        if target is CycleState.ACTIVE and loaded is not None:
            await _check_can_activate(conn, cycle, loaded[0])
        before = cycle.state.value
        if target is CycleState.FINALIZED:
            await finalize_cycle(conn, actor=actor, cycle=cycle, override_reason=override_reason)
        cycle.state = target
        await cycle.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="transition_cycle",
            entity="cycle",
            entity_key=cycle_code,
            before={"state": before},
            after={"state": target.value},
            reason=reason or override_reason,
        )
        if loaded is not None:
            await recompute_cycle(conn, cycle, policy=loaded)
        return cycle


def scorecard_errors(card: Scorecard, policy: Policy) -> list[ScorecardIssue]:
    """The §8 errors of a saved scorecard (lines and their KPIs prefetched): what keeps
    its cycle from becoming ACTIVE. Its warnings are the ones stored when it was saved."""
    lines = [
        line_to_engine(r, kpi_to_engine(r.kpi)) for r in sorted(card.lines, key=lambda r: r.ordinal)
    ]
    errors, _warnings = check_scorecard(lines, policy, holder_leads_team=False)
    return errors


NO_SCORECARD_YET = "No scorecard is saved yet."


@dataclass(frozen=True)
class ActivationBlocker:
    """One thing keeping a cycle from becoming ACTIVE, and the position whose scorecard
    it is in (None: no scorecard is saved at all), for pages that group by position:
    `position` is its code, `named` the position itself, for its name in each language."""

    position: str | None
    issue: Issue
    named: Position | None = None


async def activation_blockers(
    conn: BaseDBAsyncClient, cycle: Cycle, policy: Policy
) -> list[ActivationBlocker]:
    """What keeps a cycle from becoming ACTIVE (SCORING.md §9): no scorecard saved, or a
    saved scorecard with §8 errors, each named by its position. `transition_cycle`
    refuses on them, the admin's home lists them and the cycle page's state bar groups
    them by position: one rule for all three."""
    cards = (
        await Scorecard.filter(cycle_id=cycle.id)
        .using_db(conn)
        .prefetch_related("position", "lines", "lines__kpi")
    )
    if not cards:
        return [ActivationBlocker(None, Issue.of("scorecards", NO_SCORECARD_YET, "NO_SCORECARD"))]
    return [
        ActivationBlocker(
            card.position.code,
            Issue(
                f"scorecards[{card.position.code}].{e.field}",
                e.message,
                e.code,
                template=e.template or None,
                values=MappingProxyType(dict(e.values)),
            ),
            card.position,
        )
        for card in sorted(cards, key=lambda c: c.position.code)
        for e in scorecard_errors(card, policy)
    ]


async def _check_can_activate(conn: BaseDBAsyncClient, cycle: Cycle, policy: Policy) -> None:
    issues = [b.issue for b in await activation_blockers(conn, cycle, policy)]
    if any(i.code == "NO_SCORECARD" for i in issues):
        raise InvalidTransition(
            "Cycle {cycle} has no scorecard: save at least one before activating it.",
            cycle=repr(cycle.code),
        )
    if issues:
        raise ValidationFailed(
            issues,
            "Fix these scorecards before activating: "
            + "; ".join(i.describe() for i in issues[:5]),
        )
