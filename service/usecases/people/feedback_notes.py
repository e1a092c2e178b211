"""Feedback notes between check-ins: a short PRAISE or SUGGESTION on a person from a
manager (or, where the policy allows it, a colleague of the same team), optionally
tied to one of the person's score lines, customer comments or goals (theirs or their
team's). Not customer feedback
(`recordFeedback`), and it never changes a score. Admins hide an abusive note, with a
reason, in the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from service.errors import InvalidTransition, Issue, NotFound, PermissionDenied, ValidationFailed
from service.models import Cycle, Employee, FeedbackKind, FeedbackNote, Observation, ScoreLine
from service.usecases.accounts.access import (
    manager_ids_of,
    may_see_scores_of,
    require_may_give_feedback_note,
)
from service.usecases.accounts.permissions import require_admin
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.people.goals import visible_goal
from service.usecases.retries import retry_when_busy
from service.usecases.setup.policy import load_policy

MAX_NOTE = 1_000
MAX_REASON = 2_000


def _parse_kind(kind: str) -> FeedbackKind:
    try:
        return FeedbackKind(kind)
    except ValueError:
        raise ValidationFailed(
            [Issue("kind", "must be PRAISE or SUGGESTION", "INVALID_CHOICE")]
        ) from None


@retry_when_busy
async def give_feedback_note(
    *,
    actor: Actor,
    employee_external_id: str,
    kind: str,
    text: str,
    cycle_code: str | None = None,
    line: int | None = None,
    observation_id: int | None = None,
    goal_id: int | None = None,
) -> FeedbackNote:
    """Tie it to a score line (`cycle_code` and the line's 1-based number), to one of
    the person's observations (a customer comment), to one of their goals or their
    team's (`goal_id`), or to nothing; the giver must be allowed to see what it is
    tied to."""
    issues: list[Issue] = []
    note_kind = None
    try:
        note_kind = _parse_kind(kind)
    except ValidationFailed as failed:
        issues += failed.issues
    body = text.strip()
    if not body:
        issues.append(Issue("text", "say what went well or what to improve", "REQUIRED"))
    elif len(body) > MAX_NOTE:
        issues.append(
            Issue.of(
                "text",
                "is {size} characters long; at most {most} fit",
                "TOO_LONG",
                size=len(body),
                most=MAX_NOTE,
            )
        )
    if (line is None) != (cycle_code is None):
        issues.append(
            Issue("line", "give the cycle and the line number together, or neither", "PAIRED")
        )
    if line is not None and observation_id is not None:
        issues.append(
            Issue("observationId", "tie the note to a line or to a comment, not both", "ONE_TIE")
        )
    if goal_id is not None and (line is not None or observation_id is not None):
        issues.append(
            Issue("goalId", "tie the note to a line, a comment or a goal: one of them", "ONE_TIE")
        )
    if issues:
        raise ValidationFailed(issues)
    assert note_kind is not None
    async with in_transaction() as conn:
        employee = await Employee.get_or_none(external_id=employee_external_id, using_db=conn)
        if employee is None:
            raise NotFound("No employee has the external id {id}.", id=repr(employee_external_id))
        managers = await manager_ids_of(conn, employee)
        policy, _version = await load_policy(conn)
        giver_team_id = None
        if actor.employee_id is not None:
            giver = await Employee.get_or_none(id=actor.employee_id, using_db=conn)
            giver_team_id = None if giver is None else giver.team_id
        require_may_give_feedback_note(
            actor,
            employee=employee,
            manager_ids=managers,
            giver_team_id=giver_team_id,
            colleagues_allowed=policy.colleague_feedback_notes,
        )
        sees_scores = may_see_scores_of(actor, employee_id=employee.id, manager_ids=managers)
        cycle_id = kpi_id = ordinal = None
        if line is not None and cycle_code is not None:
            if not sees_scores:
                raise PermissionDenied(
                    "You may tie a note only to a line you may see; a colleague's score "
                    "lines are theirs and their managers'."
                )
            cycle = await Cycle.get_or_none(code=cycle_code, using_db=conn)
            if cycle is None:
                raise NotFound("No cycle has the code {code}.", code=repr(cycle_code))
            lines = (
                await ScoreLine.filter(score__cycle_id=cycle.id, score__employee_id=employee.id)
                .using_db(conn)
                .order_by("ordinal")
            )
            if not 1 <= line <= len(lines):
                raise ValidationFailed(
                    [
                        Issue.of(
                            "line",
                            "{employee}'s score in {cycle} has lines 1 to {last}"
                            if lines
                            else "{employee} has no score in {cycle}",
                            "UNKNOWN_LINE",
                            employee=employee_external_id,
                            cycle=cycle_code,
                            last=len(lines),
                        )
                    ]
                )
            cycle_id, ordinal, kpi_id = cycle.id, lines[line - 1].ordinal, lines[line - 1].kpi_id
        if observation_id is not None:
            observation = await Observation.get_or_none(id=observation_id, using_db=conn)
            if observation is None or observation.employee_id != employee.id or not sees_scores:
                # One answer whether it is someone else's or does not exist: nothing leaks.
                raise PermissionDenied(
                    "Observation {id} is not one of {employee}'s that you may see.",
                    id=observation_id,
                    employee=employee_external_id,
                )
        if goal_id is not None:
            goal = await visible_goal(conn, actor=actor, goal_id=goal_id)
            theirs = goal is not None and (
                goal.employee_id == employee.id
                or (goal.team_id is not None and goal.team_id == employee.team_id)
            )
            if not theirs:
                # One answer whether it is unknown, someone else's or hidden from the giver.
                raise PermissionDenied(
                    "Goal {goal} is not one of {employee}'s goals (or their team's) that you "
                    "may see.",
                    goal=goal_id,
                    employee=employee_external_id,
                )
        note = await FeedbackNote.create(
            using_db=conn,
            employee_id=employee.id,
            giver_employee_id=actor.employee_id,
            giver_id=actor.user_id,
            giver_label=actor.label,
            kind=note_kind,
            text=body,
            cycle_id=cycle_id,
            line_ordinal=ordinal,
            kpi_id=kpi_id,
            observation_id=observation_id,
            goal_id=goal_id,
        )
        await write_audit(
            conn,
            actor=actor,
            action="give_feedback_note",
            entity="feedback_note",
            entity_key=str(note.id),
            after={
                "employee": employee.external_id,
                "kind": note_kind.value,
                "cycle": cycle_code,
                "line": line,
                "observation": observation_id,
                "goal": goal_id,
            },
        )
        return note


@retry_when_busy
async def hide_feedback_note(
    *, actor: Actor, note_id: int, reason: str, now: datetime | None = None
) -> FeedbackNote:
    """An admin hides an abusive note: only admins see it afterwards, with the reason."""
    require_admin(actor)
    why = reason.strip()
    if not why:
        raise ValidationFailed([Issue("reason", "say why the note is hidden", "REQUIRED")])
    if len(why) > MAX_REASON:
        raise ValidationFailed(
            [
                Issue.of(
                    "reason",
                    "is {size} characters long; at most {most} fit",
                    "TOO_LONG",
                    size=len(why),
                    most=MAX_REASON,
                )
            ]
        )
    async with in_transaction() as conn:
        note = await FeedbackNote.select_for_update().using_db(conn).get_or_none(id=note_id)
        if note is None:
            raise NotFound("No feedback note has the id {id}.", id=note_id)
        if note.hidden_at is not None:
            raise InvalidTransition("Feedback note {id} is hidden already.", id=note_id)
        note.hidden_at = now or datetime.now(UTC)
        note.hidden_reason = why
        note.hidden_by_label = actor.label
        await note.save(
            using_db=conn, update_fields=["hidden_at", "hidden_reason", "hidden_by_label"]
        )
        await write_audit(
            conn,
            actor=actor,
            action="hide_feedback_note",
            entity="feedback_note",
            entity_key=str(note_id),
            before={"hidden": False},
            after={"hidden": True},
            reason=why,
        )
        return note
