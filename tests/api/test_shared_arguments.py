"""Paging arguments read the same on every connection: `first` and `after` are the
shared `First` and `After` of service/api/pagination.py, never described anew."""

from __future__ import annotations

from graphql import GraphQLObjectType
from service.api.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION
from service.api.schema import create_schema
from tests.api.conftest import make_settings

SHARED = {"first": FIRST_DESCRIPTION, "after": AFTER_DESCRIPTION}


def test_every_first_and_after_argument_has_the_shared_description() -> None:
    schema = create_schema(make_settings())._schema
    found: dict[str, list[str]] = {"first": [], "after": []}
    odd = []
    for type_name, kind in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(kind, GraphQLObjectType):
            continue
        for field_name, field in kind.fields.items():
            for name, argument in field.args.items():
                if name in SHARED:
                    found[name].append(f"{type_name}.{field_name}")
                    if argument.description != SHARED[name]:
                        odd.append(f"{type_name}.{field_name}({name}): {argument.description}")
    assert found["first"]
    assert found["first"] == found["after"]
    assert not odd, "use `first: First = None, after: After = None`"
