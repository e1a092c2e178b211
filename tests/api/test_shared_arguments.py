"""Paging arguments read the same on every connection: a field that pages with `after`
takes the shared `First` and `After` of service/api/pagination.py, never described anew.
(A plain list's `first` without `after` is a limit, described by its field.)"""

from __future__ import annotations

from graphql import GraphQLObjectType
from service.api.pagination import AFTER_DESCRIPTION, FIRST_DESCRIPTION
from service.api.schema import create_schema
from tests.api.conftest import make_settings

SHARED = {"first": FIRST_DESCRIPTION, "after": AFTER_DESCRIPTION}


def test_every_connection_argument_has_the_shared_description() -> None:
    schema = create_schema(make_settings())._schema
    connections = []
    odd = []
    for type_name, kind in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(kind, GraphQLObjectType):
            continue
        for field_name, field in kind.fields.items():
            if "after" not in field.args:
                continue
            connections.append(f"{type_name}.{field_name}")
            for name, description in SHARED.items():
                argument = field.args.get(name)
                if argument is None or argument.description != description:
                    odd.append(f"{type_name}.{field_name}({name})")
    assert len(connections) >= 10
    assert not odd, "use `first: First = None, after: After = None`"
