"""People, teams and user accounts in the admin: who sees what, and account changes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest

from service.app import create_app
from service.models import AccessLevel, AdminSession, ApiToken, AuditEntry, User
from service.usecases.accounts.auth import authenticate, hash_token
from service.usecases.inputs import EmployeeInput, TeamInput
from service.usecases.setup.organisation import upsert_employees, upsert_teams
from tests.admin.conftest import Browser
from tests.api.conftest import make_settings
from tests.integration.scenario import ADMIN, CYCLE

ROW = re.compile(r"<tr[^>]*>\s*<td><code>([^<]+)</code></td>")
TOKEN = re.compile(r'id="token-value"[^>]*value="([^"]+)"')


def people_on(html: str) -> list[str]:
    """External ids listed in the people table, in order."""
    table = html.split('<table class="people">', 1)
    if len(table) == 1:
        return []
    return ROW.findall(table[1].split("</table>", 1)[0])


def position_counts(html: str) -> dict[str, int]:
    table = html.split('<table class="positions">', 1)[1].split("</table>", 1)[0]
    found = re.findall(
        r"<code>([^<]+)</code></td>\s*<td>(?:<[^>]+>)?[^<]*(?:</span>)?</td>\s*"
        r"<td class=\"num\">(\d+)",
        table,
    )
    return {code: int(count) for code, count in found}


async def post_from_users_page(browser: Browser, path: str, data: dict[str, str]) -> httpx.Response:
    return await browser.post(path, data, form_page="/admin/users")


# --- who may open the pages --------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("manager", 200), ("employee", 403), ("outsider", 403), ("integration", 403)],
)
@pytest.mark.parametrize("path", ["/admin/people", "/admin/teams"])
async def test_people_and_teams_are_for_admins_and_managers(
    seeded: Browser, who: str, status: int, path: str
) -> None:
    await seeded.sign_in(who)
    response = await seeded.client.get(path)
    assert response.status_code == status
    if status == 403:
        assert "Lena Lead" not in response.text


@pytest.mark.parametrize(
    ("who", "status"), [("admin", 200), ("manager", 403), ("employee", 403), ("integration", 403)]
)
async def test_the_users_page_is_for_admins_only(seeded: Browser, who: str, status: int) -> None:
    await seeded.sign_in(who)
    response = await seeded.client.get("/admin/users")
    assert response.status_code == status
    if status == 403:
        assert "Create an account" not in response.text


@pytest.mark.parametrize("path", ["/admin/people", "/admin/teams", "/admin/users"])
async def test_anonymous_visitors_are_sent_to_sign_in_first(seeded: Browser, path: str) -> None:
    response = await seeded.client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/sign-in?next=")


# --- people ------------------------------------------------------------------------


async def test_an_admin_sees_everyone_with_team_position_and_dates(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    page = await seeded.client.get("/admin/people")
    assert sorted(people_on(page.text)) == ["A1", "A2", "A3", "A4", "F1", "L1"]
    assert "Fang Field" in page.text
    assert "Field" in page.text
    assert "Team lead" in page.text  # L1's position
    assert "1 Jan 2020" in page.text  # L1's hiring date


async def test_a_manager_sees_only_the_people_of_the_teams_they_lead(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    page = await seeded.client.get("/admin/people")
    assert sorted(people_on(page.text)) == ["A1", "A2", "A3", "A4", "L1"]
    assert "Fang Field" not in page.text
    searched = await seeded.client.get("/admin/people", params={"q": "F1"})
    assert people_on(searched.text) == []
    assert "Nobody matches." in searched.text


async def test_search_matches_a_name_or_an_external_id(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    by_name = await seeded.client.get("/admin/people", params={"q": "agent 3"})
    assert people_on(by_name.text) == ["A3"]
    by_id = await seeded.client.get("/admin/people", params={"q": "f1"})
    assert people_on(by_id.text) == ["F1"]


async def test_the_team_filter_includes_the_teams_under_it(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    field = await seeded.client.get("/admin/people", params={"team": "field"})
    assert people_on(field.text) == ["F1"]
    service = await seeded.client.get("/admin/people", params={"team": "service"})
    assert len(people_on(service.text)) == 6
    unknown = await seeded.client.get("/admin/people", params={"team": "nowhere"})
    assert people_on(unknown.text) == []
    assert "No team has the code nowhere." in unknown.text


async def test_each_person_links_to_their_score_in_the_running_cycle(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    page = await seeded.client.get("/admin/people")
    assert f'href="/admin/scores/{CYCLE}/A1"' in page.text
    assert f'href="/admin/scores/{CYCLE}/F1"' in page.text


async def test_people_are_listed_fifty_to_a_page(seeded: Browser) -> None:
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(f"P{i:03d}", f"Person {i:03d}", date(2022, 1, 1), team_code="field")
            for i in range(60)
        ],
    )
    await seeded.sign_in("admin")
    first = await seeded.client.get("/admin/people", params={"q": "person"})
    assert len(people_on(first.text)) == 50
    assert people_on(first.text)[0] == "P000"
    assert 'href="/admin/people?q=person&amp;page=2"' in first.text
    second = await seeded.client.get("/admin/people", params={"q": "person", "page": "2"})
    assert people_on(second.text) == [f"P{i:03d}" for i in range(50, 60)]
    assert 'rel="prev"' in second.text
    assert 'rel="next"' not in second.text
    beyond = await seeded.client.get("/admin/people", params={"q": "person", "page": "99"})
    assert people_on(beyond.text) == people_on(second.text)


async def test_positions_are_counted_among_the_people_the_viewer_may_see(
    seeded: Browser,
) -> None:
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A4",
                "Agent 4",
                date(2021, 1, 1),
                team_code="hotline",
                position_code="agent",
                left_on=date(2024, 1, 31),
            )
        ],
    )
    await seeded.sign_in("admin")
    everyone = await seeded.client.get("/admin/people")
    assert position_counts(everyone.text) == {"agent": 4, "lead": 1}  # A4 has left
    await seeded.post("/admin/sign-out", {}, form_page="/admin/")
    await seeded.sign_in("manager")
    hotline = await seeded.client.get("/admin/people")
    assert position_counts(hotline.text) == {"agent": 3, "lead": 1}  # not F1


# --- teams -------------------------------------------------------------------------


async def test_an_admin_sees_the_hierarchy_with_leads_counts_and_dashboards(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    page = (await seeded.client.get("/admin/teams")).text
    service = page.index("<code>service</code>")
    nested = page.index("<ul>", service)
    assert nested < page.index("<code>hotline</code>")
    assert nested < page.index("<code>field</code>")
    assert "Lena Lead (L1)" in re.sub(r"<[^>]+>", "", page)
    assert "Members: 5" in page  # hotline: L1 and A1-A4
    assert "Members: 1" in page  # field: F1
    for team in ("service", "hotline", "field"):
        assert f'href="/admin/teams/{team}/{CYCLE}"' in page


async def test_a_manager_sees_every_team_name_but_counts_only_where_they_lead(
    seeded: Browser,
) -> None:
    await seeded.sign_in("manager")
    page = (await seeded.client.get("/admin/teams")).text
    assert "<code>field</code>" in page
    assert "<code>service</code>" in page
    assert "Members: 5" in page
    assert "Members: 1" not in page
    assert f'href="/admin/teams/hotline/{CYCLE}"' in page
    assert f'href="/admin/teams/field/{CYCLE}"' not in page
    assert f'href="/admin/teams/service/{CYCLE}"' not in page


async def test_a_manager_does_not_see_who_leads_a_team_outside_their_own(
    seeded: Browser,
) -> None:
    # A lead is a person like any other: the same rule as the API's Team.lead.
    await upsert_teams(actor=ADMIN, teams=[TeamInput("field", "Field", "service", "F1")])
    await seeded.sign_in("manager")
    page = (await seeded.client.get("/admin/teams")).text
    assert "Lena Lead (L1)" in re.sub(r"<[^>]+>", "", page)
    assert "Fang Field" not in page
    assert "(F1)" not in page
    assert "Not shown: you do not manage this person." in page


# --- accounts ----------------------------------------------------------------------


async def test_an_admin_creates_an_account_and_it_is_audited(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    response = await post_from_users_page(
        seeded,
        "/admin/users",
        {
            "email": "A3@Example.com",
            "access": "EMPLOYEE",
            "employee": "A3",
            "password": "a-long-one",
        },
    )
    assert response.status_code == 303
    user = await User.get(email="a3@example.com")
    assert user.access is AccessLevel.EMPLOYEE
    assert user.employee_id is not None
    entry = await AuditEntry.get(action="create_user", entity_key="a3@example.com")
    assert entry.actor == "admin@example.com"
    page = await seeded.client.get(response.headers["location"])
    assert "The account was created." in page.text
    assert "a3@example.com" in page.text


async def test_a_bad_account_shows_the_errors_by_field_and_creates_nothing(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    response = await post_from_users_page(
        seeded,
        "/admin/users",
        {"email": "a3@example.com", "access": "EMPLOYEE", "employee": "", "password": "short"},
    )
    assert response.status_code == 400
    assert "is too short" in response.text
    assert "belongs to an employee" in response.text
    assert 'value="a3@example.com"' in response.text  # what was typed stays
    assert not await User.filter(email="a3@example.com").exists()


async def test_posts_without_the_csrf_token_are_refused_and_change_nothing(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    before = await ApiToken.all().count()
    audited = await AuditEntry.all().count()
    posts = [
        ("/admin/users", {"email": "x@example.com", "access": "ADMIN", "password": "long enough"}),
        ("/admin/users/access", {"email": "a1@example.com", "access": "ADMIN"}),
        ("/admin/users/active", {"email": "a1@example.com", "active": "0"}),
        ("/admin/users/tokens", {"email": "survey-tool@example.com", "days": "30"}),
    ]
    for path, data in posts:
        response = await seeded.client.post(path, data={**data, "csrf_token": "forged"})
        assert response.status_code == 403, path
    token = await ApiToken.filter(revoked_at__isnull=True).first()
    assert token is not None
    revoke = await seeded.client.post(f"/admin/users/tokens/{token.id}/revoke", data={})
    assert revoke.status_code == 403
    assert not await User.filter(email="x@example.com").exists()
    employee = await User.get(email="a1@example.com")
    assert employee.access is AccessLevel.EMPLOYEE
    assert employee.is_active
    assert await ApiToken.all().count() == before
    assert (await ApiToken.get(id=token.id)).revoked_at is None
    assert await AuditEntry.all().count() == audited


async def test_a_manager_cannot_change_accounts_even_with_a_valid_form(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    response = await seeded.post(
        "/admin/users/access", {"email": "a1@example.com", "access": "ADMIN"}, form_page="/admin/"
    )
    assert response.status_code == 403
    assert (await User.get(email="a1@example.com")).access is AccessLevel.EMPLOYEE


async def test_an_admin_changes_an_access_level_and_it_is_audited(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    response = await post_from_users_page(
        seeded, "/admin/users/access", {"email": "a2@example.com", "access": "MANAGER"}
    )
    assert response.status_code == 303
    assert (await User.get(email="a2@example.com")).access is AccessLevel.MANAGER
    entry = await AuditEntry.get(action="set_user_access")
    assert (entry.actor, entry.before, entry.after) == (
        "admin@example.com",
        {"access": "EMPLOYEE"},
        {"access": "MANAGER"},
    )


async def test_an_impossible_access_level_is_explained_on_the_accounts_row(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    response = await post_from_users_page(
        seeded, "/admin/users/access", {"email": "survey-tool@example.com", "access": "MANAGER"}
    )
    assert response.status_code == 400
    assert "belongs to an employee" in response.text
    assert (await User.get(email="survey-tool@example.com")).access is AccessLevel.INTEGRATION


async def test_deactivating_signs_the_person_out_and_revokes_their_tokens(
    seeded: Browser, browser_of_employee: Browser
) -> None:
    assert (await browser_of_employee.client.get("/admin/")).status_code == 200
    employee = await User.get(email="a1@example.com")
    await seeded.sign_in("admin")
    response = await post_from_users_page(
        seeded, "/admin/users/active", {"email": "a1@example.com", "active": "0"}
    )
    assert response.status_code == 303
    assert not (await User.get(id=employee.id)).is_active
    assert not await AdminSession.filter(user_id=employee.id, revoked_at__isnull=True).exists()
    assert not await ApiToken.filter(user_id=employee.id, revoked_at__isnull=True).exists()
    assert (await browser_of_employee.client.get("/admin/")).status_code == 303
    assert await AuditEntry.filter(action="deactivate_user", entity_key="a1@example.com").exists()
    page = await seeded.client.get(response.headers["location"])
    assert "deactivated" in page.text

    again = await post_from_users_page(
        seeded, "/admin/users/active", {"email": "a1@example.com", "active": "1"}
    )
    assert again.status_code == 303
    assert (await User.get(id=employee.id)).is_active
    assert await AuditEntry.filter(action="activate_user", entity_key="a1@example.com").exists()


async def test_an_admin_cannot_deactivate_or_demote_themselves(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    page = await seeded.client.get("/admin/users")
    assert "Another admin changes your own account." in page.text
    deactivate = await post_from_users_page(
        seeded, "/admin/users/active", {"email": "admin@example.com", "active": "0"}
    )
    assert deactivate.status_code == 403
    assert "You cannot deactivate your own account" in deactivate.text
    demote = await post_from_users_page(
        seeded, "/admin/users/access", {"email": "admin@example.com", "access": "INTEGRATION"}
    )
    assert demote.status_code == 403
    me = await User.get(email="admin@example.com")
    assert me.is_active
    assert me.access is AccessLevel.ADMIN
    assert (await seeded.client.get("/admin/users")).status_code == 200  # still signed in


async def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    response = await post_from_users_page(
        seeded,
        "/admin/users/tokens",
        {"email": "survey-tool@example.com", "name": "survey sync", "days": "90"},
    )
    assert response.status_code == 200
    assert "shown only once" in response.text
    found = TOKEN.search(response.text)
    assert found is not None
    token = found.group(1)
    stored = await ApiToken.get(token_hash=hash_token(token))
    assert stored.name == "survey sync"
    assert not await ApiToken.filter(token_hash=token).exists()
    assert (stored.expires_at - stored.created_at).days in (89, 90)
    actor = await authenticate(token)
    assert actor is not None
    assert actor.label == "survey-tool@example.com"
    listing = await seeded.client.get("/admin/users")
    assert "survey sync" in listing.text
    assert token not in listing.text
    assert await AuditEntry.filter(action="issue_token", entity_key=str(stored.id)).exists()


async def test_a_token_with_a_bad_expiry_is_refused_and_nothing_is_issued(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    before = await ApiToken.all().count()
    for days in ("0", "400", "soon"):
        response = await post_from_users_page(
            seeded,
            "/admin/users/tokens",
            {"email": "survey-tool@example.com", "name": "x", "days": days},
        )
        assert response.status_code == 400, days
        assert 'id="token-value"' not in response.text
    assert await ApiToken.all().count() == before


async def test_an_admin_revokes_a_token(seeded: Browser) -> None:
    integration = await User.get(email="survey-tool@example.com")
    token = await ApiToken.get(user_id=integration.id)
    await seeded.sign_in("admin")
    response = await seeded.post(
        f"/admin/users/tokens/{token.id}/revoke", {}, form_page="/admin/users"
    )
    assert response.status_code == 303
    assert (await ApiToken.get(id=token.id)).revoked_at is not None
    assert await AuditEntry.filter(action="revoke_token", entity_key=str(token.id)).exists()
    missing = await seeded.post("/admin/users/tokens/99999/revoke", {}, form_page="/admin/users")
    assert missing.status_code == 404


@pytest.fixture
async def browser_of_employee(seeded: Browser) -> AsyncIterator[Browser]:
    """A second visitor, signed in as the employee, beside the admin's browser."""
    app = create_app(make_settings())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        other = Browser(client)
        await other.sign_in("employee")
        yield other


@pytest.mark.parametrize(
    "page",
    [
        "/admin/people/NOBODY/check-ins",
        "/admin/people/NOBODY/recognition",
        f"/admin/goals/{CYCLE}/employee/NOBODY",
    ],
)
async def test_a_person_page_for_an_unknown_external_id_is_not_found_in_each_language(
    seeded: Browser, page: str
) -> None:
    await seeded.sign_in("admin")
    response = await seeded.client.get(page)
    assert response.status_code == 404
    assert "No such person." in response.text
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    response = await seeded.client.get(page)
    assert response.status_code == 404
    assert "没有这个人员。" in response.text
