"""How the schema executes a request: graphql-core's executor with one shortcut.

Most of a large response is leaf fields read straight off our objects (a score's 30
line values, a person's name): no resolver of ours, no argument, no field extension, a
scalar or enum type. For each of them graphql-core builds a resolve info, calls
Strawberry's wrapper that calls `getattr`, and walks `complete_value` through the
non-null wrapper to the scalar's `serialize`: about three quarters of the executor's time
on the team overview (docs/performance.md, "API ratios").

`FieldShortcutExecutionContext` reads such a field and serialises it directly. Only the
plain outcome takes the shortcut: a value that is missing where the schema says non-null,
an exception, an awaitable, or a serialiser that fails or returns null goes the standard
way, which gives the error and path it always gave. Every field that has a resolver or an
extension (the access guards of service/api/context.py) always goes the standard way.
tests/api/test_execution_shortcut.py checks that both ways give the same documents and
errors.
"""

from __future__ import annotations

import contextlib
import inspect
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from operator import attrgetter
from typing import Any, TypeVar

from graphql.execution.collect_fields import CollectedFields
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.execution import ExecutionContext as StrawberryExecutionContext
from strawberry.types.field import StrawberryField

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
)

# How to read and serialise a field directly, or None when it must go the standard way;
# worked out once per field of the schema and kept on the field's definition.
_Plan = tuple[Any, Any, bool] | None
_PLAN = "_fairscore_shortcut"
_UNPLANNED = object()


def _kept_on(field: GraphQLField, name: str, work: Callable[[GraphQLField], Any]) -> Any:
    """`work(field)`, worked out once per field of the schema and kept on its definition."""
    known = field.__dict__.get(name, _UNPLANNED)
    if known is _UNPLANNED:
        known = work(field)
        setattr(field, name, known)
    return known


def _default_reader(field: GraphQLField) -> Any:
    """How to read a field whose resolver is Strawberry's default (it reads the attribute,
    StrawberryConfig.default_resolver, and needs no info): what its wrapper ends in
    (StrawberryField.get_result), at once."""
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if isinstance(definition, StrawberryField) and definition.default_resolver is getattr:
        return attrgetter(definition.python_name)
    return partial(_by_resolver, field.resolve)


def _plan_of(field: GraphQLField) -> _Plan:
    plan: _Plan = _kept_on(field, _PLAN, _planned)
    return plan


def _planned(field: GraphQLField) -> _Plan:
    plan: _Plan = None
    resolve = field.resolve
    field_type: Any = field.type
    non_null = isinstance(field_type, GraphQLNonNull)
    named = field_type.of_type if non_null else field_type
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        resolve is not None
        and not field.args
        and isinstance(named, (GraphQLScalarType, GraphQLEnumType))
    ):
        read: Any = None
        # Strawberry marks the resolver of a field without resolver and extensions.
        if getattr(resolve, "_is_default", False):
            read = _default_reader(field)
        elif isinstance(definition, StrawberryField):
            read = _plain_call(definition)
        if read is not None:
            plan = (read, _output_coercer(named), non_null)
    return plan


def _by_resolver(resolve: Any, source: Any) -> Any:
    return resolve(source, None)


# How to read a field of object or list type without Strawberry's wrapper, and the object
# type whose fields can be executed at once (non-null, no `is_type_of`), or None.
_Read = tuple[Any, GraphQLObjectType | None] | None
_READ = "_fairscore_read"


def _read_of(field: GraphQLField) -> _Read:
    read: _Read = _kept_on(field, _READ, _reading)
    return read


def _reading(field: GraphQLField) -> _Read:
    read: _Read = None
    resolve = field.resolve
    if resolve is not None and getattr(resolve, "_is_default", False) and not field.args:
        reader = _default_reader(field)
        field_type: Any = field.type
        direct = None
        if isinstance(field_type, GraphQLNonNull):
            named = field_type.of_type
            if isinstance(named, GraphQLObjectType) and named.is_type_of is None:
                direct = named
        read = (reader, direct)
    return read


_PLAIN_RESOLVER = "_fairscore_plain_resolver"
F = TypeVar("F", bound=Callable[..., Any])


def plain_resolver(function: F) -> F:
    """Marks a resolver the shortcut may call directly: synchronous, given only its
    object (`self` or `root`), and pure (the same object gives the same value and no
    side effect). Its field still goes the standard way when it has arguments or a field
    extension, and when the call raises or returns what needs the standard way's
    handling (null where the schema says non-null, an exception, an awaitable): then the
    standard way calls it again, which a pure resolver allows.

    What it saves per field (a sentence of each score line): Strawberry's resolver
    wrapper (an Info, the arguments' conversion, the field extensions' chain) and
    graphql-core's resolve info and value completion."""
    setattr(function, _PLAIN_RESOLVER, True)
    return function


def _plain_call(definition: StrawberryField) -> Any:
    """How to call a field's resolver directly, or None unless it is marked plain and
    Strawberry would call it with the object alone."""
    resolver = definition.base_resolver
    if resolver is None or definition.extensions or definition.arguments:
        return None
    function: Any = resolver.wrapped_func
    if not getattr(function, _PLAIN_RESOLVER, False) or resolver.is_async:
        return None
    if resolver.info_parameter is not None or resolver.parent_parameter is not None:
        return None
    # The object goes where Strawberry's get_arguments puts it: first for `self`, by
    # name for `root`.
    if resolver.self_parameter is not None and resolver.root_parameter is None:
        return function
    root = resolver.root_parameter
    if root is not None and resolver.self_parameter is None:
        name = root.name
        return lambda source: function(**{name: source})
    return None


def _output_coercer(named: GraphQLScalarType | GraphQLEnumType) -> Any:
    """The type's serialiser; for Strawberry's enum types a table from each member to
    its name in front of it. Strawberry's own (CustomGraphQLEnumType.coerce_output_value)
    compares the member's value with every value of the type in turn, through the enum's
    `value` property: about a microsecond per field on the team overview's eight enum
    fields a line. The table holds the name that comparison finds first for each member;
    anything else (a raw value, a member it does not find) is left to the type's own."""
    coerce = named.coerce_output_value
    if not isinstance(named, CustomGraphQLEnumType):
        return coerce
    wrapped: Any = named.wrapped_cls
    names: dict[Any, str] = {}
    for member in wrapped:
        for name, value in named.values.items():
            if member.value == value.value:
                names[member] = name
                break

    def coerce_member(value: Any) -> Any:
        if type(value) is wrapped:
            name = names.get(value)
            if name is not None:
                return name
        return coerce(value)

    return coerce_member


# Values that are neither awaitable nor an exception: no need to ask.
_PLAIN = frozenset({str, int, bool, float})


# --- what a document's selections come to, kept across its requests ---------------------

# A selection's plans: (the grouped field set, kept alive so that its id is not reused;
# the parent type; each field's name, details and plan).
_Planned = dict[int, tuple[Any, Any, list[tuple[str, Any, _Plan]]]]


class _Selections:
    """What an operation's selections come to, shared by every request of it: each
    object selection's sub-fields as graphql-core collects them (`collect_subfields`),
    and the shortcut's plans for each grouped field set. Only for an operation whose
    selections (and fragments) carry no directive and no fragment argument: then what
    graphql-core collects depends on the schema, the document and the type alone, not on
    the request's variables (`@skip`/`@include`) nor on incremental delivery (`@defer`,
    `@stream`). Holds the operation and the fragments' definitions, so that the ids of
    their nodes (the keys) are not reused while it lives."""

    __slots__ = ("collected", "fragments", "operation", "planned")

    def __init__(
        self, operation: OperationDefinitionNode, fragments: tuple[FragmentDefinitionNode, ...]
    ) -> None:
        self.operation = operation
        self.fragments = fragments
        self.collected: dict[tuple[Any, ...], CollectedFields] = {}
        self.planned: _Planned = {}


# Operations whose selections are shared, by id of the operation's node (the parse cache
# of service/api/operation.py gives a repeated query the same document, so the same
# node); None for one whose selections depend on the request. Bounded like that cache.
_SELECTIONS: OrderedDict[int, tuple[OperationDefinitionNode, _Selections | None]] = OrderedDict()
_SELECTIONS_KEPT = 256


def _without_directives(selection_set: SelectionSetNode | None) -> bool:
    """No directive and no fragment argument anywhere in these selections (fragment
    spreads are checked where their definitions are)."""
    if selection_set is None:
        return True
    for selection in selection_set.selections:
        if selection.directives:
            return False
        if isinstance(selection, FieldNode | InlineFragmentNode):
            if not _without_directives(selection.selection_set):
                return False
        elif isinstance(selection, FragmentSpreadNode):
            if getattr(selection, "arguments", None):
                return False
        else:  # a kind of selection this check does not know
            return False
    return True


def _static(
    operation: OperationDefinitionNode, fragments: Iterable[FragmentDefinitionNode]
) -> bool:
    if operation.directives or not _without_directives(operation.selection_set):
        return False
    for fragment in fragments:
        if fragment.directives or getattr(fragment, "variable_definitions", None):
            return False
        if not _without_directives(fragment.selection_set):
            return False
    return True


def shared_selections(
    operation: OperationDefinitionNode, fragments: Iterable[FragmentDefinitionNode]
) -> _Selections | None:
    """The shared selections of `operation` (with the document's `fragments`), made on
    its first request; None when its selections depend on the request."""
    key = id(operation)
    known = _SELECTIONS.get(key)
    if known is not None and known[0] is operation:
        _SELECTIONS.move_to_end(key)
        return known[1]
    definitions = tuple(fragments)
    selections = _Selections(operation, definitions) if _static(operation, definitions) else None
    _SELECTIONS[key] = (operation, selections)
    while len(_SELECTIONS) > _SELECTIONS_KEPT:
        _SELECTIONS.popitem(last=False)
    return selections


class FieldShortcutExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A schema extension that wraps resolvers (Strawberry makes them middleware)
        # must see every field: then nothing takes the shortcut.
        manager = self.middleware_manager
        self._shortcuts = manager is None or not manager.middlewares
        # What the operation's selections come to, kept across its requests when they do
        # not depend on the request (docs/performance.md, "myscore2").
        self._selections = (
            shared_selections(self.operation, self.fragment_definitions.values())
            if self._shortcuts
            else None
        )
        # Each selection's plans, worked out on its first object (a list's 3,000 lines
        # share one selection), for this request or for every request of the operation.
        self._planned: _Planned = {} if self._selections is None else self._selections.planned

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: Any
    ) -> CollectedFields:
        """graphql-core's own (a memo per request), and for an operation whose selections
        do not depend on the request, its result kept across requests, by the type and
        the field nodes (nodes of the shared document: their ids are stable).

        Mirrors graphql-core 3.3 (`collect_subfields` reads the schema, the fragments, the
        variables only through directives and fragment arguments, and the operation;
        `FieldDetails` carries `defer_usage` and `fragment_variable_values`, both None
        without directives): re-check `_static` against them on an upgrade."""
        selections = self._selections
        if selections is None:
            return super().collect_subfields(return_type, field_details_list)
        key = (return_type, *[id(details.node) for details in field_details_list])
        collected = selections.collected.get(key)
        if collected is None:
            collected = super().collect_subfields(return_type, field_details_list)
            selections.collected[key] = collected
        return collected

    def _plans(
        self, parent_type: GraphQLObjectType, grouped_field_set: dict[str, Any]
    ) -> list[tuple[str, Any, _Plan]]:
        known = self._planned.get(id(grouped_field_set))
        if known is not None and known[0] is grouped_field_set and known[1] is parent_type:
            return known[2]
        get_field = self.schema.get_field
        plans: list[tuple[str, Any, _Plan]] = []
        for name, details in grouped_field_set.items():
            node = details[0].node
            field = get_field(parent_type, node.name.value)
            plan = None if field is None or node.arguments else _plan_of(field)
            plans.append((name, details, plan))
        self._planned[id(grouped_field_set)] = (grouped_field_set, parent_type, plans)
        return plans

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: dict[str, Any],
        position_context: Any,
    ) -> Any:
        if not self._shortcuts:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        done: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for name, details, plan in self._plans(parent_type, grouped_field_set):
            if plan is not None:
                read, coerce, non_null = plan
                try:
                    value = read(source_value)
                    if value is None or value is Undefined:
                        if not non_null:
                            done[name] = None
                            continue
                    elif type(value) in _PLAIN or not (
                        isinstance(value, Exception) or is_awaitable(value)
                    ):
                        coerced = coerce(value)
                        if coerced is not None and coerced is not Undefined:
                            done[name] = coerced
                            continue
                except Exception:  # the standard way below reports it
                    pass
            rest[name] = details
        if not rest:
            return done
        if not done:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if is_awaitable(others):
            pending: Awaitable[dict[str, Any]] = others

            async def merged() -> dict[str, Any]:
                return _in_order(grouped_field_set, done, await pending)

            return merged()
        assert isinstance(others, dict)
        return _in_order(grouped_field_set, done, others)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        """graphql-core's own, for a field without resolver of ours (an object, a list:
        a line's KPI, its bands and sources), with the attribute read at once instead of
        through Strawberry's wrapper (what the wrapper ends in, as for the leaves). A
        non-null object without `is_type_of` read as a plain object has its fields
        executed at once: what `complete_value` comes to for it, without the resolve
        info it would not use. Anything else is completed by graphql-core as before."""
        node = field_details_list[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
        read = (
            None
            if not self._shortcuts or field_def is None or node.arguments
            else _read_of(field_def)
        )
        if read is None:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        assert field_def is not None
        reader, direct = read
        return_type = field_def.type
        try:
            result = reader(source)
            if direct is not None and not (
                result is None
                or result is Undefined
                or isinstance(result, Exception)
                or self.is_awaitable(result)
            ):
                completed = self.collect_and_execute_subfields(
                    direct, field_details_list, path, result, position_context
                )
            else:
                info = self.build_resolve_info(
                    field_def, to_nodes(field_details_list), parent_type, path
                )
                if self.is_awaitable(result):
                    return self.complete_awaitable_value(
                        return_type, field_details_list, info, path, result, position_context
                    )
                completed = self.complete_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            if self.is_awaitable(completed):

                async def await_completed() -> Any:
                    try:
                        return await completed
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, return_type, field_details_list, path)
                        return None

                return await_completed()
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed


def _in_order(
    grouped_field_set: dict[str, Any], done: dict[str, Any], others: dict[str, Any]
) -> dict[str, Any]:
    """The fields in the order the query asks for them, as the executor gives them."""
    return {
        name: done[name] if name in done else others[name]
        for name in grouped_field_set
        if name in done or name in others
    }


# --- the schema extensions' hooks -------------------------------------------------------

_STAGES = ("on_operation", "on_parse", "on_validate", "on_execute")


_FACTORIES: dict[type[SchemaExtension], dict[str, Any] | None] = {}


def _hook_factories(extension_type: type[SchemaExtension]) -> dict[str, Any] | None:
    """Per stage, a context manager factory for `extension_type`'s hook (None: it has
    none), made once per class; None when a hook is not a plain generator method, which
    Strawberry's own runner then handles."""
    if extension_type not in _FACTORIES:
        _FACTORIES[extension_type] = _factories_of(extension_type)
    return _FACTORIES[extension_type]


def _factories_of(extension_type: type[SchemaExtension]) -> dict[str, Any] | None:
    factories: dict[str, Any] = {}
    for stage in _STAGES:
        hook = getattr(extension_type, stage)
        if hook is getattr(SchemaExtension, stage):
            factories[stage] = None
        elif inspect.isgeneratorfunction(hook):
            # What Strawberry makes of it on every request (ExtensionContextManagerBase.
            # get_hook: contextmanager over the bound method), made once here and
            # called with the request's extension.
            factories[stage] = contextlib.contextmanager(hook)
        else:
            return None
    return factories


class _NoHook:
    """A stage no extension has a hook for."""

    __slots__ = ()

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc_info: object) -> bool:
        return False


_NO_HOOK = _NoHook()


class _OneHook:
    """The one hook of a stage, entered and left as Strawberry does (a context manager
    of the generator; its exit stack, with one manager in it, adds nothing)."""

    __slots__ = ("_manager",)

    def __init__(self, manager: contextlib.AbstractContextManager[None]) -> None:
        self._manager = manager

    async def __aenter__(self) -> None:
        self._manager.__enter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        return self._manager.__exit__(*exc_info)


class OneExtensionRunner(SchemaExtensionsRunner):
    """Strawberry's runner of the schema extensions, for a schema with one extension whose
    hooks are plain generator methods (service/api/operation.py's OperationRules): each
    stage enters that one hook without building, per request and per stage, a context
    manager class around a new bound method and an exit stack (Strawberry's
    ExtensionContextManagerBase), a tenth of a small query's server time
    (docs/performance.md, "myscore"). Any other set of extensions gets Strawberry's own
    context managers (`lean_runner` decides)."""

    def __init__(
        self,
        execution_context: StrawberryExecutionContext,
        extension: SchemaExtension,
        factories: dict[str, Any],
    ) -> None:
        super().__init__(execution_context, [extension])
        self._extension = extension
        self._factories = factories

    def _stage(self, name: str) -> Any:
        factory = self._factories[name]
        return _NO_HOOK if factory is None else _OneHook(factory(self._extension))

    def operation(self) -> Any:
        return self._stage("on_operation")

    def parsing(self) -> Any:
        return self._stage("on_parse")

    def validation(self) -> Any:
        return self._stage("on_validate")

    def executing(self) -> Any:
        return self._stage("on_execute")


def lean_runner(
    execution_context: StrawberryExecutionContext, extensions: list[SchemaExtension]
) -> SchemaExtensionsRunner:
    """The runner of a request's extensions: OneExtensionRunner when it applies,
    Strawberry's otherwise."""
    if len(extensions) == 1:
        factories = _hook_factories(type(extensions[0]))
        if factories is not None:
            return OneExtensionRunner(execution_context, extensions[0], factories)
    return SchemaExtensionsRunner(execution_context=execution_context, extensions=extensions)
