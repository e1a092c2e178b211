"""The floor for bench/api.py's "my score" load test: a plain Starlette JSON endpoint
doing the reads of the GraphQL `MyScore` query by hand.

`POST /my-score` with `Authorization: Bearer <token>` and `{"cycleCode": "..."}` looks the
token up by its SHA-256 hash (with its user, in one statement), reads the user's
employee's stored score for the cycle (one statement) and answers with the same JSON
document as the GraphQL response's `data`. It reads through the same Tortoise SQLite
client as the service, so the comparison is of the layers above the driver, not of the
driver. Not part of the service: the benchmark starts it under uvicorn
(`uvicorn bench.plain_app:create_app --factory`), reading DATABASE_URL.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tortoise.connection import get_connection
from tortoise.contrib.starlette import RegisterTortoise

from service.models import tortoise_config
from service.scoring import line_text
from service.scoring.stored import StoredScore

TOKEN_SQL = (
    "SELECT u.employee_id, u.access, u.is_active, t.expires_at, t.revoked_at "
    "FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE t.token_hash = ?"
)
SCORE_SQL = (
    "SELECT s.explanation FROM score s JOIN cycle c ON c.id = s.cycle_id "
    "WHERE s.employee_id = ? AND c.code = ?"
)


def as_datetime(value: object) -> datetime:
    """A timestamp as the driver returns it: text on SQLite, a datetime on PostgreSQL."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def decimal_text(value: object) -> str | None:
    """What the API's Decimal scalar sends: the stored text, None stays null."""
    return None if value is None else str(value)


def explanation_of(raw: object) -> dict[str, Any]:
    # Raw SQL gives the JSON column as text on SQLite, decoded already on PostgreSQL.
    data = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
    if not isinstance(data, dict):
        raise TypeError(f"a score's explanation is a JSON object, not {type(data).__name__}")
    return data


def my_score_document(explanation: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    """`viewer.employee.score` of the MyScore query, built from the stored explanation."""
    # Sentences are rendered on read (the stored score holds none): the same work here.
    stored = StoredScore.from_row(explanation)
    sentences = [line_text(line, lang=lang, weighted=stored.scored) for line in stored.lines]
    band = explanation.get("band")
    next_band = explanation.get("next_band")
    return {
        "total": decimal_text(explanation.get("total")),
        "band": None
        if band is None
        else {"code": band, "multiplier": decimal_text(explanation["multiplier"])},
        "nextBand": None
        if next_band is None
        else {"code": next_band["code"], "pointsNeeded": decimal_text(next_band["points_needed"])},
        "lines": [
            {
                "kpi": {"code": line["kpi"]["code"]},
                "rawValue": decimal_text(line["raw_value"]),
                "normalized": decimal_text(line["normalized"]),
                "contribution": decimal_text(line["contribution"]),
                "explanation": sentences[i] if i < len(sentences) else "",
            }
            for i, line in enumerate(explanation.get("lines", []))
        ],
    }


def _refused(status: int, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message}]}, status_code=status)


async def my_score(request: Request) -> JSONResponse:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _refused(401, "Send the token as `Authorization: Bearer <token>`.")
    body = await request.json()
    cycle_code = body.get("cycleCode") if isinstance(body, dict) else None
    if not isinstance(cycle_code, str):
        return _refused(400, "Send {'cycleCode': '...'}.")
    conn = get_connection("default")
    digest = hashlib.sha256(token.strip().encode("utf-8")).hexdigest()
    rows = await conn.execute_query_dict(TOKEN_SQL, [digest])
    if not rows:
        return _refused(401, "The token is unknown, expired or revoked.")
    owner = rows[0]
    if (
        owner["revoked_at"] is not None
        or as_datetime(owner["expires_at"]) <= datetime.now(UTC)
        or not owner["is_active"]
        or owner["access"] == "INTEGRATION"
    ):
        return _refused(401, "The token is unknown, expired or revoked.")
    employee_id = owner["employee_id"]
    score = None
    if employee_id is not None:
        found = await conn.execute_query_dict(SCORE_SQL, [employee_id, cycle_code])
        if found:
            score = my_score_document(explanation_of(found[0]["explanation"]))
    employee = None if employee_id is None else {"score": score}
    return JSONResponse({"viewer": {"employee": employee}})


async def healthz(_request: Request) -> JSONResponse:
    await get_connection("default").execute_query("SELECT 1")
    return JSONResponse({"status": "ok"})


def create_app() -> Starlette:
    database_url = os.environ["DATABASE_URL"]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(database_url)):
            yield

    return Starlette(
        routes=[Route("/my-score", my_score, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )
