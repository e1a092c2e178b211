"""People side: recognition, one colleague thanking another (DESIGN.md Access, people
side). A recognition never changes a score: no scoring rule reads this table.

`given_at_us` (UTC epoch microseconds) is what the rolling weekly limit and a cycle's
counts compare: both databases compare integers alike (service/models/__init__.py).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # relations are named by string at run time ("models.X")
    from service.models.accounts import User
    from service.models.scoring import Observation
    from service.models.setup import Employee, Kpi


class RecognitionVisibility(StrEnum):
    # Seen by the receiver's team (the default).
    PUBLIC = "PUBLIC"
    # Seen by the giver, the receiver, the receiver's managers and admins only.
    PRIVATE = "PRIVATE"


class Recognition(Model):
    id = fields.IntField(primary_key=True)
    receiver: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="recognitions_received", on_delete=fields.RESTRICT
    )
    giver_employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="recognitions_given", on_delete=fields.RESTRICT
    )
    giver: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="recognitions_given", null=True, on_delete=fields.SET_NULL
    )
    giver_label = fields.CharField(max_length=254)
    message = fields.TextField()
    kpi: fields.ForeignKeyNullableRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="recognitions", null=True, on_delete=fields.RESTRICT
    )
    value_tag = fields.CharField(max_length=40, null=True)
    visibility = fields.CharEnumField(RecognitionVisibility, max_length=16)
    # A customer's top-of-scale comment turned into a recognition: the observation it came
    # from, once only. Only its comment is copied; the rating and the customer stay there.
    observation: fields.OneToOneNullableRelation[Observation] = fields.OneToOneField(
        "models.Observation", related_name="recognition", null=True, on_delete=fields.RESTRICT
    )
    given_at_us = fields.BigIntField()
    hidden_at = fields.DatetimeField(null=True)
    hidden_reason = fields.TextField(null=True)
    hidden_by_label = fields.CharField(max_length=254, null=True)

    receiver_id: int
    giver_employee_id: int
    giver_id: int | None
    kpi_id: int | None
    observation_id: int | None

    class Meta:
        table = "recognition"
        indexes = (("receiver_id", "given_at_us"), ("giver_employee_id", "given_at_us"))
