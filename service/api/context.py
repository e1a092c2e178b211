"""The per-request context: who is asking, in which language, and fresh loaders."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.extensions.field_extension import (
    AsyncExtensionResolver,
    FieldExtension,
    SyncExtensionResolver,
)
from strawberry.types import Info as StrawberryInfo
from tortoise.connection import get_connection

from service.api.ids import ClientError
from service.api.loaders import Loaders
from service.models import AccessLevel
from service.scoring.goals import GoalClock
from service.scoring.types import Policy
from service.settings import Settings
from service.usecases.accounts.access import visible_employee_ids, visible_without_reading
from service.usecases.accounts.auth import SignedIn, actor_of_token
from service.usecases.actor import Actor
from service.usecases.scoring.changes import ChangeHub
from service.usecases.setup.policy import load_policy


@dataclass
class Context:
    # The HTTP request, or the WebSocket of a live connection.
    request: HTTPConnection
    response: Response | None
    settings: Settings
    actor: Actor | None
    lang: str
    loaders: Loaders = field(default_factory=Loaders)
    _visible: Any = field(default=..., repr=False)
    _policy: asyncio.Future[tuple[Policy, int]] | None = field(default=None, repr=False)
    _clock: GoalClock | None = field(default=None, repr=False)
    # A live connection's: what it hears and the token it signed in with
    # (service/api/websocket.py); None over HTTP.
    changes: ChangeHub | None = None
    token: str | None = None
    # Set by graphql-transport-ws from the `connection_init` payload.
    connection_params: dict[str, Any] | None = None
    # An HTTP request's token lookup, with the actor's employee row (`prime_own_employee`);
    # None over a live connection, whose actor is checked again before each event.
    signed_in: SignedIn | None = field(default=None, repr=False)

    def for_operation(self) -> Context:
        """A copy for one operation of a live connection, with loaders of its own."""
        return replace(self, loaders=Loaders(), _visible=..., _policy=None, _clock=None)

    async def refresh(self) -> None:
        """Before each live event: the token checked again (TokenRefused when it has
        expired or been revoked), fresh loaders and the visible set worked out anew."""
        if self.token is not None:
            self.actor = await actor_of_token(self.token)
        self.loaders = Loaders()
        self._visible = ...
        self._policy = None

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise ClientError(
                "Sign in first: call `login(email, password)` and send the token as "
                "`Authorization: Bearer <token>`.",
                "UNAUTHENTICATED",
            )
        return self.actor

    @property
    def actor_checked(self) -> Actor:
        """The actor of a field guarded by `Requires`, which has refused anyone else."""
        assert self.actor is not None, "a field reading the actor needs a Requires guard"
        return self.actor

    def require_reader(self) -> Actor:
        """Anyone signed in but an integration, whose token only ingests."""
        actor = self.require_actor()
        if actor.access is AccessLevel.INTEGRATION:
            raise ClientError(
                "An integration token may only record observations and feedback.", "FORBIDDEN"
            )
        return actor

    def require_ingester(self) -> Actor:
        """An admin, or an integration token: who records observations and feedback."""
        actor = self.require_actor()
        if actor.access not in (AccessLevel.ADMIN, AccessLevel.INTEGRATION):
            raise ClientError(
                "Only an admin or an integration token records observations and feedback.",
                "FORBIDDEN",
            )
        return actor

    def require_admin(self) -> Actor:
        actor = self.require_reader()
        if not actor.is_admin:
            raise ClientError("Only an admin may do this.", "FORBIDDEN")
        return actor

    def prime_own_employee(self) -> None:
        """The actor's employee into the employee loader, from the row the token lookup
        read: `viewer.employee` ("my score") then reads it with no statement of its own.
        Primed when asked, so requests that never ask build no Employee; the row is the
        request's own read, taken before any field ran (`viewer` is a field of Query
        only: no mutation of this request wrote it first). The access rule is not here:
        whoever asks still checks the employee with `person_seen`."""
        signed_in = self.signed_in
        if signed_in is None or signed_in.actor.employee_id is None:
            return
        self.signed_in = None  # primed once: a second ask finds it in the loader
        employee = signed_in.employee()
        if employee is not None:
            self.loaders.employee.prime(employee.id, employee)

    async def visible_employees(self) -> set[int] | None:
        """Whose data this request may show (None: everyone), decided by the access module.

        Worked out once per request: resolvers running side by side share one task (a
        plain cached value would let each of them start its own queries first)."""
        if self._visible is ...:
            actor = self.require_reader()
            known = visible_without_reading(actor)
            if known is ...:
                self._visible = asyncio.ensure_future(
                    visible_employee_ids(get_connection("default"), actor)
                )
            else:
                # Settled without a read (everyone but a manager): no task to start and
                # wait a turn of the event loop for, on every request that shows a person.
                self._visible = asyncio.get_running_loop().create_future()
                self._visible.set_result(known)
        # Shielded: a cancelled branch of the query must not cancel it for the others.
        visible: set[int] | None = await asyncio.shield(self._visible)
        return visible

    async def may_see(self, employee_id: int) -> bool:
        visible = await self.visible_employees()
        return visible is None or employee_id in visible

    @property
    def goal_clock(self) -> GoalClock:
        """One clock for the whole request (SCORING.md §11); FAIRSCORE_TODAY pins it."""
        if self._clock is None:
            self._clock = GoalClock(now=datetime.now(UTC), pinned_today=self.settings.today)
        return self._clock

    async def policy(self) -> Policy:
        """Read once per request, shared by resolvers running side by side (as above)."""
        if self._policy is None:
            self._policy = asyncio.ensure_future(load_policy(get_connection("default")))
        policy: Policy
        policy, _version = await asyncio.shield(self._policy)
        return policy


Info = StrawberryInfo[Context, None]

Guard = Callable[[Context], Actor]


class Requires(FieldExtension):
    """The access guard of a field, applied before its resolver runs: one mechanism for
    every field instead of a check at the top of each resolver. The resolver then reads
    the checked actor as `info.context.actor_checked`."""

    def __init__(self, guard: Guard) -> None:
        super().__init__()
        self.guard = guard

    def resolve(
        self, next_: SyncExtensionResolver, source: Any, info: StrawberryInfo, **kwargs: Any
    ) -> Any:
        self.guard(info.context)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: StrawberryInfo, **kwargs: Any
    ) -> Any:
        self.guard(info.context)
        result = next_(source, info, **kwargs)
        if inspect.isasyncgen(result):  # a subscription: its stream, checked before it starts
            return result
        return await result


def signed_in() -> Requires:
    """Anyone with a valid token."""
    return Requires(Context.require_actor)


def readers() -> Requires:
    """Anyone signed in but an integration, whose token only ingests."""
    return Requires(Context.require_reader)


def ingesters() -> Requires:
    return Requires(Context.require_ingester)


def admins() -> Requires:
    return Requires(Context.require_admin)
