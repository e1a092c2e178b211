"""The organisation and its rules: teams, positions, people, KPIs, the policy, cycles."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from service.scoring.types import (
    Aggregation,
    Direction,
    KpiKind,
    Method,
    Scope,
)


class CycleState(StrEnum):
    """The cycle lifecycle of SCORING.md §9, written once: members in lifecycle order."""

    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    REVIEW = "REVIEW"
    FINALIZED = "FINALIZED"

    @property
    def next(self) -> CycleState | None:
        """The one state this state may move to (forward only), None once final."""
        order = list(CycleState)
        position = order.index(self)
        return order[position + 1] if position + 1 < len(order) else None


# Provisional scores follow the data and appeals are filed in these states (§9).
OPEN_CYCLE_STATES = (CycleState.ACTIVE, CycleState.REVIEW)
# A cycle past DRAFT freezes the kind, direction, aggregation and scale of its KPIs.
USING_CYCLE_STATES = (CycleState.ACTIVE, CycleState.REVIEW, CycleState.FINALIZED)


class Team(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    # Chinese pages use it; empty means the English name.
    name_zh = fields.CharField(max_length=200, default="", db_default="")
    parent: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    lead: fields.ForeignKeyNullableRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="led_teams", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    parent_id: int | None
    lead_id: int | None

    class Meta:
        table = "team"


class Position(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    # Chinese pages use it; empty means the English name.
    name_zh = fields.CharField(max_length=200, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "position"


class Employee(Model):
    id = fields.IntField(primary_key=True)
    external_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=254, null=True)
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="members", null=True, on_delete=fields.RESTRICT
    )
    position: fields.ForeignKeyNullableRelation[Position] = fields.ForeignKeyField(
        "models.Position", related_name="employees", null=True, on_delete=fields.RESTRICT
    )
    hired_on = fields.DateField()
    left_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    team_id: int | None
    position_id: int | None

    class Meta:
        table = "employee"
        # Recomputes pick "these employees or the members of these teams".
        indexes = (("team_id",),)


class Kpi(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    # Chinese sentences use these; empty means the English name or unit.
    name_zh = fields.CharField(max_length=200, default="", db_default="")
    kind = fields.CharEnumField(KpiKind, max_length=16)
    unit = fields.CharField(max_length=32, default="")
    unit_zh = fields.CharField(max_length=32, default="", db_default="")
    direction = fields.CharEnumField(Direction, max_length=20)
    aggregation = fields.CharEnumField(Aggregation, max_length=20)
    # Scaled by VALUE_SCALE: the SHARE_* bound or the PERCENTILE p.
    aggregation_param = fields.BigIntField(null=True)
    range_min = fields.BigIntField(null=True)
    range_max = fields.BigIntField(null=True)
    tags: Any = fields.JSONField(default=list)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kpi"


class Policy(Model):
    # The single scoring policy (id 1); its fields are exact decimal strings in JSON.
    # (Not a docstring: Tortoise turns docstrings into SQL comments and mis-quotes them.)

    id = fields.IntField(primary_key=True)
    data: Any = fields.JSONField()
    version = fields.IntField(default=1)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "policy"


class Cycle(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    state = fields.CharEnumField(CycleState, max_length=16, default=CycleState.DRAFT)
    finalized_at = fields.DatetimeField(null=True)
    # The policy and scorecards the final scores were computed with (SCORING.md §7).
    snapshot: Any = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "cycle"


class CyclePilotTeam(Model):
    # A team in a cycle's pilot scope; a cycle without any covers everyone.

    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "models.Cycle", related_name="pilot_teams", on_delete=fields.CASCADE
    )
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="pilot_cycles", on_delete=fields.RESTRICT
    )

    cycle_id: int
    team_id: int

    class Meta:
        table = "cycle_pilot_team"
        unique_together = (("cycle", "team"),)


class Scorecard(Model):
    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "models.Cycle", related_name="scorecards", on_delete=fields.CASCADE
    )
    position: fields.ForeignKeyRelation[Position] = fields.ForeignKeyField(
        "models.Position", related_name="scorecards", on_delete=fields.RESTRICT
    )
    version = fields.IntField(default=1)
    warnings: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    cycle_id: int
    position_id: int
    lines: fields.ReverseRelation[ScorecardLine]

    class Meta:
        table = "scorecard"
        unique_together = (("cycle", "position"),)


class ScorecardLine(Model):
    id = fields.IntField(primary_key=True)
    scorecard: fields.ForeignKeyRelation[Scorecard] = fields.ForeignKeyField(
        "models.Scorecard", related_name="lines", on_delete=fields.CASCADE
    )
    ordinal = fields.IntField()
    kpi: fields.ForeignKeyRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="scorecard_lines", on_delete=fields.RESTRICT
    )
    scope = fields.CharEnumField(Scope, max_length=16)
    weight = fields.BigIntField()  # percent x VALUE_SCALE
    method = fields.CharEnumField(Method, max_length=16)
    threshold = fields.BigIntField(null=True)
    target = fields.BigIntField(null=True)
    stretch = fields.BigIntField(null=True)
    bands: Any = fields.JSONField(default=list)  # [[bound, points], ...] decimal strings
    min_samples = fields.IntField(default=1)

    scorecard_id: int
    kpi_id: int

    class Meta:
        table = "scorecard_line"
        unique_together = (("scorecard", "ordinal"),)
