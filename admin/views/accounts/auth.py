"""Signing in and out, changing one's password, choosing a language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin.i18n import LANGUAGES
from admin.web import (
    LANGUAGE_COOKIE,
    _,
    checked_form,
    guarded,
    redirect,
    render,
    say,
    signed_in,
    state,
)
from service.errors import ValidationFailed
from service.usecases.accounts.auth import SignInRefused, SignInThrottled
from service.usecases.accounts.sessions import change_password, sign_in_session, sign_out


def _safe_next(value: object) -> str:
    # Only paths inside the admin: never an open redirect to another site.
    text = str(value or "")
    return text if text.startswith("/admin") and not text.startswith("//") else "/admin/"


@guarded
async def sign_in_page(request: Request) -> Response:
    if state(request).actor is not None:
        return redirect(_safe_next(request.query_params.get("next")))
    return render(
        request,
        "sign_in.html",
        {"next": _safe_next(request.query_params.get("next")), "error": None, "email": ""},
    )


@guarded
async def sign_in_post(request: Request) -> Response:
    form = await checked_form(request)
    admin = state(request)
    email = str(form.get("email", ""))
    # The peer as the server reports it: a trusted proxy's X-Forwarded-For has already
    # been applied by `fairscore serve` (FAIRSCORE_TRUSTED_PROXIES), nothing else is.
    address = request.client.host if request.client else "unknown"
    try:
        admin.session = await sign_in_session(
            current=admin.session,
            email=email,
            password=str(form.get("password", "")),
            address=address,
            settings=admin.settings,
        )
    except SignInThrottled as throttled:
        error = _(
            request,
            "Too many failed sign-ins; try again in {seconds} seconds.",
            seconds=throttled.retry_after_seconds,
        )
        return render(
            request,
            "sign_in.html",
            {"next": _safe_next(form.get("next")), "error": error, "email": email},
            status=429,
        )
    except SignInRefused:
        error = _(request, "Wrong email or password, or the account is deactivated.")
        return render(
            request,
            "sign_in.html",
            {"next": _safe_next(form.get("next")), "error": error, "email": email},
            status=400,
        )
    return redirect(_safe_next(form.get("next")))


@guarded
async def sign_out_post(request: Request) -> Response:
    await checked_form(request)
    admin = state(request)
    admin.session = await sign_out(admin.session, settings=admin.settings)
    return redirect("/admin/sign-in")


@guarded
async def password_page(request: Request) -> Response:
    signed_in(request)
    return render(request, "password.html", {"errors": {}, "done": False})


@guarded
async def password_post(request: Request) -> Response:
    actor = signed_in(request)
    form = await checked_form(request)
    admin = state(request)
    try:
        await change_password(
            actor=actor,
            current_password=str(form.get("current", "")),
            new_password=str(form.get("new", "")),
            settings=admin.settings,
            keep_session_id=admin.session.session_id,
        )
    except ValidationFailed as failed:
        errors = {i.field: say(request, i) for i in failed.issues}
        return render(request, "password.html", {"errors": errors, "done": False}, status=400)
    return render(request, "password.html", {"errors": {}, "done": True})


@guarded
async def language_post(request: Request) -> Response:
    form = await checked_form(request)
    lang = str(form.get("lang", "en"))
    response = redirect(_safe_next(form.get("next")))
    if lang in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/admin"
        )
    return response


routes = [
    Route("/sign-in", sign_in_page, methods=["GET"]),
    Route("/sign-in", sign_in_post, methods=["POST"]),
    Route("/sign-out", sign_out_post, methods=["POST"]),
    Route("/password", password_page, methods=["GET"]),
    Route("/password", password_post, methods=["POST"]),
    Route("/language", language_post, methods=["POST"]),
]
