"""The executor's shortcut for plain leaf fields (service/api/execution.py) answers exactly
as graphql-core's standard way does: same data, same errors, same refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import Enum
from typing import Any, NewType

import httpx
import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import service.app
from service.api.execution import FieldShortcutExecutionContext
from service.api.schema import create_schema
from service.app import create_app
from service.settings import Settings
from tests.api.conftest import USERS, Api, make_settings, seed
from tests.integration.scenario import CYCLE

EVERY_LINE_FIELD = """
  total status statusReason evidenceWeight neededWeight adjustmentsTotal explanation
  computedAt inputsHash state id
  band { code multiplier } nextBand { code pointsNeeded }
  employee { externalId name team { code name } position { code } }
  lines {
    id kpi { code name kind unit direction }
    scope aggregation aggregationParam sampleSize minSamples rawValue method
    threshold target stretch bands { bound points } normalized weight
    effectiveWeight contribution status evidence sources { source channel count }
    explanation
    whatItWouldTake { kind band rawValue maxPoints observationsNeeded sentence }
  }
"""

QUERIES = [
    # The team overview and "my score" of bench/api.py, and more.
    f"""query($cycle: String!) {{ cycle(code: $cycle) {{ code state
        scores(first: 50) {{ nodes {{ {EVERY_LINE_FIELD} }} pageInfo {{ hasNextPage }} }}
        }} }}""",
    f"""query($cycle: String!) {{ viewer {{ email access employee {{ externalId name
        score(cycleCode: $cycle) {{ {EVERY_LINE_FIELD} }} }} }} }}""",
    # Someone else's score: refused for some, null data and a FORBIDDEN error.
    f"""query($cycle: String!) {{ employee(externalId: "A2") {{ externalId name hiredOn
        score(cycleCode: $cycle) {{ {EVERY_LINE_FIELD} }} }} }}""",
    """{ employees(first: 50) { nodes { id externalId name email hiredOn leftOn
        team { code name } } } teams { code name parent { code } } kpis { code name kind
        unit direction aggregation } }""",
    """{ a: kpi(code: "csat") { code name } b: kpi(code: "csat") { name code unit }
        __typename }""",
]


async def _app_client(standard: bool, monkeypatch: pytest.MonkeyPatch) -> httpx.AsyncClient:
    def schema_of(settings: Settings) -> Any:
        schema = create_schema(settings)
        if standard:
            schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
        return schema

    with monkeypatch.context() as patch:
        patch.setattr(service.app, "create_schema", schema_of)
        app = create_app(make_settings())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def both(db: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Api, Api]]:
    shortcut = Api(await _app_client(False, monkeypatch))
    standard = Api(await _app_client(True, monkeypatch))
    async with shortcut.client, standard.client:
        yield shortcut, standard


async def test_every_reader_gets_the_same_answers_with_and_without_the_shortcut(
    both: tuple[Api, Api],
) -> None:
    shortcut, standard = both
    await seed(shortcut)
    standard.tokens = shortcut.tokens
    compared = 0
    for who in [*USERS, None]:
        for query in QUERIES:
            for lang in ("en", "zh-CN"):
                ours = await shortcut.post(query, {"cycle": CYCLE}, as_=who, lang=lang)
                theirs = await standard.post(query, {"cycle": CYCLE}, as_=who, lang=lang)
                assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json())
                compared += 1
    assert compared == (len(USERS) + 1) * len(QUERIES) * 2


# --- the shortcut's edges, on a schema of its own -----------------------------------------


@strawberry.enum(description="A colour.")
class Colour(Enum):
    RED = "RED"


def _refuse(value: object) -> str:
    raise ValueError("no such value")


Refused = NewType("Refused", str)
RefusedScalar = strawberry.scalar(
    name="Refused", description="Never serialises.", serialize=_refuse, parse_value=str
)


@strawberry.type(description="Values good and bad.")
class Thing:
    name: str = strawberry.field(description="Set.")
    missing: str = strawberry.field(description="None, though non-null.")
    maybe: str | None = strawberry.field(description="None, nullable.")
    colour: Colour = strawberry.field(description="An enum.")
    wrong_colour: Colour = strawberry.field(description="Not a member.")
    refused: Refused | None = strawberry.field(description="Its serialiser fails.")
    count: int = strawberry.field(description="A number.")


def _things() -> list[Thing]:
    return [
        Thing(
            name="a",
            missing=None,  # type: ignore[arg-type]
            maybe=None,
            colour=Colour.RED,
            wrong_colour="BLUE",  # type: ignore[arg-type]
            refused=Refused("x"),
            count=3,
        )
    ]


def _one_thing() -> Thing | None:
    return _things()[0]


@strawberry.type(description="The root.")
class Query:
    things: list[Thing] = strawberry.field(resolver=_things, description="Several things.")
    nullable_problem: Thing | None = strawberry.field(
        resolver=_one_thing, description="One thing whose only problem is nullable."
    )


@pytest.mark.parametrize(
    "query",
    [
        "{ things { name maybe colour count } }",
        "{ things { name missing } }",
        "{ things { wrongColour name } }",
        "{ things { name refused } }",
        "{ nullableProblem { count missing } things { name } }",
        "{ things { n: name n2: name count } }",
    ],
)
async def test_bad_values_give_the_standard_errors(query: str) -> None:
    results = []
    for context_class in (FieldShortcutExecutionContext, StrawberryGraphQLCoreExecutionContext):
        schema = strawberry.Schema(
            query=Query,
            execution_context_class=context_class,
            scalar_overrides={Refused: RefusedScalar},
        )
        result = await schema.execute(query)
        results.append(
            (
                result.data,
                [(e.message, e.path, e.locations) for e in result.errors or []],
            )
        )
    assert results[0] == results[1]
