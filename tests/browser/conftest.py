"""Browser tests: Debian's Chromium driven by Playwright against a real server.

They run once per test session, on SQLite with the demo organisation (not once per
database). Without Chromium they skip with the reason; under CI=true they fail, so a
green CI means they ran.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("FAIRSCORE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
IN_CI = os.environ.get("CI", "").lower() == "true"
DEMO_PASSWORDS = {
    "admin": ("admin@demo.fairscore.example", "fairscore-admin"),
    "manager": ("manager@demo.fairscore.example", "fairscore-manager"),
    "employee": ("employee@demo.fairscore.example", "fairscore-employee"),
}


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    env: dict[str, str]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`fairscore demo` then `fairscore serve`, as a person would start it."""
    _need(
        Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
        f"Chromium is not installed at {CHROMIUM} (apt-get install chromium fonts-wqy-zenhei)",
    )
    folder = tmp_path_factory.mktemp("live")
    database_url = f"sqlite://{folder / 'demo.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FAIRSCORE_ENV": "development",
        "FAIRSCORE_ARGON2_MEMORY_KIB": "1024",
        "FAIRSCORE_ARGON2_TIME_COST": "1",
    }
    fairscore = [sys.executable, "-m", "service.cli"]
    subprocess.run([*fairscore, "demo"], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*fairscore, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not answer /healthz within 30 s")
        yield LiveServer(url, database_url, env)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[object]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _need(False, "the playwright package is not installed (pip install playwright)")
        raise
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(chromium: object, live_server: LiveServer) -> AsyncIterator[object]:
    from playwright.async_api import Browser

    assert isinstance(chromium, Browser)
    context = await chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()


async def sign_in(page: object, who: str) -> None:
    from playwright.async_api import Page

    assert isinstance(page, Page)
    email, password = DEMO_PASSWORDS[who]
    await page.goto("/admin/sign-in")
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("button.primary")
    await page.wait_for_url("**/admin/")


async def screenshot(page: object, name: str) -> None:
    from playwright.async_api import Page

    assert isinstance(page, Page)
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
