"""API tests: real HTTP through the ASGI app, on both databases (the `db` fixture)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest

from service.app import create_app
from service.models import User
from service.settings import Settings
from service.usecases.accounts.auth import actor_for, issue_token
from service.usecases.accounts.users import create_user
from service.usecases.inputs import FeedbackInput, ObservationInput, ReviewInput
from service.usecases.scoring.ingest import record_feedback, record_observations, submit_reviews
from tests.integration.scenario import ADMIN, CYCLE, build_organisation
from tests.snapshots import snapshotted

PASSWORD = "correct horse battery"


@dataclass
class Api:
    client: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: str | None = None,
        lang: str | None = None,
        accept: str = "application/json",
    ) -> httpx.Response:
        headers = {"accept": accept}
        if as_ is not None:
            headers["authorization"] = f"Bearer {self.tokens[as_]}"
        if lang is not None:
            headers["accept-language"] = lang
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    async def run(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: str | None = None,
        lang: str | None = None,
    ) -> dict[str, Any]:
        response = await self.post(query, variables, as_=as_, lang=lang)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def make_settings(*, env: str = "development", max_page_size: int = 100) -> Settings:
    base = Settings.from_environment()
    return replace(base, database_url="sqlite://:memory:", env=env, max_page_size=max_page_size)


@pytest.fixture
async def api(db: str) -> AsyncIterator[Api]:
    # The `db` fixture has set the ORM up; the app's lifespan is not run here.
    app = create_app(make_settings())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield Api(client)


USERS = {
    "admin": ("admin@example.com", "ADMIN", None),
    "manager": ("lead@example.com", "MANAGER", "L1"),
    "employee": ("a1@example.com", "EMPLOYEE", "A1"),
    "colleague": ("a2@example.com", "EMPLOYEE", "A2"),
    "outsider": ("f1@example.com", "EMPLOYEE", "F1"),
    "integration": ("survey-tool@example.com", "INTEGRATION", None),
}


async def seed(api: Api, *, members: int = 4) -> None:
    """The scenario organisation with data, one account per access level and tokens."""
    api.tokens.update(await seeded_tokens(members))


@snapshotted
async def seeded_tokens(members: int = 4) -> dict[str, str]:
    """seed()'s rows, built through the use cases once per database (tests/snapshots.py);
    the tokens it issued, by user."""
    tokens: dict[str, str] = {}
    await build_organisation(members=members)
    settings = make_settings()
    for name, (email, access, employee) in USERS.items():
        await create_user(
            actor=ADMIN,
            email=email,
            access=access,
            password=PASSWORD,
            employee_external_id=employee,
            settings=settings,
        )
        user = await User.get(email=email)
        issued = await issue_token(actor=actor_for(user), user=user, name="test")
        tokens[name] = issued.token
    agents = [f"A{i}" for i in range(1, members + 1)] + ["F1"]
    await record_feedback(
        actor=ADMIN,
        feedback=[
            FeedbackInput(
                rating=str(2 + i % 4),
                channel=("ONLINE_SURVEY", "PHONE_CALLBACK", "FACE_TO_FACE")[i % 3],
                occurred_at=f"2026-02-{1 + i % 27:02d}T09:00:00+08:00",
                source="survey",
                employee_external_id=agents[i % len(agents)],
                external_id=f"s{i}",
                comment=f"visit {i}",
            )
            for i in range(len(agents) * 6)
        ],
    )
    await record_observations(
        actor=ADMIN,
        observations=[
            ObservationInput(
                kpi_code="frt",
                value=str(4 + i % 30),
                source="tickets",
                occurred_at=f"2026-03-{1 + i % 27:02d}T09:00:00Z",
                employee_external_id=agents[i % len(agents)],
                external_id=f"t{i}",
            )
            for i in range(len(agents) * 3)
        ],
    )
    await submit_reviews(
        actor=ADMIN,
        reviews=[
            ReviewInput(CYCLE, agent, "quality", "lead@example.com", "MANAGER", "4")
            for agent in agents
            if agent != "F1"
        ]
        + [ReviewInput(CYCLE, "A1", "quality", "a1@example.com", "SELF", "5")],
    )
    return tokens


@pytest.fixture
async def goal_api(db: str) -> AsyncIterator[Api]:
    """The API with "today" pinned inside the scenario's cycle (SCORING §11's clock)."""
    from datetime import date

    app = create_app(replace(make_settings(), today=date(2026, 1, 5)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield Api(client)
