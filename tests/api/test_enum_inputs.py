"""Every enum the API takes as input, wherever it takes it (an argument, or a field of an
input object), refuses a value the schema does not list before anything runs: no `data`,
one error whose message names the enum, with a code a client can branch on. The
positions are read from the exported schema, so an enum argument added later is
checked too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)
from tests.api.conftest import Api
from tests.api.test_generated_queries import SCHEMA

BAD = "NOT_A_VALUE"
PLACEHOLDERS = {
    "String": "x",
    "ID": "eA",
    "Int": 1,
    "Float": 1,
    "Boolean": True,
    "Decimal": "1",
    "Date": "2026-01-01",
    "DateTime": "2026-01-01T00:00:00Z",
}


def _placeholder(kind: GraphQLInputType) -> Any:
    """A value of `kind` that coerces, with only the required input fields set."""
    if isinstance(kind, GraphQLNonNull):
        return _placeholder(kind.of_type)
    if isinstance(kind, GraphQLList):
        return [_placeholder(kind.of_type)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return {
            name: _placeholder(field.type)
            for name, field in kind.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    assert isinstance(kind, GraphQLScalarType)
    return PLACEHOLDERS[kind.name]


def _with_bad(kind: GraphQLInputType, path: tuple[str, ...]) -> Any:
    """A placeholder for `kind` whose enum at `path` (input field names) is BAD."""
    if isinstance(kind, GraphQLNonNull):
        return _with_bad(kind.of_type, path)
    if isinstance(kind, GraphQLList):
        return [_with_bad(kind.of_type, path)]
    if not path:
        return BAD
    assert isinstance(kind, GraphQLInputObjectType)
    value = _placeholder(kind)
    value[path[0]] = _with_bad(kind.fields[path[0]].type, path[1:])
    return value


def _enum_paths(
    kind: GraphQLInputType, seen: frozenset[str]
) -> Iterator[tuple[tuple[str, ...], str]]:
    named = get_named_type(kind)
    if isinstance(named, GraphQLEnumType):
        yield (), named.name
    elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        for name, field in named.fields.items():
            for path, enum in _enum_paths(field.type, seen | {named.name}):
                yield (name, *path), enum


def _root(name: str) -> GraphQLObjectType:
    root = SCHEMA.type_map[name]
    assert isinstance(root, GraphQLObjectType)
    return root


def _positions() -> Iterator[Any]:
    for root in ("Query", "Mutation"):
        for field_name, field in _root(root).fields.items():
            for arg_name, arg in field.args.items():
                for path, enum in _enum_paths(arg.type, frozenset()):
                    where = ".".join((f"{root}.{field_name}({arg_name})", *path))
                    yield pytest.param(root, field_name, arg_name, path, enum, id=where)


POSITIONS = list(_positions())


def test_the_schema_takes_enums_where_the_issue_named_closed_sets() -> None:
    where = {p.id for p in POSITIONS}
    for expected in (
        "Mutation.recordFeedback(feedback).channel",
        "Mutation.transitionCycle(to)",
        "Mutation.setScorecard(lines).scope",
        "Mutation.setScorecard(lines).method",
        "Mutation.resolveAppeal(outcome)",
        "Mutation.submitReview(kind)",
        "Mutation.upsertKpis(kpis).kind",
        "Mutation.upsertKpis(kpis).direction",
        "Mutation.upsertKpis(kpis).aggregation",
        "Mutation.recordObservations(mode)",
        "Query.cycles(state)",
    ):
        assert expected in where


@pytest.mark.parametrize(("root", "field_name", "arg_name", "path", "enum"), POSITIONS)
async def test_an_enum_input_refuses_a_value_it_does_not_list_naming_the_enum(
    api: Api, root: str, field_name: str, arg_name: str, path: tuple[str, ...], enum: str
) -> None:
    field: GraphQLField = _root(root).fields[field_name]
    required = {
        name: arg
        for name, arg in field.args.items()
        if name == arg_name
        or (isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined)
    }
    declared = ", ".join(f"${name}: {arg.type}" for name, arg in required.items())
    passed = ", ".join(f"{name}: ${name}" for name in required)
    operation = "query" if root == "Query" else "mutation"
    document = f"{operation}({declared}) {{ {field_name}({passed}) {{ __typename }} }}"
    variables = {name: _placeholder(arg.type) for name, arg in required.items()}
    variables[arg_name] = _with_bad(field.args[arg_name].type, path)

    body = (await api.post(document, variables, as_=None)).json()

    assert "data" not in body, body
    assert len(body["errors"]) == 1, body
    (error,) = body["errors"]
    assert f"'{BAD}'" in error["message"]
    assert enum in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
