"""Fast by design: a page of scores costs the same number of SQL queries for 10 people
as for 100 (DataLoaders batch every relation)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tests.api.conftest import Api, seeded_tokens
from tests.counting import counted_queries
from tests.integration.scenario import ADMIN, CYCLE, hire_agents
from tests.snapshots import snapshotted

PAGE = """
query Page($cycle: String!, $first: Int!) {
  cycle(code: $cycle) {
    scores(first: $first) {
      nodes {
        total band { code multiplier } nextBand { code pointsNeeded }
        employee { externalId name team { code name parent { code } } position { code } }
        lines { kpi { code name } scope sampleSize rawValue normalized weight effectiveWeight
                contribution status sources { source channel count } explanation
                whatItWouldTake { kind rawValue } }
        adjustments { points reason }
        appeals { state }
      }
    }
  }
}
"""


async def queries_for_a_page(api: Api, first: int) -> int:
    with counted_queries() as seen:
        body = await api.run(PAGE, {"cycle": CYCLE, "first": first}, as_="admin")
    assert "errors" not in body, body
    assert len(body["data"]["cycle"]["scores"]["nodes"]) == first
    return len(seen)


@pytest.mark.parametrize("team_count", [1, 3])
async def test_a_page_of_scores_costs_the_same_queries_for_10_and_100_people(
    api: Api, team_count: int
) -> None:
    await seed_with_agents(api, 100, teams=["hotline", "field", "service"][:team_count])
    small = await queries_for_a_page(api, 10)
    large = await queries_for_a_page(api, 100)
    assert small == large
    assert small <= 12  # a handful of batched reads, not one per person or line


GOALS_PAGE = """
query Goals($first: Int!) {
  employees(first: $first) {
    nodes {
      externalId
      goals(cycleCode: "2026-Q1") {
        id title state target progress status currentValue
        measure { kpi { code } scope unit direction }
        smart { letter result message }
      }
    }
  }
}
"""


async def test_a_page_of_peoples_goals_costs_the_same_queries_for_10_and_100_people(
    goal_api: Api,
) -> None:
    from service.usecases.people.goals import set_goal
    from tests.integration.goal_scenario import CLOCK, csat_goal, visits_goal

    newcomers = await seed_with_agents(goal_api, 100)
    for i, newcomer in enumerate(newcomers):
        await set_goal(actor=ADMIN, goal=csat_goal(newcomer), clock=CLOCK)
        if i % 3 == 0:
            await set_goal(actor=ADMIN, goal=visits_goal(newcomer), clock=CLOCK)

    async def count(first: int) -> int:
        with counted_queries() as seen:
            body = await goal_api.run(GOALS_PAGE, {"first": first}, as_="admin")
        assert "errors" not in body, body
        assert len(body["data"]["employees"]["nodes"]) == first
        return len(seen)

    assert await count(10) == await count(100)


HEATMAP = """
query Heatmap($cycle: String!) {
  team(code: "hotline") {
    heatmap(cycleCode: $cycle) {
      employee { externalId name } position status statusReason total band
      lines { kpi scope normalized rawValue sampleSize status band }
    }
  }
}
"""

TRENDS = """
query Trends($cycle: String!, $first: Int!) {
  employees(first: $first) {
    nodes {
      externalId
      trend(cycleCode: $cycle) {
        points { cycle { code } status total band }
        kpis { kpi scope values { cycle rawValue } }
        change { points since }
      }
    }
  }
}
"""


async def seed_with_agents(
    api: Api, count: int, *, teams: Sequence[str] = ("hotline",), who: str = "admin"
) -> list[str]:
    """seed() and `count` more agents; their external ids. The first request of a token
    records when it was used: made here, it stays out of the counts."""
    tokens, newcomers = await _seeded_with_agents(count, tuple(teams))
    api.tokens.update(tokens)
    await api.run("{ viewer { email } }", as_=who)
    return newcomers


@snapshotted
async def _seeded_with_agents(
    count: int, teams: tuple[str, ...]
) -> tuple[dict[str, str], list[str]]:
    tokens = await seeded_tokens()
    return tokens, await hire_agents(count, teams=teams)


@pytest.mark.parametrize("who", ["admin", "manager"])
async def test_the_team_heatmap_costs_the_same_queries_for_5_and_105_members(
    api: Api, who: str
) -> None:
    await seed_with_agents(api, 0, who=who)

    async def count() -> tuple[int, int]:
        with counted_queries() as seen:
            body = await api.run(HEATMAP, {"cycle": CYCLE}, as_=who)
        assert "errors" not in body, body
        return len(seen), len(body["data"]["team"]["heatmap"])

    small, rows = await count()
    assert rows == 5
    await hire_agents(100)
    large, rows = await count()
    assert rows == 105
    assert small == large


async def test_a_page_of_peoples_trends_costs_the_same_queries_for_10_and_100_people(
    api: Api,
) -> None:
    await seed_with_agents(api, 100)

    async def count(first: int) -> int:
        with counted_queries() as seen:
            body = await api.run(TRENDS, {"cycle": CYCLE, "first": first}, as_="admin")
        assert "errors" not in body, body
        assert len(body["data"]["employees"]["nodes"]) == first
        return len(seen)

    assert await count(10) == await count(100)


MY_EMPLOYEE = "{ viewer { email employee { externalId name } } }"


@pytest.mark.parametrize(("who", "external_id"), [("employee", "A1"), ("admin", None)])
async def test_the_viewers_own_employee_comes_with_the_token_lookup(
    api: Api, who: str, external_id: str | None
) -> None:
    await seed_with_agents(api, 0, who=who)
    with counted_queries() as seen:
        body = await api.run(MY_EMPLOYEE, as_=who)
    assert "errors" not in body, body
    employee = body["data"]["viewer"]["employee"]
    assert (employee and employee["externalId"]) == external_id
    # The token's statement reads the employee's row too: "my score" reads no other.
    assert len(seen) == 1, seen
    assert "LEFT JOIN employee" in seen[0]


# Score.employee loads the person's team and position rows with the person when the query
# selects them plainly, so that Employee.team and .position answer without awaiting
# (service/api/setup/people.py `preload_team_and_position`). Selections it leaves to the
# fields: a fragment, a directive, neither selected.
PRELOAD_SHAPES = [
    "employee { externalId name team { code name } position { code } }",
    "employee { name team { code parent { code lead { name } } } }"
    " e2: employee { position { code } }",
    "employee { ...E }",
    "employee { name team @include(if: $yes) { code } position { code } }",
    "employee { name team @include(if: $no) { code } position @skip(if: $yes) { code } }",
    "employee { name }",
    "employee { position { name } t: team { name } }",
]


@pytest.mark.parametrize("who", ["admin", "manager"])
@pytest.mark.parametrize("shape", PRELOAD_SHAPES)
async def test_loading_team_and_position_with_the_person_changes_no_answer_and_no_statement(
    api: Api, who: str, shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.api.setup.people import Employee

    await seed_with_agents(api, 30, teams=["hotline", "field"], who=who)
    declared = "".join(
        f", ${name}: Boolean = {value}"
        for name, value in (("yes", "true"), ("no", "false"))
        if f"${name}" in shape
    )
    fragment = "fragment E on Employee { externalId team { code } position { code } }"
    query = f"""
    query Page($cycle: String!{declared}) {{
      cycle(code: $cycle) {{ scores(first: 30) {{ nodes {{ total {shape} }} }} }}
    }}
    {fragment if "...E" in shape else ""}
    """

    async def ask() -> tuple[int, dict[str, Any]]:
        with counted_queries() as seen:
            body = await api.run(query, {"cycle": CYCLE}, as_=who)
        return len(seen), body

    preloaded = await ask()
    assert "errors" not in preloaded[1], preloaded[1]

    async def nothing(self: Employee, info: object) -> None:
        return None

    monkeypatch.setattr(Employee, "preload_team_and_position", nothing)
    assert await ask() == preloaded
