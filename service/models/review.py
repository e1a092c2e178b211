"""Review: the calibration record of a cycle, and shadow scorecards (SCORING.md §13)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from service.scoring.types import Method, Scope

if TYPE_CHECKING:  # relations are named by string at run time ("models.X")
    from service.models.setup import Cycle, Kpi, Position


class CalibrationRecord(Model):
    """What a calibration meeting agreed for a cycle (SCORING.md §12): who met, notes,
    decisions. Kept beside the finalisation snapshot, never in its hash; the figures
    themselves are computed when asked and stored nowhere."""

    id = fields.IntField(primary_key=True)
    cycle: fields.OneToOneRelation[Cycle] = fields.OneToOneField(
        "models.Cycle", related_name="calibration_record", on_delete=fields.CASCADE
    )
    attendees = fields.TextField(default="")
    notes = fields.TextField(default="")
    decisions = fields.TextField(default="")
    version = fields.IntField(default=1)
    updated_by_label = fields.CharField(max_length=254)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    cycle_id: int

    class Meta:
        table = "calibration_record"


class ShadowScorecard(Model):
    """A draft of a position's next scorecard, kept beside the live one on a cycle in
    ACTIVE or REVIEW (SCORING.md §13). It scores nobody: the shadow report computes
    what it would give when asked, and a promote copies it into a new DRAFT cycle."""

    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "models.Cycle", related_name="shadow_scorecards", on_delete=fields.CASCADE
    )
    position: fields.ForeignKeyRelation[Position] = fields.ForeignKeyField(
        "models.Position", related_name="shadow_scorecards", on_delete=fields.RESTRICT
    )
    version = fields.IntField(default=1)
    warnings: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    cycle_id: int
    position_id: int
    lines: fields.ReverseRelation[ShadowScorecardLine]

    class Meta:
        table = "shadow_scorecard"
        unique_together = (("cycle", "position"),)


class ShadowScorecardLine(Model):
    """A line of a shadow scorecard: the columns of a live scorecard line."""

    id = fields.IntField(primary_key=True)
    scorecard: fields.ForeignKeyRelation[ShadowScorecard] = fields.ForeignKeyField(
        "models.ShadowScorecard", related_name="lines", on_delete=fields.CASCADE
    )
    ordinal = fields.IntField()
    # RESTRICT, as on a live line: a KPI a shadow uses is frozen and kept (§13).
    kpi: fields.ForeignKeyRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="shadow_scorecard_lines", on_delete=fields.RESTRICT
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
        table = "shadow_scorecard_line"
        unique_together = (("scorecard", "ordinal"),)
