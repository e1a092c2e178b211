"""Live scores: `scoreChanged` and `teamChanged` over graphql-transport-ws.

What a subscriber hears comes from service/usecases/scoring/changes.py (ids only, after
commit, from every process). Each event is read afresh: the token checked again, new
loaders, and the same access rules as a query (an employee hears only their own score,
a manager their teams').
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from service.api.arguments import CycleCodeArg
from service.api.context import Context, Info, readers
from service.api.ids import ClientError, parse_global_id
from service.api.scoring.scores import Score
from service.api.setup.people import TeamSummary, team_summary
from service.models import Cycle as CycleRow
from service.models import Employee as EmployeeRow
from service.models import Score as ScoreRow
from service.models import Team as TeamRow
from service.usecases.accounts.auth import TokenRefused
from service.usecases.scoring.changes import ChangeHub, ScoreChange


def _hub(context: Context) -> ChangeHub:
    if context.changes is None:
        raise ClientError(
            "Subscriptions run over a WebSocket (graphql-transport-ws) at /graphql; "
            "queries and mutations over HTTP.",
            "BAD_REQUEST",
        )
    return context.changes


async def _cycle(cycle_code: str) -> CycleRow:
    cycle = await CycleRow.get_or_none(code=cycle_code)
    if cycle is None:
        raise ClientError(f"There is no cycle {cycle_code!r}.", "NOT_FOUND")
    return cycle


async def _fresh(context: Context) -> None:
    try:
        await context.refresh()
    except TokenRefused as refused:
        # The connection itself is closed by its watchdog; this stream ends here.
        raise ClientError(refused.message, refused.code) from None


async def _changed_scores(
    context: Context, cycle_id: int, change: ScoreChange, only: int | None
) -> list[ScoreRow]:
    """The stored scores of the change the viewer may see, by employee id."""
    visible = await context.visible_employees()
    wanted: set[int] | None = None if change.employee_ids is None else set(change.employee_ids)
    if only is not None:
        wanted = {only} if wanted is None else wanted & {only}
    if visible is not None:
        wanted = set(visible) if wanted is None else wanted & visible
    query = ScoreRow.filter(cycle_id=cycle_id)
    if wanted is not None:
        if not wanted:
            return []
        query = query.filter(employee_id__in=sorted(wanted))
    return await query.order_by("employee_id")


async def _prime(context: Context, cycle: CycleRow, rows: list[ScoreRow]) -> None:
    """The people and the cycle of a many-score event, read once for all its scores."""
    people = await EmployeeRow.filter(id__in=[row.employee_id for row in rows])
    context.loaders.employee.prime_many({person.id: person for person in people})
    context.loaders.cycle.prime(cycle.id, cycle)


@strawberry.type(
    description="Live changes, over a WebSocket at /graphql (graphql-transport-ws), signed in "
    "by the `authorization` of the connection_init payload. Each event is read afresh under "
    "the rules of a query."
)
class Subscription:
    @strawberry.subscription(
        extensions=[readers()],
        description="Each stored score of the cycle that changes and that you may see: yours, "
        "your teams' as a manager, anyone's as an admin; only one employee's when "
        "`employeeId` is given. A change to the whole cycle (a recompute, finalisation) "
        "sends every score you may see.",
    )
    async def score_changed(
        self,
        info: Info,
        cycle_code: CycleCodeArg,
        employee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this employee's score (a global id)."),
        ] = None,
    ) -> AsyncGenerator[Score, None]:
        context = info.context
        hub = _hub(context)
        cycle = await _cycle(cycle_code)
        only = None
        if employee_id is not None:
            _type, only = parse_global_id(employee_id, "Employee")
            if not await context.may_see(only):
                raise ClientError("You may not see this employee's score.", "FORBIDDEN")
        subscriber = hub.subscribe(cycle.id)
        try:
            while True:
                change = await subscriber.next_change()
                await _fresh(context)
                rows = await _changed_scores(context, cycle.id, change, only)
                if len(rows) > 1:
                    # Each score is executed on its own: without this, one query per
                    # score for `employee` (the loaders batch within one execution only).
                    await _prime(context, cycle, rows)
                for row in rows:
                    yield Score.from_row(row, context.lang)
        finally:
            hub.unsubscribe(subscriber)

    @strawberry.subscription(
        extensions=[readers()],
        description="A team's summary (SCORING §10) each time a score counted in it changes; "
        "seen by admins, the team's managers, and its members once at least 5 are scored "
        "(FORBIDDEN ends the stream otherwise).",
    )
    async def team_changed(
        self,
        info: Info,
        cycle_code: CycleCodeArg,
        team_code: Annotated[str, strawberry.argument(description="The team, by its code.")],
    ) -> AsyncGenerator[TeamSummary, None]:
        context = info.context
        hub = _hub(context)
        cycle = await _cycle(cycle_code)
        team = await TeamRow.get_or_none(code=team_code)
        if team is None:
            raise ClientError(f"There is no team {team_code!r}.", "NOT_FOUND")
        await team_summary(info, team.id, cycle.code)  # refused now, not at the first change
        subscriber = hub.subscribe(cycle.id)
        try:
            while True:
                change = await subscriber.next_change()
                if not change.touches_team(team.id):
                    continue
                await _fresh(context)
                yield await team_summary(info, team.id, cycle.code)
        finally:
            hub.unsubscribe(subscriber)
