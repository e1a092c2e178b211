"""Every type, field and argument of the SDL says what it is.

Walks the exported schema. Anything without a description fails, except the gaps listed
in undescribed.txt beside this file: that list may only shrink (a listed item that
gains a description fails too, until it is struck off), so nothing new comes in
undescribed while the old gaps are filled.
"""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)
from tests.api.test_generated_queries import SCHEMA

KNOWN_GAPS = Path(__file__).with_name("undescribed.txt")


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
            pass  # values are their own names: SCORED, TEAM, ...
    return missing


def known_gaps() -> set[str]:
    lines = KNOWN_GAPS.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_nothing_new_in_the_schema_is_without_a_description() -> None:
    assert sorted(undescribed(SCHEMA) - known_gaps()) == []


def test_the_list_of_old_gaps_only_shrinks() -> None:
    assert sorted(known_gaps() - undescribed(SCHEMA)) == []
