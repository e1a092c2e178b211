"""The closed sets of the schema (beyond cycles.py's cycle state): each is the
engine's or the models' own enum, registered with Strawberry once, so a value the
schema does not list is refused by GraphQL before any resolver runs."""

from __future__ import annotations

from enum import Enum

import strawberry

from service.models import AccessLevel, AppealState, ReviewKind
from service.scoring.types import (
    Aggregation,
    Channel,
    Direction,
    KpiKind,
    LineStatus,
    Method,
    Scope,
    ScoreStatus,
    StatusReason,
    WhatItWouldTakeKind,
)

strawberry.enum(KpiKind, name="KpiKind", description="What a KPI measures: data or ratings.")
strawberry.enum(Direction, name="Direction", description="Which way a KPI's value is better.")
strawberry.enum(
    Aggregation,
    name="Aggregation",
    description="How a line's observations become its raw value (SCORING §3).",
)
strawberry.enum(Method, name="Method", description="How a raw value becomes points (SCORING §4).")
strawberry.enum(
    AccessLevel, name="AccessLevel", description="What a signed-in user may see and do."
)
strawberry.enum(
    ReviewKind,
    name="ReviewKind",
    description="A manager's rating (counts) or the person's own (shown, not counted).",
)
strawberry.enum(AppealState, name="AppealState", description="Where an appeal stands.")
strawberry.enum(
    WhatItWouldTakeKind,
    name="WhatItWouldTakeKind",
    description="What moves a line, or a score without enough evidence, towards the next band.",
)

strawberry.enum(
    ScoreStatus,
    name="ScoreStatus",
    description="Whether a score has a total: SCORED, NO_DATA or NOT_ELIGIBLE (SCORING §2, §5).",
)
strawberry.enum(
    LineStatus,
    name="LineStatus",
    description="Whether a line had enough observations to be scored.",
)
strawberry.enum(
    Scope,
    name="Scope",
    description="Whose data a line measures: the person's own or their team's.",
)
strawberry.enum(
    Channel,
    name="Channel",
    description="How a customer was asked for a rating.",
)
strawberry.enum(
    StatusReason,
    name="StatusReason",
    description="Why a score has no total: NO_SCORED_LINE and NOT_ENOUGH_EVIDENCE for NO_DATA "
    "(SCORING §2), the others for NOT_ELIGIBLE.",
)


@strawberry.enum(description="How an appeal is resolved.")
class AppealOutcome(Enum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


__all__ = [
    "AccessLevel",
    "Aggregation",
    "AppealOutcome",
    "AppealState",
    "Channel",
    "Direction",
    "KpiKind",
    "LineStatus",
    "Method",
    "ReviewKind",
    "Scope",
    "ScoreStatus",
    "StatusReason",
    "WhatItWouldTakeKind",
]
