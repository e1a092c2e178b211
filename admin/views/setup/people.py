"""People and teams: lists with search, hierarchy and leads, positions, dates.

Both pages are reads: who appears comes from service.usecases.accounts.access only. A manager
sees the people of the teams they lead (and below) and the whole tree of team names,
but member counts only where they may see the members.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection
from tortoise.expressions import Q
from tortoise.functions import Count

from admin.web import guarded, render, require
from service.models import OPEN_CYCLE_STATES, AccessLevel, Cycle, Employee, Position, Score, Team
from service.usecases.accounts.access import (
    led_team_ids,
    team_and_descendants,
    visible_employee_ids,
)
from service.usecases.parsing import MAX_PAGE, whole_or_none

PAGE_SIZE = 50


def _page_number(value: str | None) -> int:
    return whole_or_none(value or "1", high=MAX_PAGE) or 1


def _current(today: date) -> Q:
    # Someone who has left is still listed, but not counted as a current member.
    return Q(left_on__isnull=True) | Q(left_on__gte=today)


@guarded
async def people_page(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN, AccessLevel.MANAGER)
    conn = get_connection("default")
    visible = await visible_employee_ids(conn, actor)
    search = request.query_params.get("q", "").strip()
    team_code = request.query_params.get("team", "").strip()
    page = _page_number(request.query_params.get("page"))

    teams = await Team.all().order_by("name", "code")
    teams_by_id = {team.id: team for team in teams}
    positions = await Position.all().order_by("name", "code")
    positions_by_id = {position.id: position for position in positions}

    query = Employee.all()
    if visible is not None:
        query = query.filter(id__in=sorted(visible))
    if search:
        query = query.filter(Q(name__icontains=search) | Q(external_id__icontains=search))
    unknown_team = False
    if team_code:
        chosen = next((team for team in teams if team.code == team_code), None)
        if chosen is None:
            unknown_team = True
            query = query.filter(id__in=[])
        else:
            parents = {team.id: team.parent_id for team in teams}
            query = query.filter(team_id__in=sorted(team_and_descendants({chosen.id}, parents)))
    total = await query.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    people = (
        await query.order_by("name", "external_id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )

    running = await Cycle.filter(state__in=OPEN_CYCLE_STATES).order_by("-starts_on", "code")
    codes_of_cycle = {cycle.id: cycle.code for cycle in running}
    scored_in: dict[int, list[str]] = defaultdict(list)
    if running and people:
        rows = await Score.filter(
            cycle_id__in=list(codes_of_cycle), employee_id__in=[p.id for p in people]
        ).values_list("employee_id", "cycle_id")
        for employee_id, cycle_id in rows:
            scored_in[int(employee_id)].append(codes_of_cycle[int(cycle_id)])

    counted = Employee.filter(_current(date.today()))
    if visible is not None:
        counted = counted.filter(id__in=sorted(visible))
    count_rows = await (
        counted.annotate(n=Count("id")).group_by("position_id").values("position_id", "n")
    )
    per_position = {row["position_id"]: int(row["n"]) for row in count_rows}

    def page_link(number: int) -> str:
        params = {"q": search, "team": team_code, "page": str(number)}
        return "/admin/people?" + urlencode({k: v for k, v in params.items() if v})

    return render(
        request,
        "people/people.html",
        {
            "people": [
                {
                    "person": person,
                    "team": teams_by_id.get(person.team_id) if person.team_id else None,
                    "position": (
                        positions_by_id.get(person.position_id) if person.position_id else None
                    ),
                    "cycles": sorted(scored_in.get(person.id, [])),
                }
                for person in people
            ],
            "teams": teams,
            "search": search,
            "team_code": team_code,
            "unknown_team": unknown_team,
            "total": total,
            "page": page,
            "pages": pages,
            "previous_url": page_link(page - 1) if page > 1 else None,
            "next_url": page_link(page + 1) if page < pages else None,
            "positions": [
                {"position": position, "count": per_position.get(position.id, 0)}
                for position in positions
            ],
            "without_position": per_position.get(None, 0),
            "limited": visible is not None,
        },
    )


@dataclass
class TeamNode:
    team: Team
    lead: Employee | None
    lead_hidden: bool  # the team has a lead the viewer may not see (access.py)
    members: int | None  # None: the viewer may not see this team's members
    dashboards: list[str]  # running cycle codes the viewer may open the dashboard for
    children: list[TeamNode] = field(default_factory=list)


@guarded
async def teams_page(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN, AccessLevel.MANAGER)
    conn = get_connection("default")
    teams = await Team.all().order_by("name", "code")
    countable: set[int] | None = (
        None if actor.is_admin else await led_team_ids(conn, actor.employee_id)
    )
    count_rows = await (
        Employee.filter(_current(date.today()))
        .annotate(n=Count("id"))
        .group_by("team_id")
        .values("team_id", "n")
    )
    members = {row["team_id"]: int(row["n"]) for row in count_rows}
    # A lead is a person like any other: shown only to those who may see them.
    visible = await visible_employee_ids(conn, actor)
    lead_ids = [
        team.lead_id
        for team in teams
        if team.lead_id is not None and (visible is None or team.lead_id in visible)
    ]
    leads = {lead.id: lead for lead in await Employee.filter(id__in=lead_ids)}
    running = [
        c.code for c in await Cycle.filter(state__in=OPEN_CYCLE_STATES).order_by("-starts_on")
    ]

    children: dict[int | None, list[Team]] = defaultdict(list)
    known = {team.id for team in teams}
    for team in teams:
        children[team.parent_id if team.parent_id in known else None].append(team)

    placed: set[int] = set()

    def build(team: Team) -> TeamNode:
        placed.add(team.id)
        allowed = countable is None or team.id in countable
        node = TeamNode(
            team=team,
            lead=leads.get(team.lead_id) if team.lead_id is not None else None,
            lead_hidden=team.lead_id is not None and team.lead_id not in leads,
            members=members.get(team.id, 0) if allowed else None,
            dashboards=running if allowed else [],
        )
        node.children = [
            build(child) for child in children.get(team.id, []) if child.id not in placed
        ]
        return node

    roots = [build(team) for team in children.get(None, [])]
    # A loop of parents has no root; show such teams rather than hide them.
    roots += [build(team) for team in teams if team.id not in placed]
    return render(
        request,
        "people/teams.html",
        {"roots": roots, "limited": countable is not None, "running": running},
    )


routes: list[Route] = [
    Route("/people", people_page, methods=["GET"]),
    Route("/teams", teams_page, methods=["GET"]),
]
