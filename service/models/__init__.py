"""Tortoise models, one module per area, and the TORTOISE_ORM configuration.

Every model is re-exported here: Tortoise discovers them in this package, and
callers write `from service.models import Employee` whatever the area.

Numbers that must stay exact are stored as scaled integers (value x 10,000 in a
64-bit column): SQLite keeps DecimalField as text, which compares, sorts and sums
wrongly (DESIGN.md, stack pitfalls). Timestamps used in cycle filters are stored as
UTC epoch microseconds for the same reason: both databases compare integers alike.
"""

from __future__ import annotations

import os
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from service.models.accounts import AccessLevel, AdminSession, ApiToken, SignInAttempt, User
from service.models.audit import AuditEntry
from service.models.best_practice import (
    BestPracticeNote,
    BestPracticeThanks,
    KnowledgeSession,
    RoleModelSetting,
    SessionAttendance,
    SessionPresenter,
)
from service.models.checkins import ActionItem, CheckIn, FeedbackKind, FeedbackNote
from service.models.development import (
    Course,
    CourseAttendance,
    CourseFormat,
    DevelopmentAction,
    DevelopmentItem,
    DevelopmentPlan,
    DevelopmentStatus,
    FocusKind,
)
from service.models.people import Goal, GoalUpdate
from service.models.recognition import Recognition, RecognitionVisibility
from service.models.review import CalibrationRecord, ShadowScorecard, ShadowScorecardLine
from service.models.scaled import VALUE_SCALE
from service.models.scoring import (
    Adjustment,
    Appeal,
    AppealState,
    ImportChannel,
    ImportFailure,
    IngestRequest,
    Observation,
    Review,
    ReviewKind,
    Score,
    ScoreLine,
    ScoreState,
)
from service.models.setup import (
    OPEN_CYCLE_STATES,
    USING_CYCLE_STATES,
    Cycle,
    CyclePilotTeam,
    CycleState,
    Employee,
    Kpi,
    Policy,
    Position,
    Scorecard,
    ScorecardLine,
    Team,
)
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

__all__ = [
    "OPEN_CYCLE_STATES",
    "TORTOISE_ORM",
    "USING_CYCLE_STATES",
    "VALUE_SCALE",
    "AccessLevel",
    "ActionItem",
    "Adjustment",
    "AdminSession",
    "Aggregation",
    "ApiToken",
    "Appeal",
    "AppealState",
    "AuditEntry",
    "BestPracticeNote",
    "BestPracticeThanks",
    "CalibrationRecord",
    "Channel",
    "CheckIn",
    "Course",
    "CourseAttendance",
    "CourseFormat",
    "Cycle",
    "CyclePilotTeam",
    "CycleState",
    "DevelopmentAction",
    "DevelopmentItem",
    "DevelopmentPlan",
    "DevelopmentStatus",
    "Direction",
    "Employee",
    "FeedbackKind",
    "FeedbackNote",
    "FocusKind",
    "Goal",
    "GoalUpdate",
    "ImportChannel",
    "ImportFailure",
    "IngestRequest",
    "KnowledgeSession",
    "Kpi",
    "KpiKind",
    "LineStatus",
    "Method",
    "Observation",
    "Policy",
    "Position",
    "Recognition",
    "RecognitionVisibility",
    "Review",
    "ReviewKind",
    "RoleModelSetting",
    "Scope",
    "Score",
    "ScoreLine",
    "ScoreState",
    "ScoreStatus",
    "Scorecard",
    "ScorecardLine",
    "SessionAttendance",
    "SessionPresenter",
    "ShadowScorecard",
    "ShadowScorecardLine",
    "SignInAttempt",
    "Team",
    "User",
    "tortoise_config",
]


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
