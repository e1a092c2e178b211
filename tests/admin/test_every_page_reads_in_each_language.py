"""Every page of the demo, as each role, in Chinese and in English: no raw code, no
internal document, and on a Chinese page no English outside people's own words.

The demo is built once (`fairscore demo`, as a person would) into a SQLite file; the
app runs in-process with its own lifespan over that file, and a visitor per role
follows every admin link it is shown (a few of each kind of page).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE

from admin.web import LANGUAGE_COOKIE
from service.app import create_app
from service.demo import DEMO_CYCLE_CODE, DEMO_SIGN_INS
from service.settings import Settings
from tests.admin.readable import unreadable
from tests.conftest import ACTIVE_CONFIG, CHEAP_HASHING, copy_sqlite

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r'<a [^>]*href="(/admin/[^"#]*)')
# Path segments that name a kind of page; any other segment is a key (a code, an id).
PAGE_WORDS = {
    "admin", "scores", "lines", "teams", "cycles", "scorecards", "calibration", "kpis",
    "new", "people", "users", "imports", "appeals", "audit", "policy", "password", "me",
    "heatmap",
}  # fmt: skip
PAGES_OF_A_KIND = 3
ROLES = {
    "admin": DEMO_SIGN_INS[0],
    "manager": DEMO_SIGN_INS[1],
    "employee": DEMO_SIGN_INS[2],
}


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory, demo_sqlite: Path) -> str:
    """A copy of the session's demo (tests/conftest.py)."""
    path = tmp_path_factory.mktemp("walk") / "demo.sqlite3"
    copy_sqlite(demo_sqlite, path)
    return f"sqlite://{path}"


@pytest.fixture
async def demo_client(demo_database: str) -> AsyncIterator[httpx.AsyncClient]:
    from asgi_lifespan import LifespanManager

    settings = replace(
        Settings.from_environment(CHEAP_HASHING), database_url=demo_database, env="development"
    )
    app = create_app(settings)
    # The app's lifespan sets the ORM's global context: the session's, if one is up, steps
    # aside meanwhile and comes back after. None is up once the session's database is torn
    # down (other tests ran before): then none is brought back, or the next walk's app
    # would find it in its way.
    session_orm = Tortoise.is_inited()
    if session_orm:
        await Tortoise.close_connections()
        EXECUTOR_CACHE.clear()
    try:
        async with (
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://test"
            ) as client,
        ):
            yield client
    finally:
        # The app's lifespan replaced the ORM's connections: give the session's back.
        await Tortoise.close_connections()
        EXECUTOR_CACHE.clear()
        if session_orm and "config" in ACTIVE_CONFIG:
            await Tortoise.init(config=ACTIVE_CONFIG["config"], _enable_global_fallback=True)


async def sign_in(client: httpx.AsyncClient, role: str) -> None:
    who = ROLES[role]
    form = await client.get("/admin/sign-in")
    token = CSRF.search(form.text)
    assert token, form.text
    signed = await client.post(
        "/admin/sign-in",
        data={
            "csrf_token": token.group(1),
            "email": who.email,
            "password": who.password,
            "next": "/admin/",
        },
    )
    assert signed.status_code == 303, signed.text


def kind_of(path: str) -> str:
    parts = urlsplit(path)
    segments = [s if s in PAGE_WORDS else "*" for s in parts.path.split("/") if s]
    query = ",".join(sorted(p.split("=")[0] for p in parts.query.split("&") if p))
    return "/".join(segments) + (f"?{query}" if query else "")


async def walk(client: httpx.AsyncClient, start: list[str]) -> dict[str, str]:
    """Every admin page reachable by links from `start`, a few of each kind: path -> HTML."""
    seen: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    queue = list(start)
    while queue:
        path = queue.pop(0)
        # A CSV download is data, not a page, with or without a query (`shadow.csv?position=`).
        if path in seen or "/static/" in path or urlsplit(path).path.endswith(".csv"):
            continue
        kind = kind_of(path)
        if kinds[kind] >= PAGES_OF_A_KIND:
            continue
        kinds[kind] += 1
        response = await client.get(path)
        if response.status_code in (302, 303, 307):
            # A menu entry may lead to one's own page (`/admin/goals` -> my goals); the
            # page it leads to is walked, never the sign-in page.
            target = urljoin(path, response.headers["location"])
            assert "sign-in" not in target, f"{path}: sent to {target}"
            queue.append(target)
            continue
        assert response.status_code == 200, f"{path}: {response.status_code}"
        seen[path] = response.text
        for link in LINK.findall(response.text):
            queue.append(urljoin(path, link.replace("&amp;", "&")))
    return seen


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_every_page_of_the_demo_reads_in_the_chosen_language(
    demo_client: httpx.AsyncClient, role: str, lang: str
) -> None:
    await sign_in(demo_client, role)
    demo_client.cookies.set(LANGUAGE_COOKIE, lang)
    start = ["/admin/"]
    if role != "admin":  # the demo's admin is not an employee: no score of their own
        start.append(f"/admin/scores/{DEMO_CYCLE_CODE}/me")
    else:
        start += ["/admin/audit", "/admin/kpis/new", "/admin/cycles/new", "/admin/password"]
    pages = await walk(demo_client, start)

    problems = [
        f"{path}: {problem}" for path, html in pages.items() for problem in unreadable(html, lang)
    ]
    assert len(pages) > (12 if role != "employee" else 2)
    assert not problems, f"{len(problems)} problems on {len(pages)} pages:\n" + "\n".join(
        sorted(set(problems))[:80]
    )


def test_a_chinese_page_with_an_english_message_or_a_code_is_caught() -> None:
    page = (
        '<html lang="zh-CN"><body><p>周期</p><p>1 appeal(s) are still open</p>'
        '<span class="tag">SELF</span><p lang="en">Very patient and helpful!</p>'
        '<code translate="no">csat</code><input placeholder="Reason"></body></html>'
    )
    assert unreadable(page, "zh-CN") == [
        "English in '1 appeal(s) are still open'",
        "code 'SELF' in 'SELF'",
        "English in 'Reason'",
    ]
    assert unreadable(page.replace("SELF", "自评"), "en") == []


async def test_the_walk_leaves_csv_downloads_alone_with_or_without_a_query() -> None:
    class NoRequests:
        async def get(self, path: str) -> None:
            raise AssertionError(f"fetched {path}")

    client: object = NoRequests()
    pages = await walk(
        client,  # type: ignore[arg-type]
        ["/admin/cycles/2026-Q4/shadow.csv?position=agent", "/admin/cycles/2026-Q4/pilot.csv"],
    )
    assert pages == {}


def test_the_walk_names_a_kind_of_page_by_its_fixed_words() -> None:
    assert kind_of("/admin/scores/2026-Q4/E1001/lines/2") == "admin/scores/*/*/lines/*"
    assert kind_of("/admin/audit?page=2&action=x") == "admin/audit?action,page"
