"""Fast by design: a page of scores costs the same number of SQL queries for 10 people
as for 100 (DataLoaders batch every relation)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from tortoise.connection import get_connection

from service.usecases.inputs import EmployeeInput
from service.usecases.setup.organisation import upsert_employees
from tests.api.conftest import Api, seed
from tests.integration.scenario import ADMIN, CYCLE

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


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """Every statement sent through the ORM's client, whatever the database."""
    client_class: Any = type(get_connection("default"))
    seen: list[str] = []
    originals = {}
    for name in (
        "execute_query",
        "execute_query_dict",
        "execute_insert",
        "execute_many",
        "execute_script",
    ):
        original = getattr(client_class, name)
        originals[name] = original

        def wrapper(
            self: Any, query: str, *args: Any, _original: Any = original, **kwargs: Any
        ) -> Any:
            seen.append(query)
            return _original(self, query, *args, **kwargs)

        setattr(client_class, name, wrapper)
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(client_class, name, original)


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
    await seed(api)
    teams = ["hotline", "field", "service"][:team_count]
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                f"N{i:03d}",
                f"New {i}",
                date(2021, 1, 1),
                team_code=teams[i % len(teams)],
                position_code="agent",
            )
            for i in range(100)
        ],
    )
    # The first request of a token records when it was used; keep that out of the count.
    await api.run("{ viewer { email } }", as_="admin")
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

    await seed(goal_api)
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                f"N{i:03d}",
                f"New {i}",
                date(2021, 1, 1),
                team_code="hotline",
                position_code="agent",
            )
            for i in range(100)
        ],
    )
    for i in range(100):
        await set_goal(actor=ADMIN, goal=csat_goal(f"N{i:03d}"), clock=CLOCK)
        if i % 3 == 0:
            await set_goal(actor=ADMIN, goal=visits_goal(f"N{i:03d}"), clock=CLOCK)
    await goal_api.run("{ viewer { email } }", as_="admin")

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


async def _hotline_of(api: Api, size: int) -> None:
    await seed(api)
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                f"N{i:03d}",
                f"New {i}",
                date(2021, 1, 1),
                team_code="hotline",
                position_code="agent",
            )
            for i in range(size)
        ],
    )
    await api.run("{ viewer { email } }", as_="admin")


@pytest.mark.parametrize("who", ["admin", "manager"])
async def test_the_team_heatmap_costs_the_same_queries_for_5_and_105_members(
    api: Api, who: str
) -> None:
    await seed(api)
    await api.run("{ viewer { email } }", as_=who)

    async def count() -> tuple[int, int]:
        with counted_queries() as seen:
            body = await api.run(HEATMAP, {"cycle": CYCLE}, as_=who)
        assert "errors" not in body, body
        return len(seen), len(body["data"]["team"]["heatmap"])

    small, rows = await count()
    assert rows == 5
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                f"N{i:03d}",
                f"New {i}",
                date(2021, 1, 1),
                team_code="hotline",
                position_code="agent",
            )
            for i in range(100)
        ],
    )
    large, rows = await count()
    assert rows == 105
    assert small == large


async def test_a_page_of_peoples_trends_costs_the_same_queries_for_10_and_100_people(
    api: Api,
) -> None:
    await _hotline_of(api, 100)

    async def count(first: int) -> int:
        with counted_queries() as seen:
            body = await api.run(TRENDS, {"cycle": CYCLE, "first": first}, as_="admin")
        assert "errors" not in body, body
        assert len(body["data"]["employees"]["nodes"]) == first
        return len(seen)

    assert await count(10) == await count(100)
