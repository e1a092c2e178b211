"""The comparable previous cycle (SCORING.md §11) read from the database: the one
loader that goals, the pilot report, development plans and trends share. The rule
itself is pure, in service/scoring/periods.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.models import Cycle, CycleState
from service.scoring.periods import CycleSpan, comparable_chain, comparable_previous_cycle


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def span_of(cycle: Cycle) -> CycleSpan:
    return CycleSpan(
        cycle.code, cycle.starts_on, cycle.ends_on, cycle.state == CycleState.FINALIZED
    )


async def finalized_spans(conn: BaseDBAsyncClient) -> dict[str, tuple[int, CycleSpan]]:
    """Every FINALIZED cycle's id and dates by code. Dates only: a finalised cycle's
    row also holds its policy snapshot, not needed to pick cycles."""
    rows = (
        await Cycle.filter(state=CycleState.FINALIZED)
        .using_db(conn)
        .values_list("id", "code", "starts_on", "ends_on")
    )
    return {
        str(code): (int(pk), CycleSpan(str(code), _as_date(starts), _as_date(ends)))
        for pk, code, starts, ends in rows
    }


async def comparable_previous(conn: BaseDBAsyncClient, cycle: Cycle) -> Cycle | None:
    """The comparable previous cycle (§11, §13) of ``cycle``, or None."""
    finalized = await finalized_spans(conn)
    chosen = comparable_previous_cycle(span_of(cycle), [s for _pk, s in finalized.values()])
    if chosen is None:
        return None
    return await Cycle.get(id=finalized[chosen.code][0], using_db=conn)


async def comparable_history(
    conn: BaseDBAsyncClient, cycle: Cycle, limit: int | None = None
) -> list[tuple[int, CycleSpan]]:
    """The chain of comparable previous cycles of ``cycle`` (ids and dates), newest
    first, at most ``limit`` long: the cycles a trend runs over."""
    finalized = await finalized_spans(conn)
    chain = comparable_chain(span_of(cycle), [s for _pk, s in finalized.values()], limit)
    return [(finalized[s.code][0], s) for s in chain]
