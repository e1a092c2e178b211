"""People side: check-ins (one-to-ones), their action items, and feedback notes.

Feedback notes are what people say about each other between check-ins; they are not
customer feedback (observations recorded by `recordFeedback`) and never move a score.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # relations are named by string at run time ("models.X")
    from service.models.accounts import User
    from service.models.people import Goal
    from service.models.scoring import Observation
    from service.models.setup import Cycle, Employee, Kpi


class FeedbackKind(StrEnum):
    PRAISE = "PRAISE"
    SUGGESTION = "SUGGESTION"


class CheckIn(Model):
    # A one-to-one a manager held with someone they manage. `snapshot` keeps the
    # person's stored score as it stood when the check-in was recorded, and goal
    # entries once goals exist (service/usecases/people/checkins.py CheckInSnapshot).

    id = fields.IntField(primary_key=True)
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="check_ins", on_delete=fields.RESTRICT
    )
    held_on = fields.DateField()
    # Who recorded it: the manager (an employee) and their account; an admin without
    # an employee record leaves `recorded_by_employee` empty.
    recorded_by_employee: fields.ForeignKeyNullableRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="check_ins_recorded", null=True, on_delete=fields.RESTRICT
    )
    recorded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="check_ins_recorded", null=True, on_delete=fields.SET_NULL
    )
    recorded_by_label = fields.CharField(max_length=254)
    shared_notes = fields.TextField(default="")
    # Managers and admins only (DESIGN.md Access, people side).
    private_notes = fields.TextField(default="")
    snapshot: Any = fields.JSONField(default=dict)
    acknowledged_at = fields.DatetimeField(null=True)
    acknowledgement_comment = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    employee_id: int
    recorded_by_employee_id: int | None
    recorded_by_id: int | None

    class Meta:
        table = "check_in"
        indexes = (("employee_id", "held_on"),)


class ActionItem(Model):
    # Raised in one check-in, carried into every later one until a check-in closes it.

    id = fields.IntField(primary_key=True)
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="action_items", on_delete=fields.RESTRICT
    )
    raised_in: fields.ForeignKeyRelation[CheckIn] = fields.ForeignKeyField(
        "models.CheckIn", related_name="action_items", on_delete=fields.CASCADE
    )
    text = fields.TextField()
    owner: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="action_items_owned", on_delete=fields.RESTRICT
    )
    due_on = fields.DateField()
    closed_in: fields.ForeignKeyNullableRelation[CheckIn] = fields.ForeignKeyField(
        "models.CheckIn", related_name="action_items_closed", null=True, on_delete=fields.SET_NULL
    )
    closed_at = fields.DatetimeField(null=True)

    employee_id: int
    raised_in_id: int
    owner_id: int
    closed_in_id: int | None

    class Meta:
        table = "action_item"
        indexes = (("employee_id", "closed_at"),)


class FeedbackNote(Model):
    # A short PRAISE or SUGGESTION on a person, optionally tied to a line of one of
    # their scores, to a customer comment (an observation) or to one of their goals
    # (or their team's); never moves a score.

    id = fields.IntField(primary_key=True)
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="feedback_notes", on_delete=fields.RESTRICT
    )
    giver_employee: fields.ForeignKeyNullableRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="feedback_notes_given", null=True, on_delete=fields.RESTRICT
    )
    giver: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="feedback_notes_given", null=True, on_delete=fields.SET_NULL
    )
    giver_label = fields.CharField(max_length=254)
    kind = fields.CharEnumField(FeedbackKind, max_length=16)
    text = fields.TextField()
    # A score line: the cycle, the line's 0-based position on the score and its KPI.
    cycle: fields.ForeignKeyNullableRelation[Cycle] = fields.ForeignKeyField(
        "models.Cycle", related_name="feedback_notes", null=True, on_delete=fields.RESTRICT
    )
    line_ordinal = fields.IntField(null=True)
    kpi: fields.ForeignKeyNullableRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="feedback_notes", null=True, on_delete=fields.RESTRICT
    )
    observation: fields.ForeignKeyNullableRelation[Observation] = fields.ForeignKeyField(
        "models.Observation", related_name="feedback_notes", null=True, on_delete=fields.RESTRICT
    )
    goal: fields.ForeignKeyNullableRelation[Goal] = fields.ForeignKeyField(
        "models.Goal", related_name="feedback_notes", null=True, on_delete=fields.SET_NULL
    )
    hidden_at = fields.DatetimeField(null=True)
    hidden_reason = fields.TextField(null=True)
    hidden_by_label = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    employee_id: int
    giver_employee_id: int | None
    giver_id: int | None
    cycle_id: int | None
    kpi_id: int | None
    observation_id: int | None
    goal_id: int | None

    class Meta:
        table = "feedback_note"
        indexes = (("employee_id", "created_at"), ("goal_id",))
