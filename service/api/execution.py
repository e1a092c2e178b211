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
from collections.abc import Awaitable
from functools import partial
from operator import attrgetter
from typing import Any

from graphql.pyutils import Path, is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.execution import ExecutionContext as StrawberryExecutionContext
from strawberry.types.field import StrawberryField

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)

# How to read and serialise a field directly, or None when it must go the standard way;
# worked out once per field of the schema and kept on the field's definition.
_Plan = tuple[Any, Any, bool] | None
_PLAN = "_fairscore_shortcut"
_UNPLANNED = object()


def _plan_of(field: GraphQLField) -> _Plan:
    known = field.__dict__.get(_PLAN, _UNPLANNED)
    if known is not _UNPLANNED:
        plan_known: _Plan = known
        return plan_known
    plan: _Plan = None
    resolve = field.resolve
    # Strawberry marks the resolver of a field without resolver and extensions: it reads
    # the attribute (StrawberryConfig.default_resolver) and needs no info.
    if resolve is not None and getattr(resolve, "_is_default", False) and not field.args:
        field_type: Any = field.type
        non_null = isinstance(field_type, GraphQLNonNull)
        named = field_type.of_type if non_null else field_type
        if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if isinstance(definition, StrawberryField) and definition.default_resolver is getattr:
                # What Strawberry's wrapper ends in (StrawberryField.get_result), at once.
                read: Any = attrgetter(definition.python_name)
            else:
                read = partial(_by_resolver, resolve)
            plan = (read, named.coerce_output_value, non_null)
    setattr(field, _PLAN, plan)
    return plan


def _by_resolver(resolve: Any, source: Any) -> Any:
    return resolve(source, None)


# Values that are neither awaitable nor an exception: no need to ask.
_PLAIN = frozenset({str, int, bool, float})


class FieldShortcutExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A schema extension that wraps resolvers (Strawberry makes them middleware)
        # must see every field: then nothing takes the shortcut.
        manager = self.middleware_manager
        self._shortcuts = manager is None or not manager.middlewares

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
        get_field = self.schema.get_field
        done: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for name, details in grouped_field_set.items():
            node = details[0].node
            field = get_field(parent_type, node.name.value)
            plan = None if field is None or node.arguments else _plan_of(field)
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
