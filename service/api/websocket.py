"""The live WebSocket at /graphql: graphql-transport-ws, subscriptions only, bounded.

Strawberry speaks the protocol; this handler adds fairscore's rules to it:
- the `connection_init` payload signs in: `{"authorization": "Bearer <token>"}`; a
  missing or refused token closes the connection (4403) with its code as the reason;
- only subscriptions run here (queries and mutations go over HTTP, where the request
  limits apply), each with a context of its own, so each event gets fresh loaders;
- at most `subscriptions_per_connection` at once (Strawberry's limit);
- a connection with no subscription running for `subscription_idle_seconds` is closed
  (1000), and so is one whose token expires or is revoked (4403, checked at expiry and
  every `subscription_token_check_seconds`, as well as before every event).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

from graphql.error import GraphQLSyntaxError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.utils.aio import aclosing

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from service.api.context import Context
from service.scoring import preferred_language
from service.settings import Settings
from service.usecases.accounts.auth import TokenRefused, actor_of_token, token_expires_at

CLOSE_NORMAL = 1000
CLOSE_FORBIDDEN = 4403
CLOSE_UNAVAILABLE = 4500
# A close reason is at most 123 bytes of UTF-8.
MAX_REASON_BYTES = 123


def _reason(text: str) -> str:
    encoded = text.encode("utf-8")[:MAX_REASON_BYTES]
    return encoded.decode("utf-8", errors="ignore")


def _bearer(payload: dict[str, Any]) -> str | None:
    value = payload.get("authorization")
    if not isinstance(value, str):
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _is_subscription(query: object, operation_name: object) -> bool | None:
    """Whether the document's operation is a subscription; None when it does not parse
    (Strawberry then reports the syntax error itself)."""
    if not isinstance(query, str):
        return None
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    operation = get_operation_ast(
        document, operation_name if isinstance(operation_name, str) else None
    )
    return operation is None or operation.operation is OperationType.SUBSCRIPTION


class LiveConnectionHandler(BaseGraphQLTransportWSHandler[Context, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watchdog: asyncio.Task[None] | None = None
        self._expires_at: datetime | None = None

    @property
    def _settings(self) -> Settings:
        return self.context.settings

    async def shutdown(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await super().shutdown()

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        refused = self._settings.live_subscriptions_refused
        if refused is not None:
            await self.websocket.close(code=CLOSE_UNAVAILABLE, reason=_reason(refused))
            return
        payload = message.get("payload") or {}
        if isinstance(payload, dict) and not self.connection_init_received:
            token = _bearer(payload)
            if token is None:
                await self._refuse(
                    "UNAUTHENTICATED",
                    'Send {"authorization": "Bearer <token>"} as the connection_init payload.',
                )
                return
            try:
                actor = await actor_of_token(token)
                expires_at = await token_expires_at(token)
            except TokenRefused as error:
                await self._refuse(error.code, error.message)
                return
            if actor.access.value == "INTEGRATION":
                await self._refuse("FORBIDDEN", "An integration token may only ingest.")
                return
            self.context.actor = actor
            self.context.token = token
            language = payload.get("acceptLanguage")
            if isinstance(language, str):
                self.context.lang = preferred_language(language)
            self._expires_at = expires_at
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._watchdog is None:
            self._watchdog = asyncio.create_task(self._watch())

    async def _refuse(self, code: str, message: str) -> None:
        self.connection_init_received = True
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        await self.websocket.close(code=CLOSE_FORBIDDEN, reason=_reason(f"{code}: {message}"))

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload") or {}
        if self.connection_acknowledged and (
            _is_subscription(payload.get("query"), payload.get("operationName")) is False
        ):
            error = GraphQLError(
                "Only subscriptions run over the WebSocket; send queries and mutations "
                "to /graphql over HTTP.",
                extensions={"code": "BAD_REQUEST"},
            )
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        # As Strawberry's, but with a context of the operation's own: two subscriptions
        # of one connection never share loaders, and each event starts afresh.
        try:
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=self.context.for_operation(),
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message(
                CompleteMessage(id=operation.id, type="complete")
            )
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

    async def _watch(self) -> None:
        """Ends the connection when it idles, or when its token no longer signs in."""
        idle = float(self._settings.subscription_idle_seconds)
        check = float(self._settings.subscription_token_check_seconds)
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        next_check = loop.time() + check
        while True:
            now = loop.time()
            if self.operations:
                quiet_since = now
            wait = min(next_check, quiet_since + idle) - now
            if self._expires_at is not None:
                until_expiry = (self._expires_at - datetime.now(UTC)).total_seconds()
                wait = min(wait, until_expiry)
            await asyncio.sleep(max(wait, 0.05))
            now = loop.time()
            expired = self._expires_at is not None and self._expires_at <= datetime.now(UTC)
            if expired or now >= next_check:
                next_check = now + check
                assert self.context.token is not None
                try:
                    await actor_of_token(self.context.token)
                except TokenRefused as refused:
                    await self.websocket.close(
                        code=CLOSE_FORBIDDEN, reason=_reason(f"{refused.code}: {refused.message}")
                    )
                    return
            if not self.operations and now - quiet_since >= idle:
                await self.websocket.close(
                    code=CLOSE_NORMAL,
                    reason=_reason(f"Idle: no subscription for {int(idle)} seconds."),
                )
                return
