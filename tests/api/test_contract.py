"""The contract files agree with the code, and HTTP follows GraphQL-over-HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from service.api.schema import create_schema
from service.app import create_app
from tests.api.conftest import Api, make_settings, seed
from tests.integration.scenario import CYCLE


def test_exported_schema_file_matches_the_code(project_root: Path) -> None:
    exported = (project_root / "graphql" / "schema.graphql").read_text(encoding="utf-8")
    current = create_schema(make_settings()).as_str() + "\n"
    assert exported == current, "run `fairscore schema --output graphql/schema.graphql`"


async def test_a_syntax_error_is_400_with_the_graphql_response_media_type(api: Api) -> None:
    response = await api.post("{ employees { ", accept="application/graphql-response+json")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert response.json()["errors"]


async def test_legacy_json_clients_get_200_for_the_same_error(api: Api) -> None:
    response = await api.post("{ employees { ")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


async def test_a_request_asking_for_neither_json_kind_is_406(api: Api) -> None:
    response = await api.post("{ viewer { email } }", accept="text/csv")
    assert response.status_code == 406


def _refused_before_running(response: Any, status: int, code: str) -> None:
    """docs/api.md section 8: a JSON error document with the status and code it lists."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/")
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_mutations_are_refused_over_get_with_405(api: Api, accept: str) -> None:
    # GraphQL-over-HTTP: a mutation sent with GET MUST be answered 405 Method Not Allowed.
    response = await api.client.get(
        "/graphql", params={"query": "mutation { logout { ok } }"}, headers={"accept": accept}
    )
    _refused_before_running(response, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in response.headers["allow"]
    assert "mutation" in response.json()["errors"][0]["message"].lower()


async def test_a_method_other_than_get_or_post_is_405_with_a_code(api: Api) -> None:
    response = await api.client.put(
        "/graphql", json={"query": "{ viewer { email } }"}, headers={"accept": "application/json"}
    )
    _refused_before_running(response, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in response.headers["allow"]


async def test_a_body_that_is_not_json_is_415(api: Api) -> None:
    response = await api.client.post(
        "/graphql", content="query { viewer { email } }", headers={"content-type": "text/plain"}
    )
    _refused_before_running(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "application/json" in response.json()["errors"][0]["message"]


async def test_batched_requests_are_refused(api: Api) -> None:
    response = await api.client.post("/graphql", json=[{"query": "{ viewer { email } }"}] * 2)
    assert response.status_code == 400


async def test_a_bad_token_is_401_with_what_to_do(api: Api) -> None:
    response = await api.client.post(
        "/graphql", json={"query": "{ viewer { email } }"}, headers={"authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    assert "login" in response.text


async def test_malformed_cursors_and_ids_are_client_errors_not_unexpected(api: Api) -> None:
    await seed(api)
    for query in (
        '{ employees(after: "%%%") { nodes { name } } }',
        '{ node(id: "not-an-id") { id } }',
        '{ employee(id: "Q3ljbGU6MQ") { name } }',
    ):
        body = await api.run(query, as_="admin")
        error = body["errors"][0]
        assert error["message"] != "Unexpected error."
        assert error["extensions"]["code"] == "BAD_USER_INPUT", query


async def test_first_is_capped_by_the_setting(api: Api) -> None:
    await seed(api)
    body = await api.run("{ employees(first: 101) { nodes { name } } }", as_="admin")
    assert "at most 100" in body["errors"][0]["message"]


async def test_deep_queries_and_many_aliases_are_refused(api: Api) -> None:
    await seed(api)
    deep = (
        "{ viewer { employee { team { parent { lead { team { parent { lead { team { "
        "parent { lead { name } } } } } } } } } } } }"
    )
    body = await api.run(deep, as_="admin")
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: viewer {{ email }}" for i in range(16)) + " }"
    body = await api.run(aliases, as_="admin")
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_a_document_past_the_token_limit_is_refused_and_one_at_it_is_run(api: Api) -> None:
    from service.api.schema import MAX_TOKENS

    await seed(api)

    # `{ viewer { email … } }`: five tokens around the repeated field.
    def fields(count: int) -> str:
        return "{ viewer { " + " ".join(["email"] * count) + " } }"

    # At the limit the document is parsed and goes on to validation (which gives up on
    # so many overlapping fields: a validation error, not a parse error).
    at_limit = await api.run(fields(MAX_TOKENS - 5), as_="admin")
    assert at_limit["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    over = await api.run(fields(MAX_TOKENS - 4), as_="admin")
    assert over["errors"][0]["message"] == (
        f"Syntax Error: Document contains more than {MAX_TOKENS} tokens. Parsing aborted."
    )
    assert over["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "data" not in over
    # A text once refused is refused again: the parse cache keeps documents, not refusals.
    assert await api.run(fields(MAX_TOKENS - 4), as_="admin") == over


async def test_validation_rules_added_in_production_keep_the_limits(db: str) -> None:
    # Production adds "no introspection" after the depth and alias limits: one list, so
    # neither replaces the other.
    app = create_app(make_settings(env="production"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        api = Api(client)
        await seed(api)
        aliases = "{ " + " ".join(f"a{i}: viewer {{ email }}" for i in range(16)) + " }"
        body = await api.run(aliases, as_="admin")
        assert body["errors"][0]["message"] == "16 aliases found. Allowed: 15"
        body = await api.run("{ __schema { types { name } } }", as_="admin")
        assert "introspection has been disabled" in body["errors"][0]["message"]


async def test_explanations_follow_accept_language(api: Api) -> None:
    await seed(api)
    query = (
        'query($c: String!) { employee(externalId: "A1") { score(cycleCode: $c) { '
        "explanation lines { explanation } } } }"
    )
    english = await api.run(query, {"c": CYCLE}, as_="admin", lang="en-GB,en;q=0.9")
    chinese = await api.run(query, {"c": CYCLE}, as_="admin", lang="zh-CN,zh;q=0.9")
    en = english["data"]["employee"]["score"]
    zh = chinese["data"]["employee"]["score"]
    assert "points" in en["explanation"] or "Total" in en["explanation"]
    assert en["explanation"] != zh["explanation"]
    assert any("分" in line["explanation"] for line in zh["lines"])


@pytest.mark.parametrize("env", ["development", "production"])
async def test_introspection_suggestions_and_the_ide_follow_the_environment(
    db: str, env: str
) -> None:
    app = create_app(make_settings(env=env))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        ide = await client.get("/graphql", headers={"accept": "text/html"})
        intro = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        typo = await client.post("/graphql", json={"query": "{ viewr { email } }"})
    if env == "production":
        assert ide.status_code == 404
        assert intro.json().get("data") is None
        assert "Did you mean" not in typo.text
    else:
        assert ide.status_code == 200
        assert "graphiql" in ide.text.lower()
        assert intro.json()["data"]["__schema"]["types"]
        assert "Did you mean" in typo.text


async def test_unexpected_errors_are_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    await seed(api)
    from service.models import Kpi

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(Kpi, "all", broken)
    body = await api.run("{ kpis { code } }", as_="admin")
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in str(body)


async def test_a_repeated_query_is_validated_once_then_served_from_the_cache(api: Api) -> None:
    # The limiters' rules must be the same objects on every request, or the cache (keyed
    # on them) never hits and every request pays for full validation again.
    from service.api.operation import cached_validate

    await seed(api)
    cached: Any = cached_validate
    query = "{ viewer { email access } }"
    await api.run(query, as_="admin")
    before = cached.cache_info()
    await api.run(query, as_="admin")
    after = cached.cache_info()
    assert after.hits == before.hits + 1
    assert after.misses == before.misses


async def test_a_repeated_query_is_parsed_once_then_served_from_the_cache(api: Api) -> None:
    from service.api.operation import cached_parse

    await seed(api)
    cached: Any = cached_parse
    query = "{ viewer { email access } }"
    await api.run(query, as_="admin")
    before = cached.cache_info()
    await api.run(query, as_="admin")
    after = cached.cache_info()
    assert after.hits == before.hits + 1
    assert after.misses == before.misses
