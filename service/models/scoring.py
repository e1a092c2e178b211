"""Scoring: observations, reviews, stored scores and lines, appeals, adjustments, ingests."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from service.models.json_text import TextJSONField
from service.scoring.types import (
    Channel,
    LineStatus,
    Scope,
    ScoreStatus,
)

if TYPE_CHECKING:  # relations are named by string at run time ("models.X")
    from service.models.accounts import User
    from service.models.setup import Cycle, Employee, Kpi, Position, Team


class ReviewKind(StrEnum):
    MANAGER = "MANAGER"
    SELF = "SELF"


class AppealState(StrEnum):
    OPEN = "OPEN"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


class ImportChannel(StrEnum):
    """Where an import came in: the admin's CSV upload, `fairscore import`, or the API."""

    ADMIN_CSV = "ADMIN_CSV"
    CLI_CSV = "CLI_CSV"
    API_BATCH = "API_BATCH"


class ScoreState(StrEnum):
    PROVISIONAL = "PROVISIONAL"
    FINAL = "FINAL"


class Observation(Model):
    id = fields.BigIntField(primary_key=True)
    kpi: fields.ForeignKeyRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="observations", on_delete=fields.RESTRICT
    )
    # Null for a team-level measure.
    employee: fields.ForeignKeyNullableRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="observations", null=True, on_delete=fields.RESTRICT
    )
    # The employee's team when the observation was recorded (or the measured team):
    # later transfers must not rewrite which team it counted for.
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="observations", null=True, on_delete=fields.RESTRICT
    )
    value = fields.BigIntField()  # x VALUE_SCALE
    occurred_at_us = fields.BigIntField()  # UTC epoch microseconds
    utc_offset_minutes = fields.SmallIntField()  # the offset it was reported with
    source = fields.CharField(max_length=64)
    external_id = fields.CharField(max_length=128, null=True)
    channel = fields.CharEnumField(Channel, max_length=16, null=True)
    comment = fields.TextField(null=True)
    recorded_at = fields.DatetimeField(auto_now_add=True)
    voided_at = fields.DatetimeField(null=True)
    void_reason = fields.TextField(null=True)
    voided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="voided_observations", null=True, on_delete=fields.RESTRICT
    )

    kpi_id: int
    employee_id: int | None
    team_id: int | None

    class Meta:
        table = "observation"
        unique_together = (("source", "kpi", "external_id"),)
        indexes = (
            ("kpi_id", "employee_id", "occurred_at_us"),
            ("kpi_id", "team_id", "occurred_at_us"),
            # The admin home's data freshness, read in the index alone (scoring/home.py).
            ("source", "kpi_id", "occurred_at_us", "voided_at"),
        )


class Review(Model):
    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "models.Cycle", related_name="reviews", on_delete=fields.RESTRICT
    )
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="reviews", on_delete=fields.RESTRICT
    )
    kpi: fields.ForeignKeyRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="reviews", on_delete=fields.RESTRICT
    )
    reviewer: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reviews_given", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(ReviewKind, max_length=16)
    rating = fields.BigIntField()  # x VALUE_SCALE
    comment = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    cycle_id: int
    employee_id: int
    kpi_id: int
    reviewer_id: int

    class Meta:
        table = "review"
        # A reviewer's newer rating replaces the older one: one row per reviewer.
        unique_together = (("cycle", "employee", "kpi", "reviewer", "kind"),)
        indexes = (("cycle_id", "employee_id"),)


class Score(Model):
    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "models.Cycle", related_name="scores", on_delete=fields.CASCADE
    )
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="scores", on_delete=fields.RESTRICT
    )
    # Team and position as read when computed (frozen when the cycle is finalised).
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="scores", null=True, on_delete=fields.RESTRICT
    )
    position: fields.ForeignKeyNullableRelation[Position] = fields.ForeignKeyField(
        "models.Position", related_name="scores", null=True, on_delete=fields.RESTRICT
    )
    state = fields.CharEnumField(ScoreState, max_length=16, default=ScoreState.PROVISIONAL)
    status = fields.CharEnumField(ScoreStatus, max_length=16)
    # NO_SCORED_LINE, NOT_ENOUGH_EVIDENCE or the not-eligible reason; None when SCORED.
    status_reason = fields.CharField(max_length=32, null=True)
    total_exact = fields.CharField(max_length=128, null=True)  # "num/den"
    total_cents = fields.BigIntField(null=True)  # reported total x 100, for ranking
    band_code = fields.CharField(max_length=16, null=True)
    # The stored score's data (service/scoring/stored.StoredScore; no sentences). Text
    # JSON on PostgreSQL: a recompute rewrites it whole, and nothing queries inside it.
    explanation: Any = TextJSONField(default=dict)
    # SHA-256 of the values a recompute writes: equal means nothing to write.
    content_hash = fields.CharField(max_length=64, null=True)
    # SHA-256 of what a recompute computed the score from (its inputs, the policy, the
    # scorecard, the scoring code): equal means the score need not be computed again.
    engine_inputs_hash = fields.CharField(max_length=64, null=True)
    policy_version = fields.IntField()
    computed_at = fields.DatetimeField()
    # Set when the cycle is finalised: what this score counted, and its SHA-256.
    snapshot: Any = fields.JSONField(null=True)
    inputs_hash = fields.CharField(max_length=64, null=True)

    cycle_id: int
    employee_id: int
    team_id: int | None
    position_id: int | None

    class Meta:
        table = "score"
        unique_together = (("cycle", "employee"),)
        indexes = (
            ("cycle_id", "total_cents"),
            ("cycle_id", "team_id"),
            # Everything a recompute reads of the stored scores before scoring: SQLite
            # answers from the index instead of walking each row past its explanation.
            ("cycle_id", "employee_id", "content_hash", "engine_inputs_hash", "team_id"),
        )


class ScoreLine(Model):
    id = fields.BigIntField(primary_key=True)
    score: fields.ForeignKeyRelation[Score] = fields.ForeignKeyField(
        "models.Score", related_name="lines", on_delete=fields.CASCADE
    )
    ordinal = fields.IntField()
    kpi: fields.ForeignKeyRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="score_lines", on_delete=fields.RESTRICT
    )
    scope = fields.CharEnumField(Scope, max_length=16)
    status = fields.CharEnumField(LineStatus, max_length=20)
    sample_size = fields.IntField()
    raw_value = fields.BigIntField(null=True)  # x VALUE_SCALE (already 4 places)

    score_id: int
    kpi_id: int

    class Meta:
        table = "score_line"
        unique_together = (("score", "ordinal"),)


class Appeal(Model):
    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "models.Cycle", related_name="appeals", on_delete=fields.RESTRICT
    )
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="appeals", on_delete=fields.RESTRICT
    )
    # Null for an appeal against the whole score; else the line's position on the card.
    line_ordinal = fields.IntField(null=True)
    kpi: fields.ForeignKeyNullableRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="appeals", null=True, on_delete=fields.RESTRICT
    )
    reason = fields.TextField()
    state = fields.CharEnumField(AppealState, max_length=16, default=AppealState.OPEN)
    # The score's status when filed: against a NO_DATA score an appeal may end ACCEPTED
    # with a note naming the data added since (SCORING.md §9). Null before 0009.
    score_status_when_filed = fields.CharField(max_length=16, null=True)
    filed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="appeals_filed", null=True, on_delete=fields.RESTRICT
    )
    filed_by_label = fields.CharField(max_length=254)
    resolution_note = fields.TextField(null=True)
    resolved_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="appeals_resolved", null=True, on_delete=fields.RESTRICT
    )
    resolved_by_label = fields.CharField(max_length=254, null=True)
    resolved_at = fields.DatetimeField(null=True)
    voided_observation: fields.ForeignKeyNullableRelation[Observation] = fields.ForeignKeyField(
        "models.Observation", related_name="appeals", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    cycle_id: int
    employee_id: int
    kpi_id: int | None
    voided_observation_id: int | None

    class Meta:
        table = "appeal"
        indexes = (("cycle_id", "state"),)


class Adjustment(Model):
    id = fields.IntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "models.Cycle", related_name="adjustments", on_delete=fields.RESTRICT
    )
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="adjustments", on_delete=fields.RESTRICT
    )
    points = fields.BigIntField()  # signed, x VALUE_SCALE
    reason = fields.TextField()
    made_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="adjustments_made", null=True, on_delete=fields.RESTRICT
    )
    made_by_label = fields.CharField(max_length=254)
    appeal: fields.ForeignKeyNullableRelation[Appeal] = fields.ForeignKeyField(
        "models.Appeal", related_name="adjustments", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    cycle_id: int
    employee_id: int
    appeal_id: int | None

    class Meta:
        table = "adjustment"
        indexes = (("cycle_id", "employee_id"),)


class IngestRequest(Model):
    # The first report of an idempotency key, returned again for a retried request.
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ingest_requests", on_delete=fields.CASCADE
    )
    idempotency_key = fields.CharField(max_length=128)
    kind = fields.CharField(max_length=32)
    payload_hash = fields.CharField(max_length=64)
    report: Any = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    user_id: int

    class Meta:
        table = "ingest_request"
        unique_together = (("user", "idempotency_key"),)


class ImportFailure(Model):
    # An import that was refused in whole or in part, written in a transaction of its
    # own after the import's rolled back: the failed import itself still changes nothing.
    id = fields.BigIntField(primary_key=True)
    channel = fields.CharEnumField(ImportChannel, max_length=16)
    kind = fields.CharField(max_length=32)  # observations, feedback or reviews
    # The file's name, or the API batch's idempotency key ("" without one).
    name = fields.CharField(max_length=200, default="", db_default="")
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="import_failures", null=True, on_delete=fields.SET_NULL
    )
    actor_label = fields.CharField(max_length=254)
    rows = fields.IntField(default=0, db_default=0)
    rejected_rows = fields.IntField(default=0, db_default=0)
    # True when the valid rows were kept (KEEP_VALID): the import was partly refused.
    written = fields.BooleanField(default=False, db_default=False)
    # The first problems, as the import reported them: [{"place", "number", "field",
    # "code", "message", "template", "values"}] (service/usecases/scoring/
    # import_failures.py); older rows lack code, template and values.
    problems: Any = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    user_id: int | None

    class Meta:
        table = "import_failure"
        indexes = (("created_at",), ("user_id",))
