"""People: goals (SCORING.md §11) and the values reported for manual goals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from service.scoring.goals import GoalState
from service.scoring.types import Direction, Scope

if TYPE_CHECKING:  # relations are named by string at run time ("models.X")
    from service.models.accounts import User
    from service.models.setup import Cycle, Employee, Kpi, Team


class Goal(Model):
    # An individual goal (employee set) or a team goal (team set), in one cycle.
    # Numbers are scaled by VALUE_SCALE. The measure is a KPI at a scope, or manual
    # (unit, direction, optional range; related_kpi or parent names what it serves).
    # Progress and status are computed on read and stored nowhere (DESIGN.md rule 5).

    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "models.Cycle", related_name="goals", on_delete=fields.RESTRICT
    )
    employee: fields.ForeignKeyNullableRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="goals", null=True, on_delete=fields.RESTRICT
    )
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="goals", null=True, on_delete=fields.RESTRICT
    )
    parent: fields.ForeignKeyNullableRelation[Goal] = fields.ForeignKeyField(
        "models.Goal", related_name="serving", null=True, on_delete=fields.RESTRICT
    )
    state = fields.CharEnumField(GoalState, max_length=16, default=GoalState.PROPOSED)
    title = fields.CharField(max_length=400)
    description = fields.TextField(default="")
    kpi: fields.ForeignKeyNullableRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="goals", null=True, on_delete=fields.RESTRICT
    )
    scope = fields.CharEnumField(Scope, max_length=16, null=True)
    unit = fields.CharField(max_length=32, default="")
    direction = fields.CharEnumField(Direction, max_length=20, null=True)
    range_min = fields.BigIntField(null=True)
    range_max = fields.BigIntField(null=True)
    related_kpi: fields.ForeignKeyNullableRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="related_goals", null=True, on_delete=fields.RESTRICT
    )
    target = fields.BigIntField()
    baseline = fields.BigIntField(null=True)
    baseline_computed = fields.BooleanField(default=False)
    weight = fields.BigIntField(default=10_000)
    due_on = fields.DateField()
    accepted_on = fields.DateField(null=True)
    # The SMART findings of the last save (service.scoring.goals.SmartFinding.to_data).
    smart: Any = fields.JSONField(default=list)
    # As of now (SCORING.md §11): a KPI goal's is written by the score recompute.
    current_value = fields.BigIntField(null=True)
    return_note = fields.TextField(default="")
    created_by_label = fields.CharField(max_length=254)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    cycle_id: int
    employee_id: int | None
    team_id: int | None
    parent_id: int | None
    kpi_id: int | None
    related_kpi_id: int | None

    class Meta:
        table = "goal"
        indexes = (("cycle_id", "employee_id"), ("cycle_id", "team_id"))


class GoalUpdate(Model):
    # A value reported for a manual goal, with its note (audited as well).
    id = fields.BigIntField(primary_key=True)
    goal: fields.ForeignKeyRelation[Goal] = fields.ForeignKeyField(
        "models.Goal", related_name="updates", on_delete=fields.CASCADE
    )
    value = fields.BigIntField()
    note = fields.TextField()
    reported_at = fields.DatetimeField()
    reported_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="goal_updates", null=True, on_delete=fields.SET_NULL
    )
    reported_by_label = fields.CharField(max_length=254)

    goal_id: int

    class Meta:
        table = "goal_update"
        indexes = (("goal_id", "reported_at"),)
