"""User accounts: access level, deactivation, integration tokens (admins only).

Every change goes through one use case (users.create_user, accounts.set_user_access,
accounts.set_user_active, auth.create_token_for, auth.revoke_token). A new token's
value is shown once, on the page that answers its creation; only its hash is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin.web import _, checked_form, guarded, redirect, render, require, say, state
from service.errors import NotFound, PermissionDenied, ValidationFailed
from service.models import AccessLevel, Employee, User
from service.usecases.accounts.account_changes import set_user_access, set_user_active
from service.usecases.accounts.auth import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    create_token_for,
    revoke_token,
    tokens_of,
)
from service.usecases.accounts.users import create_user
from service.usecases.parsing import whole_or_none

NOTICES = {
    "created": "The account was created.",
    "access": "The access level was changed.",
    "deactivated": "The account was deactivated; its sessions and tokens no longer work.",
    "activated": "The account was reactivated; issue new tokens if it needs them.",
    "unchanged": "Nothing to change: the account already was like that.",
    "revoked": "The token was revoked.",
}
# Where a use case's issue is shown on the token form.
TOKEN_FIELDS = {"expires": "days", "user": "email"}


def _text(form: Any, name: str) -> str:
    return str(form.get(name, "") or "").strip()


async def _users_page(
    request: Request,
    *,
    status: int = 200,
    create_errors: dict[str, str] | None = None,
    create_values: dict[str, str] | None = None,
    token_errors: dict[str, str] | None = None,
    token_values: dict[str, str] | None = None,
    account_errors: dict[str, str] | None = None,
    page_error: str | None = None,
) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    users = await User.all().order_by("email")
    employee_ids = [user.employee_id for user in users if user.employee_id is not None]
    employees = {e.id: e for e in await Employee.filter(id__in=employee_ids)}
    email_of = {user.id: user.email for user in users}
    show_all = request.query_params.get("tokens") == "all"
    now = datetime.now(UTC)
    tokens = []
    for token in await tokens_of(actor=actor):
        if token.revoked_at is not None:
            token_state = "revoked"
        elif token.expires_at <= now:
            token_state = "expired"
        else:
            token_state = "active"
        if show_all or token_state == "active":
            tokens.append(
                {"token": token, "state": token_state, "email": email_of.get(token.user_id, "?")}
            )
    notice_key = request.query_params.get("done", "")
    return render(
        request,
        "users/users.html",
        {
            "users": [
                {
                    "user": user,
                    "employee": employees.get(user.employee_id) if user.employee_id else None,
                    "is_me": user.id == actor.user_id,
                }
                for user in users
            ],
            "levels": [level.value for level in AccessLevel],
            "tokens": tokens,
            "show_all_tokens": show_all,
            "notice": NOTICES.get(notice_key) if status == 200 else None,
            "create_errors": create_errors or {},
            "create_values": create_values or {"access": AccessLevel.EMPLOYEE.value},
            "token_errors": token_errors or {},
            "token_values": token_values or {"days": str(DEFAULT_TOKEN_DAYS)},
            "account_errors": account_errors or {},
            "page_error": page_error,
            "max_days": MAX_TOKEN_DAYS,
        },
        status=status,
    )


@guarded
async def users_page(request: Request) -> Response:
    return await _users_page(request)


@guarded
async def create_user_post(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    form = await checked_form(request)
    values = {name: _text(form, name) for name in ("email", "access", "employee")}
    try:
        await create_user(
            actor=actor,
            email=values["email"],
            access=values["access"],
            password=str(form.get("password", "") or ""),
            settings=state(request).settings,
            employee_external_id=values["employee"] or None,
        )
    except ValidationFailed as failed:
        errors: dict[str, str] = {}
        for issue in failed.issues:
            errors.setdefault(issue.field, say(request, issue))
        return await _users_page(request, status=400, create_errors=errors, create_values=values)
    return redirect("/admin/users?done=created")


async def _account_change(request: Request, change: str) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    form = await checked_form(request)
    email = _text(form, "email")
    try:
        if change == "access":
            result = await set_user_access(actor=actor, email=email, access=_text(form, "access"))
            done = "access"
        else:
            active = _text(form, "active") == "1"
            result = await set_user_active(actor=actor, email=email, active=active)
            done = "activated" if active else "deactivated"
    except ValidationFailed as failed:
        message = "; ".join(say(request, issue) for issue in failed.issues)
        return await _users_page(request, status=400, account_errors={email: message})
    except PermissionDenied as denied:
        return await _users_page(request, status=403, account_errors={email: say(request, denied)})
    except NotFound as missing:
        return await _users_page(request, status=404, account_errors={email: say(request, missing)})
    return redirect(f"/admin/users?done={done if result.changed else 'unchanged'}")


@guarded
async def access_post(request: Request) -> Response:
    return await _account_change(request, "access")


@guarded
async def active_post(request: Request) -> Response:
    return await _account_change(request, "active")


@guarded
async def create_token_post(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    form = await checked_form(request)
    values = {name: _text(form, name) for name in ("email", "name", "days", "source")}
    # Any whole number: the use case says how many days a token may last.
    days = whole_or_none(values["days"] or DEFAULT_TOKEN_DAYS, low=-(2**63))
    if days is None:
        return await _users_page(
            request,
            status=400,
            token_errors={"days": _(request, "give a whole number of days")},
            token_values=values,
        )
    try:
        issued = await create_token_for(
            actor=actor,
            email=values["email"],
            days=days,
            name=values["name"],
            source=values["source"] or None,
        )
    except ValidationFailed as failed:
        errors: dict[str, str] = {}
        for issue in failed.issues:
            errors.setdefault(TOKEN_FIELDS.get(issue.field, issue.field), say(request, issue))
        return await _users_page(request, status=400, token_errors=errors, token_values=values)
    except NotFound as missing:
        return await _users_page(
            request,
            status=404,
            token_errors={"email": say(request, missing)},
            token_values=values,
        )
    return render(
        request,
        "users/token_created.html",
        {
            "token": issued.token,
            "email": values["email"].lower(),
            "name": values["name"],
            "source": values["source"],
            "expires_at": issued.expires_at,
        },
    )


@guarded
async def revoke_token_post(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    await checked_form(request)
    try:
        await revoke_token(actor=actor, token_id=int(request.path_params["token_id"]))
    except NotFound:
        return await _users_page(
            request, status=404, page_error=_(request, "No such token; it may have been removed.")
        )
    return redirect("/admin/users?done=revoked")


routes: list[Route] = [
    Route("/users", users_page, methods=["GET"]),
    Route("/users", create_user_post, methods=["POST"]),
    Route("/users/access", access_post, methods=["POST"]),
    Route("/users/active", active_post, methods=["POST"]),
    Route("/users/tokens", create_token_post, methods=["POST"]),
    Route("/users/tokens/{token_id:key}/revoke", revoke_token_post, methods=["POST"]),
]
