"""Every type, field, argument and enum value of the SDL says what it is.

Walks the exported schema (graphql/schema.graphql, kept equal to the code by the drift
test): anything without a description fails, with no list of exceptions. A client
developer reads these descriptions in their IDE and in generated types, so they say
units, what null means, who may see what, and how exact a number is.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)
from tests.api.test_generated_queries import SCHEMA


def undescribed(schema: GraphQLSchema) -> set[str]:
    missing: set[str] = set()
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        if not kind.description:
            missing.add(name)
        if isinstance(kind, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.add(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if not arg.description:
                        missing.add(f"{name}.{field_name}({arg_name})")
        elif isinstance(kind, GraphQLInputObjectType):
            for field_name, input_field in kind.fields.items():
                if not input_field.description:
                    missing.add(f"{name}.{field_name}")
        elif isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                if not value.description:
                    missing.add(f"{name}.{value_name}")
    return missing


def test_every_type_field_argument_and_enum_value_has_a_description() -> None:
    assert sorted(undescribed(SCHEMA)) == []


def test_the_check_finds_an_undescribed_field_argument_and_enum_value() -> None:
    bare = build_schema(
        '''"""q""" type Query { """f""" f(a: Int): E  g: Int }
        """e""" enum E { """x""" X  Y }'''
    )
    assert undescribed(bare) == {"Query.f(a)", "Query.g", "E.Y"}


def _argument_descriptions(field: str, *names: str) -> dict[str, str | None]:
    mutation = SCHEMA.mutation_type
    assert mutation is not None
    args = mutation.fields[field].args
    return {name: args[name].description for name in names}


def test_the_two_mutations_that_open_a_new_cycle_describe_it_alike() -> None:
    new_cycle = ("newCycleCode", "name", "startsOn", "endsOn")
    promoted = _argument_descriptions("promoteShadowScorecard", *new_cycle)
    assert promoted == _argument_descriptions("rollOutPilot", *new_cycle)
    assert all("new cycle" in (text or "") for text in promoted.values())


def test_every_paged_field_describes_first_and_after_alike() -> None:
    seen: dict[str, set[str | None]] = {"first": set(), "after": set()}
    for kind in SCHEMA.type_map.values():
        if not isinstance(kind, (GraphQLObjectType, GraphQLInterfaceType)):
            continue
        for field in kind.fields.values():
            if {"first", "after"} <= set(field.args):
                for name, found in seen.items():
                    found.add(field.args[name].description)
    assert len(seen["first"]) == 1
    assert len(seen["after"]) == 1
