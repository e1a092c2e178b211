"""Arguments many fields take, described once (`cycle_code: CycleCodeArg`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

CycleCodeArg = Annotated[str, strawberry.argument(description="The cycle's code, e.g. `2026-Q4`.")]
