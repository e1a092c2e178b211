from __future__ import annotations

from pathlib import Path

import httpx

from service.app import create_app
from service.settings import Settings


async def test_healthz_reports_a_reachable_database(db: str) -> None:
    # The `db` fixture has set the ORM up, so the app's lifespan is not needed here.
    app = create_app(Settings(database_url="sqlite://:memory:"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "reachable"}


async def test_healthz_says_unavailable_when_the_database_cannot_be_reached(
    tmp_path: Path, own_orm: None
) -> None:
    from asgi_lifespan import LifespanManager

    missing = tmp_path / "no-such-dir" / "db.sqlite3"
    app = create_app(Settings(database_url=f"sqlite://{missing}"))
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://test"
        ) as client,
    ):
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
