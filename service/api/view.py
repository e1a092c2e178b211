"""/graphql over HTTP: bearer tokens, fresh loaders per request, and the
GraphQL-over-HTTP media type and status codes."""

from __future__ import annotations

import asyncio
import json
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from service.api.context import Context
from service.api.errors import error_code
from service.api.loaders import Loaders
from service.api.websocket import LiveConnectionHandler
from service.scoring import preferred_language
from service.settings import Settings
from service.usecases.accounts.auth import SignedIn, TokenRefused, sign_in_by_token
from service.usecases.parsing import MAX_NUMBER_TEXT
from service.usecases.scoring.changes import ChangeHub

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


# The code of an error the HTTP layer answers before GraphQL runs, by its status.
_CODES = {
    400: "BAD_REQUEST",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def _wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


def _accepts_a_json_kind(accept: str) -> bool:
    if not accept.strip():
        return True
    kinds = [part.split(";")[0].strip() for part in accept.split(",")]
    return any(k in (GRAPHQL_RESPONSE, JSON, "*/*", "application/*") for k in kinds)


def _json_int(text: str) -> int | str:
    # int() of thousands of digits is slow, then refused in Python's own words: a long
    # number stays its text, which a Decimal argument hands to the use case to refuse.
    return int(text) if len(text) <= MAX_NUMBER_TEXT else text


def decode_request_json(data: str | bytes) -> Any:
    return json.loads(data, parse_int=_json_int)


# Deeper than any input of the schema; a bound that keeps parsing off Python's stack
# limit (a RecursionError would otherwise surface as a 500 with a huge traceback).
MAX_JSON_DEPTH = 32
# A client that stops sending half-way through its body is cut off after this long.
BODY_READ_SECONDS = 30
# A live connection must sign in (connection_init) within this long of opening.
CONNECTION_INIT_SECONDS = 10


class Unauthenticated(Exception):
    """A 401: the Authorization header signs nobody in (RFC 6750 names `bearer_error`)."""

    def __init__(self, message: str, code: str, bearer_error: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.bearer_error = bearer_error

    def response(self, request: Request) -> Response:
        description = self.message.replace("\\", "").replace('"', "'")
        media = GRAPHQL_RESPONSE if _wants_graphql_response(request) else JSON
        return Response(
            json.dumps({"errors": [{"message": self.message, "extensions": {"code": self.code}}]}),
            status_code=401,
            media_type=media,
            headers={
                "WWW-Authenticate": f'Bearer realm="fairscore", error="{self.bearer_error}", '
                f'error_description="{description}"',
                "Cache-Control": "no-store",
            },
        )


class RequestRefused(Exception):
    """A request the caller must change before sending again; answered as JSON."""

    def __init__(self, status: int, message: str, code: str, legacy_status: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        # What an application/json (legacy) client gets: the same status unless said.
        self.legacy_status = legacy_status or status


def _json_depth(value: object) -> int:
    """How deeply arrays and objects nest, found without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_JSON_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _brackets(text: str | bytes) -> int:
    """How many arrays and objects the text could open at most (brackets in strings count
    too; in UTF-16 or UTF-32 each bracket still holds its ASCII byte)."""
    if isinstance(text, str):
        return text.count("[") + text.count("{")
    return text.count(b"[") + text.count(b"{")


def _parsed(text: str | bytes) -> object:
    """JSON within the nesting bound; None when it is not JSON (the GraphQL view says so)."""
    try:
        value = decode_request_json(text)
    except RecursionError:
        value = None
        too_deep = True
    except ValueError:
        return None
    else:
        # Fewer brackets than the bound cannot nest past it: most requests skip the walk.
        too_deep = _brackets(text) > MAX_JSON_DEPTH and _json_depth(value) > MAX_JSON_DEPTH
    if too_deep:
        raise RequestRefused(
            400,
            f"The request's JSON nests deeper than {MAX_JSON_DEPTH} levels; no input of "
            "this API is that deep. Send the variables as the schema describes them.",
            "BAD_REQUEST",
        )
    return value


def _strings(value: object) -> list[str]:
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


# A POST body as _check_request_values decoded it, for the GraphQL view's own decoding
# of the same body (decode_json): each request's body is decoded once.
_decoded_body: ContextVar[tuple[bytes, object] | None] = ContextVar("decoded_body", default=None)


def _is_json(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";", 1)[0]
    return media.strip().lower() == JSON


def _a_json_scalar(body: bytes, value: object) -> bool:
    """Whether the body is JSON whose value is a string, number, boolean or null (None
    from `_parsed` is also "not JSON", which Strawberry answers itself)."""
    if value is None:
        return body.strip() == b"null"
    return not isinstance(value, (dict, list))


async def _check_request_values(request: Request) -> tuple[bytes, object] | None:
    """Refuses, before GraphQL parses anything, JSON nested too deeply and NUL characters
    (which PostgreSQL text cannot store): both are the caller's to fix. Returns a POST
    body that is JSON with its decoded value, for the view not to decode it again."""
    decoded = None
    if request.method == "GET":
        values: object = {
            key: _parsed(text) if key in ("variables", "extensions") else text
            for key, text in request.query_params.items()
        }
        may_hold_nul = True
    else:
        body = await request.body()
        values = _parsed(body or b"null")
        if values is not None:
            decoded = (body, values)
        if _is_json(request) and _a_json_scalar(body, values):
            # Strawberry reads such a body as an object and fails inside (a 500).
            raise RequestRefused(
                400,
                "The request body is JSON but not a GraphQL request: send an object, "
                '{"query": "…", "variables": {…}}.',
                "BAD_REQUEST",
            )
        # JSON text holds a NUL only escaped, and a query's own escape of it is written
        # with the same six characters: a body without them needs no walk (nor zero
        # bytes: JSON in UTF-16 or UTF-32 has them, and its escapes look different).
        may_hold_nul = b"\\u0000" in body or b"\x00" in body
    query = values.get("query") if isinstance(values, dict) else None
    if may_hold_nul and (
        any("\x00" in text for text in _strings(values))
        or (isinstance(query, str) and "\\u0000" in query)
    ):
        raise RequestRefused(
            400,
            "Text may not contain NUL characters (\\u0000); remove them and send again.",
            "BAD_USER_INPUT",
            # Read by legacy clients like a validation error: a 200 with errors.
            legacy_status=200,
        )
    return decoded


def _error_document(request: Request, refused: RequestRefused, status: int) -> Response:
    wants_new = _wants_graphql_response(request)
    # No `data`: the request never ran (GraphQL-over-HTTP).
    body = {"errors": [{"message": refused.message, "extensions": {"code": refused.code}}]}
    return Response(
        json.dumps(body),
        status_code=status,
        media_type=GRAPHQL_RESPONSE if wants_new else JSON,
        headers={"Cache-Control": "no-store"},
    )


def _content_length(scope: Scope) -> str:
    """The Content-Length header as Starlette's `Request.headers` reads it (the first
    one; ASGI gives header names in lower case), without making the request's headers."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            text: str = value.decode("latin-1")
            return text
    return ""


class LimitedBody:
    """Reads a /graphql request body before the GraphQL view does, refusing it as soon as
    it passes the limit (Content-Length or not, e.g. chunked) instead of after reading
    it all, and cutting off a client that stops sending half-way."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> RequestRefused:
        return RequestRefused(
            413,
            f"The request body is larger than {self.max_bytes} bytes; split the batch into "
            "smaller requests (e.g. a few thousand rows each, one idempotency key per request).",
            "PAYLOAD_TOO_LARGE",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        refused: RequestRefused | None = None
        chunks: list[bytes] = []
        if declared.isdigit() and int(declared) > self.max_bytes:
            refused = self._too_large()
        else:
            size = 0
            try:
                # asyncio's own timeout: the server runs on asyncio, and it costs half
                # of anyio's cancel scope on every request.
                async with asyncio.timeout(BODY_READ_SECONDS):
                    while True:
                        message = await receive()
                        if message["type"] == "http.disconnect":
                            return
                        chunk: bytes = message.get("body", b"")
                        size += len(chunk)
                        if size > self.max_bytes:
                            refused = self._too_large()
                            break
                        chunks.append(chunk)
                        if not message.get("more_body", False):
                            break
            except TimeoutError:
                refused = RequestRefused(
                    408,
                    f"The request body did not arrive within {BODY_READ_SECONDS} seconds; "
                    "send it again.",
                    "REQUEST_TIMEOUT",
                )
        if refused is not None:
            response = _error_document(Request(scope), refused, refused.status)
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _reword(refused: HTTPException) -> None:
    """Strawberry's refusals, with the status and words docs/api.md section 8 gives them:
    a mutation over GET is 405 (GraphQL-over-HTTP says so), a body in another media
    type 415."""
    if refused.reason.startswith("subscriptions are not allowed"):
        refused.reason = (
            "Subscriptions run over a WebSocket at /graphql (graphql-transport-ws, "
            "e.g. the graphql-ws client), not over HTTP."
        )
    elif refused.reason.startswith("mutations are not allowed"):
        refused.status_code = 405
        refused.reason = "A mutation is sent with POST; GET runs queries only."
    elif refused.reason == "Unsupported content type":
        refused.status_code = 415
        refused.reason = "Send the request body as application/json."


class FairscoreGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = LiveConnectionHandler

    def __init__(self, schema: Any, settings: Settings, changes: ChangeHub | None = None) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if not settings.is_production else None,
            allow_queries_via_get=True,  # queries only; mutations need POST
            multipart_uploads_enabled=False,
            # The live WebSocket (service/api/websocket.py): the protocol graphql-ws
            # speaks, opened by pages of the same origin or of FAIRSCORE_CORS_ORIGINS.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=CONNECTION_INIT_SECONDS),
            max_subscriptions_per_connection=settings.subscriptions_per_connection,
            allowed_origins=settings.cors_origins,
        )
        self.settings = settings
        self.changes = changes
        # Whether a request may ask for a streamed response (SSE, multipart): not with
        # the one protocol above, which is a WebSocket's.
        self._streams = bool(self._stream_transport_map)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        if isinstance(request, WebSocket):
            # Signed in later, by the connection_init payload.
            return Context(
                request=request,
                response=None,
                settings=self.settings,
                actor=None,
                lang=preferred_language(request.headers.get("accept-language")),
                changes=self.changes,
            )
        signed_in: SignedIn | None = None
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated(
                    "Send the token as `Authorization: Bearer <token>`.",
                    "UNAUTHENTICATED",
                    "invalid_request",
                )
            try:
                signed_in = await sign_in_by_token(token.strip())
            except TokenRefused as refused:
                raise Unauthenticated(refused.message, refused.code, "invalid_token") from None
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            settings=self.settings,
            actor=None if signed_in is None else signed_in.actor,
            lang=preferred_language(request.headers.get("accept-language")),
            loaders=Loaders(),
            signed_in=signed_in,
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
            checked = await _check_request_values(request)
            plain = self._plain_request(request, checked)
            if plain is not None and context is UNSET and root_value is UNSET:
                response = await self._run_plain(request, plain)
            else:
                decoded = _decoded_body.set(checked)
                try:
                    response = await super().run(request, context, root_value)
                finally:
                    _decoded_body.reset(decoded)
        except Unauthenticated as refused:
            return refused.response(request)
        except RequestRefused as refused:
            new = _wants_graphql_response(request)
            status = refused.status if new else refused.legacy_status
            return _error_document(request, refused, status)
        except HTTPException as refused:
            _reword(refused)
            # Said as a GraphQL error document, so every client can read it the same way.
            media = GRAPHQL_RESPONSE if _wants_graphql_response(request) else JSON
            return Response(
                json.dumps(
                    {
                        "errors": [
                            {
                                "message": refused.reason,
                                "extensions": {
                                    "code": _CODES.get(refused.status_code, "BAD_REQUEST")
                                },
                            }
                        ]
                    }
                ),
                status_code=refused.status_code,
                media_type=media,
                headers={"Cache-Control": "no-store"}
                | ({"Allow": "GET, POST"} if refused.status_code == 405 else {}),
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

    def _plain_request(
        self, request: Request, checked: tuple[bytes, object] | None
    ) -> GraphQLRequestData | None:
        """The operation of a POST that Strawberry's `run` would take through its plainest
        path (a JSON object of one operation, its fields of the right types, no streamed
        response possible), from the body as the checks decoded it; None for any other
        request, which goes through `run` itself."""
        if checked is None or self._streams or request.method != "POST":
            return None
        # Strawberry parses the media type (with the email package); the exact value
        # every client sends settles it without parsing. Any other goes the long way.
        if request.headers.get("content-type") != JSON:
            return None
        data = checked[1]
        if not isinstance(data, dict):
            return None  # a batch, or not an object: Strawberry says what is wrong
        query = data.get("query")
        variables = data.get("variables")
        extensions = data.get("extensions")
        if not (
            isinstance(query, (str, type(None)))
            and isinstance(variables, (dict, type(None)))
            and isinstance(extensions, (dict, type(None)))
        ):
            return None
        return GraphQLRequestData(
            query=query,
            variables=variables,
            operation_name=data.get("operationName"),
            extensions=extensions,
            protocol="http",
        )

    async def _run_plain(self, request: Request, request_data: GraphQLRequestData) -> Response:
        """Strawberry's `run` (AsyncBaseHTTPView) for a request `_plain_request` took: the
        same hooks in the same order, without the steps whose outcome that request
        already settled (the method, the GraphiQL page, the media type and body, the
        streamed and incremental results, which this schema and view never give):
        about a tenth of a small query's server time (docs/performance.md, "myscore")."""
        request_adapter = self.request_adapter_class(request)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        result = await self.execute_single(
            request=request,
            request_adapter=request_adapter,
            sub_response=sub_response,
            context=context,
            root_value=None,  # get_root_value's, which this view leaves as it is
            request_data=request_data,
        )
        response_data = await self.process_result(request=request, result=result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        for error in result.errors or []:
            code = error_code(error)
            error.extensions = {**(error.extensions or {}), "code": code}
        response = process_result(result)
        errors = response.get("errors") or []
        if (
            response.get("data") is None
            and errors
            and all(isinstance(e, dict) and "path" not in e for e in errors)
        ):
            # The request failed before it ran (syntax, validation, variables): a
            # GraphQL-over-HTTP response then has no `data` key at all.
            response.pop("data", None)
        return response

    def decode_json(self, data: str | bytes) -> object:
        decoded = _decoded_body.get()
        if decoded is not None and (data is decoded[0] or data == decoded[0]):
            return decoded[1]
        return decode_request_json(data)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        response.headers["Cache-Control"] = "no-store"
        return response
