"""Generated queries against the exported schema, over HTTP, on both databases.

Valid queries never meet an unexpected error; invalid ones are refused as client errors
(400 or 200 by media type, never 500, never a traceback); and whatever an employee asks,
the answer holds nobody else's score or observations.

Each test seeds its database in its first example and reuses it: the `db` fixture
empties the database once per test, not per example. Arguments are drawn from the seeded
natural keys, real global ids and cursors as well as arbitrary text, so that generated
queries reach real rows, other people's included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes, queries

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    build_schema,
    get_named_type,
    parse,
    print_ast,
    validate,
)
from service.api.ids import encode_cursor, global_id
from service.models import Employee, Observation, Score
from tests.api.conftest import Api, seed

SCHEMA_SDL = (Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql").read_text(
    encoding="utf-8"
)
SCHEMA = build_schema(SCHEMA_SDL)
GRAPHQL_RESPONSE = "application/graphql-response+json"
OPERATIONS = sorted(
    path.read_text(encoding="utf-8")
    for path in (Path(__file__).resolve().parents[2] / "graphql" / "operations").glob("*.graphql")
)
IDENTITIES = ("id", "externalId", "employeeExternalId")
# Root fields that reach people, scores and observations, and the rest of Query. Each
# example draws a subset of them; a handful of roots keeps a query small.
PEOPLE_FIELDS = ["viewer", "node", "employee", "employees", "team", "teams", "cycle", "cycles"]
OTHER_FIELDS = ["positions", "kpis", "kpi"]

SEEDED_KEYS = ["A1", "A2", "A3", "A4", "F1", "L1", "2026-Q1", "hotline", "field", "service"]
SEEDED_KEYS += ["csat", "frt", "complaints", "quality", "agent", "lead", "s1", "t2", ""]
CURSORS = [encode_cursor(v) for v in ([0], [3], ["A1"], [10**6, 1], [-1, 2], [1.5], [None])]
# Global ids of the seeded rows (primary keys restart at 1 for each test), and some others.
GLOBAL_IDS = [
    global_id(kind, pk)
    for kind in ("Employee", "Score", "Observation", "Team", "Cycle", "Kpi", "Token", "Appeal")
    for pk in range(1, 9)
]


def texts() -> st.SearchStrategy[str]:
    # No NUL: the API refuses it up front (PostgreSQL cannot store it), which the valid-query
    # property would count as a failure; test_a_nul_character_in_a_key_is_a_client_error
    # covers it instead.
    return st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs"], min_codepoint=1), max_size=12
    )


STRINGS = st.one_of(st.sampled_from(SEEDED_KEYS + CURSORS), texts()).map(nodes.String)
IDS = st.one_of(st.sampled_from(GLOBAL_IDS), texts()).map(nodes.String)
INTS = st.one_of(st.integers(-2, 12), st.sampled_from([100, 101, 2**31 - 1, -(2**31)])).map(
    nodes.Int
)
DECIMALS = st.one_of(
    st.decimals(min_value=-1000, max_value=1000, places=2).map(str),
    st.sampled_from(["1e400", "NaN", "-0", " 4 ", "x"]),
).map(nodes.String)
SCALARS = {
    "String": STRINGS,
    "ID": IDS,
    "Int": INTS,
    "Decimal": DECIMALS,
    "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes().map(lambda d: nodes.String(d.isoformat())),
}


def _keep_document(document: DocumentNode) -> DocumentNode:
    return document


VALID_QUERIES = queries(
    SCHEMA, fields=PEOPLE_FIELDS + OTHER_FIELDS, custom_scalars=SCALARS, print_ast=_keep_document
)
PEOPLE_QUERIES = queries(
    SCHEMA, fields=PEOPLE_FIELDS, custom_scalars=SCALARS, print_ast=_keep_document
)
INVALID_QUERIES = queries(
    SCHEMA, fields=PEOPLE_FIELDS, custom_scalars=SCALARS, mode=Mode.NEGATIVE, print_ast=print_ast
)


def looks_like_a_traceback(text: str) -> bool:
    return "Traceback" in text or bool(re.search(r'File "[^"]+", line \d+', text))


def _field(name: str) -> FieldNode:
    return FieldNode(name=NameNode(value=name))


def with_identities(document: DocumentNode, schema: GraphQLSchema = SCHEMA) -> DocumentNode:
    """Every object in the answer also says what it is and whose it is: `__typename`
    everywhere, `id` on nodes, `externalId` on employees, `employeeExternalId` on payroll
    rows. Same depth as the generated query; the nodes are rebuilt, never changed."""

    def visit(selection_set: SelectionSetNode, parent: Any) -> SelectionSetNode:
        extra = ["__typename"]
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            extra += [name for name in IDENTITIES if name in parent.fields]
        selections: list[SelectionNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.selection_set is not None:
                field_type = get_named_type(parent.fields[selection.name.value].type)
                selection = replace(
                    selection, selection_set=visit(selection.selection_set, field_type)
                )
            elif isinstance(selection, InlineFragmentNode) and selection.selection_set:
                condition = parent
                if selection.type_condition is not None:
                    condition = schema.get_type(selection.type_condition.name.value)
                selection = replace(
                    selection, selection_set=visit(selection.selection_set, condition)
                )
            selections.append(selection)
        selections += [FieldNode(name=NameNode(value=name)) for name in extra]
        return replace(selection_set, selections=tuple(selections))

    definitions = [
        replace(d, selection_set=visit(d.selection_set, schema.query_type))
        if isinstance(d, OperationDefinitionNode)
        else d
        for d in document.definitions
    ]
    return replace(document, definitions=tuple(definitions))


def objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects(item)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


async def post(api: Api, query: str, *, as_: str, accept: str) -> httpx.Response:
    return await api.client.post(
        "/graphql",
        json={"query": query},
        headers={"authorization": f"Bearer {api.tokens[as_]}", "accept": accept},
    )


def is_valid(query: str) -> bool:
    try:
        return not validate(SCHEMA, parse(query))
    except GraphQLError:
        return False


def mutated(query: str, data: st.DataObject) -> str:
    """A client's document with a slice cut out, or text pasted in."""
    start = data.draw(st.integers(0, len(query)), label="start")
    end = data.draw(st.integers(start, min(len(query), start + 12)), label="end")
    paste = data.draw(st.sampled_from(["", "{", "}", "(", ")", ":", '"', "$x", "...", "@skip"]))
    return query[:start] + paste + query[end:]


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(document=VALID_QUERIES)
async def test_valid_generated_queries_never_meet_an_unexpected_error(
    api: Api, document: DocumentNode
) -> None:
    if not api.tokens:
        await seed(api)
    query = print_ast(document)
    response = await post(api, query, as_="admin", accept="application/json")
    assert response.status_code == 200, response.text
    assert "Unexpected error." not in response.text, query
    assert not looks_like_a_traceback(response.text), query
    body = response.json()
    assert "data" in body
    for error in body.get("errors", []):
        code = (error.get("extensions") or {}).get("code")
        assert code in (None, "BAD_USER_INPUT", "FORBIDDEN"), (query, error)


@SETTINGS
@given(data=st.data(), accept=st.sampled_from([GRAPHQL_RESPONSE, "application/json"]))
async def test_invalid_queries_are_client_errors_never_500_nor_a_traceback(
    api: Api, data: st.DataObject, accept: str
) -> None:
    if not api.tokens:
        await seed(api)
    kind = data.draw(st.sampled_from(["schema violation", "mutated", "any text"]), label="kind")
    if kind == "schema violation":
        query = data.draw(INVALID_QUERIES, label="query")
    elif kind == "mutated":
        query = mutated(data.draw(st.sampled_from(OPERATIONS), label="document"), data)
    else:
        query = data.draw(st.text(max_size=200), label="query")
    response = await post(api, query, as_="admin", accept=accept)
    if not query:
        # No query at all: the request itself is malformed (see the test below).
        assert response.status_code == 400
        return
    assert response.status_code in (200, 400), response.text
    assert not looks_like_a_traceback(response.text), query
    if is_valid(query):
        # A cut that left a valid document, sent without its variables: see
        # test_a_missing_or_mistyped_variable_is_a_client_error_not_an_unexpected_one.
        return
    assert "Unexpected error." not in response.text, query
    body = response.json()
    assert body["errors"], query
    assert body.get("data") is None, query
    expected = 400 if accept == GRAPHQL_RESPONSE else 200
    assert response.status_code == expected, query
    assert response.headers["content-type"].startswith(accept)


@pytest.mark.parametrize(
    "variables",
    [{}, {"code": None}, {"code": 5}],
    ids=["missing", "null", "wrong type"],
)
async def test_a_missing_or_mistyped_variable_is_a_client_error_not_an_unexpected_one(
    api: Api, variables: dict[str, Any]
) -> None:
    await seed(api)
    response = await api.post(
        "query Cycle($code: String!) { cycle(code: $code) { code } }",
        variables,
        as_="admin",
        accept=GRAPHQL_RESPONSE,
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert "$code" in error["message"], error


# What belongs to whom, per seeded database (keyed by the admin token, new each test).
FACTS: dict[str, tuple[set[str], set[str], set[str]]] = {}


async def others_data() -> tuple[set[str], set[str], set[str]]:
    """A1's score and observation ids, and the texts that belong to everyone else's
    observations (external ids and comments)."""
    me = await Employee.get(external_id="A1")
    my_scores = {global_id("Score", s.id) for s in await Score.filter(employee_id=me.id)}
    mine: set[str] = set()
    others: set[str] = set()
    for row in await Observation.all():
        texts_of_row = {t for t in (row.external_id, row.comment) if t}
        if row.employee_id == me.id:
            mine.add(global_id("Observation", row.id))
        else:
            others |= texts_of_row
    assert others, "seed() gave the others no observations: this test would prove nothing"
    return my_scores, mine, others


@SETTINGS
@given(document=PEOPLE_QUERIES)
async def test_whatever_an_employee_asks_the_answer_holds_no_one_elses_scores_or_observations(
    api: Api, document: DocumentNode
) -> None:
    if not api.tokens:
        await seed(api)
        FACTS[api.tokens["admin"]] = await others_data()
    my_scores, my_observations, others = FACTS[api.tokens["admin"]]
    query = print_ast(with_identities(document))
    response = await post(api, query, as_="employee", accept="application/json")
    assert response.status_code == 200, response.text
    body = response.json()
    data = body.get("data")
    for item in objects(data):
        kind = item.get("__typename")
        if kind == "Score":
            assert item["id"] in my_scores, query
        elif kind == "Observation":
            assert item["id"] in my_observations, query
        elif kind == "PayrollResult":
            assert item["employeeExternalId"] == "A1", query
        elif kind == "Employee" and item.get("externalId") != "A1":
            assert item.get("score") is None, query
            assert item.get("scores") is None, query
    leaked = others & set(strings(data))
    assert not leaked, (query, leaked)


async def test_a_request_with_an_empty_query_is_answered_with_json_errors(api: Api) -> None:
    response = await api.client.post(
        "/graphql", json={"query": ""}, headers={"accept": "application/json"}
    )
    assert response.status_code in (200, 400)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"]


# --- inputs found while generating that the properties above leave out -----------------

TOO_BIG = 2**63  # one past the largest 64-bit integer a database column holds


@pytest.mark.parametrize(
    "query",
    [
        f'{{ cycles(after: "{encode_cursor([TOO_BIG])}") {{ nodes {{ code }} }} }}',
        f'{{ employees(after: "{encode_cursor([TOO_BIG])}") {{ nodes {{ name }} }} }}',
        f'{{ cycle(code: "2026-Q1") {{ scores(after: "{encode_cursor([TOO_BIG, 1])}") '
        "{ nodes { total } } } }",
        f'{{ node(id: "{global_id("Employee", TOO_BIG)}") {{ id }} }}',
        f'{{ employee(id: "{global_id("Employee", TOO_BIG)}") {{ name }} }}',
    ],
    ids=["cycles cursor", "employees cursor", "scores cursor", "node id", "employee id"],
)
async def test_an_out_of_range_number_in_a_cursor_or_id_is_a_client_error(
    api: Api, query: str
) -> None:
    await seed(api)
    body = await api.run(query, as_="admin")
    (error,) = body["errors"]
    assert error["message"] != "Unexpected error."
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "query",
    [
        '{ employee(externalId: "A\\u0000") { name } }',
        '{ team(code: "hotline\\u0000") { name } }',
        '{ cycle(code: "2026-Q1\\u0000") { name } }',
        '{ kpi(code: "csat\\u0000") { name } }',
        '{ employees(teamCode: "hotline\\u0000") { nodes { name } } }',
        '{ cycle(code: "2026-Q1") { scores(teamCode: "\\u0000") { nodes { total } } } }',
    ],
    ids=["employee", "team", "cycle", "kpi", "employees by team", "scores by team"],
)
async def test_a_nul_character_in_a_key_is_a_client_error_or_finds_nothing(
    api: Api, query: str
) -> None:
    await seed(api)
    body = await api.run(query, as_="admin")
    assert "Unexpected error." not in str(body)
    for error in body.get("errors", []):
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
