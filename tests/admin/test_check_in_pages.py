"""The check-in pages: a manager records a check-in with an action item, the employee
reads it (in Chinese too) without the private notes and acknowledges it; colleagues are
refused; the due list; feedback notes given and hidden through the forms."""

from __future__ import annotations

import re
from pathlib import Path

from admin.i18n import catalogue
from service.models import ActionItem, CheckIn, FeedbackNote
from service.usecases.people.goals import set_goal
from tests.admin.conftest import Browser
from tests.integration.goal_scenario import CLOCK, csat_goal
from tests.integration.scenario import ADMIN

A1_PAGE = "/admin/people/A1/check-ins"
ROOT = Path(__file__).resolve().parents[2]


async def record_for_a1(browser: Browser, **fields: str) -> None:
    response = await browser.post(
        A1_PAGE,
        {
            "held_on": "2026-03-19",
            "shared_notes": "Good month on the phones.",
            "private_notes": "Ask about the night shifts.",
            "discussed": "1",
            "item-0-text": "Read the refund guide",
            "item-0-owner": "A1",
            "item-0-due": "2026-04-01",
        }
        | fields,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("?done=recorded")


async def test_a_manager_records_a_check_in_and_the_employee_acknowledges_it(
    seeded: Browser,
) -> None:
    await seeded.sign_in("manager")
    await record_for_a1(seeded)
    check_in = await CheckIn.get(employee__external_id="A1")
    assert check_in.private_notes == "Ask about the night shifts."
    item = await ActionItem.get(raised_in_id=check_in.id)
    assert item.text == "Read the refund guide"
    manager_page = (await seeded.client.get(A1_PAGE)).text
    assert "Ask about the night shifts." in manager_page

    await seeded.client.post("/admin/sign-out", data={"csrf_token": await seeded.csrf("/admin/")})
    await seeded.sign_in("employee")
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    page = await seeded.client.get(A1_PAGE)
    assert page.status_code == 200
    assert "Good month on the phones." in page.text
    assert "Ask about the night shifts." not in page.text
    assert "确认" in page.text
    assert "下次面谈" in page.text
    assert "Read the refund guide" in page.text
    done = await seeded.post(
        f"/admin/check-ins/{check_in.id}/acknowledge", {"comment": "好的"}, form_page=A1_PAGE
    )
    assert done.status_code == 303
    acknowledged = await CheckIn.get(id=check_in.id)
    assert acknowledged.acknowledged_at is not None
    assert acknowledged.acknowledgement_comment == "好的"


async def test_a_colleague_may_not_open_someone_elses_check_ins(seeded: Browser) -> None:
    await seeded.sign_in("colleague")
    page = await seeded.client.get(A1_PAGE)
    assert page.status_code == 403


async def test_a_check_in_form_without_its_csrf_token_writes_nothing(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    response = await seeded.client.post(A1_PAGE, data={"held_on": "2026-03-19"})
    assert response.status_code == 403
    assert await CheckIn.all().count() == 0


async def test_a_refused_check_in_says_why_and_writes_nothing(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    response = await seeded.post(
        A1_PAGE,
        {
            "held_on": "2026-03-19",
            "item-0-text": "Pair with A2",
            "item-0-owner": "A2",
            "item-0-due": "2026-04-01",
        },
    )
    assert response.status_code == 400
    assert "data-form-errors" in response.text
    assert "neither A1 nor one of their managers" in response.text
    assert await CheckIn.all().count() == 0


async def test_the_due_list_shows_the_managers_people_and_sends_employees_to_their_own(
    seeded: Browser,
) -> None:
    await seeded.sign_in("manager")
    page = await seeded.client.get("/admin/check-ins")
    assert page.status_code == 200
    due = set(re.findall(r'data-due="([^"]+)"', page.text))
    assert due == {"A1", "A2", "A3", "A4"}  # hired in 2021, never checked in: overdue
    await seeded.client.post("/admin/sign-out", data={"csrf_token": await seeded.csrf("/admin/")})
    await seeded.sign_in("employee")
    mine = await seeded.client.get("/admin/check-ins")
    assert (mine.status_code, mine.headers["location"]) == (303, A1_PAGE)


async def test_feedback_notes_are_given_and_hidden_through_the_forms(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    given = await seeded.post(
        "/admin/people/A1/feedback-notes",
        {"kind": "PRAISE", "text": "Calm with the angry caller", "line": ""},
        form_page=A1_PAGE,
    )
    assert given.status_code == 303
    note = await FeedbackNote.get(employee__external_id="A1")
    await seeded.client.post("/admin/sign-out", data={"csrf_token": await seeded.csrf("/admin/")})
    await seeded.sign_in("admin")
    hidden = await seeded.post(
        f"/admin/feedback-notes/{note.id}/hide", {"reason": "Abusive"}, form_page=A1_PAGE
    )
    assert hidden.status_code == 303
    assert (await FeedbackNote.get(id=note.id)).hidden_reason == "Abusive"
    await seeded.client.post("/admin/sign-out", data={"csrf_token": await seeded.csrf("/admin/")})
    await seeded.sign_in("employee")
    assert "Calm with the angry caller" not in (await seeded.client.get(A1_PAGE)).text


def test_every_english_text_of_the_check_in_pages_has_its_chinese() -> None:
    found = set()
    for path in (
        ROOT / "admin/templates/checkins/person.html",
        ROOT / "admin/templates/checkins/due.html",
        ROOT / "admin/views/people/checkins.py",
    ):
        text = path.read_text(encoding="utf-8")
        found |= {
            m.group(2) for m in re.finditer(r"""_\((?:request, )?(["'])((?:(?!\1).)+)\1""", text)
        }
    assert found
    assert sorted(found - set(catalogue()["zh-CN"])) == []


async def test_a_check_in_keeps_the_goals_discussed_and_the_employee_reads_them_in_chinese(
    seeded: Browser,
) -> None:
    goal = (await set_goal(actor=ADMIN, goal=csat_goal("A1"), clock=CLOCK)).goal
    others = (await set_goal(actor=ADMIN, goal=csat_goal("A2"), clock=CLOCK)).goal
    await seeded.sign_in("manager")
    refused = await seeded.post(
        A1_PAGE, {"held_on": "2026-03-19", "discussed_goal": str(others.id)}
    )
    assert refused.status_code == 400
    assert "discussedGoals" in refused.text
    assert await CheckIn.all().count() == 0
    await record_for_a1(seeded, discussed_goal=str(goal.id))
    await seeded.client.post("/admin/sign-out", data={"csrf_token": await seeded.csrf("/admin/")})
    await seeded.sign_in("employee")
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    page = (await seeded.client.get(A1_PAGE)).text
    assert "当时的目标" in page
    assert f'data-goal="{goal.id}" data-discussed' in page
    assert "Raise CSAT to 90 %" in page
    assert "已讨论" in page
    assert f'data-goal="{others.id}"' not in page
