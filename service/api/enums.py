"""The closed sets of the schema beyond scores.py's and cycles.py's: each is the
engine's or the models' own enum, registered with Strawberry once, so a value the
schema does not list is refused by GraphQL before any resolver runs."""

from __future__ import annotations

from enum import Enum

import strawberry

from service.models import AccessLevel, AppealState, ReviewKind
from service.scoring.types import Aggregation, Direction, KpiKind, Method, WhatItWouldTakeKind

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


@strawberry.enum(description="How an appeal is resolved.")
class AppealOutcome(Enum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


__all__ = [
    "AccessLevel",
    "Aggregation",
    "AppealOutcome",
    "AppealState",
    "Direction",
    "KpiKind",
    "Method",
    "ReviewKind",
    "WhatItWouldTakeKind",
]
