"""The closed sets of the schema (beyond cycles.py's cycle state): each is the
engine's or the models' own enum, registered with Strawberry once, so a value the
schema does not list is refused by GraphQL before any resolver runs."""

from __future__ import annotations

import dataclasses
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


def describe_values(enum_type: type[Enum], values: dict[str, str]) -> None:
    """Give each value of an enum already registered with Strawberry its description.

    The engine's and the models' enums cannot carry Strawberry's `enum_value` (the engine
    imports no Strawberry), so the schema's words for them live here; every value must be
    named, and only values the enum has."""
    definition = enum_type.__strawberry_definition__  # type: ignore[attr-defined]
    names = {value.name for value in definition.values}
    if names != set(values):
        raise ValueError(f"{definition.name}: describe exactly {sorted(names)}")
    definition.values = [
        dataclasses.replace(value, description=values[value.name]) for value in definition.values
    ]


strawberry.enum(KpiKind, name="KpiKind", description="What a KPI measures: data or ratings.")
strawberry.enum(Direction, name="Direction", description="Which way a KPI's value is better.")
strawberry.enum(
    Aggregation,
    name="Aggregation",
    description="How a line's observations become its raw value (SCORING §1).",
)
strawberry.enum(Method, name="Method", description="How a raw value becomes points (SCORING §3).")
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


describe_values(
    KpiKind,
    {
        "QUANTITATIVE": "Measured from operational data and customer ratings (observations).",
        "QUALITATIVE": "Rated by managers on the KPI's scale (reviews, aggregated with "
        "REVIEW_MEAN); always HIGHER_IS_BETTER and INDIVIDUAL scope only.",
    },
)
describe_values(
    Direction,
    {
        "HIGHER_IS_BETTER": "A larger value scores more (e.g. customer satisfaction).",
        "LOWER_IS_BETTER": "A smaller value scores more (e.g. first response minutes, "
        "complaints): threshold > target > stretch.",
    },
)
describe_values(
    Aggregation,
    {
        "MEAN": "The arithmetic mean of the values.",
        "SUM": "The sum of the values; 0 with no observation, and the line is always scored.",
        "COUNT": "The number of observations; 0 with none, and the line is always scored.",
        "SHARE_AT_LEAST": "The percentage (0-100) of observations with a value at least "
        "`aggregationParam`, e.g. CSAT: the share of ratings of 4 or more.",
        "SHARE_AT_MOST": "The percentage (0-100) of observations with a value at most "
        "`aggregationParam`, e.g. the share answered within 15 minutes.",
        "PERCENTILE": "The nearest-rank percentile `aggregationParam` (0 < p <= 100) of the "
        "values, computed exactly.",
        "REVIEW_MEAN": "Qualitative KPIs only: the mean of the current MANAGER ratings, one "
        "per reviewer (n is their number); SELF ratings do not count.",
    },
)
describe_values(
    Method,
    {
        "LINEAR": "0 points at the threshold or worse, 100 at the target, rising in a "
        "straight line between; past the target up to 100 + the policy's stretch bonus at "
        "the stretch value (100 at most without a stretch).",
        "BANDS": "The points of the first band step whose bound the value meets or beats "
        "(steps best bound first); 0 when it meets none.",
        "BINARY": "100 points when the value meets or beats the target, else 0.",
    },
)
describe_values(
    AccessLevel,
    {
        "ADMIN": "Sees everything and does everything: setup, cycles, payroll results.",
        "MANAGER": "What an employee sees, plus everyone in the teams they lead and every "
        "team under them; reviews, adjusts, voids and resolves appeals there, never on "
        "their own score.",
        "EMPLOYEE": "Their own scores, lines, observations, reviews and appeals, and their "
        "team's summary from 5 scored members; never a colleague's score.",
        "INTEGRATION": "A survey tool or ticket system: records observations and feedback "
        "and reads nothing else.",
    },
)
describe_values(
    ReviewKind,
    {
        "MANAGER": "By a manager of the employee (or an admin); counts toward the line.",
        "SELF": "By the employee about themselves; shown beside the line, never counted.",
    },
)
describe_values(
    AppealState,
    {
        "OPEN": "Filed and not yet answered; a cycle cannot be finalised while one is open "
        "(unless an admin overrides).",
        "ACCEPTED": "Upheld: the score was corrected (an adjustment or a voided observation) "
        "or, for a NO_DATA score, data was added since; see `resolutionNote`.",
        "REJECTED": "Not upheld; `resolutionNote` says why.",
    },
)
describe_values(
    WhatItWouldTakeKind,
    {
        "RAW_VALUE": "Reaching `rawValue` on this line, all else equal, lifts the total to "
        "the next band.",
        "CANNOT_REACH": "This line alone cannot reach the next band; `maxPoints` is the most "
        "it can still add.",
        "MORE_OBSERVATIONS": "`observationsNeeded` more observations and the line counts.",
        "MORE_MANAGER_REVIEWS": "A score without enough evidence: a manager's review of "
        "this line would make it count.",
        "OTHER_EVIDENCE": "A score without enough evidence: this SUM or COUNT line counts as "
        "evidence only beside another line with data of the person's own.",
    },
)
describe_values(
    ScoreStatus,
    {
        "SCORED": "Has a total, a band and a multiplier.",
        "NO_DATA": "In scope but without a total: no line could be scored, or too little "
        "of the weight rests on the person's own data (`statusReason` says which).",
        "NOT_ELIGIBLE": "Not scored in this cycle: out of scope, no scorecard for the "
        "position, or employed too few of its days (`statusReason` says which).",
    },
)
describe_values(
    LineStatus,
    {
        "SCORED": "Enough observations (n >= minSamples; SUM and COUNT lines always): the "
        "line counts.",
        "INSUFFICIENT_DATA": "Fewer observations than minSamples: the line is left out and "
        "the other lines' weights are scaled up to add to 100.",
    },
)
describe_values(
    Scope,
    {
        "INDIVIDUAL": "The person's own observations or reviews.",
        "TEAM": "Every observation of the person's team (its members' and its own); "
        "evidence for the team's lead only.",
    },
)
describe_values(
    Channel,
    {
        "ONLINE_SURVEY": "A web or in-app survey.",
        "PHONE_CALLBACK": "A call back to the customer after the service.",
        "FACE_TO_FACE": "Asked in person, e.g. at the front desk or on site.",
    },
)
describe_values(
    StatusReason,
    {
        "NO_SCORED_LINE": "NO_DATA: no line of the scorecard had enough data to be scored.",
        "NOT_ENOUGH_EVIDENCE": "NO_DATA: the lines resting on the person's own data carry "
        "less weight than the policy's minimum evidence weight.",
        "NOT_IN_SCOPE": "NOT_ELIGIBLE: the cycle is a pilot and the person is in none of its "
        "pilot teams (nor a team under one).",
        "NO_SCORECARD": "NOT_ELIGIBLE: the person's position has no scorecard in the cycle "
        "(or they have no position).",
        "EMPLOYED_TOO_FEW_DAYS": "NOT_ELIGIBLE: employed on fewer than the policy's minimum "
        "share of the cycle's days.",
    },
)
describe_values(
    AppealOutcome,
    {
        "ACCEPTED": "Uphold the appeal: with `adjustmentPoints` or `voidObservationId` (for "
        "an appeal against a NO_DATA score, neither, and a note naming the data added since).",
        "REJECTED": "Turn the appeal down, with a note saying why.",
    },
)


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
