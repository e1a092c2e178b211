"""Changing the policy (SCORING.md "Words", §8): audited, versioned, and followed by the
provisional scores and the scorecards' stored warnings in the same transaction.

Apart from service/usecases/setup/policy.py, which stores and reads the policy, so that
recompute can read it without depending on what changes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import StaleVersion
from service.models import OPEN_CYCLE_STATES
from service.models import Policy as PolicyRow
from service.scoring.types import ScoreStatus
from service.sql import fetch_all, placeholders
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.recompute import recompute_open_cycles
from service.usecases.setup.cycles import refresh_scorecard_warnings
from service.usecases.setup.policy import POLICY_ID, policy_from_data, validate_policy_data


@dataclass(frozen=True, slots=True)
class MovedScorecard:
    """A scorecard of an open cycle on which the policy change moved scores (§8)."""

    cycle_code: str
    position_code: str
    to_no_data: int  # scores that had a total and now have none
    from_no_data: int  # scores that had none and now have a total


@dataclass(frozen=True, slots=True)
class PolicySaved:
    version: int
    changed: bool
    moved: list[MovedScorecard] = field(default_factory=list)


_StatusKey = tuple[str, str, int]  # (cycle code, position code, employee id)


async def _open_statuses(conn: BaseDBAsyncClient) -> dict[_StatusKey, str]:
    rows = await fetch_all(
        conn,
        "SELECT c.code AS cycle, p.code AS position, s.employee_id, s.status FROM score s "
        "JOIN cycle c ON c.id = s.cycle_id JOIN position p ON p.id = s.position_id "
        f"WHERE c.state IN ({placeholders(len(OPEN_CYCLE_STATES))})",
        [state.value for state in OPEN_CYCLE_STATES],
    )
    return {(r["cycle"], r["position"], int(r["employee_id"])): r["status"] for r in rows}


def _moved(before: dict[_StatusKey, str], after: dict[_StatusKey, str]) -> list[MovedScorecard]:
    no_data = ScoreStatus.NO_DATA.value
    counts: dict[tuple[str, str], list[int]] = {}
    for key, status in after.items():
        old = before.get(key)
        if old is None or (old == no_data) == (status == no_data):
            continue
        # NOT_ELIGIBLE <-> NO_DATA (a new minimum share of days) moves too.
        entry = counts.setdefault((key[0], key[1]), [0, 0])
        entry[0 if status == no_data else 1] += 1
    return [
        MovedScorecard(cycle, position, to_no_data=to, from_no_data=back)
        for (cycle, position), (to, back) in sorted(counts.items())
    ]


@retry_when_busy
async def update_policy(
    *,
    actor: Actor,
    settings: dict[str, Any],
    expected_version: int | None,
    reason: str | None = None,
) -> PolicySaved:
    """Save the policy. Provisional scores follow it; the result lists the scorecards
    whose scores it moved to or from NO_DATA (SCORING.md §8)."""
    require_admin(actor)
    data = validate_policy_data(settings)
    async with in_transaction() as conn:
        row = await PolicyRow.select_for_update().using_db(conn).get_or_none(id=POLICY_ID)
        current = row.version if row else 0
        if expected_version is not None and expected_version != current:
            raise StaleVersion(
                "The policy is at version {version}, not {expected}: someone saved first. "
                "Reload it, re-apply your change and save again.",
                version=current,
                expected=expected_version,
            )
        if row is not None and row.data == data:
            return PolicySaved(row.version, False)
        before = row.data if row else None
        if row is None:
            row = await PolicyRow.create(using_db=conn, id=POLICY_ID, data=data, version=1)
        else:
            row.data = data
            row.version += 1
            await row.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="update_policy",
            entity="policy",
            entity_key="1",
            before=before,
            after=data,
            reason=reason,
        )
        before_statuses = await _open_statuses(conn)
        saved = policy_from_data(data)
        await refresh_scorecard_warnings(conn, policy=saved)
        await recompute_open_cycles(conn, policy=(saved, row.version))
        moved = _moved(before_statuses, await _open_statuses(conn))
        return PolicySaved(row.version, True, moved)
