"""Tortoise models and the TORTOISE_ORM configuration.

Numbers that must stay exact are stored as scaled integers (value x 10,000 in a
64-bit column): SQLite keeps DecimalField as text, which compares, sorts and sums
wrongly (DESIGN.md, stack pitfalls). Timestamps used in cycle filters are stored as
UTC epoch microseconds for the same reason: both databases compare integers alike.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.models import Model

from service.scoring.types import (
    Aggregation,
    Channel,
    Direction,
    KpiKind,
    LineStatus,
    Method,
    Scope,
    ScoreStatus,
)
from service.settings import Settings

VALUE_SCALE = 10_000  # stored value = exact value x VALUE_SCALE (4 decimal places)


class AccessLevel(StrEnum):
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    EMPLOYEE = "EMPLOYEE"
    INTEGRATION = "INTEGRATION"


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


class ReviewKind(StrEnum):
    MANAGER = "MANAGER"
    SELF = "SELF"


class AppealState(StrEnum):
    OPEN = "OPEN"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


class ScoreState(StrEnum):
    PROVISIONAL = "PROVISIONAL"
    FINAL = "FINAL"


class Team(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
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


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    access = fields.CharEnumField(AccessLevel, max_length=16)
    employee: fields.ForeignKeyNullableRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="users", null=True, on_delete=fields.SET_NULL
    )
    password_hash = fields.CharField(max_length=255, null=True)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    employee_id: int | None

    class Meta:
        table = "app_user"


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
    # The stored score's data (service/scoring/stored.StoredScore; no sentences).
    explanation: Any = fields.JSONField(default=dict)
    # SHA-256 of the values a recompute writes: equal means nothing to write.
    content_hash = fields.CharField(max_length=64, null=True)
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
        indexes = (("cycle_id", "total_cents"), ("cycle_id", "team_id"))


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


class ApiToken(Model):
    # Only the SHA-256 of the token is kept: a leaked table reveals no usable token.
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    # An INTEGRATION token bound to one source records rows of that source only, so a
    # leaked survey-tool token cannot pass as the ticket system. NULL: any source.
    source = fields.CharField(max_length=64, null=True)

    user_id: int

    class Meta:
        table = "api_token"


class AdminSession(Model):
    # Server-side admin sessions: the cookie holds a random id, the table its SHA-256.
    # A row is written at sign-in only (visitors who have not signed in have none:
    # service/usecases/sessions.py); a row without a user signs nobody in.
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="admin_sessions", null=True, on_delete=fields.CASCADE
    )
    csrf_token = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    user_id: int | None

    class Meta:
        table = "admin_session"


class SignInAttempt(Model):
    # Counted in the database so every process agrees on throttling (DESIGN.md Access).
    id = fields.BigIntField(primary_key=True)
    email = fields.CharField(max_length=254)
    address = fields.CharField(max_length=64)
    succeeded = fields.BooleanField()
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sign_in_attempt"
        indexes = (("email", "at"), ("address", "at"))


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


class AuditEntry(Model):
    # Append-only: use cases add rows; nothing updates or deletes them.

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    actor = fields.CharField(max_length=254)
    actor_user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="audit_entries", null=True, on_delete=fields.RESTRICT
    )
    action = fields.CharField(max_length=64)
    entity = fields.CharField(max_length=64)
    entity_key = fields.CharField(max_length=254)
    before: Any = fields.JSONField(null=True)
    after: Any = fields.JSONField(null=True)
    reason = fields.TextField(null=True)

    class Meta:
        table = "audit_entry"
        indexes = (("entity", "entity_key"),)


def tortoise_config(database_url: str) -> dict[str, Any]:
    connection: str | dict[str, Any] = database_url
    if database_url.startswith("sqlite://"):
        # Several processes (`serve --workers`, the CLI beside the server) share one file:
        # immediate write transactions, WAL and a busy timeout (service/sqlite_client.py).
        connection = {**expand_db_url(database_url), "engine": "service.sqlite_client"}
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": ["service.models"],
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Read by `tortoise makemigrations` through [tool.tortoise] in pyproject.toml.
TORTOISE_ORM = tortoise_config(
    os.environ.get("DATABASE_URL") or Settings.from_environment().database_url
)
