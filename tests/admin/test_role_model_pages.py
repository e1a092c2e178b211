"""The role-model, best-practice and session pages of the admin: who sees what (admin /
manager of the team / manager of another team / the employee / a colleague), no number
for colleagues, thanks once, hiding, scheduling and attending."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from service.models import AuditEntry, BestPracticeNote, DevelopmentItem, SessionAttendance
from service.usecases.people.best_practice import share_best_practice
from service.usecases.people.role_models import set_role_model_opt_in
from service.usecases.people.sessions import SessionInput, schedule_session
from tests.admin.conftest import CSRF, Browser
from tests.api.conftest import PASSWORD, Api
from tests.api.test_role_models import ROLE_MODEL_USERS, role_model_api
from tests.integration.role_model_scenario import OPEN, person
from tests.integration.scenario import ADMIN

BOARD = f"/admin/role-models?team=hotline&cycle={OPEN}"


async def _as(browser: Browser, who: str) -> None:
    browser.client.cookies.clear()
    token = await browser.csrf()
    signed = await browser.client.post(
        "/admin/sign-in",
        data={
            "csrf_token": token,
            "email": ROLE_MODEL_USERS[who][0],
            "password": PASSWORD,
            "next": "/admin/",
        },
    )
    assert signed.status_code == 303


async def _ready(browser: Browser) -> None:
    await role_model_api(Api(browser.client))


def _listed(page: str) -> list[str]:
    return re.findall(r'data-role-model="([^"]+)"', page)


async def test_the_role_models_page_by_viewer(browser: Browser) -> None:
    await _ready(browser)
    await set_role_model_opt_in(actor=await person("A4"), opted_in=True)
    for who in ("admin", "manager"):
        await _as(browser, who)
        page = (await browser.client.get(BOARD)).text
        assert _listed(page) == ["A1", "A2", "A3", "A4"], who
        assert "100.00" in page
        assert "70.00" in page
    await _as(browser, "colleague")
    page = (await browser.client.get(BOARD)).text
    assert _listed(page) == ["A4"]
    assert "70.00" not in page
    assert "100.00" not in page
    await _as(browser, "role_model")
    page = (await browser.client.get(BOARD)).text
    assert _listed(page) == ["A1", "A4"]
    assert "100.00" not in page
    await _as(browser, "other_manager")
    refused = await browser.client.get(BOARD)
    assert refused.status_code == 403
    assert _listed(refused.text) == []


async def test_an_employee_chooses_to_be_named_on_the_page_and_it_is_audited(
    browser: Browser,
) -> None:
    await _ready(browser)
    await _as(browser, "role_model")
    done = await browser.post(
        "/admin/role-models/opt-in",
        {"opted_in": "yes", "team": "hotline", "cycle": OPEN},
        form_page=BOARD,
    )
    assert done.status_code == 303
    assert await AuditEntry.filter(action="set_role_model_opt_in", entity_key="A1").count() == 1
    await _as(browser, "colleague")
    assert _listed((await browser.client.get(BOARD)).text) == ["A1"]


async def test_a_colleague_reads_a_note_beside_the_line_in_chinese_without_a_number(
    browser: Browser,
) -> None:
    await _ready(browser)
    await share_best_practice(
        actor=await person("A1"), kpi_code="csat", text="结束前复述一遍客户的问题。"
    )
    await _as(browser, "colleague")
    browser.client.cookies.set("fairscore_lang", "zh-CN")
    page = (await browser.client.get(f"/admin/scores/{OPEN}/me", follow_redirects=True)).text
    assert "向榜样学习" in page
    assert "结束前复述一遍客户的问题。" in page
    assert "来自一位榜样" in page
    assert "Agent 1" not in page


async def test_a_reader_thanks_once_and_an_admin_hides_with_a_reason(browser: Browser) -> None:
    await _ready(browser)
    note = await share_best_practice(actor=await person("A1"), kpi_code="csat", text="Ask twice")
    page = "/admin/best-practice/csat"
    await _as(browser, "colleague")
    first = await browser.post(f"{page}/{note.id}/thank", {}, form_page=page)
    assert first.status_code == 303
    assert (await BestPracticeNote.get(id=note.id)).thanks == 1
    # The button is gone; a second post is refused beside the notes.
    again = await browser.post(f"{page}/{note.id}/thank", {}, form_page=page)
    assert again.status_code == 409
    assert "already" in again.text
    hide = await browser.post(f"{page}/{note.id}/hide", {"reason": "x"}, form_page=page)
    assert hide.status_code == 403
    await _as(browser, "admin")
    hidden = await browser.post(
        f"{page}/{note.id}/hide", {"reason": "names a customer"}, form_page=page
    )
    assert hidden.status_code == 303
    await _as(browser, "colleague")
    assert "Ask twice" not in (await browser.client.get(page)).text


async def test_a_manager_schedules_a_session_and_an_employee_marks_a_past_one_attended(
    browser: Browser,
) -> None:
    await _ready(browser)
    await _as(browser, "colleague")
    assert "data-schedule" not in (await browser.client.get("/admin/sessions")).text
    await _as(browser, "manager")
    page = await browser.client.get("/admin/sessions")
    token = CSRF.search(page.text)
    assert token
    scheduled = await browser.client.post(
        "/admin/sessions",
        data={
            "csrf_token": token.group(1),
            "title": "Asking twice",
            "starts_at": "2099-03-10T14:00",
            "length_minutes": "45",
            "place": "Room 3",
            "presenters": "A1",
            "kpi_codes": "csat",
        },
    )
    assert scheduled.status_code == 303
    missing = await browser.post(
        "/admin/sessions",
        {"title": "No place", "starts_at": "2099-03-10T14:00", "presenters": "A1"},
        form_page="/admin/sessions",
    )
    assert missing.status_code == 400
    past = await schedule_session(
        actor=ADMIN,
        session=SessionInput(
            title="Calm calls",
            starts_at=datetime.now(UTC) - timedelta(days=2),
            presenter_external_ids=("A2",),
            place="Room 1",
        ),
    )
    await _as(browser, "colleague")
    attended = await browser.post(
        f"/admin/sessions/{past.id}/attend", {}, form_page="/admin/sessions"
    )
    assert attended.status_code == 303
    assert await SessionAttendance.filter(session_id=past.id).count() == 1
    plan = "/admin/people/A5/development"
    assert "Calm calls" in (await browser.client.get(plan)).text  # offered in the form
    added = await browser.post(
        f"{plan}/items",
        {"action": "SESSION", "focus_kpi_code": "csat", "session_id": str(past.id),
         "due_on": "2099-01-31"},
        form_page=plan,
    )  # fmt: skip
    assert added.status_code == 303
    item = await DevelopmentItem.get(plan__employee__external_id="A5")
    assert item.session_id == past.id
