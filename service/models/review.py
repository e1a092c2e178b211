"""Review: the calibration record of a cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # relations are named by string at run time ("models.X")
    from service.models.setup import Cycle


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
