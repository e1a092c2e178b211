"""Browser tests: Debian's Chromium driven by Playwright against a real server.

They run once per test session, on SQLite with the demo organisation (not once per
database). Without Chromium (or Playwright) they skip with the reason; under CI=true
they fail, so a green CI means they ran. The check comes before anything is launched:
every browser test reaches Chromium through the `chromium` fixture, which checks first.
Install what they need with `apt-get install chromium fonts-wqy-zenhei` (README).
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

from tests.conftest import copy_sqlite

# FAIRSCORE_CHROMIUM names the browser; without it, Debian's, or one on the PATH.
CHROMIUM_VARIABLE = "FAIRSCORE_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = "apt-get install chromium fonts-wqy-zenhei"
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


def chromium_executable(environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The Chromium to launch, or None. A path given in FAIRSCORE_CHROMIUM is the only
    one tried, so that a test can point it at a missing file."""
    given = environ.get(CHROMIUM_VARIABLE)
    if given:
        return given if Path(given).is_file() else None
    if Path(DEFAULT_CHROMIUM).is_file():
        return DEFAULT_CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing_chromium_reason(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    where = environ.get(CHROMIUM_VARIABLE) or f"{DEFAULT_CHROMIUM} or on the PATH"
    return f"Chromium is not installed at {where} ({INSTALL_HINT})"


def require_chromium() -> str:
    """The browser's path, after skipping (or, under CI=true, failing) without one."""
    executable = chromium_executable()
    _need(executable is not None, missing_chromium_reason())
    assert executable is not None
    return executable


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
def live_server(
    tmp_path_factory: pytest.TempPathFactory, demo_sqlite: Path
) -> Iterator[LiveServer]:
    """The demo (`fairscore demo`, built once for the session: tests/conftest.py) behind
    `fairscore serve`, as a person would start it. One server for every browser test."""
    require_chromium()  # no server to start for tests that would skip anyway
    folder = tmp_path_factory.mktemp("live")
    copy_sqlite(demo_sqlite, folder / "demo.sqlite3")
    database_url = f"sqlite://{folder / 'demo.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FAIRSCORE_ENV": "development",
        "FAIRSCORE_ARGON2_MEMORY_KIB": "1024",
        "FAIRSCORE_ARGON2_TIME_COST": "1",
        # The demo's "today": goals' progress, status and due-date checks (SCORING §11).
        "FAIRSCORE_TODAY": "2026-11-28",
    }
    fairscore = [sys.executable, "-m", "service.cli"]
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
    executable = require_chromium()
    try:
        from playwright.async_api import Error, async_playwright
    except ImportError:
        _need(False, "the playwright package is not installed (pip install playwright)")
        raise
    async with async_playwright() as playwright:
        try:
            browser = await playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS
            )
        except Error as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            _need(False, f"Chromium at {executable} did not start: {first_line}")
            raise
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
