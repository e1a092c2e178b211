"""The recognition pages: a colleague recognises someone on the team's wall, the receiver
makes it private and the colleague no longer sees it there or in the dashboard's counts,
a manager turns a customer's praise into a recognition, an admin hides one with a reason
and sees trading flags; outsiders are refused; every text has its Chinese."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from admin.i18n import catalogue
from service.models import AccessLevel, Employee, Observation, Recognition
from service.usecases.actor import Actor
from service.usecases.people.recognition import give_recognition
from service.usecases.setup.policy_change import update_policy
from tests.admin.conftest import Browser
from tests.integration.scenario import ADMIN, CYCLE

WALL = "/admin/teams/hotline/recognition"
ROOT = Path(__file__).resolve().parents[2]


async def sign_out(browser: Browser) -> None:
    await browser.client.post("/admin/sign-out", data={"csrf_token": await browser.csrf("/admin/")})


async def test_a_colleague_recognises_someone_and_a_private_one_leaves_the_wall_and_counts(
    seeded: Browser,
) -> None:
    await seeded.sign_in("colleague")  # A2
    given = await seeded.post(
        WALL,
        {"receiver": "A1", "message": "Covered my late shift", "value_tag": "teamwork"},
    )
    assert given.status_code == 303, given.text
    wall = (await seeded.client.get(WALL)).text
    assert "Covered my late shift" in wall
    assert "data-value-tag" in wall
    refused = await seeded.post(WALL, {"receiver": "A2", "message": "Me"})
    assert refused.status_code == 400
    assert 'data-form-errors="give"' in refused.text
    row = await Recognition.get(message="Covered my late shift")
    # Someone else's, told apart from A1's own: another giver, A3.
    a3 = await Employee.get(external_id="A3")
    other = await give_recognition(
        actor=Actor("A3", AccessLevel.EMPLOYEE, employee_id=a3.id),
        receiver_external_id="A1",
        message="Quiet thanks",
        now=datetime(2026, 2, 10, tzinfo=UTC),
    )
    await sign_out(seeded)

    await seeded.sign_in("employee")  # A1, the receiver
    mine = await seeded.client.get("/admin/people/A1/recognition")
    assert mine.status_code == 200
    assert "Covered my late shift" in mine.text
    made = await seeded.post(
        f"/admin/recognition/{other.id}/visibility",
        {"visibility": "PRIVATE"},
        form_page="/admin/people/A1/recognition",
    )
    assert made.status_code == 303, made.text
    await sign_out(seeded)

    await seeded.sign_in("colleague")
    wall = (await seeded.client.get(WALL)).text
    assert "Covered my late shift" in wall
    assert "Quiet thanks" not in wall
    own_page = (await seeded.client.get("/admin/people/A2/recognition")).text
    assert "Covered my late shift" in own_page.split('id="gave"')[1]
    assert (await seeded.client.get("/admin/people/A1/recognition")).status_code == 403
    assert row.visibility.value == "PUBLIC"


async def test_the_team_dashboard_counts_recognition_per_person_in_the_cycle(
    seeded: Browser,
) -> None:
    a2 = await Employee.get(external_id="A2")
    for hours in (0, 1):
        await give_recognition(
            actor=Actor("A2", AccessLevel.EMPLOYEE, employee_id=a2.id),
            receiver_external_id="A1",
            message="Thanks",
            now=datetime(2026, 2, 10, tzinfo=UTC) + timedelta(hours=hours),
        )
    await seeded.sign_in("manager")
    page = await seeded.client.get(f"/admin/teams/hotline/{CYCLE}")
    assert page.status_code == 200
    assert re.search(r'data-recognised="A1"><td>.*?</td><td class="num">2</td>', page.text)
    assert 'href="/admin/teams/hotline/recognition"' in page.text


async def test_a_manager_turns_a_customers_praise_into_a_recognition_in_one_click(
    seeded: Browser,
) -> None:
    top = await Observation.filter(employee__external_id="A1", value=50_000).first()
    assert top is not None
    await seeded.sign_in("manager")
    page = await seeded.client.get("/admin/people/A1/recognition")
    assert f'data-praise="{top.id}"' in page.text
    done = await seeded.post(
        "/admin/people/A1/recognition/praise",
        {"observation_id": str(top.id)},
        form_page="/admin/people/A1/recognition",
    )
    assert done.status_code == 303, done.text
    made = await Recognition.get(observation_id=top.id)
    assert (made.message, made.visibility.value) == (top.comment, "PRIVATE")
    wall = (await seeded.client.get(WALL)).text
    assert top.comment is not None
    assert top.comment in wall
    assert "data-customer-praise" in wall
    again = await seeded.post(
        "/admin/people/A1/recognition/praise",
        {"observation_id": str(top.id)},
        form_page="/admin/people/A1/recognition",
    )
    assert again.status_code == 409


async def test_an_admin_hides_a_recognition_and_sees_trading_pairs(seeded: Browser) -> None:
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "recognitions_per_colleague_per_week": 10,
        },
        expected_version=None,
    )
    a1 = await Employee.get(external_id="A1")
    a2 = await Employee.get(external_id="A2")
    now = datetime.now(UTC) - timedelta(days=1)
    for n in range(3):
        await give_recognition(
            actor=Actor("A1", AccessLevel.EMPLOYEE, employee_id=a1.id),
            receiver_external_id="A2",
            message=f"Thanks {n}",
            now=now,
        )
        await give_recognition(
            actor=Actor("A2", AccessLevel.EMPLOYEE, employee_id=a2.id),
            receiver_external_id="A1",
            message=f"You too {n}",
            now=now,
        )
    await seeded.sign_in("admin")
    hub = (await seeded.client.get("/admin/recognition")).text
    assert 'data-trading="A1-A2"' in hub
    row = await Recognition.get(message="Thanks 0")
    hidden = await seeded.post(
        f"/admin/recognition/{row.id}/hide", {"reason": "Trading"}, form_page=WALL
    )
    assert hidden.status_code == 303, hidden.text
    assert (await Recognition.get(id=row.id)).hidden_reason == "Trading"
    await sign_out(seeded)
    await seeded.sign_in("colleague")
    assert "Thanks 0" not in (await seeded.client.get(WALL)).text
    assert "data-trading" not in (await seeded.client.get("/admin/recognition")).text


async def test_an_outsider_may_not_open_another_teams_wall(seeded: Browser) -> None:
    await seeded.sign_in("outsider")
    assert (await seeded.client.get(WALL)).status_code == 403
    assert (await seeded.client.get("/admin/teams/field/recognition")).status_code == 200


def test_every_english_text_of_the_recognition_pages_has_its_chinese() -> None:
    found = set()
    paths = [*sorted((ROOT / "admin/templates/recognition").glob("*.html"))]
    paths += [ROOT / "admin/views/people/recognition.py", ROOT / "admin/templates/scores/team.html"]
    paths += [ROOT / "admin/templates/policy/form.html"]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        found |= {
            m.group(2) for m in re.finditer(r"""_\((?:request, )?(["'])((?:(?!\1).)+)\1""", text)
        }
    assert found
    assert sorted(found - set(catalogue()["zh-CN"])) == []


async def test_a_refused_recognition_shows_the_wall_again_with_what_was_typed_and_the_field(
    seeded: Browser,
) -> None:
    await seeded.sign_in("colleague")  # A2
    refused = await seeded.post(
        WALL, {"receiver": "A1", "message": "", "value_tag": "night shift hero"}
    )
    assert refused.status_code == 400
    errors = refused.text.split('data-form-errors="give"', 1)[1].split("</div>", 1)[0]
    assert "message:" in errors
    assert 'value="night shift hero"' in refused.text
    assert await Recognition.all().count() == 0
