"""What every admin view needs: the session, the language, guards, forms and rendering."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Container, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape
from starlette.datastructures import FormData
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from admin.i18n import (
    LANGUAGE_NAMES,
    format_date,
    format_number,
    format_setting,
    identifier,
    labelled,
    name_in,
    name_text,
    own_text,
    pick_language,
    said,
    said_on_page,
    translate,
    unit_in,
    unit_text,
)
from admin.security import csrf_matches
from service.errors import (
    DatabaseBusy,
    DomainError,
    Issue,
    NotFound,
    PermissionDenied,
    Refusal,
    ValidationFailed,
)
from service.labels import label
from service.models import AccessLevel, Employee
from service.scoring.types import ScorecardIssue
from service.settings import Settings
from service.usecases.accounts.sessions import LiveSession, load_session
from service.usecases.actor import Actor

BUSY_MESSAGE = (
    "The database is busy with other changes and nothing was saved. Try again in a moment."
)
SESSION_COOKIE = "fairscore_session"
LANGUAGE_COOKIE = "fairscore_lang"
TEMPLATES = Path(__file__).resolve().parent / "templates"

Handler = Callable[[Request], Awaitable[Response]]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # everywhere, not only for .html
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


templates = Jinja2Templates(env=_environment())


@dataclass
class AdminState:
    session: LiveSession
    lang: str
    settings: Settings

    @property
    def actor(self) -> Actor | None:
        return self.session.actor


class AdminSessions(BaseHTTPMiddleware):
    """Loads the session and language for every admin request; keeps the cookie fresh."""

    def __init__(self, app: Any, settings: Settings) -> None:
        super().__init__(app)
        self.settings = settings

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if "/static/" in request.url.path:
            return await call_next(request)
        try:
            session = await load_session(
                request.cookies.get(SESSION_COOKIE), settings=self.settings
            )
        except DatabaseBusy as busy:
            return busy_response(busy, pick_language(None, request.headers.get("accept-language")))
        lang = pick_language(
            request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
        )
        request.state.admin = AdminState(session, lang, self.settings)
        response = await call_next(request)
        current: LiveSession = request.state.admin.session  # sign-in replaces it
        if current.cookie != request.cookies.get(SESSION_COOKIE) or current is not session:
            set_session_cookie(response, current, self.settings)
        return response


def set_session_cookie(response: Response, session: LiveSession, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
        path="/admin",
        max_age=12 * 3600,
    )


def state(request: Request) -> AdminState:
    found: AdminState = request.state.admin
    return found


def _(request: Request, text: str, **values: Any) -> str:
    return translate(state(request).lang, text, **values)


def say(request: Request, what: DomainError | Issue | ScorecardIssue | dict[str, Any] | str) -> str:
    """A use case's refusal or issue in the page's language (its template translated)."""
    return said(state(request).lang, what)


class Refused(Exception):
    """Turned into a page: 403 with what to do, or a redirect to sign in."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def signed_in(request: Request) -> Actor:
    actor = state(request).actor
    if actor is None:
        raise Refused(401, "Sign in to continue.")
    return actor


def require(request: Request, *levels: AccessLevel) -> Actor:
    actor = signed_in(request)
    if levels and actor.access not in levels:
        raise Refused(403, "You do not have access to this page. Ask an admin if you need it.")
    return actor


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's; nothing runs otherwise."""
    form = await request.form()
    if not csrf_matches(state(request).session.csrf_token, form.get("csrf_token")):
        raise Refused(
            403,
            "This form has expired or did not come from this site. Reload the page and try again.",
        )
    return form


async def person_from_url(request: Request) -> Employee:
    """The employee the URL names by `{external_id}`; a 404 page when nobody has it.
    Who may see that person's page is the view's to decide, after this."""
    employee = await Employee.get_or_none(external_id=request.path_params["external_id"])
    if employee is None:
        raise Refused(404, "No such person.")
    return employee


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@dataclass
class Failed:
    """A refused form, to show again on its page: which form, the messages (each naming
    its field, and its row when the form has rows), and what was typed."""

    form: str
    messages: list[str]
    values: dict[str, str] = field(default_factory=dict)


def refusal_status(error: Refusal) -> int:
    """The HTTP status of a page shown again after a use case refused a form."""
    if isinstance(error, ValidationFailed):
        return 400
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, NotFound):
        return 404
    return 409  # stale versions and transitions: the data changed under the form


def refusal_messages(
    request: Request, error: Refusal, *, row: str = "Row {n}", named: bool = True
) -> list[str]:
    """A refusal as lines naming the field (and the row, called `row`, counted from 1).
    `named=False` says each issue alone, for a page whose form is one question (a note,
    a choice): there the field's name would tell the reader nothing."""
    if isinstance(error, ValidationFailed):
        if not named:
            return [say(request, issue) for issue in error.issues]
        return [
            (f"{_(request, row, n=issue.row + 1)}: " if issue.row is not None else "")
            + f"{issue.field}: {say(request, issue)}"
            for issue in error.issues
        ]
    return [say(request, error)]


def refusal_line(request: Request, error: Refusal, *, named: bool = True) -> str:
    """A refusal on one line, for a page that shows it above its form or alone."""
    return "; ".join(refusal_messages(request, error, named=named))


def typed(form: FormData, names: Collection[str] | None = None) -> dict[str, str]:
    """What was typed into a form (its `names`, or every field), to show it again; never
    the CSRF token, which the page renders afresh."""
    keys = [str(key) for key in form if key != "csrf_token"] if names is None else names
    return {name: str(form.get(name, "")) for name in keys}


@dataclass
class FormErrors:
    """A refused form whose issues stand beside their fields: which form, the message per
    field, a message for the form (what belongs to no field of it), and what was typed."""

    form: str
    fields: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    values: dict[str, str] = field(default_factory=dict)


def form_errors(
    request: Request,
    form_name: str,
    error: Refusal,
    values: dict[str, str],
    on_form: Container[str] | None = None,
    *,
    field_of: Mapping[str, str] | None = None,
) -> FormErrors:
    """A use case's refusal, each issue beside its field when the form has it (`on_form`,
    by default the fields typed into, `values`; the use case's field renamed to the
    form's by `field_of`); the rest above the form, each after the use case's field name.
    A refusal without issues is the form's message."""
    found = FormErrors(form_name, values=values)
    if not isinstance(error, ValidationFailed):
        found.message = say(request, error)
        return found
    renamed = field_of or {}
    found.fields, found.message = issues_beside_fields(
        request,
        error.issues,
        values if on_form is None else on_form,
        lambda name: renamed.get(name, name),
    )
    return found


def issues_beside_fields(
    request: Request,
    issues: Iterable[Issue],
    on_form: Container[str],
    field_of: Callable[[str], str] = str,
) -> tuple[dict[str, str], str | None]:
    """Each issue's message beside its form field when the form has it (`on_form`; the use
    case's field renamed to the form's by `field_of`), several on one field joined; the
    rest as one line for above the form, each after the use case's field name (it belongs
    to no field the reader can see), or None."""
    fields: dict[str, str] = {}
    loose: list[str] = []
    for issue in issues:
        target = field_of(issue.field)
        message = say(request, issue)
        if target in on_form:
            fields[target] = f"{fields[target]}; {message}" if target in fields else message
        else:
            loose.append(f"{issue.field}: {message}")
    return fields, "; ".join(loose) or None


async def submit_form(
    request: Request,
    action: Callable[[], Awaitable[object]],
    *,
    form: str,
    done: str,
    again: Callable[[Failed, int], Awaitable[Response]],
    values: dict[str, str] | None = None,
    row: str = "Row {n}",
) -> Response:
    """Run one use case for a posted form: redirect to `done` when it succeeds; when it
    refuses, show the page again through `again` with the messages and what was typed,
    at the refusal's status. Only a `Refusal` is the form's to show: a busy database
    passes through to `guarded`'s 503 page (service/errors.py `Refusal` says why)."""
    try:
        await action()
    except Refusal as error:
        failed = Failed(form, refusal_messages(request, error, row=row), values or {})
        return await again(failed, refusal_status(error))
    return redirect(done)


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/admin/sign-in?next={quote(target)}")


NAV = [
    ("/admin/", "Home", None),
    ("/admin/kpis", "KPIs", (AccessLevel.ADMIN,)),
    ("/admin/policy", "Policy", (AccessLevel.ADMIN,)),
    ("/admin/cycles", "Cycles", (AccessLevel.ADMIN, AccessLevel.MANAGER)),
    ("/admin/people", "People", (AccessLevel.ADMIN, AccessLevel.MANAGER)),
    ("/admin/teams", "Teams", (AccessLevel.ADMIN, AccessLevel.MANAGER)),
    ("/admin/imports", "Import", (AccessLevel.ADMIN,)),
    ("/admin/appeals", "Appeals", (AccessLevel.ADMIN, AccessLevel.MANAGER)),
    ("/admin/goals", "Goals", (AccessLevel.ADMIN, AccessLevel.MANAGER, AccessLevel.EMPLOYEE)),
    (
        "/admin/check-ins",
        "Check-ins",
        (AccessLevel.ADMIN, AccessLevel.MANAGER, AccessLevel.EMPLOYEE),
    ),
    (
        "/admin/recognition",
        "Recognition",
        (AccessLevel.ADMIN, AccessLevel.MANAGER, AccessLevel.EMPLOYEE),
    ),
    ("/admin/development", "My development plan", (AccessLevel.MANAGER, AccessLevel.EMPLOYEE)),
    (
        "/admin/role-models",
        "Role models",
        (AccessLevel.ADMIN, AccessLevel.MANAGER, AccessLevel.EMPLOYEE),
    ),
    ("/admin/sessions", "Sessions", (AccessLevel.ADMIN, AccessLevel.MANAGER, AccessLevel.EMPLOYEE)),
    ("/admin/courses", "Training", (AccessLevel.ADMIN,)),
    ("/admin/users", "Users", (AccessLevel.ADMIN,)),
    ("/admin/audit", "Audit log", (AccessLevel.ADMIN,)),
]


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    admin = state(request)
    actor = admin.actor
    lang = admin.lang

    def gettext(text: str, **values: Any) -> Markup:
        # Escaped here, so that a value may be markup of its own (a name marked `own`).
        translated = translate(lang, text)
        shown = {k: label(v, lang) if isinstance(v, Enum) else v for k, v in values.items()}
        return Markup(escape(translated)).format(**shown) if shown else escape(translated)

    nav = [
        (url, label)
        for url, label, levels in NAV
        if actor is not None and (levels is None or actor.access in levels)
    ]
    base = {
        "_": gettext,
        "lang": lang,
        "languages": LANGUAGE_NAMES,
        "actor": actor,
        "csrf_token": admin.session.csrf_token,
        "nav": nav,
        "path": request.url.path,
        "number": format_number,
        "setting": format_setting,
        "day": lambda value: format_date(value, lang),
        "label": labelled(lang),
        "said": lambda what: said_on_page(lang, what),
        "own": lambda text: own_text(text, lang),
        "ident": identifier,
        "named": lambda thing: name_in(thing, lang),
        "name_text": lambda thing: name_text(thing, lang),
        "unit": lambda thing: unit_in(thing, lang),
        "unit_text": lambda thing: unit_text(thing, lang),
        "access": AccessLevel,
    }
    return templates.TemplateResponse(request, name, base | (context or {}), status_code=status)


def busy_response(busy: DatabaseBusy, lang: str) -> Response:
    """Before the session is known there is no page to render it in: a plain 503."""
    return PlainTextResponse(
        translate(lang, BUSY_MESSAGE),
        status_code=503,
        headers={"Retry-After": str(busy.retry_after_seconds)},
    )


def guarded(handler: Handler) -> Handler:
    """Refusals become pages: sign-in for anonymous visitors, 403 with a reason otherwise;
    a database kept busy by other writers is a 503 that says to try again."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except DatabaseBusy as busy:
            response = render(
                request,
                "error.html",
                {"title": _(request, "Busy"), "message": _(request, BUSY_MESSAGE)},
                status=503,
            )
            response.headers["Retry-After"] = str(busy.retry_after_seconds)
            return response
        except Refused as refused:
            if refused.status == 401:
                return sign_in_redirect(request)
            return render(
                request,
                "error.html",
                {"message": _(request, refused.message)},
                status=refused.status,
            )

    return run
