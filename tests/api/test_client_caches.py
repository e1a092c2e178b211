"""What a normalised client cache (Apollo, urql graphcache, Relay) does with our answers.

`NormalisedCache` stores what Apollo's InMemoryCache stores: an object with `__typename`
and `id` once under that key, fields keyed by name and arguments; an object without an
id inside its parent, replaced on each write unless its type is one of the value objects
docs/api.md tells clients to merge. Reading "my score" and then the team overview into
one cache must give back both answers unchanged: nothing of one clobbers the other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    get_named_type,
    parse,
    print_ast,
    value_from_ast_untyped,
    visit,
)
from tests.api.conftest import Api, seed
from tests.api.test_operations import OPERATIONS, operation
from tests.integration.scenario import CYCLE

SCHEMA_FILE = OPERATIONS.parent / "schema.graphql"
# The objects without an id that docs/api.md ("Caching") lists as `merge: true`.
VALUE_OBJECTS = {"Band", "NextBand", "KpiSummary", "WhatItWouldTake", "TeamSummary", "PageInfo"}
MISSING = object()


def _selections_without_id(schema: GraphQLSchema, path: Path) -> list[str]:
    info = TypeInfo(schema)
    missing: list[str] = []

    class Check(Visitor):
        def enter_selection_set(self, node: SelectionSetNode, *_args: Any) -> None:
            parent = get_named_type(info.get_parent_type())
            if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)) and (
                "id" in parent.fields
            ):
                names = {s.name.value for s in node.selections if isinstance(s, FieldNode)}
                if "id" not in names:
                    missing.append(f"{path.name}: {parent.name}")

    visit(parse(path.read_text(encoding="utf-8")), TypeInfoVisitor(info, Check()))
    return missing


def test_shipped_operations_select_id_on_every_object_that_has_one() -> None:
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    paths = sorted(OPERATIONS.glob("*.graphql"))
    assert paths
    assert [m for path in paths for m in _selections_without_id(schema, path)] == []


def with_typenames(document: DocumentNode) -> DocumentNode:
    """What Apollo sends: `__typename` added to every selection set."""

    class Add(Visitor):
        def leave_selection_set(self, node: SelectionSetNode, *_args: Any) -> SelectionSetNode:
            typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
            return SelectionSetNode(selections=(*node.selections, typename))

    added: DocumentNode = visit(document, Add())
    return added


def _with_defaults(op: OperationDefinitionNode, given: dict[str, Any]) -> dict[str, Any]:
    """The variables as a client sends them: defaults filled in, the rest null."""
    values: dict[str, Any] = {}
    for definition in op.variable_definitions or ():
        name = definition.variable.name.value
        default = definition.default_value
        values[name] = given.get(name, None if default is None else value_from_ast_untyped(default))
    return values


class NormalisedCache:
    def __init__(self) -> None:
        self.store: dict[str, dict[str, Any]] = {"ROOT_QUERY": {}}
        self.variables: dict[str, Any] = {}

    @staticmethod
    def _key(field: FieldNode, variables: dict[str, Any]) -> str:
        args = {
            a.name.value: value_from_ast_untyped(a.value, variables) for a in field.arguments or ()
        }
        return field.name.value + (json.dumps(args, sort_keys=True) if args else "")

    @staticmethod
    def _applies(selection: InlineFragmentNode, value: dict[str, Any]) -> bool:
        condition = selection.type_condition
        return condition is None or condition.name.value == value.get("__typename")

    def write(self, document: DocumentNode, variables: dict[str, Any], data: Any) -> None:
        (op,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        self.variables = variables = _with_defaults(op, variables)
        self._fields(op.selection_set, data, self.store["ROOT_QUERY"], variables)

    def _fields(
        self,
        selections: SelectionSetNode,
        value: dict[str, Any],
        entity: dict[str, Any],
        variables: dict[str, Any],
    ) -> None:
        for selection in selections.selections:
            if isinstance(selection, InlineFragmentNode):
                if self._applies(selection, value):
                    self._fields(selection.selection_set, value, entity, variables)
            elif isinstance(selection, FieldNode):
                name = (selection.alias or selection.name).value
                key = self._key(selection, variables)
                entity[key] = self._value(selection.selection_set, value[name], entity.get(key))

    def _value(self, selections: SelectionSetNode | None, value: Any, existing: Any) -> Any:
        if value is None or selections is None:
            return value
        if isinstance(value, list):
            return [self._value(selections, item, None) for item in value]
        if "id" in value:
            ref = f"{value['__typename']}:{value['id']}"
            self._fields(selections, value, self.store.setdefault(ref, {}), self.variables)
            return {"__ref": ref}
        keep = value["__typename"] in VALUE_OBJECTS and isinstance(existing, dict)
        embedded: dict[str, Any] = dict(existing) if keep else {}
        self._fields(selections, value, embedded, self.variables)
        return embedded

    def read(self, document: DocumentNode, variables: dict[str, Any]) -> Any:
        (op,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        variables = _with_defaults(op, variables)
        return self._read(op.selection_set, self.store["ROOT_QUERY"], variables)

    def _read(
        self, selections: SelectionSetNode, entity: dict[str, Any], variables: dict[str, Any]
    ) -> Any:
        if "__ref" in entity:
            entity = self.store[entity["__ref"]]
        result: dict[str, Any] = {}
        for selection in selections.selections:
            if isinstance(selection, InlineFragmentNode):
                if self._applies(selection, {"__typename": entity.get("__typename")}):
                    result.update(self._read(selection.selection_set, entity, variables))
            elif isinstance(selection, FieldNode):
                stored = entity.get(self._key(selection, variables), MISSING)
                name = (selection.alias or selection.name).value
                result[name] = self._read_value(selection.selection_set, stored, variables)
        return result

    def _read_value(
        self, selections: SelectionSetNode | None, stored: Any, variables: dict[str, Any]
    ) -> Any:
        if stored is MISSING:
            return "<missing>"
        if stored is None or selections is None:
            return stored
        if isinstance(stored, list):
            return [self._read_value(selections, item, variables) for item in stored]
        return self._read(selections, stored, variables)


async def _answer(api: Api, name: str, variables: dict[str, Any], who: str) -> Any:
    document = with_typenames(parse(operation(name)))
    response = await api.post(print_ast(document), variables, as_=who)
    body = response.json()
    assert "errors" not in body, body
    return document, body["data"]


async def test_my_score_then_the_team_overview_share_a_normalised_cache_without_clobbering(
    api: Api,
) -> None:
    await seed(api)
    mine = {"cycleCode": CYCLE}
    team = {"teamCode": "hotline", "cycleCode": CYCLE}
    my_doc, my_data = await _answer(api, "MyScore", mine, "manager")
    team_doc, team_data = await _answer(api, "TeamOverview", team, "manager")
    lead_score = my_data["viewer"]["employee"]["score"]["id"]
    assert lead_score in {n["id"] for n in team_data["cycle"]["scores"]["nodes"]}

    for first, second in ((my_doc, team_doc), (team_doc, my_doc)):
        cache = NormalisedCache()
        answers = {id(my_doc): (mine, my_data), id(team_doc): (team, team_data)}
        for document in (first, second):
            variables, data = answers[id(document)]
            cache.write(document, variables, data)
        assert cache.read(my_doc, mine) == my_data
        assert cache.read(team_doc, team) == team_data


def _answer_with_lines(*line_fields: dict[str, Any]) -> dict[str, Any]:
    kpi = {"code": "csat", "__typename": "KpiSummary"}
    lines = [{"kpi": kpi, **fields, "__typename": "ScoreLine"} for fields in line_fields]
    return {"s": {"id": "S", "lines": lines, "__typename": "Score"}, "__typename": "Query"}


def test_score_lines_without_their_id_would_clobber_each_other() -> None:
    """The cache above has teeth: with lines kept inside their score (as before they
    had ids), a second answer's shorter lines replace the first answer's full ones."""
    full_doc = with_typenames(parse("query Q { s { id lines { kpi { code } raw } } }"))
    short_doc = with_typenames(parse("query Q { s { id lines { kpi { code } } } }"))
    full = _answer_with_lines({"raw": "1"})
    cache = NormalisedCache()
    cache.write(full_doc, {}, full)
    assert cache.read(full_doc, {}) == full
    cache.write(short_doc, {}, _answer_with_lines({}))
    assert cache.read(full_doc, {})["s"]["lines"][0]["raw"] == "<missing>"


async def test_team_overview_pages_with_after(api: Api) -> None:
    await seed(api)
    seen: list[str] = []
    after = None
    while True:
        body = await api.run(
            operation("TeamOverview"),
            {"teamCode": "hotline", "cycleCode": CYCLE, "first": 2, "after": after},
            as_="manager",
        )
        scores = body["data"]["cycle"]["scores"]
        seen += [n["employee"]["externalId"] for n in scores["nodes"]]
        assert scores["pageInfo"]["hasPreviousPage"] is False
        assert scores["pageInfo"]["startCursor"] is not None
        if not scores["pageInfo"]["hasNextPage"]:
            break
        after = scores["pageInfo"]["endCursor"]
    assert sorted(seen) == ["A1", "A2", "A3", "A4", "L1"]
