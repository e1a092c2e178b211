"""Who manages whom, and who may see and do what (DESIGN.md rule 3 and its Access table).

Every rule about another person's data is decided here; use cases, the API and the
admin call these functions rather than deciding for themselves.
"""

from __future__ import annotations

from enum import StrEnum
from types import EllipsisType

from tortoise.backends.base.client import BaseDBAsyncClient

from service.errors import NotFound, PermissionDenied
from service.models import AccessLevel, Employee, Score, ScoreStatus, Team
from service.sql import fetch_all, int_values
from service.usecases.actor import Actor


async def team_parents(conn: BaseDBAsyncClient) -> dict[int, int | None]:
    rows = await Team.all().using_db(conn).values_list("id", "parent_id")
    return {int(team_id): parent for team_id, parent in rows}


def team_and_ancestors(team_id: int, parents: dict[int, int | None]) -> list[int]:
    chain: list[int] = []
    current: int | None = team_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def team_and_descendants(team_ids: set[int], parents: dict[int, int | None]) -> set[int]:
    found = set(team_ids)
    changed = True
    while changed:
        changed = False
        for child, parent in parents.items():
            if parent in found and child not in found:
                found.add(child)
                changed = True
    return found


async def manager_ids_of(conn: BaseDBAsyncClient, employee: Employee) -> set[int]:
    """The leads of the employee's team and of every team above it, the employee excepted."""
    if employee.team_id is None:
        return set()
    parents = await team_parents(conn)
    chain = team_and_ancestors(employee.team_id, parents)
    leads = await int_values(
        Team.filter(id__in=chain).using_db(conn).values_list("lead_id", flat=True)
    )
    return {lead for lead in leads if lead != employee.id}


async def team_leads(conn: BaseDBAsyncClient) -> dict[int, int]:
    """The lead of each team that has one (team id -> employee id)."""
    rows = await Team.filter(lead_id__isnull=False).using_db(conn).values_list("id", "lead_id")
    return {int(team_id): int(lead_id) for team_id, lead_id in rows}


def leads_own_team(employee_id: int, team_id: int | None, leads: dict[int, int]) -> bool:
    """Whether the employee is a lead of their own team, the team their TEAM lines
    measure: then those lines are their own results (SCORING.md §2)."""
    return team_id is not None and leads.get(team_id) == employee_id


async def positions_led_by_a_holder(conn: BaseDBAsyncClient) -> set[int]:
    """The positions some holder of which leads their own team, so that the TEAM lines
    of their scorecard are that holder's own results (SCORING.md §2 and §8): the same
    meaning of "leads the team" as :func:`leads_own_team`, for every position at once."""
    rows = await fetch_all(
        conn,
        "SELECT DISTINCT e.position_id AS position_id FROM employee e "
        "JOIN team t ON t.id = e.team_id AND t.lead_id = e.id "
        "WHERE e.position_id IS NOT NULL",
        [],
    )
    return {int(r["position_id"]) for r in rows}


async def led_team_ids(conn: BaseDBAsyncClient, employee_id: int | None) -> set[int]:
    """The teams an employee leads and every team under them."""
    if employee_id is None:
        return set()
    led = set(
        await int_values(
            Team.filter(lead_id=employee_id).using_db(conn).values_list("id", flat=True)
        )
    )
    if not led:
        return set()
    return team_and_descendants(led, await team_parents(conn))


def visible_without_reading(actor: Actor) -> set[int] | EllipsisType | None:
    """`visible_employee_ids` when it needs no read (everyone but a manager), else `...`:
    for a caller that can then skip starting a read at all."""
    if actor.is_admin:
        return None
    if actor.access is not AccessLevel.MANAGER:
        return {actor.employee_id} if actor.employee_id is not None else set()
    return ...


async def visible_employee_ids(conn: BaseDBAsyncClient, actor: Actor) -> set[int] | None:
    """Whose scores the actor may see: None means everyone (an admin)."""
    known = visible_without_reading(actor)
    if known is not ...:
        return known
    own = {actor.employee_id} if actor.employee_id is not None else set()
    teams = await led_team_ids(conn, actor.employee_id)
    members = await int_values(
        Employee.filter(team_id__in=list(teams)).using_db(conn).values_list("id", flat=True)
    )
    return own | set(members)


async def require_may_act_on(conn: BaseDBAsyncClient, actor: Actor, employee: Employee) -> None:
    """Adjust, void, resolve appeals: an admin, or a manager of the employee; never on
    one's own score."""
    if actor.employee_id is not None and actor.employee_id == employee.id:
        raise PermissionDenied(
            "Nobody rates, adjusts, voids or resolves appeals on their own score; "
            "ask your manager or an admin."
        )
    if actor.is_admin:
        return
    if actor.access is AccessLevel.MANAGER and actor.employee_id in await manager_ids_of(
        conn, employee
    ):
        return
    raise PermissionDenied(
        "You are not a manager of {employee}: only the leads of their team and the teams "
        "above it, or an admin, may do this.",
        employee=employee.external_id,
    )


async def require_may_act_on_team(conn: BaseDBAsyncClient, actor: Actor, team_id: int) -> None:
    if actor.is_admin:
        return
    if actor.access is AccessLevel.MANAGER and team_id in await led_team_ids(
        conn, actor.employee_id
    ):
        return
    raise PermissionDenied(
        "Only a lead of this team or of a team above it, or an admin, may do this."
    )


# SCORING.md §10: below this, a team's averages would reveal individual scores.
MIN_SCORED_FOR_EMPLOYEES = 5


def may_see_cycle_head_counts(actor: Actor) -> bool:
    """Counts of people across a whole cycle (e.g. how many have no score) are for
    admins: in a small cycle a count names a colleague's status (SCORING.md §10)."""
    return actor.is_admin


def may_see_team_summary(
    actor: Actor, *, manages_team: bool, own_team_id: int | None, team_id: int, scored: int
) -> bool:
    """Admins and the team's managers always; a member only once enough are scored."""
    if actor.is_admin or manages_team:
        return True
    return own_team_id == team_id and scored >= MIN_SCORED_FOR_EMPLOYEES


def may_see_token(actor: Actor, owner_user_id: int) -> bool:
    """A token is seen by its owner and by admins (who list and revoke anyone's)."""
    return actor.is_admin or (actor.user_id is not None and actor.user_id == owner_user_id)


async def may_see_team_measure(conn: BaseDBAsyncClient, actor: Actor, team_id: int | None) -> bool:
    """A team-level observation (no person's own data) is seen by admins and by the
    managers of its team; an employee sees the team line's counts, never its rows."""
    if actor.is_admin:
        return True
    if actor.access is not AccessLevel.MANAGER or team_id is None:
        return False
    return team_id in await led_team_ids(conn, actor.employee_id)


def require_review_reader(actor: Actor) -> None:
    """Calibration figures (SCORING.md §12), shadow scorecards and shadow and pilot
    reports (§13) are for admins and managers, never for employees or integrations."""
    if not actor.is_admin and actor.access is not AccessLevel.MANAGER:
        raise PermissionDenied(
            "Calibration, shadow and pilot reports are for admins and managers of the teams."
        )


async def review_report_teams(
    conn: BaseDBAsyncClient, actor: Actor, team_code: str | None
) -> set[int] | None:
    """The teams whose people a review report (calibration figures, a shadow report) may
    list; None: everyone, an admin's whole-organisation view. An admin sees any team and
    the teams under it; a manager the teams they lead and those under them, and only a
    team among those by name."""
    require_review_reader(actor)
    team_id: int | None = None
    if team_code is not None:
        team = await Team.get_or_none(code=team_code, using_db=conn)
        if team is None:
            raise NotFound("There is no team {code}.", code=repr(team_code))
        team_id = team.id
    if actor.is_admin:
        if team_id is None:
            return None
        return team_and_descendants({team_id}, await team_parents(conn))
    led = await led_team_ids(conn, actor.employee_id)
    if team_id is None:
        return led
    if team_id not in led:
        raise PermissionDenied(
            "Only a lead of this team or of a team above it, or an admin, may see its reports."
        )
    return team_and_descendants({team_id}, await team_parents(conn))


async def may_see_team_goals(
    conn: BaseDBAsyncClient, actor: Actor, *, team_id: int, cycle_id: int
) -> bool:
    """Team goals and their values (SCORING.md §11): admins and the team's managers
    always; its members only once the team has enough scored members, as §10."""
    if actor.is_admin:
        return True
    manages = actor.access is AccessLevel.MANAGER and team_id in await led_team_ids(
        conn, actor.employee_id
    )
    if manages:
        return True
    if actor.employee_id is None:
        return False
    own = await Employee.get_or_none(id=actor.employee_id, using_db=conn)
    own_team = None if own is None else own.team_id
    if own_team != team_id:
        return False
    scored = (
        await Score.filter(cycle_id=cycle_id, team_id=team_id, status=ScoreStatus.SCORED)
        .using_db(conn)
        .count()
    )
    return may_see_team_summary(
        actor, manages_team=False, own_team_id=own_team, team_id=team_id, scored=scored
    )


async def person_sees_team_goals(
    conn: BaseDBAsyncClient, employee: Employee, *, cycle_id: int
) -> bool:
    """What the person themself sees of their own team's goals in a cycle (SCORING.md
    §11, as :func:`may_see_team_goals` for their own account): always when they lead the
    team, else once enough members are scored. A check-in keeps no more than this."""
    if employee.team_id is None:
        return False
    if employee.team_id in await led_team_ids(conn, employee.id):
        return True
    scored = (
        await Score.filter(cycle_id=cycle_id, team_id=employee.team_id, status=ScoreStatus.SCORED)
        .using_db(conn)
        .count()
    )
    return scored >= MIN_SCORED_FOR_EMPLOYEES


# --- people side: check-ins and feedback notes (DESIGN.md Access, people side) ----------


def manager_ids_in(
    employee_id: int, team_id: int | None, parents: dict[int, int | None], leads: dict[int, int]
) -> set[int]:
    """:func:`manager_ids_of` from the team tree already in memory (one read of the
    teams serves a whole list of people)."""
    if team_id is None:
        return set()
    return {
        lead
        for team in team_and_ancestors(team_id, parents)
        if (lead := leads.get(team)) is not None and lead != employee_id
    }


def _manages(actor: Actor, manager_ids: set[int]) -> bool:
    return actor.access is AccessLevel.MANAGER and actor.employee_id in manager_ids


class CheckInView(StrEnum):
    """How much of a check-in a viewer sees."""

    NONE = "NONE"
    # The person themselves: everything but the private manager notes.
    EMPLOYEE = "EMPLOYEE"
    # Admins and the person's managers now (after a transfer, the new ones): all of it.
    MANAGER = "MANAGER"
    # Who recorded it but manages the person no longer: what they wrote (the notes,
    # private ones included, and the action items), not the person's numbers.
    FORMER_AUTHOR = "FORMER_AUTHOR"


def check_in_view(
    actor: Actor, *, employee_id: int, manager_ids: set[int], recorded_by_employee_id: int | None
) -> CheckInView:
    if actor.is_admin or _manages(actor, manager_ids):
        return CheckInView.MANAGER
    if actor.employee_id is None or actor.access is AccessLevel.INTEGRATION:
        return CheckInView.NONE
    if actor.employee_id == employee_id:
        return CheckInView.EMPLOYEE
    if actor.employee_id == recorded_by_employee_id:
        return CheckInView.FORMER_AUTHOR
    return CheckInView.NONE


def require_may_hold_check_in(actor: Actor, *, employee: Employee, manager_ids: set[int]) -> None:
    """A check-in is recorded by a manager of the person (or an admin), never on oneself."""
    if actor.employee_id is not None and actor.employee_id == employee.id:
        raise PermissionDenied("Nobody records a check-in with themselves; ask your manager.")
    if actor.is_admin or _manages(actor, manager_ids):
        return
    raise PermissionDenied(
        "You are not a manager of {employee}: only the leads of their team and the teams "
        "above it, or an admin, record their check-ins.",
        employee=employee.external_id,
    )


def may_see_feedback_note(
    actor: Actor,
    *,
    employee_id: int,
    giver_employee_id: int | None,
    manager_ids: set[int],
    hidden: bool,
) -> bool:
    """The person, the giver, the person's managers and admins; a hidden note admins only."""
    if actor.is_admin:
        return True
    if hidden or actor.employee_id is None or actor.access is AccessLevel.INTEGRATION:
        return False
    return actor.employee_id in (employee_id, giver_employee_id) or _manages(actor, manager_ids)


def require_may_give_feedback_note(
    actor: Actor,
    *,
    employee: Employee,
    manager_ids: set[int],
    giver_team_id: int | None,
    colleagues_allowed: bool,
) -> None:
    """Managers and admins; colleagues of the same team when the policy allows it."""
    if actor.access is AccessLevel.INTEGRATION:
        raise PermissionDenied("An integration token records customer feedback, not notes.")
    if actor.employee_id is not None and actor.employee_id == employee.id:
        raise PermissionDenied("A feedback note is about someone else, not yourself.")
    if actor.is_admin or _manages(actor, manager_ids):
        return
    same_team = (
        actor.employee_id is not None
        and employee.team_id is not None
        and giver_team_id == employee.team_id
    )
    if same_team and colleagues_allowed:
        return
    if same_team:
        raise PermissionDenied(
            "The policy does not let colleagues give feedback notes; ask your manager or an "
            "admin to turn it on, or tell your manager."
        )
    raise PermissionDenied(
        "You may give {employee} a feedback note only as their manager, or as a colleague "
        "of the same team where the policy allows it.",
        employee=employee.external_id,
    )


def may_see_scores_of(actor: Actor, *, employee_id: int, manager_ids: set[int]) -> bool:
    """The same rule as :func:`visible_employee_ids`, for one person whose managers are
    known: themselves, their managers, admins; never a colleague."""
    return actor.is_admin or actor.employee_id == employee_id or _manages(actor, manager_ids)


async def may_see_personal_record(
    conn: BaseDBAsyncClient, actor: Actor, employee: Employee
) -> bool:
    """An employee's development plan (like their goals and check-ins) is seen and edited
    by the employee, their managers and admins (DESIGN.md Access, the people side)."""
    if actor.is_admin:
        return True
    if actor.employee_id is not None and actor.employee_id == employee.id:
        return True
    return actor.access is AccessLevel.MANAGER and actor.employee_id in await manager_ids_of(
        conn, employee
    )


async def require_may_see_personal_record(
    conn: BaseDBAsyncClient, actor: Actor, employee: Employee
) -> None:
    if not await may_see_personal_record(conn, actor, employee):
        raise PermissionDenied(
            "Only {employee}, their managers and admins may see or change their development plan.",
            employee=employee.external_id,
        )


async def require_admin_or_manager_of(
    conn: BaseDBAsyncClient, actor: Actor, employee: Employee
) -> None:
    """Records about a person kept by the organisation (e.g. course attendance): admins
    and the person's managers."""
    if actor.is_admin:
        return
    if actor.access is AccessLevel.MANAGER and actor.employee_id in await manager_ids_of(
        conn, employee
    ):
        return
    raise PermissionDenied(
        "Only a manager of {person} or an admin may record this.", person=employee.external_id
    )


# --- people side: recognition (DESIGN.md Access, people side) ---------------------------


def may_see_recognition(
    actor: Actor,
    *,
    receiver_id: int,
    receiver_team_id: int | None,
    giver_employee_id: int,
    manager_ids: set[int],
    public: bool,
    hidden: bool,
    viewer_team_id: int | None,
) -> bool:
    """The giver, the receiver, the receiver's managers and admins; when the receiver
    keeps it public, their team too. A hidden one admins only. It carries no score."""
    if actor.is_admin:
        return True
    if hidden or actor.employee_id is None or actor.access is AccessLevel.INTEGRATION:
        return False
    if actor.employee_id in (receiver_id, giver_employee_id) or _manages(actor, manager_ids):
        return True
    return public and receiver_team_id is not None and viewer_team_id == receiver_team_id


class WallView(StrEnum):
    """How much of a team's recognition wall a viewer sees (the same rule as
    :func:`may_see_recognition`, for every member of one team at once)."""

    NONE = "NONE"
    # A member of the team: public ones, and private ones they gave or received.
    MEMBER = "MEMBER"
    # A manager of the team (its lead or a lead above it): every one not hidden.
    MANAGER = "MANAGER"
    # An admin: every one, hidden ones too.
    ADMIN = "ADMIN"


def wall_view(
    actor: Actor, *, team_id: int, led_team_ids: set[int], viewer_team_id: int | None
) -> WallView:
    if actor.is_admin:
        return WallView.ADMIN
    if actor.employee_id is None or actor.access is AccessLevel.INTEGRATION:
        return WallView.NONE
    if actor.access is AccessLevel.MANAGER and team_id in led_team_ids:
        return WallView.MANAGER
    if viewer_team_id == team_id:
        return WallView.MEMBER
    return WallView.NONE


async def require_may_see_team_heatmap(conn: BaseDBAsyncClient, actor: Actor, team_id: int) -> None:
    """The team heatmap and the team's trend show each member's lines and figures side by
    side: admins, and managers of the team (its leads and those of the teams above it)."""
    if actor.is_admin:
        return
    if actor.access is AccessLevel.MANAGER and team_id in await led_team_ids(
        conn, actor.employee_id
    ):
        return
    raise PermissionDenied(
        "Only a manager of this team (a lead of it or of a team above it) or an admin may "
        "see its members side by side."
    )


# --- people side: role models, best-practice notes, sessions (docs/role-models.md) -------


class RoleModelView(StrEnum):
    """How much of a team's role models a viewer sees."""

    NONE = "NONE"
    # Admins and the team's managers (who may see every member's score): everyone, ranked,
    # with their normalised points.
    FULL = "FULL"
    # A member of the team: only the role models who opted in (and themselves), by name,
    # without a number or an order by score.
    COLLEAGUE = "COLLEAGUE"


def role_model_view(
    actor: Actor, *, manages_team: bool, own_team_id: int | None, team_id: int
) -> RoleModelView:
    if actor.is_admin or (actor.access is AccessLevel.MANAGER and manages_team):
        return RoleModelView.FULL
    if actor.employee_id is not None and own_team_id == team_id:
        return RoleModelView.COLLEAGUE
    return RoleModelView.NONE


def may_name_role_model(
    actor: Actor, *, employee_id: int, manager_ids: set[int], opted_in: bool
) -> bool:
    """A role model (or a note's author) is named to those who may see their score, and to
    anyone else only if they opted in."""
    return opted_in or may_see_scores_of(actor, employee_id=employee_id, manager_ids=manager_ids)


def require_may_schedule_session(actor: Actor) -> None:
    """Knowledge-sharing sessions are scheduled by managers and admins."""
    if not actor.is_admin and actor.access is not AccessLevel.MANAGER:
        raise PermissionDenied("Only managers and admins schedule knowledge-sharing sessions.")
