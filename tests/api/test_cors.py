"""Browsers on other origins (FAIRSCORE_CORS_ORIGINS): an allow-list, preflight, no
credentials, /graphql only; nothing for anyone when the list is empty (the default)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from service.app import create_app
from service.settings import Settings, SettingsError
from tests.api.conftest import make_settings

APP = "https://app.example.com"
QUERY = {"query": "{ viewer { email } }"}


def _client(*origins: str) -> httpx.AsyncClient:
    app = create_app(replace(make_settings(), cors_origins=origins))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def cors() -> AsyncIterator[httpx.AsyncClient]:
    async with _client(APP, "http://localhost:5173") as client:
        yield client


def _preflight(origin: str, headers: str = "authorization, content-type") -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": headers,
    }


@pytest.mark.usefixtures("db")
async def test_a_listed_origin_passes_the_preflight_without_credentials(
    cors: httpx.AsyncClient,
) -> None:
    response = await cors.options("/graphql", headers=_preflight(APP))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers
    assert "origin" in response.headers["vary"].lower()


@pytest.mark.usefixtures("db")
async def test_a_listed_origin_reads_the_answer_and_the_bearer_challenge(
    cors: httpx.AsyncClient,
) -> None:
    answer = await cors.post("/graphql", json=QUERY, headers={"origin": APP})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP
    assert "access-control-allow-credentials" not in answer.headers
    refused = await cors.post(
        "/graphql", json=QUERY, headers={"origin": APP, "authorization": "Bearer nope"}
    )
    assert refused.status_code == 401
    assert "www-authenticate" in refused.headers["access-control-expose-headers"].lower()


@pytest.mark.usefixtures("db")
async def test_an_origin_not_listed_is_refused_the_preflight_and_gets_no_cors_headers(
    cors: httpx.AsyncClient,
) -> None:
    evil = "https://evil.example.net"
    preflight = await cors.options("/graphql", headers=_preflight(evil))
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    answer = await cors.post("/graphql", json=QUERY, headers={"origin": evil})
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.usefixtures("db")
async def test_by_default_no_origin_is_allowed() -> None:
    async with _client() as client:
        preflight = await client.options("/graphql", headers=_preflight(APP))
        answer = await client.post("/graphql", json=QUERY, headers={"origin": APP})
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.usefixtures("db")
async def test_the_admin_is_never_cross_origin(cors: httpx.AsyncClient) -> None:
    response = await cors.get("/admin/", headers={"origin": APP})
    assert "access-control-allow-origin" not in response.headers


def test_the_setting_reads_a_comma_separated_list_of_origins() -> None:
    environ = {"FAIRSCORE_CORS_ORIGINS": " https://App.example.com/, http://localhost:5173 ,"}
    settings = Settings.from_environment(environ)
    assert settings.cors_origins == ("https://app.example.com", "http://localhost:5173")
    assert Settings.from_environment({}).cors_origins == ()


@pytest.mark.parametrize(
    "value", ["*", "app.example.com", "https://app.example.com/path", "ftp://x.example"]
)
def test_a_setting_that_is_not_a_list_of_origins_is_refused_naming_it(value: str) -> None:
    with pytest.raises(SettingsError, match="FAIRSCORE_CORS_ORIGINS"):
        Settings.from_environment({"FAIRSCORE_CORS_ORIGINS": value})
