"""Role models (docs/role-models.md): on each INDIVIDUAL quantitative line, a team's
scored members with the highest normalised points in the comparable previous cycle
(SCORING.md §11) of the cycle asked about. The ranking is service/scoring/role_models.py;
who sees whom is service/usecases/accounts/access.py `role_model_view`. Read from the
stored final scores when asked, stored nowhere.

The opt-in (being named to colleagues) is the employee's own setting, audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.errors import DomainError, NotFound, PermissionDenied
from service.models import (
    OPEN_CYCLE_STATES,
    Cycle,
    CycleState,
    Employee,
    Kpi,
    RoleModelSetting,
    Score,
    ScoreStatus,
    Team,
)
from service.scoring.role_models import Candidate, RoleModel, role_models
from service.scoring.stored import StoredScore
from service.scoring.types import KpiKind, LineStatus, Scope
from service.sql import int_values
from service.usecases.accounts.access import (
    RoleModelView,
    led_team_ids,
    role_model_view,
)
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.periods import comparable_previous
from service.usecases.retries import retry_when_busy

AUDIT_ENTITY = "role_model_setting"


@dataclass(frozen=True, slots=True)
class RoleModelEntry:
    employee: Employee
    points: Fraction | None  # None in a colleague's view
    rank: int | None  # None in a colleague's view


@dataclass(frozen=True, slots=True)
class RoleModelLine:
    kpi: Kpi
    role_models: tuple[RoleModelEntry, ...]


@dataclass(frozen=True, slots=True)
class RoleModelBoard:
    team: Team
    cycle: Cycle
    previous: Cycle | None  # the cycle the role models come from
    view: RoleModelView
    lines: tuple[RoleModelLine, ...]


def _quantitative_individual(stored: StoredScore) -> dict[str, Fraction]:
    """The normalised points of each INDIVIDUAL quantitative line that was scored."""
    found: dict[str, Fraction] = {}
    for line in stored.lines:
        if (
            line.scope == Scope.INDIVIDUAL.value
            and line.kpi.kind == KpiKind.QUANTITATIVE.value
            and line.status == LineStatus.SCORED.value
            and line.normalized is not None
        ):
            found[line.kpi.code] = Fraction(line.normalized)
    return found


async def ranked_role_models(
    conn: BaseDBAsyncClient, *, team_id: int, cycle_id: int
) -> dict[str, list[RoleModel]]:
    """Every line's role models in a team's final scores of one cycle, by KPI code. The
    team is the one each score was computed in (frozen when the cycle was finalised)."""
    return (await ranked_role_models_of_teams(conn, team_ids=[team_id], cycle_id=cycle_id))[team_id]


async def ranked_role_models_of_teams(
    conn: BaseDBAsyncClient, *, team_ids: Sequence[int], cycle_id: int
) -> dict[int, dict[str, list[RoleModel]]]:
    """:func:`ranked_role_models` for many teams of one cycle at once: two reads, however
    many teams."""
    wanted = sorted(set(team_ids))
    if not wanted:
        return {}
    scores = (
        await Score.filter(cycle_id=cycle_id, team_id__in=wanted, status=ScoreStatus.SCORED)
        .using_db(conn)
        .values_list("team_id", "employee_id", "explanation")
    )
    ids = sorted({int(e) for _t, e, _x in scores})
    names = (
        dict(await Employee.filter(id__in=ids).using_db(conn).values_list("id", "name"))
        if ids
        else {}
    )
    candidates: dict[int, dict[str, list[Candidate]]] = {t: defaultdict(list) for t in wanted}
    for team_id, employee_id, explanation in scores:
        for code, points in _quantitative_individual(StoredScore.from_row(explanation)).items():
            candidates[int(team_id)][code].append(
                Candidate(int(employee_id), str(names.get(employee_id, "")), points)
            )
    return {
        team_id: {code: role_models(found) for code, found in sorted(lines.items())}
        for team_id, lines in candidates.items()
    }


async def opted_in_ids(conn: BaseDBAsyncClient, employee_ids: list[int]) -> set[int]:
    if not employee_ids:
        return set()
    return set(
        await int_values(
            RoleModelSetting.filter(employee_id__in=employee_ids, opted_in=True)
            .using_db(conn)
            .values_list("employee_id", flat=True)
        )
    )


async def role_models_of_team(
    conn: BaseDBAsyncClient, *, actor: Actor, team_code: str, cycle_code: str
) -> RoleModelBoard:
    """The team's role models for the cycle ``cycle_code`` (usually the open one): from
    its comparable previous cycle. Admins and the team's managers see everyone, ranked,
    with points; a member of the team sees, by name only and in the order of their
    names, the role models who opted in and themselves; anyone else is refused."""
    team = await Team.get_or_none(code=team_code, using_db=conn)
    if team is None:
        raise NotFound("No team has the code {code}.", code=team_code)
    key = (team.id, cycle_code)
    found = (await role_model_boards(conn, actor=actor, keys=[key]))[key]
    if isinstance(found, DomainError):
        raise found
    return found


# (team id, cycle code): a board asked for
BoardKey = tuple[int, str]


async def role_model_boards(
    conn: BaseDBAsyncClient, *, actor: Actor, keys: Sequence[BoardKey]
) -> dict[BoardKey, RoleModelBoard | DomainError]:
    """:func:`role_models_of_team` for many teams and cycles at once, each answer a board
    or the refusal for that key (NotFound, PermissionDenied): the reads do not grow with
    the number of teams (one per cycle asked about, and a few in all)."""
    wanted = list(dict.fromkeys(keys))
    teams = {
        t.id: t for t in await Team.filter(id__in=sorted({t for t, _c in wanted})).using_db(conn)
    }
    codes = sorted({c for _t, c in wanted})
    cycles = {c.code: c for c in await Cycle.filter(code__in=codes).using_db(conn)}
    own_team = None
    if actor.employee_id is not None:
        own = await Employee.get_or_none(id=actor.employee_id, using_db=conn)
        own_team = None if own is None else own.team_id
    led = await led_team_ids(conn, actor.employee_id)
    answers: dict[BoardKey, RoleModelBoard | DomainError] = {}
    views: dict[BoardKey, RoleModelView] = {}
    for key in wanted:
        team_id, cycle_code = key
        team = teams.get(team_id)
        if team is None:
            answers[key] = NotFound("No team has the id {id}.", id=team_id)
            continue
        if cycle_code not in cycles:
            answers[key] = NotFound("No cycle has the code {code}.", code=cycle_code)
            continue
        view = role_model_view(
            actor, manages_team=team.id in led, own_team_id=own_team, team_id=team.id
        )
        if view is RoleModelView.NONE:
            answers[key] = PermissionDenied(
                "A team's role models are seen by its members, its managers and admins."
            )
            continue
        views[key] = view
    previous: dict[str, Cycle | None] = {}
    for code in sorted({c for _t, c in views}):
        before = await comparable_previous(conn, cycles[code])
        previous[code] = (
            before if before is not None and before.state is CycleState.FINALIZED else None
        )
    ranked: dict[tuple[int, int], dict[str, list[RoleModel]]] = {}
    for cycle_id in sorted({p.id for p in previous.values() if p is not None}):
        team_ids = [t for t, c in views if (p := previous[c]) is not None and p.id == cycle_id]
        for team_id, lines in (
            await ranked_role_models_of_teams(conn, team_ids=team_ids, cycle_id=cycle_id)
        ).items():
            ranked[(team_id, cycle_id)] = lines
    people = sorted({m.employee_id for lines in ranked.values() for f in lines.values() for m in f})
    employees = (
        {e.id: e for e in await Employee.filter(id__in=people).using_db(conn)} if people else {}
    )
    kpi_codes = sorted({code for lines in ranked.values() for code in lines})
    kpis = (
        {k.code: k for k in await Kpi.filter(code__in=kpi_codes).using_db(conn)}
        if kpi_codes
        else {}
    )
    colleague = any(v is RoleModelView.COLLEAGUE for v in views.values())
    named = await opted_in_ids(conn, people) if colleague else set()
    for key, view in views.items():
        team_id, cycle_code = key
        before = previous[cycle_code]
        if before is None:
            answers[key] = RoleModelBoard(teams[team_id], cycles[cycle_code], None, view, ())
            continue
        board_lines = _board_lines(
            ranked.get((team_id, before.id), {}), view, actor, employees, kpis, named
        )
        answers[key] = RoleModelBoard(teams[team_id], cycles[cycle_code], before, view, board_lines)
    return answers


def _board_lines(
    ranked: dict[str, list[RoleModel]],
    view: RoleModelView,
    actor: Actor,
    employees: dict[int, Employee],
    kpis: dict[str, Kpi],
    named: set[int],
) -> tuple[RoleModelLine, ...]:
    lines: list[RoleModelLine] = []
    for code, found in ranked.items():
        kpi = kpis.get(code)
        if kpi is None:
            continue
        if view is RoleModelView.FULL:
            entries = tuple(
                RoleModelEntry(employees[m.employee_id], m.points, m.rank) for m in found
            )
        else:
            shown = [
                employees[m.employee_id]
                for m in found
                if m.employee_id in named or m.employee_id == actor.employee_id
            ]
            # By name: the order by score would tell who did better.
            shown.sort(key=lambda e: (e.name.casefold(), e.external_id))
            entries = tuple(RoleModelEntry(e, None, None) for e in shown)
        lines.append(RoleModelLine(kpi, entries))
    return tuple(lines)


async def boards_cycles(conn: BaseDBAsyncClient) -> list[Cycle]:
    """The cycles role models are shown from now: the comparable previous cycle of each
    open (ACTIVE or REVIEW) cycle, once each."""
    found: dict[int, Cycle] = {}
    for cycle in await Cycle.filter(state__in=list(OPEN_CYCLE_STATES)).using_db(conn):
        previous = await comparable_previous(conn, cycle)
        if previous is not None:
            found[previous.id] = previous
    return [found[k] for k in sorted(found)]


async def is_role_model_on(conn: BaseDBAsyncClient, *, employee_id: int, kpi_code: str) -> bool:
    """Whether the employee is a role model on the KPI's line in the team they were
    scored in, in a cycle role models are shown from now (:func:`boards_cycles`): who
    may share best practice on it."""
    for cycle in await boards_cycles(conn):
        score = await Score.get_or_none(
            cycle_id=cycle.id, employee_id=employee_id, status=ScoreStatus.SCORED, using_db=conn
        )
        if score is None or score.team_id is None:
            continue
        ranked = await ranked_role_models(conn, team_id=score.team_id, cycle_id=cycle.id)
        if any(m.employee_id == employee_id for m in ranked.get(kpi_code, ())):
            return True
    return False


async def role_model_opted_in(conn: BaseDBAsyncClient, employee_id: int) -> bool:
    row = await RoleModelSetting.get_or_none(employee_id=employee_id, using_db=conn)
    return row is not None and row.opted_in


@retry_when_busy
async def set_role_model_opt_in(*, actor: Actor, opted_in: bool) -> bool:
    """The signed-in employee chooses whether colleagues see them named as a role model
    and as the author of their notes (default: not). Only the person themselves decides;
    returns the setting."""
    if actor.employee_id is None:
        raise PermissionDenied(
            "Only an employee chooses whether colleagues see them named as a role model."
        )
    async with in_transaction() as conn:
        employee = await Employee.get(id=actor.employee_id, using_db=conn)
        row = (
            await RoleModelSetting.select_for_update()
            .using_db(conn)
            .get_or_none(employee_id=employee.id)
        )
        before = row is not None and row.opted_in
        if before == opted_in:
            return opted_in
        if row is None:
            await RoleModelSetting.create(
                using_db=conn,
                employee_id=employee.id,
                opted_in=opted_in,
                changed_by_label=actor.label,
            )
        else:
            row.opted_in = opted_in
            row.changed_by_label = actor.label
            await row.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="set_role_model_opt_in",
            entity=AUDIT_ENTITY,
            entity_key=employee.external_id,
            before={"opted_in": before},
            after={"opted_in": opted_in},
        )
        return opted_in
