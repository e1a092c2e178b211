"""Admin view tests: real HTTP through the ASGI app, signed in through the real form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from service.app import create_app
from tests.api.conftest import PASSWORD, USERS, Api, make_settings, seed

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """One visitor with a cookie jar: signs in through the form like a person would."""

    client: httpx.AsyncClient

    async def csrf(self, path: str = "/admin/sign-in") -> str:
        page = await self.client.get(path)
        found = CSRF.search(page.text)
        assert found, f"no CSRF token on {path}: {page.status_code}"
        return found.group(1)

    async def sign_in(self, who: str) -> httpx.Response:
        email = USERS[who][0]
        token = await self.csrf()
        return await self.client.post(
            "/admin/sign-in",
            data={"csrf_token": token, "email": email, "password": PASSWORD, "next": "/admin/"},
        )

    async def post(
        self, path: str, data: dict[str, str], *, form_page: str | None = None
    ) -> httpx.Response:
        token = await self.csrf(form_page or path)
        return await self.client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
async def browser(db: str) -> AsyncIterator[Browser]:
    app = create_app(make_settings())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield Browser(client)


@pytest.fixture
async def seeded(browser: Browser) -> Browser:
    api = Api(browser.client)
    await seed(api)
    return browser
