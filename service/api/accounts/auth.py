"""Who is asking, signing in and out, and one's own tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from service.api.context import Info, signed_in
from service.api.enums import AccessLevel
from service.api.errors import (
    UNION_DESCRIPTION,
    BusyError,
    SignInError,
    ThrottledError,
    error_of,
)
from service.api.ids import Node, global_id
from service.api.setup.people import Employee, person_seen
from service.errors import DomainError
from service.models import ApiToken
from service.usecases.accounts.auth import login, revoke_token, tokens_of


@strawberry.type(
    description="An API token: listed and revoked by its owner or an admin; the token itself is "
    "shown once."
)
class Token(Node):
    name: str = strawberry.field(
        description="A label for people: `login` for a sign-in, or the name given with "
        "`fairscore token create`."
    )
    created_at: datetime = strawberry.field(description="When it was issued, in UTC.")
    expires_at: datetime = strawberry.field(
        description="When it stops working, in UTC: 30 days after issue unless given "
        "another expiry (at most a year)."
    )
    last_used_at: datetime | None = strawberry.field(
        description="When a request last used it, in UTC; null if never."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked (logout, `revokeToken`, a password change, the "
        "account deactivated), in UTC; null while it works."
    )
    source: str | None = strawberry.field(
        description="The one source this INTEGRATION token may record rows for; null: any source."
    )

    @classmethod
    def from_row(cls, row: ApiToken) -> Token:
        return cls(
            id=strawberry.ID(global_id("Token", row.id)),
            name=row.name,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
            source=row.source,
        )


@strawberry.type(description="Who is signed in: their email, access level, employee and tokens.")
class Viewer:
    email: str = strawberry.field(description="The signed-in account's email.")
    access: AccessLevel = strawberry.field(
        description="The account's access level: what it may see and do."
    )
    employee_pk: strawberry.Private[int | None]

    @strawberry.field(
        description="The employee the account is, for your own score "
        "(`viewer.employee.score`); null for an account that is no employee (an"
        " HR admin, an integration)."
    )
    async def employee(self, info: Info) -> Employee | None:
        if self.employee_pk is None:
            return None
        info.context.prime_own_employee()
        return await person_seen(info, await info.context.loaders.employee.load(self.employee_pk))

    @strawberry.field(
        description="Your API tokens (an admin sees everyone's).", extensions=[signed_in()]
    )
    async def tokens(self, info: Info) -> list[Token]:
        actor = info.context.actor_checked
        return [Token.from_row(t) for t in await tokens_of(actor=actor)]


@strawberry.type(
    description="A bearer token for `Authorization: Bearer <token>` and when it expires."
)
class LoginSuccess:
    token: str = strawberry.field(
        description="The bearer token: send it as `Authorization: Bearer <token>`. Shown "
        "only this once (stored hashed); keep it secret."
    )
    expires_at: datetime = strawberry.field(
        description="When the token stops working, in UTC (30 days); sign in again then."
    )


@strawberry.type(description="A mutation that has nothing to return but that it was done.")
class Done:
    ok: bool = strawberry.field(description="Always true: it was done.")


LoginResult = Annotated[
    LoginSuccess | SignInError | ThrottledError | BusyError,
    strawberry.union("LoginResult", description=UNION_DESCRIPTION),
]


async def resolve_viewer(info: Info) -> Viewer | None:
    actor = info.context.actor
    if actor is None or actor.user_id is None:
        return None
    # The token's lookup already read the user: no second query.
    return Viewer(email=actor.label, access=actor.access, employee_pk=actor.employee_id)


async def resolve_login(info: Info, email: str, password: str) -> LoginResult:
    request = info.context.request
    address = request.client.host if request.client else "unknown"
    try:
        issued = await login(
            email=email, password=password, address=address, settings=info.context.settings
        )
    except DomainError as error:
        result = error_of(error)
        assert isinstance(result, (SignInError, ThrottledError, BusyError))
        return result
    return LoginSuccess(token=issued.token, expires_at=issued.expires_at)


async def resolve_logout(info: Info) -> Done:
    actor = info.context.actor_checked
    if actor.token_id is not None:
        await revoke_token(actor=actor, token_id=actor.token_id)
    return Done(ok=True)
