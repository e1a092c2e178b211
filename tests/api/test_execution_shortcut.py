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
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from service.api.execution import (
    FieldShortcutExecutionContext,
    plain_resolver,
    shared_selections,
)
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
    GREEN = "GREEN"


@strawberry.type(description="A part of a thing: an object field without resolver.")
class Part:
    label: str = strawberry.field(description="Set.")
    missing: str = strawberry.field(description="None on some parts, though non-null.")


@strawberry.interface(description="Gives its implementations an is_type_of.")
class Shaped:
    label: str = strawberry.field(description="Set.")


@strawberry.type(description="A part with an interface.")
class ShapedPart(Shaped):
    pass


class _Broken:
    """An attribute whose reading fails."""

    @property
    def label(self) -> str:
        raise RuntimeError("cannot read")


@plain_resolver
def _sentence_of(root: Thing) -> str:
    return f"{root.name} is {root.colour.value}"


@plain_resolver
def _no_sentence(root: Thing) -> str:
    return None  # type: ignore[return-value]


@plain_resolver
def _failing_sentence(root: Thing) -> str:
    raise ValueError("no sentence")


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
    raw_colour: Colour = strawberry.field(description="The value, not the member.")
    part: Part = strawberry.field(description="A part.")
    no_part: Part = strawberry.field(description="None, though non-null.")
    maybe_part: Part | None = strawberry.field(description="None, nullable.")
    broken_part: Part = strawberry.field(description="Its fields fail to read.")
    parts: list[Part] = strawberry.field(description="Parts, one without its missing field.")
    shaped: ShapedPart = strawberry.field(description="A part with an is_type_of.")
    wrong_shape: ShapedPart = strawberry.field(description="Fails its is_type_of.")
    error_part: Part = strawberry.field(description="Holds an exception.")
    sentence: str = strawberry.field(resolver=_sentence_of, description="A plain resolver.")
    no_sentence: str = strawberry.field(resolver=_no_sentence, description="Returns None.")
    failing_sentence: str | None = strawberry.field(
        resolver=_failing_sentence, description="Raises."
    )

    # strawberry.field(description=...) is typed as returning Any in this release (as
    # pyproject.toml says for service.api).
    @strawberry.field(description="A plain method resolver.")  # type: ignore[untyped-decorator]
    @plain_resolver
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field(description="With an argument: the standard way.")  # type: ignore[untyped-decorator]
    @plain_resolver
    def repeat(self, times: int) -> str:
        return self.name * times


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
            raw_colour="GREEN",  # type: ignore[arg-type]
            part=Part(label="p", missing="m"),
            no_part=None,  # type: ignore[arg-type]
            maybe_part=None,
            broken_part=_Broken(),  # type: ignore[arg-type]
            parts=[Part(label="q", missing="m"), Part(label="r", missing=None)],  # type: ignore[arg-type]
            shaped=ShapedPart(label="s"),
            wrong_shape=Part(label="w", missing="m"),  # type: ignore[arg-type]
            error_part=ValueError("an exception as the value"),  # type: ignore[arg-type]
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
        "{ things { colour rawColour } }",
        "{ things { part { label missing } maybePart { label } } }",
        "{ things { name noPart { label } } }",
        "{ nullableProblem { noPart { label } } things { name } }",
        "{ things { brokenPart { label } count } }",
        "{ things { parts { label } } }",
        "{ things { parts { label missing } } }",
        "{ nullableProblem { parts { missing } } }",
        "{ things { shaped { label } } }",
        "{ nullableProblem { wrongShape { label } } }",
        "{ nullableProblem { errorPart { label } } }",
        "{ things { sentence shout s: sentence repeat(times: 2) } }",
        "{ things { name noSentence } }",
        "{ things { name failingSentence } }",
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


# --- the selections shared across an operation's requests -------------------------------

SKIPPED_BY_VARIABLE = """query($cycle: String!, $lines: Boolean!) { viewer { employee {
    score(cycleCode: $cycle) { total lines @include(if: $lines) { rawValue }
    ... on Score @skip(if: $lines) { band { code } } } } } }"""


async def test_a_selection_that_depends_on_the_variables_follows_them_request_by_request(
    both: tuple[Api, Api],
) -> None:
    """`@include`/`@skip` by a variable: each request collects its own selections (the
    shared ones would keep the first request's), as graphql-core's standard way does."""
    shortcut, standard = both
    await seed(shortcut)
    standard.tokens = shortcut.tokens
    seen = set()
    for lines in (True, False, True, False):
        variables = {"cycle": CYCLE, "lines": lines}
        ours = await shortcut.post(SKIPPED_BY_VARIABLE, variables, as_="employee")
        theirs = await standard.post(SKIPPED_BY_VARIABLE, variables, as_="employee")
        assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json())
        score = ours.json()["data"]["viewer"]["employee"]["score"]
        seen.add(tuple(sorted(score)))
    assert seen == {("lines", "total"), ("band", "total")}


@pytest.mark.parametrize(
    ("document", "shared"),
    [
        ("{ viewer { email employee { id name } } }", True),
        ("{ viewer { ...V } } fragment V on Viewer { email ... on Viewer { access } }", True),
        ("query($x: Boolean!) { viewer { email @include(if: $x) } }", False),
        ("query($x: Boolean!) { viewer { ... on Viewer @skip(if: $x) { email } } }", False),
        (
            "query($x: Boolean!) { viewer { ...V @include(if: $x) } }"
            " fragment V on Viewer { email }",
            False,
        ),
        (
            "query($x: Boolean!) { viewer { ...V } } fragment V on Viewer { email @skip(if: $x) }",
            False,
        ),
        ("query { viewer @include(if: true) { email } }", False),
    ],
)
def test_only_an_operation_without_directives_shares_its_selections(
    document: str, shared: bool
) -> None:
    parsed = parse(document)
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    fragments = [d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)]
    first = shared_selections(operation, fragments)
    assert (first is not None) == shared
    # The same operation node (the parse cache's document) finds the same selections.
    assert shared_selections(operation, fragments) is first
    # Another parse of the same text is another operation: its own selections.
    again = parse(document)
    other = next(d for d in again.definitions if isinstance(d, OperationDefinitionNode))
    assert other is not operation
    assert shared_selections(other, []) is not first or first is None
