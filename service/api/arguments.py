"""Arguments many fields take, described once (`cycle_code: CycleCodeArg`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

CycleCodeArg = Annotated[str, strawberry.argument(description="The cycle's code, e.g. `2026-Q4`.")]

# The new DRAFT cycle a promotion or a roll-out creates (promoteShadowScorecard, rollOutPilot).
NewCycleCodeArg = Annotated[
    str, strawberry.argument(description="The new cycle's code; unique, e.g. `2027-Q1`.")
]
NewCycleNameArg = Annotated[str, strawberry.argument(description="The new cycle's name.")]
NewCycleStartsOnArg = Annotated[
    date,
    strawberry.argument(
        description="The new cycle's first day, in the organisation's timezone (included)."
    ),
]
NewCycleEndsOnArg = Annotated[
    date,
    strawberry.argument(
        description="The new cycle's last day, in the organisation's timezone (included); "
        "not before `startsOn`."
    ),
]
