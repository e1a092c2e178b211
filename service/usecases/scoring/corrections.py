"""Managers correct what is wrong: void an observation, adjust a score (SCORING.md §4)."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import InvalidTransition, Issue, NotFound, ValidationFailed
from service.models import (
    OPEN_CYCLE_STATES,
    Adjustment,
    Cycle,
    CycleState,
    Employee,
    Observation,
    Score,
)
from service.scoring import AdjustmentOverCap, check_adjustment, format_fixed
from service.scoring.types import ScoreStatus
from service.sql import int_values
from service.usecases.accounts.access import require_may_act_on, require_may_act_on_team
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.inputs import Number
from service.usecases.parsing import ParseError, from_scaled, parse_decimal, to_scaled
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.recompute import recompute_cycle, recompute_open_cycles
from service.usecases.setup.policy import load_policy


def _require_reason(reason: str | None, field: str = "reason") -> str:
    if not reason or not reason.strip():
        raise ValidationFailed(
            [Issue(field, "say why; the reason is shown to the employee and audited", "REQUIRED")]
        )
    return reason.strip()


@retry_when_busy
async def void_observation(
    *,
    actor: Actor,
    reason: str,
    observation_id: int | None = None,
    source: str | None = None,
    external_id: str | None = None,
    kpi_code: str | None = None,
) -> Observation:
    """Void (never delete) a wrong observation; the open cycles' scores follow.

    The observation is named by its id, or by the source and external id it came with
    (and its KPI, when the same source and external id were used for several KPIs)."""
    text = _require_reason(reason)
    async with in_transaction() as conn:
        if observation_id is None:
            observation_id = await _observation_by_key(
                conn, source=source, external_id=external_id, kpi_code=kpi_code
            )
        observation = await apply_void(
            conn, actor=actor, observation_id=observation_id, reason=text
        )
    return observation


async def _observation_by_key(
    conn: BaseDBAsyncClient, *, source: str | None, external_id: str | None, kpi_code: str | None
) -> int:
    if not source or not external_id:
        raise ValidationFailed(
            [
                Issue(
                    "observation",
                    "name the observation by its id, or by its source and external id",
                    "REQUIRED",
                )
            ]
        )
    found = Observation.filter(source=source, external_id=external_id).using_db(conn)
    if kpi_code:
        found = found.filter(kpi__code=kpi_code)
    ids = sorted(await int_values(found.values_list("id", flat=True)))
    if not ids:
        raise NotFound(
            "No observation came from {source} with the external id {external_id}.",
            source=repr(source),
            external_id=repr(external_id),
        )
    if len(ids) > 1:
        raise ValidationFailed(
            [
                Issue.of(
                    "kpi",
                    "{count} observations of several KPIs have this source and external id "
                    "(ids {ids}): name the KPI as well, or void by id",
                    "AMBIGUOUS",
                    count=len(ids),
                    ids=", ".join(str(i) for i in ids),
                )
            ]
        )
    return ids[0]


async def apply_void(
    conn: BaseDBAsyncClient, *, actor: Actor, observation_id: int, reason: str
) -> Observation:
    """The void itself, inside a caller's transaction (resolving an appeal uses it too)."""
    observation = (
        await Observation.select_for_update().using_db(conn).get_or_none(id=observation_id)
    )
    if observation is None:
        raise NotFound("No observation has the id {id}.", id=observation_id)
    if observation.voided_at is not None:
        raise InvalidTransition(
            "Observation {id} was already voided: {reason}",
            id=observation_id,
            reason=observation.void_reason,
        )
    if observation.employee_id is not None:
        employee = await Employee.get(id=observation.employee_id, using_db=conn)
        await require_may_act_on(conn, actor, employee)
    elif observation.team_id is not None:
        await require_may_act_on_team(conn, actor, observation.team_id)
    observation.voided_at = datetime.now(UTC)
    observation.void_reason = reason
    observation.voided_by_id = actor.user_id
    await observation.save(using_db=conn)
    await write_audit(
        conn,
        actor=actor,
        action="void_observation",
        entity="observation",
        entity_key=str(observation_id),
        before={"voided": False},
        after={"voided": True},
        reason=reason,
    )
    await recompute_open_cycles(
        conn,
        employee_ids={observation.employee_id} if observation.employee_id else set(),
        team_ids={observation.team_id} if observation.team_id else set(),
        moments_us=[observation.occurred_at_us],
    )
    return observation


@retry_when_busy
async def adjust_score(
    *, actor: Actor, cycle_code: str, employee_external_id: str, points: Number, reason: str
) -> Adjustment:
    """Add signed points with a reason, within the policy's cap (SCORING.md §4)."""
    text = _require_reason(reason)
    async with in_transaction() as conn:
        return await apply_adjustment(
            conn,
            actor=actor,
            cycle_code=cycle_code,
            employee_external_id=employee_external_id,
            points=points,
            reason=text,
        )


async def apply_adjustment(
    conn: BaseDBAsyncClient,
    *,
    actor: Actor,
    cycle_code: str,
    employee_external_id: str,
    points: Number,
    reason: str,
    appeal_id: int | None = None,
) -> Adjustment:
    cycle = await Cycle.get_or_none(code=cycle_code, using_db=conn)
    if cycle is None:
        raise NotFound("No cycle has the code {code}.", code=repr(cycle_code))
    if cycle.state not in OPEN_CYCLE_STATES:
        raise InvalidTransition(
            "Cycle {cycle} is {state}: scores are adjusted while it is {active} or {review}.",
            cycle=repr(cycle_code),
            state=cycle.state,
            active=CycleState.ACTIVE,
            review=CycleState.REVIEW,
        )
    employee = await Employee.get_or_none(external_id=employee_external_id, using_db=conn)
    if employee is None:
        raise NotFound("No employee has the external id {id}.", id=repr(employee_external_id))
    await require_may_act_on(conn, actor, employee)
    # Read only once the caller may adjust this score.
    try:
        exact = parse_decimal(points, places=2)
    except ParseError as error:
        raise ValidationFailed([error.issue("points")]) from None
    amount = Fraction(exact)
    score = await Score.get_or_none(cycle_id=cycle.id, employee_id=employee.id, using_db=conn)
    if score is None or score.status is not ScoreStatus.SCORED:
        status = "not in this cycle" if score is None else score.status.value
        raise InvalidTransition(
            "{employee}'s score in {cycle} is {status}: only a scored score can be adjusted.",
            employee=employee_external_id,
            cycle=cycle_code,
            status=status,
        )
    existing = [
        from_scaled(p)
        for p in await int_values(
            Adjustment.filter(cycle_id=cycle.id, employee_id=employee.id)
            .using_db(conn)
            .values_list("points", flat=True)
        )
    ]
    policy, version = await load_policy(conn)
    try:
        check_adjustment(existing=existing, amount=amount, cap=policy.adjustment_cap)
    except AdjustmentOverCap:
        net = sum(existing, Fraction(0))
        raise ValidationFailed(
            [
                Issue.of(
                    "points",
                    "would take the net adjustment to {total}, past the cap of ±{cap} (now {now})",
                    "OVER_CAP",
                    total=format_fixed(net + amount, 2),
                    cap=format_fixed(policy.adjustment_cap, 2),
                    now=format_fixed(net, 2),
                )
            ]
        ) from None
    except ValueError as error:
        raise ValidationFailed([Issue("points", str(error), "INVALID")]) from None
    adjustment = await Adjustment.create(
        using_db=conn,
        cycle_id=cycle.id,
        employee_id=employee.id,
        points=to_scaled(exact),
        reason=reason,
        made_by_id=actor.user_id,
        made_by_label=actor.label,
        appeal_id=appeal_id,
    )
    await write_audit(
        conn,
        actor=actor,
        action="adjust_score",
        entity="score",
        entity_key=f"{cycle_code}/{employee_external_id}",
        after={"points": format_fixed(amount, 2), "adjustment_id": adjustment.id},
        reason=reason,
    )
    await recompute_cycle(conn, cycle, employee_ids={employee.id}, policy=(policy, version))
    return adjustment
