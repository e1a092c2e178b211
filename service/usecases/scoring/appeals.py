"""Employees question their score; a manager or an admin answers (SCORING.md §9)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from service.errors import InvalidTransition, Issue, NotFound, PermissionDenied, ValidationFailed
from service.models import (
    OPEN_CYCLE_STATES,
    Appeal,
    AppealState,
    Cycle,
    CycleState,
    Employee,
    Observation,
    Score,
    ScorecardLine,
)
from service.scoring.types import ScoreStatus
from service.usecases.accounts.access import require_may_act_on
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.inputs import Number
from service.usecases.retries import retry_when_busy
from service.usecases.scoring.corrections import apply_adjustment, apply_void


@retry_when_busy
async def file_appeal(
    *,
    actor: Actor,
    cycle_code: str,
    employee_external_id: str,
    reason: str,
    line: int | None = None,
) -> Appeal:
    """Against one line (its 1-based number on the score) or, with no line, the whole score."""
    if not reason or not reason.strip():
        raise ValidationFailed([Issue("reason", "say what you think is wrong", "REQUIRED")])
    async with in_transaction() as conn:
        cycle = await Cycle.get_or_none(code=cycle_code, using_db=conn)
        if cycle is None:
            raise NotFound("No cycle has the code {code}.", code=repr(cycle_code))
        if cycle.state not in OPEN_CYCLE_STATES:
            raise InvalidTransition(
                "Cycle {cycle} is {state}: appeals are filed while it is {active} or {review}.",
                cycle=repr(cycle_code),
                state=cycle.state,
                active=CycleState.ACTIVE,
                review=CycleState.REVIEW,
            )
        employee = await Employee.get_or_none(external_id=employee_external_id, using_db=conn)
        if employee is None:
            raise NotFound("No employee has the external id {id}.", id=repr(employee_external_id))
        if not actor.is_admin and actor.employee_id != employee.id:
            raise PermissionDenied("Only the employee (or an admin for them) files an appeal.")
        kpi_id = None
        if line is not None:
            lines = (
                await ScorecardLine.filter(
                    scorecard__cycle_id=cycle.id, scorecard__position_id=employee.position_id
                )
                .using_db(conn)
                .order_by("ordinal")
            )
            if not 1 <= line <= len(lines):
                raise ValidationFailed(
                    [
                        Issue.of(
                            "line",
                            "the score has lines 1 to {last}; leave it out to appeal the whole "
                            "score",
                            "UNKNOWN_LINE",
                            last=len(lines),
                        )
                    ]
                )
            kpi_id = lines[line - 1].kpi_id
        score = await Score.get_or_none(cycle_id=cycle.id, employee_id=employee.id, using_db=conn)
        appeal = await Appeal.create(
            using_db=conn,
            cycle_id=cycle.id,
            employee_id=employee.id,
            line_ordinal=None if line is None else line - 1,
            kpi_id=kpi_id,
            reason=reason.strip(),
            score_status_when_filed=None if score is None else score.status.value,
            filed_by_id=actor.user_id,
            filed_by_label=actor.label,
        )
        await write_audit(
            conn,
            actor=actor,
            action="file_appeal",
            entity="appeal",
            entity_key=str(appeal.id),
            after={"cycle": cycle_code, "employee": employee_external_id, "line": line},
            reason=reason.strip(),
        )
        return appeal


@retry_when_busy
async def resolve_appeal(
    *,
    actor: Actor,
    appeal_id: int,
    outcome: str,
    note: str,
    adjustment_points: Number | None = None,
    void_observation_id: int | None = None,
) -> Appeal:
    """ACCEPTED comes with an adjustment or a voided observation, or, for an appeal
    against a NO_DATA score, with a note naming the data added since and nothing else;
    REJECTED with a note."""
    issues: list[Issue] = []
    if not note or not note.strip():
        issues.append(Issue("note", "tell the employee how the appeal ended and why", "REQUIRED"))
    try:
        state = AppealState(outcome)
    except ValueError:
        state = None
    if state not in (AppealState.ACCEPTED, AppealState.REJECTED):
        issues.append(Issue("outcome", "must be ACCEPTED or REJECTED", "INVALID_CHOICE"))
    remedies = (adjustment_points is not None) + (void_observation_id is not None)
    if state is AppealState.ACCEPTED and remedies > 1:
        issues.append(
            Issue(
                "outcome",
                "an accepted appeal comes with exactly one remedy: "
                "an adjustment or a voided observation",
                "REMEDY_REQUIRED",
            )
        )
    if state is AppealState.REJECTED and remedies:
        issues.append(
            Issue(
                "outcome",
                "a rejected appeal changes nothing; leave out the adjustment and the void",
                "NO_REMEDY",
            )
        )
    if issues:
        raise ValidationFailed(issues)
    async with in_transaction() as conn:
        appeal = await Appeal.select_for_update().using_db(conn).get_or_none(id=appeal_id)
        if appeal is None:
            raise NotFound("No appeal has the id {id}.", id=appeal_id)
        if appeal.state is not AppealState.OPEN:
            raise InvalidTransition(
                "Appeal {id} has already ended: {state}.", id=appeal_id, state=appeal.state
            )
        cycle = await Cycle.get(id=appeal.cycle_id, using_db=conn)
        if cycle.state not in OPEN_CYCLE_STATES:
            raise InvalidTransition(
                "Cycle {cycle} is {state}: nothing of it changes any more.",
                cycle=repr(cycle.code),
                state=cycle.state,
            )
        employee = await Employee.get(id=appeal.employee_id, using_db=conn)
        await require_may_act_on(conn, actor, employee)
        data_added = state is AppealState.ACCEPTED and remedies == 0
        if data_added and appeal.score_status_when_filed != ScoreStatus.NO_DATA.value:
            raise ValidationFailed(
                [
                    Issue(
                        "outcome",
                        "an accepted appeal comes with exactly one remedy: an adjustment or a "
                        "voided observation (only an appeal against a NO_DATA score may end "
                        "with a note naming the data added since)",
                        "REMEDY_REQUIRED",
                    )
                ]
            )
        if adjustment_points is not None:
            await apply_adjustment(
                conn,
                actor=actor,
                cycle_code=cycle.code,
                employee_external_id=employee.external_id,
                points=adjustment_points,
                reason=f"Appeal {appeal_id}: {note.strip()}",
                appeal_id=appeal.id,
            )
        if void_observation_id is not None:
            observation = await Observation.get_or_none(id=void_observation_id, using_db=conn)
            if observation is None or observation.employee_id != employee.id:
                raise ValidationFailed(
                    [
                        Issue.of(
                            "voidObservationId",
                            "observation {id} is not one of {employee}'s",
                            "NOT_THEIRS",
                            id=void_observation_id,
                            employee=employee.external_id,
                        )
                    ]
                )
            await apply_void(
                conn,
                actor=actor,
                observation_id=void_observation_id,
                reason=f"Appeal {appeal_id}: {note.strip()}",
            )
            appeal.voided_observation_id = void_observation_id
        assert state is not None
        appeal.state = state
        appeal.resolution_note = note.strip()
        appeal.resolved_by_id = actor.user_id
        appeal.resolved_by_label = actor.label
        appeal.resolved_at = datetime.now(UTC)
        await appeal.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="resolve_appeal",
            entity="appeal",
            entity_key=str(appeal_id),
            before={"state": "OPEN"},
            after={
                "state": state.value,
                "adjustment": None if adjustment_points is None else str(adjustment_points),
                "voided_observation": void_observation_id,
                "data_added": data_added,
            },
            reason=note.strip(),
        )
        return appeal
