"""Finalising a cycle: the checks of SCORING.md §9 and the snapshot of §7.

The final scores are frozen with what they counted: per score the ids of the
observations and reviews behind each line and its adjustments, beside the policy
and the scorecards. `inputsHash` is the SHA-256 of that snapshot's canonical JSON,
and `recompute_from_snapshot` proves the numbers can be rebuilt from it to the cent,
whatever happened to the live data since.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.errors import InvalidTransition, Issue
from service.models import Appeal, AppealState, Cycle, Score, ScoreState
from service.scoring import aggregate_values, format_fixed, score
from service.scoring.rounding import RAW_PLACES, REPORTED_PLACES
from service.scoring.stored import StoredScore
from service.scoring.types import (
    Aggregate,
    Aggregation,
    BandStep,
    Kpi,
    Policy,
    Scope,
    ScorecardLine,
    ScoreResult,
    ScoreStatus,
)
from service.sql import execute_many, fetch_all, placeholders
from service.usecases.accounts.access import leads_own_team, team_leads
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.scoring.changes import ScoreChange, announce
from service.usecases.scoring.recompute import (
    cycle_window_us,
    recompute_cycle,
    scorecards_for_cycle,
)
from service.usecases.setup.policy import load_policy, policy_from_data, policy_to_data

RAW = RAW_PLACES  # raw-unit settings (thresholds, bounds) in their reported form
REPORTED = REPORTED_PLACES  # everything else


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def inputs_hash(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


def _text(value: Fraction | None, places: int) -> str | None:
    return None if value is None else format_fixed(value, places)


# The settings a finalised score depends on; the snapshot keeps these, in reported form.
SNAPSHOT_POLICY_FIELDS = (
    "stretch_bonus",
    "adjustment_cap",
    "min_employed_share",
    "min_evidence_weight",
)


def policy_snapshot(policy: Policy) -> dict[str, Any]:
    return policy_to_data(
        policy,
        fields=SNAPSHOT_POLICY_FIELDS,
        places=REPORTED,
        with_band_guide=False,
        with_people_settings=False,
    )


def policy_from_snapshot(data: dict[str, Any]) -> Policy:
    return policy_from_data(data)


def line_snapshot(line: ScorecardLine) -> dict[str, Any]:
    kpi = line.kpi
    return {
        "kpi": {
            "code": kpi.code,
            "name": kpi.name,
            "kind": kpi.kind.value,
            "unit": kpi.unit,
            "direction": kpi.direction.value,
            "aggregation": kpi.aggregation.value,
            "aggregation_param": _text(kpi.aggregation_param, RAW),
            "range_min": _text(kpi.range_min, RAW),
            "range_max": _text(kpi.range_max, RAW),
            "tags": sorted(kpi.tags),
        },
        "scope": line.scope.value,
        "weight": _text(line.weight, REPORTED),
        "method": line.method.value,
        "threshold": _text(line.threshold, RAW),
        "target": _text(line.target, RAW),
        "stretch": _text(line.stretch, RAW),
        "bands": [[_text(b.bound, RAW), _text(b.points, REPORTED)] for b in line.bands],
        "min_samples": line.min_samples,
    }


def _fraction(value: str | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def line_from_snapshot(data: dict[str, Any]) -> ScorecardLine:
    k = data["kpi"]
    from service.scoring.types import Direction, KpiKind, Method

    kpi = Kpi(
        code=k["code"],
        name=k["name"],
        kind=KpiKind(k["kind"]),
        unit=k["unit"],
        direction=Direction(k["direction"]),
        aggregation=Aggregation(k["aggregation"]),
        aggregation_param=_fraction(k["aggregation_param"]),
        range_min=_fraction(k["range_min"]),
        range_max=_fraction(k["range_max"]),
        tags=frozenset(k["tags"]),
    )
    return ScorecardLine(
        kpi=kpi,
        scope=Scope(data["scope"]),
        weight=Fraction(data["weight"]),
        method=Method(data["method"]),
        threshold=_fraction(data["threshold"]),
        target=_fraction(data["target"]),
        stretch=_fraction(data["stretch"]),
        bands=tuple(BandStep(Fraction(b), Fraction(p)) for b, p in data["bands"]),
        min_samples=int(data["min_samples"]),
    )


async def finalisation_problems(conn: BaseDBAsyncClient, cycle: Cycle) -> list[Issue]:
    """What stands in the way of finalising: each a message with its values (translated
    by the admin)."""
    problems: list[Issue] = []
    open_appeals = (
        await Appeal.filter(cycle_id=cycle.id, state=AppealState.OPEN).using_db(conn).count()
    )
    if open_appeals:
        problems.append(
            Issue.of(
                "appeals",
                "Appeals still open: {count}; resolve them first",
                "OPEN_APPEALS",
                count=open_appeals,
            )
        )
    missing: list[str] = []
    # Every eligible employee (SCORING §9): a NO_DATA score may lack exactly the
    # review that would make it count.
    scores = (
        await Score.filter(cycle_id=cycle.id, status__in=[ScoreStatus.SCORED, ScoreStatus.NO_DATA])
        .using_db(conn)
        .prefetch_related("employee")
    )
    for s in sorted(scores, key=lambda s: s.employee.external_id):
        for line in StoredScore.from_row(s.explanation).lines:
            if line.setting.aggregation == Aggregation.REVIEW_MEAN.value and line.n == 0:
                missing.append(f"{s.employee.external_id} ({line.kpi.code})")
    if missing:
        # The "and N more" is part of the template, not of a value: the admin translates it.
        more = len(missing) - 10
        template = "Rated lines of eligible employees without a manager's rating: {count} ({lines})"
        if more > 0:
            template = (
                "Rated lines of eligible employees without a manager's rating: {count} "
                "({lines} and {more} more)"
            )
        problems.append(
            Issue.of(
                "reviews",
                template,
                "MISSING_MANAGER_REVIEWS",
                count=len(missing),
                lines=", ".join(missing[:10]),
                more=more,
            )
        )
    return problems


async def finalize_cycle(
    conn: BaseDBAsyncClient, *, actor: Actor, cycle: Cycle, override_reason: str | None
) -> None:
    """REVIEW -> FINALIZED, inside the caller's transaction (transition_cycle)."""
    problems = await finalisation_problems(conn, cycle)
    if problems and not (actor.is_admin and override_reason and override_reason.strip()):
        raise InvalidTransition(
            f"Cycle {cycle.code!r} cannot be finalised yet: "
            + "; ".join(p.message for p in problems)
            + ". An admin may finalise anyway with an override reason."
        )
    loaded = await load_policy(conn)
    policy = loaded[0]
    # Final numbers from the data as it stands now.
    await recompute_cycle(conn, cycle, policy=loaded)
    cards = await scorecards_for_cycle(conn, cycle)
    positions = {
        int(r["id"]): r["code"] for r in await fetch_all(conn, "SELECT id, code FROM position")
    }
    teams = {int(r["id"]): r["code"] for r in await fetch_all(conn, "SELECT id, code FROM team")}
    leads = await team_leads(conn)
    start_us, end_us = cycle_window_us(cycle, policy)
    own_ids, team_ids = await _counted_observations(conn, cards, start_us, end_us)
    review_ids = await _counted_reviews(conn, cycle.id)
    adjustments = await _adjustments(conn, cycle.id)
    cycle_snapshot = {
        "cycle": {
            "code": cycle.code,
            "starts_on": cycle.starts_on.isoformat(),
            "ends_on": cycle.ends_on.isoformat(),
        },
        "policy": policy_snapshot(policy),
        "scorecards": {
            positions[pos]: [line_snapshot(line) for line in card.lines]
            for pos, card in sorted(cards.items(), key=lambda i: positions[i[0]])
        },
        "team_observations": {
            teams[team]: {kpi_code: ids for kpi_code, ids in sorted(by_kpi.items())}
            for team, by_kpi in sorted(team_ids.items(), key=lambda i: teams[i[0]])
        },
    }
    rows = await fetch_all(
        conn,
        "SELECT s.id, s.employee_id, s.team_id, s.position_id, s.status, "
        "s.status_reason, e.external_id FROM score s JOIN employee e "
        "ON e.id = s.employee_id WHERE s.cycle_id = ? ORDER BY s.id",
        [cycle.id],
    )
    updates = []
    for row in rows:
        position = row["position_id"]
        card = cards.get(position) if row["status"] != ScoreStatus.NOT_ELIGIBLE.value else None
        team_code = teams.get(row["team_id"]) if row["team_id"] is not None else None
        lines: list[dict[str, Any]] = []
        for kpi_id, line in zip(card.kpi_ids, card.lines, strict=True) if card else []:
            if line.kpi.aggregation is Aggregation.REVIEW_MEAN:
                lines.append({"reviews": review_ids.get((row["employee_id"], kpi_id), [])})
            elif line.scope is Scope.TEAM:
                lines.append({"team_observations": team_code})
            else:
                lines.append({"observations": own_ids.get((row["employee_id"], line.kpi.code), [])})
        snapshot = {
            "employee": row["external_id"],
            "team": team_code,
            "position": positions.get(position) if position is not None else None,
            "status": row["status"],
            # The snapshot's shape predates the NO_DATA reasons, which a recompute
            # from it gives again; it keeps only the not-eligible reason.
            "not_eligible_reason": (
                row["status_reason"] if row["status"] == ScoreStatus.NOT_ELIGIBLE.value else None
            ),
            "lines": lines,
            "adjustments": adjustments.get(int(row["employee_id"]), []),
        }
        if leads_own_team(int(row["employee_id"]), row["team_id"], leads):
            # Only when true: a snapshot without it (every one taken before the
            # evidence rule) reads as "leads no team", and its hash stays the same.
            snapshot["leads_team"] = True
        full = expand_snapshot(snapshot, cycle_snapshot)
        updates.append(
            [ScoreState.FINAL.value, canonical_json(snapshot), inputs_hash(full), int(row["id"])]
        )
    await execute_many(
        conn, "UPDATE score SET state = ?, snapshot = ?, inputs_hash = ? WHERE id = ?", updates
    )
    if updates:
        # Every score of the cycle is FINAL now.
        await announce(conn, ScoreChange(cycle.id))
    cycle.snapshot = cycle_snapshot
    cycle.finalized_at = datetime.now(UTC)
    await cycle.save(using_db=conn)
    if problems:
        await write_audit(
            conn,
            actor=actor,
            action="override_finalisation_checks",
            entity="cycle",
            entity_key=cycle.code,
            after={"problems": [p.message for p in problems]},
            reason=override_reason,
        )


def expand_snapshot(snapshot: dict[str, Any], cycle_snapshot: dict[str, Any]) -> dict[str, Any]:
    """The full snapshot one score was computed from: the shared parts inlined (stored
    once per cycle, since a team's observations are the same for all its members)."""
    position = snapshot["position"]
    card = cycle_snapshot["scorecards"].get(position, []) if snapshot["lines"] else []
    lines = []
    for line, counted in zip(card, snapshot["lines"], strict=True):
        if "team_observations" in counted:
            team = counted["team_observations"]
            ids = cycle_snapshot["team_observations"].get(team, {}).get(line["kpi"]["code"], [])
            counted = {"observations": ids, "team": team}
        lines.append({"line": line, "counted": counted})
    return {
        "cycle": cycle_snapshot["cycle"],
        "policy": cycle_snapshot["policy"],
        "employee": snapshot["employee"],
        "team": snapshot["team"],
        "position": position,
        "status": snapshot["status"],
        "not_eligible_reason": snapshot["not_eligible_reason"],
        "lines": lines,
        "adjustments": snapshot["adjustments"],
    } | ({"leads_team": True} if snapshot.get("leads_team") else {})


async def _counted_observations(
    conn: BaseDBAsyncClient, cards: dict[int, Any], start_us: int, end_us: int
) -> tuple[dict[tuple[int, str], list[int]], dict[int, dict[str, list[int]]]]:
    kpi_codes: dict[int, str] = {}
    scoped: dict[Scope, set[int]] = {Scope.INDIVIDUAL: set(), Scope.TEAM: set()}
    for card in cards.values():
        for kpi_id, line in zip(card.kpi_ids, card.lines, strict=True):
            if line.kpi.aggregation is not Aggregation.REVIEW_MEAN:
                scoped[line.scope].add(kpi_id)
                kpi_codes[kpi_id] = line.kpi.code
    own: dict[tuple[int, str], list[int]] = defaultdict(list)
    team: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for scope, column in ((Scope.INDIVIDUAL, "employee_id"), (Scope.TEAM, "team_id")):
        ids = sorted(scoped[scope])
        if not ids:
            continue
        rows = await fetch_all(
            conn,
            f"SELECT id, {column} AS grp, kpi_id FROM observation WHERE kpi_id IN "
            f"({placeholders(len(ids))}) AND voided_at IS NULL AND occurred_at_us >= ? "
            f"AND occurred_at_us < ? AND {column} IS NOT NULL ORDER BY id",
            [*ids, start_us, end_us],
        )
        for r in rows:
            code = kpi_codes[int(r["kpi_id"])]
            if scope is Scope.INDIVIDUAL:
                own[(int(r["grp"]), code)].append(int(r["id"]))
            else:
                team[int(r["grp"])][code].append(int(r["id"]))
    return own, team


async def _counted_reviews(
    conn: BaseDBAsyncClient, cycle_id: int
) -> dict[tuple[int, int], list[int]]:
    found: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r in await fetch_all(
        conn,
        "SELECT id, employee_id, kpi_id FROM review WHERE cycle_id = ? AND kind = 'MANAGER' "
        "ORDER BY id",
        [cycle_id],
    ):
        found[(int(r["employee_id"]), int(r["kpi_id"]))].append(int(r["id"]))
    return found


async def _adjustments(conn: BaseDBAsyncClient, cycle_id: int) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in await fetch_all(
        conn,
        "SELECT id, employee_id, points, reason FROM adjustment WHERE cycle_id = ? ORDER BY id",
        [cycle_id],
    ):
        found[int(r["employee_id"])].append(
            {
                "id": int(r["id"]),
                "points": format_fixed(Fraction(int(r["points"]), 10_000), REPORTED),
                "reason": r["reason"],
            }
        )
    return found


async def recompute_from_snapshot(
    conn: BaseDBAsyncClient, *, score_row: Score, cycle: Cycle
) -> tuple[ScoreResult | None, str]:
    """Rebuild a final score from its snapshot alone; returns (result, hash of inputs).

    Observations are read by id whether voided since or not (they are never changed,
    only voided), and the policy and scorecard come from the snapshot, not from today.
    """
    if score_row.snapshot is None or cycle.snapshot is None:
        raise InvalidTransition("Only a finalised score has a snapshot to recompute from.")
    full = expand_snapshot(score_row.snapshot, cycle.snapshot)
    digest = inputs_hash(full)
    if full["status"] == ScoreStatus.NOT_ELIGIBLE.value:
        return None, digest
    policy = policy_from_snapshot(full["policy"])
    lines = [line_from_snapshot(item["line"]) for item in full["lines"]]
    aggregates: list[Aggregate] = []
    for line, item in zip(lines, full["lines"], strict=True):
        counted = item["counted"]
        if "reviews" in counted:
            ratings = await _values("review", "rating", counted["reviews"], conn)
            aggregates.append(Aggregate(n=len(ratings), value_sum=sum(ratings, Fraction(0))))
        else:
            values = await _values("observation", "value", counted["observations"], conn)
            aggregates.append(aggregate_values(line.kpi, values))
    adjustments = [Fraction(a["points"]) for a in full["adjustments"]]
    result = score(
        lines=lines,
        aggregates=aggregates,
        adjustments=adjustments,
        policy=policy,
        leads_team=bool(full.get("leads_team", False)),
    )
    return result, digest


async def _values(
    table: str, column: str, ids: list[int], conn: BaseDBAsyncClient
) -> list[Fraction]:
    values: list[Fraction] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = await fetch_all(
            conn,
            f"SELECT {column} AS v FROM {table} WHERE id IN ({placeholders(len(chunk))})",
            chunk,
        )
        if len(rows) != len(chunk):
            raise InvalidTransition(
                "The snapshot names {table} rows that no longer exist.", table=table
            )
        values.extend(Fraction(int(r["v"]), 10_000) for r in rows)
    return values
