"""`node(id:)`: every type that implements Node, fetched again under the read rules.

Each kind of id has one fetcher here, and each fetcher asks service/usecases/accounts/access.py
the same question the type's other fields ask: a node you may not see is FORBIDDEN,
one that does not exist is null, and an id that names no Node type is a client error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tortoise.connection import get_connection

from service.api.accounts.auth import Token
from service.api.context import Info
from service.api.ids import (
    SCORE_LINE,
    ClientError,
    Node,
    decode_global_id,
    not_ours,
    parse_global_id,
    parse_score_line_id,
)
from service.api.people.checkins import action_item_node, check_in_node
from service.api.people.development import course_node, item_node, plan_node
from service.api.people.feedback_notes import feedback_note_node
from service.api.people.goals import fetch_goal_node
from service.api.people.recognition import recognition_node
from service.api.people.role_models import best_practice_note_node, knowledge_session_node
from service.api.scoring.scores import Adjustment, Appeal, Score, observation_node
from service.api.setup.cycles import Cycle
from service.api.setup.kpis import Kpi
from service.api.setup.people import Position, Team, visible_person
from service.models import Adjustment as AdjustmentRow
from service.models import ApiToken as ApiTokenRow
from service.models import Appeal as AppealRow
from service.models import Cycle as CycleRow
from service.models import Employee as EmployeeRow
from service.models import Kpi as KpiRow
from service.models import Observation as ObservationRow
from service.models import Position as PositionRow
from service.models import Score as ScoreRow
from service.models import Team as TeamRow
from service.usecases.accounts.access import may_see_team_measure, may_see_token


def _forbidden(what: str) -> ClientError:
    return ClientError(f"You may not see this {what}.", "FORBIDDEN")


async def _of_person(info: Info, employee_pk: int, what: str) -> None:
    if not await info.context.may_see(employee_pk):
        raise _forbidden(what)


async def _employee(info: Info, pk: int) -> Node | None:
    return await visible_person(info, await EmployeeRow.get_or_none(id=pk))


async def _team(info: Info, pk: int) -> Node | None:
    row = await TeamRow.get_or_none(id=pk)
    return None if row is None else Team.from_row(row)


async def _position(info: Info, pk: int) -> Node | None:
    row = await PositionRow.get_or_none(id=pk)
    return None if row is None else Position.from_row(row)


async def _cycle(info: Info, pk: int) -> Node | None:
    row = await CycleRow.get_or_none(id=pk)
    return None if row is None else Cycle.from_row(row)


async def _kpi(info: Info, pk: int) -> Node | None:
    row = await KpiRow.get_or_none(id=pk)
    return None if row is None else Kpi.from_row(row)


async def _score(info: Info, pk: int) -> Score | None:
    row = await ScoreRow.get_or_none(id=pk)
    if row is None:
        return None
    await _of_person(info, row.employee_id, "score")
    return Score.from_row(row, info.context.lang)


async def _observation(info: Info, pk: int) -> Node | None:
    row = await ObservationRow.get_or_none(id=pk)
    if row is None:
        return None
    if row.employee_id is not None:
        await _of_person(info, row.employee_id, "observation")
    elif not await may_see_team_measure(
        get_connection("default"), info.context.actor_checked, row.team_id
    ):
        raise _forbidden("team observation")
    return observation_node(row)


async def _adjustment(info: Info, pk: int) -> Node | None:
    row = await AdjustmentRow.get_or_none(id=pk)
    if row is None:
        return None
    await _of_person(info, row.employee_id, "adjustment")
    return Adjustment.from_row(row)


async def _appeal(info: Info, pk: int) -> Node | None:
    row = await AppealRow.get_or_none(id=pk)
    if row is None:
        return None
    await _of_person(info, row.employee_id, "appeal")
    return Appeal.from_row(row)


async def _token(info: Info, pk: int) -> Node | None:
    row = await ApiTokenRow.get_or_none(id=pk)
    if row is None:
        return None
    if not may_see_token(info.context.actor_checked, row.user_id):
        raise _forbidden("token")
    return Token.from_row(row)


_FETCHERS: dict[str, Callable[[Info, int], Awaitable[Node | None]]] = {
    "ActionItem": action_item_node,
    "Adjustment": _adjustment,
    "Appeal": _appeal,
    "BestPracticeNote": best_practice_note_node,
    "CheckIn": check_in_node,
    "Course": course_node,
    "Cycle": _cycle,
    "DevelopmentItem": item_node,
    "DevelopmentPlan": plan_node,
    "Employee": _employee,
    "Goal": fetch_goal_node,
    "FeedbackNote": feedback_note_node,
    "KnowledgeSession": knowledge_session_node,
    "Kpi": _kpi,
    "Observation": _observation,
    "Position": _position,
    "Recognition": recognition_node,
    "Score": _score,
    "Team": _team,
    "Token": _token,
}
# Every type implementing Node; tests/api/test_nodes.py checks it against the schema.
NODE_TYPES = frozenset({*_FETCHERS, SCORE_LINE})


async def resolve_node(info: Info, id: str) -> Node | None:
    """Guarded by `Query.node`'s `readers()`."""
    type_name, _key = decode_global_id(id)
    if type_name == SCORE_LINE:
        score_pk, ordinal = parse_score_line_id(id)
        score = await _score(info, score_pk)
        if score is None or ordinal >= len(score.lines):
            return None
        return score.lines[ordinal]
    fetcher = _FETCHERS.get(type_name)
    if fetcher is None:
        raise not_ours(id)
    _type, pk = parse_global_id(id)
    return await fetcher(info, pk)
