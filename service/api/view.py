"""/graphql over HTTP: bearer tokens, fresh loaders per request, and the
GraphQL-over-HTTP media type and status codes."""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types.unset import UNSET

from service.api.context import Context
from service.api.loaders import Loaders
from service.scoring import preferred_language
from service.settings import Settings
from service.usecases.auth import authenticate

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


def _accepts_a_json_kind(accept: str) -> bool:
    if not accept.strip():
        return True
    kinds = [part.split(";")[0].strip() for part in accept.split(",")]
    return any(k in (GRAPHQL_RESPONSE, JSON, "*/*", "application/*") for k in kinds)


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


async def _has_nul_characters(request: Request) -> bool:
    """NUL cannot be stored in PostgreSQL text: found up front, it is the caller's error."""
    if request.method == "GET":
        values: object = dict(request.query_params)
    else:
        try:
            values = json.loads(await request.body() or b"null")
        except ValueError:
            return False  # not JSON: the GraphQL view says so
    query = values.get("query") if isinstance(values, dict) else None
    return _has_nul(values) or (isinstance(query, str) and "\\u0000" in query)


class FairscoreGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: Any, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if not settings.is_production else None,
            allow_queries_via_get=True,  # queries only; mutations need POST
            multipart_uploads_enabled=False,
        )
        self.settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        assert isinstance(request, Request)
        actor = None
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise HTTPException(401, "Send the token as `Authorization: Bearer <token>`.")
            actor = await authenticate(token.strip())
            if actor is None:
                raise HTTPException(
                    401,
                    "The token is unknown, expired or revoked; sign in "
                    "again with the `login` mutation.",
                )
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            settings=self.settings,
            actor=actor,
            lang=preferred_language(request.headers.get("accept-language")),
            loaders=Loaders(),
        )

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket:
        if not isinstance(request, Request):
            return await super().run(request, context, root_value)
        accept = request.headers.get("accept", "")
        try:
            if not _accepts_a_json_kind(accept) and not (
                request.method == "GET" and "text/html" in accept
            ):
                raise HTTPException(406, f"Ask for {GRAPHQL_RESPONSE} or {JSON}.")
            if await _has_nul_characters(request):
                # A request error the caller can fix, answered like a validation error.
                wants_new = _wants_graphql_response(request)
                body = {
                    "data": None,
                    "errors": [
                        {
                            "message": "Text may not contain NUL characters (\\u0000); remove them "
                            "and send again.",
                            "extensions": {"code": "BAD_USER_INPUT"},
                        }
                    ],
                }
                return Response(
                    json.dumps(body),
                    status_code=400 if wants_new else 200,
                    media_type=GRAPHQL_RESPONSE if wants_new else JSON,
                )
            response = await super().run(request, context, root_value)
        except HTTPException as refused:
            # Said as a GraphQL error document, so every client can read it the same way.
            media = GRAPHQL_RESPONSE if _wants_graphql_response(request) else JSON
            return Response(
                json.dumps({"errors": [{"message": refused.reason}]}),
                status_code=refused.status_code,
                media_type=media,
            )
        if not isinstance(response, Response) or not _wants_graphql_response(request):
            return response
        if response.media_type != JSON:
            return response
        # GraphQL-over-HTTP: a request that could not be executed at all (no `data`)
        # is a 4xx with the new media type; a result with data, even partial, stays 200.
        body = json.loads(bytes(response.body)) if response.body else {}
        status = response.status_code
        if (
            status == 200
            and isinstance(body, dict)
            and body.get("data") is None
            and body.get("errors")
        ):
            status = 400
        headers = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-type")
        }
        return Response(
            response.body, status_code=status, headers=headers, media_type=GRAPHQL_RESPONSE
        )

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        response.headers["Cache-Control"] = "no-store"
        return response
