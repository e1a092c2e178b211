"""The development plan page and the training catalogue in the admin, in English and
Chinese: who may open them, taking a suggestion, refusals beside their fields."""

from __future__ import annotations

import re

from service.models import AuditEntry, Course, DevelopmentItem
from service.usecases.people.goals import set_goal
from service.usecases.people.training import CourseInput, save_course
from tests.admin.conftest import Browser
from tests.integration.goal_scenario import CLOCK, csat_goal
from tests.integration.scenario import ADMIN

A1_PLAN = "/admin/people/A1/development"


async def _as(browser: Browser, who: str) -> None:
    browser.client.cookies.clear()
    assert (await browser.sign_in(who)).status_code == 303


async def _catalogue() -> None:
    await save_course(
        actor=ADMIN,
        course=CourseInput("fast-reply", "Answering fast", "快速响应", ("frt",), 60, "ONLINE"),
    )
    await save_course(
        actor=ADMIN,
        course=CourseInput(
            "csat-basics", "Delighting callers", "让来电者满意", ("csat",), 90, "WORKSHOP"
        ),
    )


def _suggested(page: str) -> list[str]:
    return re.findall(r'data-suggestion="([^"]+)"', page)


async def test_an_employee_takes_a_suggestion_in_chinese_and_their_manager_sees_it(
    seeded: Browser,
) -> None:
    await _catalogue()
    await _as(seeded, "employee")
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    landing = await seeded.client.get("/admin/development")
    assert (landing.status_code, landing.headers["location"]) == (303, A1_PLAN)
    page = (await seeded.client.get(A1_PLAN)).text
    assert "<h1>发展计划" in page
    assert "建议的重点" in page
    suggested = _suggested(page)
    assert suggested, "A1's score leaves points on the table"
    # Points as the score page shows them: 2 places, never a fraction.
    points = re.findall(r'data-points-left="([^"]+)"', page)
    assert points
    assert all(re.fullmatch(r"\d+\.\d\d", p) for p in points), points
    first = suggested[0]
    course = "fast-reply" if first == "frt" else "csat-basics" if first == "csat" else None
    data = {"form": "take", "focus_kpi_code": first, "due_on": "2099-01-31"}
    data |= {"action": "COURSE", "course_code": course} if course else {"action": "COACHING"}
    taken = await seeded.post(f"{A1_PLAN}/items", data, form_page=A1_PLAN)
    assert taken.status_code == 303
    item = await DevelopmentItem.get(plan__employee__external_id="A1")
    assert (item.focus_kpi_id is not None, item.status.value) == (True, "PLANNED")
    # The items' table in Chinese: the column to change an item reads 修改 (edit), not
    # 变化 (the score's change since a cycle), and the activity 行动.
    header = (await seeded.client.get(A1_PLAN)).text.split("<table data-items>", 1)[1]
    header = header.split("</thead>", 1)[0]
    assert '<th scope="col">修改</th>' in header
    assert '<th scope="col">行动</th>' in header
    assert "变化" not in header
    await _as(seeded, "manager")
    managers_view = await seeded.client.get(A1_PLAN)
    assert managers_view.status_code == 200
    assert f'data-item="{item.id}" data-focus="{first}"' in managers_view.text
    audit = await AuditEntry.filter(action="add_development_item", entity_key="A1")
    assert [e.actor for e in audit] == ["a1@example.com"]


async def test_a_colleague_never_opens_anothers_plan_and_only_an_admin_learns_who_exists(
    seeded: Browser,
) -> None:
    for who in ("colleague", "outsider"):
        await _as(seeded, who)
        assert (await seeded.client.get(A1_PLAN)).status_code == 403
        assert (await seeded.client.get("/admin/people/NOBODY/development")).status_code == 403
    await _as(seeded, "admin")
    assert (await seeded.client.get(A1_PLAN)).status_code == 200
    assert (await seeded.client.get("/admin/people/NOBODY/development")).status_code == 404


async def test_a_refused_item_is_explained_beside_its_field_and_nothing_is_saved(
    seeded: Browser,
) -> None:
    await _as(seeded, "employee")
    refused = await seeded.post(
        f"{A1_PLAN}/items",
        {"form": "add", "action": "COURSE", "focus_skill": "Calm", "due_on": "2099-01-31"},
        form_page=A1_PLAN,
    )
    assert refused.status_code == 400
    assert 'id="add-course_code-error"' in refused.text
    assert 'value="Calm"' in refused.text  # what was typed stays
    no_token = await seeded.client.post(
        f"{A1_PLAN}/items", data={"action": "COACHING", "focus_skill": "x", "due_on": "2099-01-31"}
    )
    assert no_token.status_code == 403
    assert await DevelopmentItem.all().count() == 0


async def test_items_move_through_their_statuses_on_the_page(seeded: Browser) -> None:
    await _as(seeded, "manager")
    added = await seeded.post(
        f"{A1_PLAN}/items",
        {
            "form": "add",
            "action": "SHADOWING",
            "focus_skill": "Closing calls",
            "shadowing_external_id": "A2",
            "owner_external_id": "L1",
            "due_on": "2099-01-31",
        },
        form_page=A1_PLAN,
    )
    assert added.status_code == 303
    item = await DevelopmentItem.get()
    moved = await seeded.post(
        f"{A1_PLAN}/items/{item.id}",
        {"status": "IN_PROGRESS", "notes": "first week", "expected_version": "1"},
        form_page=A1_PLAN,
    )
    assert moved.status_code == 303
    stale = await seeded.post(
        f"{A1_PLAN}/items/{item.id}",
        {"status": "DONE", "notes": "", "expected_version": "1"},
        form_page=A1_PLAN,
    )
    assert stale.status_code == 409
    page = (await seeded.client.get(A1_PLAN)).text
    assert 'data-status="IN_PROGRESS"' in page
    assert "Agent 2" in page  # the colleague shadowed


async def test_the_catalogue_is_for_admins_and_speaks_chinese(seeded: Browser) -> None:
    await _as(seeded, "manager")
    assert (await seeded.client.get("/admin/courses")).status_code == 403
    await _as(seeded, "admin")
    saved = await seeded.post(
        "/admin/courses",
        {
            "code": "listening",
            "title": "Active listening",
            "title_zh": "积极倾听",
            "kpi_codes": "csat",
            "length_minutes": "45",
            "format": "ONLINE",
        },
    )
    assert saved.status_code == 303
    assert (await Course.get(code="listening")).kpi_codes == ["csat"]
    refused = await seeded.post(
        "/admin/courses",
        {"code": "bad", "title": "", "title_zh": "坏", "length_minutes": "0", "format": "ONLINE"},
    )
    assert refused.status_code == 400
    assert 'id="course-title-error"' in refused.text
    assert 'id="course-length_minutes-error"' in refused.text
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    page = (await seeded.client.get("/admin/courses")).text
    assert "<h1>培训目录" in page
    assert "积极倾听" in page
    assert "线上" in page


async def test_a_manager_chooses_the_goal_an_item_serves_and_the_plan_shows_it(
    seeded: Browser,
) -> None:
    own = (await set_goal(actor=ADMIN, goal=csat_goal("A1"), clock=CLOCK)).goal
    theirs = (await set_goal(actor=ADMIN, goal=csat_goal("A2"), clock=CLOCK)).goal
    await _as(seeded, "manager")
    page = (await seeded.client.get(A1_PLAN)).text
    assert f'<option value="{own.id}">' in page
    assert f'<option value="{theirs.id}">' not in page
    base = {"form": "add", "action": "COACHING", "focus_skill": "Calm calls"}
    refused = await seeded.post(
        f"{A1_PLAN}/items",
        base | {"due_on": "2099-01-31", "goal_id": str(theirs.id)},
        form_page=A1_PLAN,
    )
    assert refused.status_code == 400
    assert await DevelopmentItem.all().count() == 0
    added = await seeded.post(
        f"{A1_PLAN}/items",
        base | {"due_on": "2099-01-31", "goal_id": str(own.id)},
        form_page=A1_PLAN,
    )
    assert added.status_code == 303
    item = await DevelopmentItem.get()
    assert item.goal_id == own.id
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    shown = (await seeded.client.get(A1_PLAN)).text
    assert f'data-serves-goal="{own.id}"' in shown
    assert "服务于目标" in shown
    # Saving the item's status leaves its goal as it was.
    saved = await seeded.post(
        f"{A1_PLAN}/items/{item.id}",
        {
            "expected_version": str(item.version),
            "status": "IN_PROGRESS",
            "notes": "",
            "goal_shown": str(own.id),
            "goal_id": str(own.id),
        },
        form_page=A1_PLAN,
    )
    assert saved.status_code == 303
    assert (await DevelopmentItem.get(id=item.id)).goal_id == own.id
