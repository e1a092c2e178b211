"""An admin form on a database kept busy by another writer: a page that says to try
again, and nothing saved (the API's side is in tests/api/test_busy_database.py)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.routing import BaseRoute, Mount, Route

from service.app import create_app
from service.models import (
    AccessLevel,
    ApiToken,
    CheckIn,
    DevelopmentItem,
    Employee,
    FeedbackNote,
    Kpi,
    Observation,
    Recognition,
    User,
)
from service.usecases.actor import Actor
from service.usecases.people.best_practice import share_best_practice
from service.usecases.people.recognition import give_recognition
from service.usecases.people.sessions import SessionInput, schedule_session
from tests.admin.conftest import Browser
from tests.admin.test_appeals_and_audit import QUEUE, appeal_by, switch_to
from tests.admin.test_calibration_page import PAGE as CALIBRATION
from tests.admin.test_calibration_page import review_ready
from tests.admin.test_check_in_pages import A1_PAGE as CHECK_INS
from tests.admin.test_check_in_pages import record_for_a1
from tests.admin.test_development_pages import A1_PLAN
from tests.admin.test_recognition_pages import WALL
from tests.admin.test_role_model_pages import BOARD
from tests.admin.test_role_model_pages import _as as role_models_as
from tests.admin.test_role_model_pages import _ready as role_models_ready
from tests.admin.test_score_pages import A1_PAGE, a1_slowest_response
from tests.api.conftest import PASSWORD, Api, make_settings, seed
from tests.api.test_bad_numbers import database_state
from tests.integration.role_model_scenario import person
from tests.integration.scenario import ADMIN, CYCLE
from tests.write_lock import another_writer_holds_the_lock

# The lock is SQLite's: another connection holding it (PostgreSQL's side is in the API tests).
ON_SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@ON_SQLITE
async def test_an_admin_form_on_a_busy_database_is_a_page_that_says_to_try_again(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    token = await seeded.csrf("/admin/kpis/new")
    form = {
        "csrf_token": token,
        "code": "aht",
        "name": "Average handling time",
        "kind": "QUANTITATIVE",
        "direction": "LOWER_IS_BETTER",
        "aggregation": "MEAN",
        "aggregation_param": "",
        "range_min": "",
        "range_max": "",
        "unit": "s",
        "tags": "",
    }
    async with another_writer_holds_the_lock():
        response = await seeded.client.post("/admin/kpis/new", data=form)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "The database is busy with other changes and nothing was saved" in response.text
    assert not await Kpi.exists(code="aht")


# --- every admin form that writes ------------------------------------------------------
# Each route is probed with a form the use case would accept, so that the only reason
# for it to fail is the busy database: a refusal (400/409/422 beside the field) would
# mean the view swallowed the busy error as the form's fault.


def busy_page(response: httpx.Response) -> str:
    """guarded's rendered 503 page (not the middleware's plain text): the busy page."""
    assert response.status_code == 503, response.text[:500]
    assert response.headers["retry-after"] == "1"
    assert "<h1>Busy</h1>" in response.text
    assert "The database is busy with other changes and nothing was saved" in response.text
    return response.text


async def _adjust(browser: Browser) -> tuple[str, dict[str, str], str]:
    await seed(Api(browser.client))
    await browser.sign_in("manager")
    return f"{A1_PAGE}/adjust", {"points": "1", "reason": "busy probe"}, A1_PAGE


async def _opt_in(browser: Browser) -> tuple[str, dict[str, str], str]:
    await role_models_ready(browser)
    await role_models_as(browser, "role_model")
    return "/admin/role-models/opt-in", {"opted_in": "yes", "team": "hotline"}, BOARD


async def _share(browser: Browser) -> tuple[str, dict[str, str], str]:
    await role_models_ready(browser)
    await role_models_as(browser, "role_model")
    page = "/admin/best-practice/csat"
    return page, {"text": "Ask the customer twice"}, page


async def _thank(browser: Browser) -> tuple[str, dict[str, str], str]:
    await role_models_ready(browser)
    note = await share_best_practice(actor=await person("A1"), kpi_code="csat", text="Ask")
    await role_models_as(browser, "colleague")
    page = "/admin/best-practice/csat"
    return f"{page}/{note.id}/thank", {}, page


async def _void(browser: Browser) -> tuple[str, dict[str, str], str]:
    await seed(Api(browser.client))
    observation = await a1_slowest_response()
    await browser.sign_in("manager")
    form = {"observation_id": str(observation.id), "reason": "busy probe"}
    return f"{A1_PAGE}/void", form, A1_PAGE


async def _hide(browser: Browser) -> tuple[str, dict[str, str], str]:
    await role_models_ready(browser)
    note = await share_best_practice(actor=await person("A1"), kpi_code="csat", text="Ask")
    await role_models_as(browser, "admin")
    page = "/admin/best-practice/csat"
    return f"{page}/{note.id}/hide", {"reason": "names a customer"}, page


async def _schedule(browser: Browser) -> tuple[str, dict[str, str], str]:
    await role_models_ready(browser)
    await role_models_as(browser, "manager")
    form = {
        "title": "Asking twice",
        "starts_at": "2099-03-10T14:00",
        "length_minutes": "45",
        "place": "Room 3",
        "presenters": "A1",
        "kpi_codes": "csat",
    }
    return "/admin/sessions", form, "/admin/sessions"


async def _attend(browser: Browser) -> tuple[str, dict[str, str], str]:
    await role_models_ready(browser)
    past = await schedule_session(
        actor=ADMIN,
        session=SessionInput(
            title="Calm calls",
            starts_at=datetime.now(UTC) - timedelta(days=2),
            presenter_external_ids=("A2",),
            place="Room 1",
        ),
    )
    await role_models_as(browser, "colleague")
    return f"/admin/sessions/{past.id}/attend", {}, "/admin/sessions"


async def _resolve(browser: Browser) -> tuple[str, dict[str, str], str]:
    await seed(Api(browser.client))
    appeal = await appeal_by("employee", "A1", "reviewed on a bad day")
    await browser.sign_in("manager")
    form = {"outcome": "REJECTED", "note": "the data is right"}
    return f"/admin/appeals/{appeal.id}/resolve", form, QUEUE


async def _development_item(browser: Browser) -> tuple[str, dict[str, str], str]:
    await seed(Api(browser.client))
    await browser.sign_in("employee")
    page = (await browser.client.get(A1_PLAN)).text
    focus = re.findall(r'data-suggestion="([^"]+)"', page)[0]
    form = {"form": "take", "focus_kpi_code": focus, "due_on": "2099-01-31", "action": "COACHING"}
    return f"{A1_PLAN}/items", form, A1_PLAN


async def _calibration_record(browser: Browser) -> tuple[str, dict[str, str], str]:
    await seed(Api(browser.client))
    await review_ready(browser)
    await browser.sign_in("admin")
    form = {
        "attendees": "HR; Lena Lead",
        "notes": "Lena's ratings run high.",
        "decisions": "Lena re-rates A1.",
        "expected_version": "0",
    }
    return f"{CALIBRATION}/record", form, CALIBRATION


async def _seeded_as(browser: Browser, who: str) -> None:
    await seed(Api(browser.client))
    await browser.sign_in(who)


async def _appeal(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "employee")
    return f"{A1_PAGE}/appeal", {"line": "5", "reason": "reviewed on a bad day"}, A1_PAGE


async def _review(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "manager")
    form = {"line": "5", "rating": "1", "comment": "Calibrated down."}
    return f"{A1_PAGE}/review", form, A1_PAGE


async def _check_in(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "manager")
    form = {
        "held_on": "2026-03-19",
        "shared_notes": "Good month on the phones.",
        "private_notes": "",
        "discussed": "1",
    }
    return CHECK_INS, form, CHECK_INS


async def _feedback_note(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "manager")
    form = {"kind": "PRAISE", "text": "Calm with the angry caller", "line": ""}
    return "/admin/people/A1/feedback-notes", form, CHECK_INS


async def _praise(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "manager")
    top = await Observation.filter(employee__external_id="A1", value=50_000).first()
    assert top is not None
    page = "/admin/people/A1/recognition"
    return f"{page}/praise", {"observation_id": str(top.id)}, page


async def _course(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "admin")
    form = {
        "code": "listening",
        "title": "Active listening",
        "title_zh": "积极倾听",
        "kpi_codes": "csat",
        "length_minutes": "45",
        "format": "ONLINE",
    }
    return "/admin/courses", form, "/admin/courses"


async def _user(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "admin")
    form = {
        "email": "a3@example.com",
        "access": "EMPLOYEE",
        "employee": "A3",
        "password": "a-long-one",
    }
    return "/admin/users", form, "/admin/users"


async def _access(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "admin")
    return "/admin/users/access", {"email": "a1@example.com", "access": "MANAGER"}, "/admin/users"


async def _active(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "admin")
    return "/admin/users/active", {"email": "a1@example.com", "active": "0"}, "/admin/users"


async def _token(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "admin")
    form = {"email": "survey-tool@example.com", "days": "30"}
    return "/admin/users/tokens", form, "/admin/users"


async def _password(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "employee")
    form = {"current": PASSWORD, "new": "a new secret"}
    return "/admin/password", form, "/admin/password"


async def _new_cycle(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "admin")
    form = {
        "code": "2026-Q2",
        "name": "Q2 2026",
        "starts_on": "2026-04-01",
        "ends_on": "2026-06-30",
    }
    return "/admin/cycles/new", form, "/admin/cycles/new"


async def _transition(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "admin")
    page = f"/admin/cycles/{CYCLE}"
    return f"{page}/transition", {"to": "REVIEW", "reason": "busy probe"}, page


async def _kpi_edit(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "admin")
    form = {"expected_version": "1", "name": "My better name", "unit": "min", "tags": ""}
    return "/admin/kpis/frt", form, "/admin/kpis/frt"


async def _revoke(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "admin")
    integration = await User.get(email="survey-tool@example.com")
    token = await ApiToken.get(user_id=integration.id)
    return f"/admin/users/tokens/{token.id}/revoke", {}, "/admin/users"


async def _give_recognition(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "colleague")
    form = {"receiver": "A1", "message": "Covered my late shift", "value_tag": "teamwork"}
    return WALL, form, WALL


async def _recognition_for_a1() -> Recognition:
    a3 = await Employee.get(external_id="A3")
    return await give_recognition(
        actor=Actor("A3", AccessLevel.EMPLOYEE, employee_id=a3.id),
        receiver_external_id="A1",
        message="Quiet thanks",
    )


async def _recognition_visibility(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "employee")
    given = await _recognition_for_a1()
    form = {"visibility": "PRIVATE"}
    return f"/admin/recognition/{given.id}/visibility", form, "/admin/people/A1/recognition"


async def _recognition_hide(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "admin")
    given = await _recognition_for_a1()
    return f"/admin/recognition/{given.id}/hide", {"reason": "names a customer"}, WALL


async def _acknowledge(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "manager")
    await record_for_a1(browser)
    check_in = await CheckIn.get(employee__external_id="A1")
    await switch_to(browser, "employee")
    return f"/admin/check-ins/{check_in.id}/acknowledge", {"comment": "好的"}, CHECK_INS


async def _hide_feedback_note(browser: Browser) -> tuple[str, dict[str, str], str]:
    path, form, page = await _feedback_note(browser)
    given = await browser.post(path, form, form_page=page)
    assert given.status_code == 303, given.text
    note = await FeedbackNote.get(employee__external_id="A1")
    await switch_to(browser, "admin")
    return f"/admin/feedback-notes/{note.id}/hide", {"reason": "Abusive"}, CHECK_INS


async def _development_aim(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "employee")
    form = {"aim": "Handle angry callers calmly", "expected_version": "0"}
    return f"{A1_PLAN}/aim", form, A1_PLAN


async def _development_item_update(browser: Browser) -> tuple[str, dict[str, str], str]:
    await _seeded_as(browser, "manager")
    form = {"form": "add", "action": "COACHING", "focus_skill": "Calm", "due_on": "2099-01-31"}
    added = await browser.post(f"{A1_PLAN}/items", form, form_page=A1_PLAN)
    assert added.status_code == 303, added.text
    item = await DevelopmentItem.get()
    form = {"status": "IN_PROGRESS", "notes": "first week", "expected_version": "1"}
    return f"{A1_PLAN}/items/{item.id}", form, A1_PLAN


async def _development_attendance(browser: Browser) -> tuple[str, dict[str, str], str]:
    path, form, page = await _course(browser)
    saved = await browser.post(path, form, form_page=page)
    assert saved.status_code == 303, saved.text
    await switch_to(browser, "manager")
    form = {"course_code": "listening", "attended_on": "2026-03-01", "note": ""}
    return f"{A1_PLAN}/attendance", form, A1_PLAN


PROBES: dict[str, Callable[[Browser], Awaitable[tuple[str, dict[str, str], str]]]] = {
    "/admin/scores/{cycle_code}/{external_id}/adjust": _adjust,
    "/admin/role-models/opt-in": _opt_in,
    "/admin/best-practice/{kpi_code}": _share,
    "/admin/best-practice/{kpi_code}/{note_id:int}/thank": _thank,
    "/admin/best-practice/{kpi_code}/{note_id:int}/hide": _hide,
    "/admin/scores/{cycle_code}/{external_id}/void": _void,
    "/admin/sessions": _schedule,
    "/admin/sessions/{session_id:int}/attend": _attend,
    "/admin/appeals/{appeal_id:key}/resolve": _resolve,
    "/admin/people/{external_id}/development/items": _development_item,
    "/admin/cycles/{code}/calibration/record": _calibration_record,
    "/admin/scores/{cycle_code}/{external_id}/appeal": _appeal,
    "/admin/scores/{cycle_code}/{external_id}/review": _review,
    "/admin/people/{external_id}/check-ins": _check_in,
    "/admin/people/{external_id}/feedback-notes": _feedback_note,
    "/admin/people/{external_id}/recognition/praise": _praise,
    "/admin/courses": _course,
    "/admin/users": _user,
    "/admin/users/access": _access,
    "/admin/users/active": _active,
    "/admin/users/tokens": _token,
    "/admin/password": _password,
    "/admin/cycles/new": _new_cycle,
    "/admin/cycles/{code}/transition": _transition,
    "/admin/kpis/{code}": _kpi_edit,
    "/admin/users/tokens/{token_id:key}/revoke": _revoke,
    "/admin/teams/{team_code}/recognition": _give_recognition,
    "/admin/recognition/{recognition_id:key}/visibility": _recognition_visibility,
    "/admin/recognition/{recognition_id:key}/hide": _recognition_hide,
    "/admin/check-ins/{check_in_id:key}/acknowledge": _acknowledge,
    "/admin/feedback-notes/{note_id:key}/hide": _hide_feedback_note,
    "/admin/people/{external_id}/development/aim": _development_aim,
    "/admin/people/{external_id}/development/items/{item_id}": _development_item_update,
    "/admin/people/{external_id}/development/attendance": _development_attendance,
}
PROBED_ABOVE = {"/admin/kpis/new"}

# Forms not probed here yet. Each view catches only `Refusal` (service/errors.py), which a
# busy database is not, so each should answer as the probed ones do; a probe only needs a
# form the use case would accept. A new form must be added to PROBES or, with a reason,
# here: the route test below fails otherwise.
NOT_YET_PROBED = {
    # Before or around the session: the middleware may answer a busy database in plain text.
    "/admin/sign-in",
    "/admin/sign-out",
    "/admin/language",
    # Long forms (the policy, a scorecard's lines, a shadow scorecard, a file to import) or
    # a shadow scorecard to set up first: not written yet.
    "/admin/policy",
    "/admin/cycles/{code}/scorecards/{position}",
    "/admin/imports/preview",
    "/admin/imports/run",
    "/admin/cycles/{code}/shadow/promote",
    "/admin/cycles/{code}/shadow/{position}/scorecard",
    "/admin/cycles/{code}/shadow/{position}/delete",
    "/admin/cycles/{code}/pilot/roll-out",
    # Goals need "today" inside the cycle: tests/admin/test_goal_pages.py's pinned app.
    "/admin/goals/{cycle}/save",
    "/admin/goals/{goal_id:int}/decide",
    "/admin/goals/{goal_id:int}/report",
    "/admin/goals/{goal_id:int}/delete",
}


def _post_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[str]:
    for route in routes:
        if isinstance(route, Mount):
            inner = route.routes or getattr(getattr(route.app, "app", None), "routes", [])
            yield from _post_routes(list(inner), prefix + route.path)
        elif isinstance(route, Route) and route.methods and "POST" in route.methods:
            yield prefix + route.path


def admin_post_routes() -> set[str]:
    app = create_app(make_settings())
    return {path for path in _post_routes(app.routes) if path.startswith("/admin/")}


def test_every_admin_form_is_probed_or_listed_as_not_yet() -> None:
    found = admin_post_routes()
    assert found, "no admin POST routes found: the walk over the app's routes broke"
    assert found - PROBES.keys() - PROBED_ABOVE - NOT_YET_PROBED == set(), (
        "add a probe for the new form"
    )
    assert (PROBES.keys() | PROBED_ABOVE | NOT_YET_PROBED) - found == set(), "a listed form is gone"
    assert PROBES.keys() & NOT_YET_PROBED == set()


@ON_SQLITE
@pytest.mark.parametrize("route", sorted(PROBES))
async def test_an_admin_form_on_a_busy_database_answers_with_the_busy_page(
    browser: Browser, route: str
) -> None:
    path, data, form_page = await PROBES[route](browser)
    token = await browser.csrf(form_page)
    before = await database_state()
    async with another_writer_holds_the_lock():
        response = await browser.client.post(path, data={"csrf_token": token, **data})
    busy_page(response)
    assert await database_state() == before
