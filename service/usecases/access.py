"""Who manages whom. Every rule about another person's data starts here (DESIGN.md rule 3)."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from service.models import Employee, Team
from service.sql import int_values


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
