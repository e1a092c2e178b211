"""The schema: queries here, mutations in mutations.py, one module per area for types."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionResult
from strawberry.types.execution import ExecutionContext
from strawberry.types.graphql import OperationType

from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from service.api.accounts.auth import Viewer, resolve_viewer
from service.api.context import Info, readers
from service.api.execution import FieldShortcutExecutionContext, lean_runner
from service.api.ids import ClientError, Node, parse_global_id
from service.api.mutations import Mutation
from service.api.nodes import resolve_node
from service.api.operation import operation_rules
from service.api.pagination import After, Connection, First, Keyset, connection, desc, page_size
from service.api.people.development import DevelopmentQuery
from service.api.people.recognition import RecognitionQuery
from service.api.people.role_models import RoleModelQuery
from service.api.scalars import DateScalar, DateTimeScalar, Decimal, DecimalScalar
from service.api.scoring.live import Subscription
from service.api.scoring.scores import Score
from service.api.setup.cycles import Cycle
from service.api.setup.kpis import Kpi
from service.api.setup.people import EMPLOYEE_ORDER, Employee, Position, Team, visible_person
from service.errors import DomainError
from service.models import Cycle as CycleRow
from service.models import CycleState as CycleStateEnum
from service.models import Employee as EmployeeRow
from service.models import Kpi as KpiRow
from service.models import Position as PositionRow
from service.models import Team as TeamRow
from service.settings import Settings

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000


# Newest first: ids grow with creation.
CYCLE_ORDER = Keyset(desc("id"))


def _one_of(id: strawberry.ID | None, key: str | None, key_name: str) -> None:
    if (id is None) == (key is None):
        raise ClientError(f"Give exactly one of `id` or `{key_name}`.")


@strawberry.type(
    description="Reads, under the access rules: you see yourself, managers their teams, admins "
    "everyone."
)
class Query(DevelopmentQuery, RoleModelQuery, RecognitionQuery):
    @strawberry.field(description="Who you are; null when not signed in.")
    async def viewer(self, info: Info) -> Viewer | None:
        return await resolve_viewer(info)

    @strawberry.field(
        extensions=[readers()], description="Anything with a global id, if you may see it."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="A global id this API gave out (any type's `id`). An id that names no "
                "Node type is a BAD_USER_INPUT error."
            ),
        ],
    ) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        description="One person, by global id or external id: null when there is none, null"
        " with a FORBIDDEN error when you may not see them.",
        extensions=[readers()],
    )
    async def employee(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Their global id (`Employee.id`). Give this or `externalId`, not both."
            ),
        ] = None,
        external_id: Annotated[
            str | None,
            strawberry.argument(
                description="Their HR system id (`Employee.externalId`). "
                "Give this or `id`, not both."
            ),
        ] = None,
    ) -> Employee | None:
        _one_of(id, external_id, "externalId")
        if id is not None:
            _type, pk = parse_global_id(id, "Employee")
            row = await EmployeeRow.get_or_none(id=pk)
        else:
            row = await EmployeeRow.get_or_none(external_id=external_id)
        return await visible_person(info, row)

    @strawberry.field(
        extensions=[readers()], description="The people you may see, by id; filter by team or name."
    )
    async def employees(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        team_code: Annotated[
            str | None,
            strawberry.argument(description="Only members of this team (not the teams under it)."),
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Only people whose name contains this text (case-insensitive)."
            ),
        ] = None,
    ) -> Connection[Employee]:
        size = page_size(first, info.context.settings.max_page_size)
        query = EmployeeRow.all()
        visible = await info.context.visible_employees()
        if visible is not None:
            query = query.filter(id__in=list(visible))
        if team_code is not None:
            query = query.filter(team__code=team_code)
        if search:
            query = query.filter(name__icontains=search.strip())
        if after is not None:
            query = query.filter(EMPLOYEE_ORDER.after(after))
        rows = await query.order_by(*EMPLOYEE_ORDER.order_by()).limit(size + 1)
        return connection(rows, size, EMPLOYEE_ORDER.key, Employee.from_row)

    @strawberry.field(
        description="One team, by global id or code; null when there is none. Every signed-"
        "in reader may see a team; what is inside (members, summary, lead) "
        "follows the access rules.",
        extensions=[readers()],
    )
    async def team(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Its global id (`Team.id`). Give this or `code`, not both."
            ),
        ] = None,
        code: Annotated[
            str | None,
            strawberry.argument(description="Its code (`Team.code`). Give this or `id`, not both."),
        ] = None,
    ) -> Team | None:
        _one_of(id, code, "code")
        if id is not None:
            _type, pk = parse_global_id(id, "Team")
            row = await TeamRow.get_or_none(id=pk)
        else:
            row = await TeamRow.get_or_none(code=code)
        return None if row is None else Team.from_row(row)

    @strawberry.field(
        description="Every team, by code (the tree through `parent`); what is inside "
        "follows the access rules.",
        extensions=[readers()],
    )
    async def teams(self, info: Info) -> list[Team]:
        return [Team.from_row(t) for t in await TeamRow.all().order_by("code")]

    @strawberry.field(description="Every position, by code.", extensions=[readers()])
    async def positions(self, info: Info) -> list[Position]:
        return [Position.from_row(p) for p in await PositionRow.all().order_by("code")]

    @strawberry.field(description="Every KPI, by code.", extensions=[readers()])
    async def kpis(self, info: Info) -> list[Kpi]:
        return [Kpi.from_row(k) for k in await KpiRow.all().order_by("code")]

    @strawberry.field(
        description="One KPI by code; null when there is none.", extensions=[readers()]
    )
    async def kpi(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="The KPI's code, e.g. `csat`.")],
    ) -> Kpi | None:
        row = await KpiRow.get_or_none(code=code)
        return None if row is None else Kpi.from_row(row)

    @strawberry.field(
        description="One cycle, by global id or code; null when there is none.",
        extensions=[readers()],
    )
    async def cycle(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Its global id (`Cycle.id`). Give this or `code`, not both."
            ),
        ] = None,
        code: Annotated[
            str | None,
            strawberry.argument(
                description="Its code, e.g. `2026-Q4`. Give this or `id`, not both."
            ),
        ] = None,
    ) -> Cycle | None:
        _one_of(id, code, "code")
        if id is not None:
            _type, pk = parse_global_id(id, "Cycle")
            row = await CycleRow.get_or_none(id=pk)
        else:
            row = await CycleRow.get_or_none(code=code)
        return None if row is None else Cycle.from_row(row)

    @strawberry.field(
        extensions=[readers()], description="Cycles, the most recently created first."
    )
    async def cycles(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        state: Annotated[
            CycleStateEnum | None, strawberry.argument(description="Only cycles in this state.")
        ] = None,
    ) -> Connection[Cycle]:
        size = page_size(first, info.context.settings.max_page_size)
        query = CycleRow.all()
        if state is not None:
            query = query.filter(state=state)
        if after is not None:
            query = query.filter(CYCLE_ORDER.after(after))
        rows = await query.order_by(*CYCLE_ORDER.order_by()).limit(size + 1)
        return connection(rows, size, CYCLE_ORDER.key, Cycle.from_row)


def _is_intended(error: GraphQLError) -> bool:
    """Errors a caller can act on keep their message; anything else is masked.

    GraphQL's own errors (syntax, validation, variables) and our ClientErrors are the
    caller's to fix. A ValueError or TypeError counts only while inputs are coerced,
    before execution (no `path`): raised by our code during execution it is a bug.
    A busy database outside a result union (e.g. `logout`) says so: the caller retries.
    A use case's refusal reached from a query field keeps its message (its code comes from
    `error_code`): mutations return theirs as data instead.
    """
    original = error.original_error
    if original is None or isinstance(original, (GraphQLError, DomainError)):
        return True
    return error.path is None and isinstance(original, (ValueError, TypeError))


class FairscoreSchema(strawberry.Schema):
    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # One answer per request: subscriptions run over the WebSocket (service/api/
        # websocket.py, through `stream`), never as an HTTP request.
        allowed = set(allowed_operation_types or (OperationType.QUERY, OperationType.MUTATION))
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed - {OperationType.SUBSCRIPTION},
            operation_extensions,
        )

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        # The one extension's hooks entered without Strawberry's per-request wrapping
        # (service/api/execution.py, OneExtensionRunner).
        return lean_runner(execution_context, extensions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        if self.config.disable_field_suggestions:
            # Strawberry strips field suggestions only. With introspection off, every
            # "Did you mean" (arguments, enum values, input fields, types) would still
            # spell the schema out, one guess at a time.
            for error in errors:
                error.message = error.message.split(" Did you mean", 1)[0]
        # Intended errors are the caller's business, not ours: log only the unexpected.
        unexpected = [e for e in errors if not _is_intended(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def create_schema(settings: Settings) -> strawberry.Schema:
    # The limiters' rule classes are made once: the validation cache keys on the rules,
    # and a new class per request would make every request miss it. In production the
    # schema does not describe itself (introspection off), after the limits as before.
    rules = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    if settings.is_production:
        rules.append(NoSchemaIntrospectionCustomRule)
    # One extension for the limits, the caches and the masking (service/api/operation.py):
    # Strawberry pays per extension on every request.
    extensions = [operation_rules(rules, MAX_TOKENS, lambda e: not _is_intended(e))]
    return FairscoreSchema(
        query=Query,
        types=[Employee, Team, Position, Cycle, Kpi, Score],
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        scalar_overrides={Decimal: DecimalScalar},
        execution_context_class=FieldShortcutExecutionContext,
        config=StrawberryConfig(
            disable_field_suggestions=settings.is_production,
            scalar_map={datetime: DateTimeScalar, date: DateScalar},
        ),
    )
